"""The Script agent's rules policy end to end on the example: read, storyboard, redo; its allow-list holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.character import CharacterAgent
from agents.script import ScriptAgent
from domain.errors import ToolNotAllowed
from domain.settings import Config
from domain.shot import ShotType
from tools.context import ToolContext
from tools.decision_log import read_decisions


@pytest.fixture
def ctx(tmp_path: Path, example_dir: Path) -> ToolContext:
    return ToolContext.create(Config(), tmp_path / "out", read_grants=[example_dir])


def test_read_then_storyboard_every_scene(ctx: ToolContext, example_dir: Path) -> None:
    agent = ScriptAgent(ctx)
    screenplay = agent.read([example_dir])
    assert [e.number for e in screenplay.episodes] == [1, 2]
    bibles = CharacterAgent(ctx).build_bibles(screenplay)
    board = ScriptAgent(ctx).storyboard(screenplay, bibles)
    assert board is ctx.project.storyboard and board.bibles == bibles
    assert all(b.shots for e in board.episodes for b in e.scenes)
    planned = [d for d in ctx.decisions.memory if d.agent == "script" and d.tool == "plan_shots"]
    assert [d.subject for d in planned] == [s.id for s in screenplay.scenes()]
    assert all(d.reason and d.policy == "rules" for d in planned)
    logged = read_decisions(ctx.out / "decisions.jsonl")
    assert {d.tool for d in logged} >= {"parse_script", "extract_characters", "build_character_bible", "plan_shots"}


def test_storyboard_works_from_a_fresh_context_without_read(tmp_path: Path, example_dir: Path) -> None:
    """The graph plans from the screenplay in its state, in a context that never parsed it."""
    first = ToolContext.create(Config(), tmp_path / "a", read_grants=[example_dir])
    screenplay = ScriptAgent(first).read([example_dir])
    fresh = ToolContext.create(Config(), tmp_path / "b")
    bibles = CharacterAgent(fresh).build_bibles(screenplay)
    board = ScriptAgent(fresh).storyboard(screenplay, bibles)
    again = ScriptAgent(ToolContext.create(Config(), tmp_path / "c")).storyboard(screenplay, bibles)
    assert [s.model_dump() for s in again.shots()] == [s.model_dump() for s in board.shots()]


def test_redo_scene_revises_on_the_project_storyboard(ctx: ToolContext, example_dir: Path) -> None:
    agent = ScriptAgent(ctx)
    screenplay = agent.read([example_dir / "neon-vows.fountain"])
    agent.storyboard(screenplay, CharacterAgent(ctx).build_bibles(screenplay))
    old = ctx.project.storyboard.scene_board("E02-S003").shots
    board = agent.redo_scene("E02-S003", ["character_drift"])
    assert board is ctx.project.storyboard.scene_board("E02-S003")
    assert board.revision == 1 and all(s.revision == 1 for s in board.shots)
    assert ShotType.OTS in {s.shot_type for s in old} and ShotType.OTS not in {s.shot_type for s in board.shots}
    assert all("in frame" in s.description for s in board.shots)
    redo = ctx.decisions.memory[-1]
    assert redo.tool == "revise_scene_storyboard" and "character_drift" in redo.reason


def test_the_script_agent_cannot_call_character_tools(ctx: ToolContext) -> None:
    agent = ScriptAgent(ctx)
    with pytest.raises(ToolNotAllowed, match="may not call 'build_character_bible'"):
        agent.call("build_character_bible", {"character_id": "lin"})
    assert set(agent.tools) == {"parse_script", "analyze_beat", "plan_shots", "revise_scene_storyboard", "edit_shot"}
    assert agent.name == "script" and agent.prompt == "script.yaml"
