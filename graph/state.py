"""The production's typed state, and the reducers that let parallel shot tasks write it safely.

Per-shot tasks write only their own ``records`` entry and per-episode tasks their own ``cuts`` entry (merged by
key); everything else is written by nodes that run alone (planning, QA, review), so no two writers race.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel, Field

from domain.production import ShotAttempt, ShotRecord
from domain.screenplay import Screenplay
from domain.storyboard import Storyboard
from tools.routing import CostEstimate


def merge(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Dict union, right wins: each parallel writer owns its keys. A value of None deletes its key."""
    merged = {**(left or {}), **(right or {})}
    return {k: v for k, v in merged.items() if v is not None}


class Phase(StrEnum):
    WAITING = "waiting"
    GENERATING = "generating"
    FINISHING = "finishing"
    NEEDS_REVIEW = "needs_review"
    DONE = "done"


class EpisodeProgress(BaseModel):
    phase: Phase = Phase.WAITING
    qa_rounds: int = 0


class ReviewItem(BaseModel):
    shot_id: str
    episode: int
    reasons: list[str]
    frames: list[str] = Field(default_factory=list)
    clip: str = ""
    prompt: str = ""


class ReviewDecision(BaseModel):
    """What a human said about a flagged shot."""

    action: str = Field(pattern="^(approve|reject|regenerate)$")
    prompt: str = Field(default="", description="an edited description for a regeneration")


class ProductionInput(TypedDict, total=False):
    scripts: list[str]
    dry_run: bool


class ProductionState(TypedDict, total=False):
    scripts: list[str]
    dry_run: bool
    screenplay: Screenplay
    storyboard: Storyboard
    estimate: CostEstimate
    records: Annotated[dict[str, ShotRecord], merge]
    cuts: Annotated[dict[str, dict[str, Any]], merge]
    progress: dict[int, EpisodeProgress]
    redos: dict[str, int]
    history: dict[str, list[ShotAttempt]]
    """Per shot id, the attempts made under storyboard revisions that a redo replaced, oldest first. They stay in
    the run's figures, and they count against the shot's ``gates.max_attempts``: a redo changes what the shot's
    remaining attempts generate, it does not give it new ones."""
    clusters: list[dict[str, Any]]
    review: list[ReviewItem]
    status: str


class ShotJob(TypedDict, total=False):
    """The state of one per-shot task: the shot's slice of the storyboard, small enough to checkpoint."""

    board: Storyboard
    shot_id: str
    attempt: int
    correction: str
    record: ShotRecord
    attempt_result: ShotAttempt
    records: Annotated[dict[str, ShotRecord], merge]


class EpisodeJob(TypedDict):
    board: Storyboard
    episode: int
    records: dict[str, ShotRecord]


@dataclass
class ProductionContext:
    """Run-scoped context (LangGraph ``context_schema``): where the production lives and how it is configured.

    ``tools`` may carry a prebuilt ToolContext (the CLI, tests); otherwise one is built once per process from
    ``out`` and the Config the graph was built with.
    """

    out: str = "out"
    tools: Any = None
