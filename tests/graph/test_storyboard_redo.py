"""A storyboard redo keeps what came before it: the attempts of the re-boarded shots stay in the record's history
and in the figures, count against the shot's attempt budget, and a shot approved on its first attempt after a redo
is not a first-pass approval. Driven through the real graph and the previz renderer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from langgraph.types import Command

from graph.build import build_graph
from graph.checkpoint import open_checkpointer
from graph.state import ProductionContext
from reelcrew.config import Settings, load_settings
from tests.graph.support import SMALL, TINY, model_calls
from tools.context import ToolContext

pytestmark = pytest.mark.slow

PINNED = "E01-S002-SH01"  # pinned to a model no other shot is routed to, so only it can be made to fail
PINNED_MODEL = "wan-2.6-720p"


def _settings(simulation: dict[str, str]) -> Settings:
    return load_settings(**SMALL, backends={"simulation": simulation}, router={"overrides": {PINNED: PINNED_MODEL}})


def _leg(settings: Settings, out: Path, payload: Any, **options: Any) -> dict[str, Any]:
    """Run the production graph on its thread with ``settings`` until it ends or pauses; its state values."""
    ctx = ToolContext.create(settings, out, read_grants=[TINY])
    thread = {"configurable": {"thread_id": "redo"}}
    try:
        with open_checkpointer(settings.checkpoint, out) as saver:
            graph = build_graph(settings, checkpointer=saver)
            for _ in graph.stream(payload, thread, context=ProductionContext(out=str(out), tools=ctx), **options):
                pass
            values: dict[str, Any] = graph.get_state(thread).values
            return values
    finally:
        executor = ctx.services.get("executor")
        if executor is not None:
            executor.shutdown()


def test_attempts_before_a_redo_stay_in_the_history_the_budget_and_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # First round: every clip is broken, so the five-shot scene of episode 1 clusters and is re-boarded.
    broken = _settings({"*": "black_frames"})
    before = _leg(broken, out, {"scripts": [str(TINY)]}, interrupt_after=["redo_storyboard"])
    assert before["redos"] == {"E01-S001": 1}
    reboarded = {s.id for s in before["storyboard"].scene_board("E01-S001").shots}
    assert set(before["history"]) >= reboarded and all(len(before["history"][k]) == 1 for k in reboarded)

    # From here the models work, except the one the pinned shot uses: it fails until it is flagged for review.
    after = _leg(_settings({PINNED_MODEL: "black_frames"}), out, None)
    pinned = after["records"][PINNED]
    assert pinned.status == "flagged" and len(pinned.attempts) == 3  # max_attempts, then a human

    # A person may look now: the bibles on disk hold the references QA locked, and the contact sheet is there.
    board = after["storyboard"]
    locked = {c: b.reference_frames for c, b in board.bibles.characters.items() if b.reference_frames}
    assert locked
    for character_id, frames in locked.items():
        on_disk = json.loads((out / "bibles" / "characters" / f"{character_id}.json").read_text())
        assert [f["path"] for f in on_disk["reference_frames"]] == [f.path for f in frames]
    assert json.loads((out / "storyboard.json").read_text())["bibles"] == board.bibles.model_dump(mode="json")
    assert (out / "storyboard.html").is_file() and (out / "storyboard.png").is_file()

    for _ in range(3):  # approve what waits for review (a look no second take confirmed may wait too)
        flagged = [k for k, r in after["records"].items() if r.status == "flagged"]
        if not flagged:
            break
        answers = {k: {"action": "approve"} for k in flagged}
        after = _leg(_settings({PINNED_MODEL: "black_frames"}), out, Command(resume=answers))
    manifest = json.loads((out / "manifest.json").read_text())
    shots, figures = manifest["shots"], manifest["figures"]
    every = {k: [*s["earlier_attempts"], *s["attempts"]] for k, s in shots.items()}
    for k, removed in manifest["removed_shots"].items():
        every[k] = removed["earlier_attempts"]

    # Every generation is in the record's history and in the figures: one attempt per real model call.
    calls = model_calls(out)
    assert sum(len(a) for a in every.values()) == figures["attempts"] == len(calls) + figures["cache_hits"]
    assert Counter(c["shot_id"] for c in calls) == Counter(
        {k: sum(not a["cached"] for a in v) for k, v in every.items()}
    )
    assert all(len(v) <= 3 for v in every.values())
    assert figures["retries"] == sum(len(v) - 1 for v in every.values() if v)
    failed = sum(not g["passed"] for v in every.values() for a in v for g in a["gates"] if g["gate"] == "artifacts")
    assert figures["drift_rate"]["artifacts"] == round(failed / figures["attempts"], 4)

    # The re-boarded shots kept their first attempt; approved on their first attempt after the redo, they are
    # still not first-pass approvals: a first pass is a shot's first attempt ever.
    for shot_id in reboarded & set(shots):
        assert len(shots[shot_id]["earlier_attempts"]) == 1
        assert shots[shot_id]["earlier_attempts"][0]["gates"]
    approved_after_redo = [k for k in reboarded & set(shots) if len(shots[k]["attempts"]) == 1]
    assert approved_after_redo and all(shots[k]["status"] == "approved" for k in approved_after_redo)
    first_pass = [k for k, s in shots.items() if s["approved_by"] == "gates" and len(every[k]) == 1]
    assert not set(first_pass) & reboarded
    assert figures["first_pass_approved"] == len(first_pass)
    assert figures["first_pass_approval_rate"] == round(len(first_pass) / len(shots), 4)
