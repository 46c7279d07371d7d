"""The Script agent's five tools through the registry, on the bundled example, in a real tool context."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import ScriptError, ToolError
from domain.settings import Config
from domain.shot import ShotType
from tools.context import ToolContext
from tools.registry import ToolCaller, tools_of

SCRIPT_TOOLS = ["parse_script", "analyze_beat", "plan_shots", "revise_scene_storyboard", "edit_shot"]


@pytest.fixture
def caller(tmp_path: Path, example_dir: Path) -> ToolCaller:
    ctx = ToolContext.create(Config(), tmp_path / "out", read_grants=[example_dir])
    calls = ToolCaller(ctx, "script", SCRIPT_TOOLS)
    calls.call("parse_script", {"paths": [str(example_dir / "neon-vows.fountain")]})
    return calls


def test_the_script_agent_owns_exactly_its_five_tools() -> None:
    assert [spec.name for spec in tools_of("script")] == SCRIPT_TOOLS
    assert all(spec.description for spec in tools_of("script"))


def test_parse_script_summarises_and_lays_out_the_storyboard(tmp_path: Path, example_dir: Path) -> None:
    ctx = ToolContext.create(Config(), tmp_path, read_grants=[example_dir])
    result = ToolCaller(ctx, "script", SCRIPT_TOOLS).call("parse_script", {"paths": [str(example_dir)]})
    assert result.title == "Neon Vows" and result.scene_count == 11
    assert [len(e.scenes) for e in result.episodes] == [6, 5]
    assert result.episodes[0].scenes[0].speakers == ["kai", "lin"]
    assert "riverside-promenade" in result.locations and result.screenplay is not None
    assert next(b.scene.id for b in ctx.project.storyboard.episodes[1].scenes) == "E02-S001"
    assert ctx.decisions.memory[-1].tool == "parse_script" and ctx.decisions.memory[-1].agent == "script"


def test_parse_script_reports_a_missing_file(tmp_path: Path) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    with pytest.raises(ScriptError):
        ToolCaller(ctx, "script", SCRIPT_TOOLS).call("parse_script", {"paths": ["nowhere.fountain"]})
    assert ctx.decisions.memory[-1].ok is False


def test_analyze_beat(caller: ToolCaller) -> None:
    result = caller.call("analyze_beat", {"text": "Yes. Yes, you idiot, yes!", "parenthetical": "laughing, tearful"})
    assert result.intensity >= 0.7 and "laughing" in result.cues
    action = caller.call("analyze_beat", {"text": "The SUV rams their bumper. A ring and a phone fly."})
    assert "vehicle" in action.physics_elements and action.props == ["ring", "phone"]


def test_plan_shots_writes_the_scene_onto_the_storyboard(caller: ToolCaller) -> None:
    result = caller.call("plan_shots", {"scene_id": "E01-S005"})
    board = caller.ctx.project.storyboard.scene_board("E01-S005")
    assert board.shots == result.shots and result.shots[0].cinematic_priority
    with pytest.raises(ToolError, match="no scene 'E09-S001'"):
        caller.call("plan_shots", {"scene_id": "E09-S001"})


def test_plan_shots_accepts_and_checks_a_proposed_list(caller: ToolCaller) -> None:
    shots = [{"shot_type": "ELS", "beat_indices": [0]}, {"shot_type": "CU", "beat_indices": [1, 2], "lens_mm": 20}]
    result = caller.call("plan_shots", {"scene_id": "E01-S005", "shots": shots})
    assert [s.shot_type for s in result.shots] == [ShotType.ELS, ShotType.CU]
    assert result.shots[1].lens_mm != 20 and result.notes
    with pytest.raises(ToolError, match="unknown shot type"):
        caller.call("plan_shots", {"scene_id": "E01-S005", "shots": [{"shot_type": "HUGE", "beat_indices": [0]}]})


def test_revise_scene_storyboard_bumps_the_revision(caller: ToolCaller) -> None:
    caller.call("plan_shots", {"scene_id": "E01-S001"})
    result = caller.call("revise_scene_storyboard", {"scene_id": "E01-S001", "reasons": ["character_drift"]})
    board = caller.ctx.project.storyboard.scene_board("E01-S001")
    assert result.revision == board.revision == 1
    assert all(len(s.characters) <= 1 for s in board.shots) and result.changes


def test_edit_shot_changes_one_shot_in_place(caller: ToolCaller) -> None:
    caller.call("plan_shots", {"scene_id": "E01-S001"})
    result = caller.call(
        "edit_shot", {"shot_id": "E01-S001-SH02", "changes": {"shot_type": "CU", "description": "Lin, closer."}}
    )
    shot = caller.ctx.project.storyboard.shot("E01-S001-SH02")
    assert shot == result.shot and shot.shot_type is ShotType.CU and shot.description == "Lin, closer."
    assert result.changed == ["description", "shot_type"] and result.notes
    with pytest.raises(ToolError, match="suits"):
        caller.call("edit_shot", {"shot_id": "E01-S001-SH02", "changes": {"shot_type": "CU", "lens_mm": 14}})
    wider = caller.call("edit_shot", {"shot_id": "E01-S001-SH02", "changes": {"lens_mm": 35, "take": 1}})
    assert wider.shot.shot_type is ShotType.MS and wider.shot.take == 1 and "framing" in wider.notes[0]
    unpinned = caller.call("edit_shot", {"shot_id": "E01-S001-SH02", "changes": {"model_override": None}})
    assert unpinned.shot.model_override is None
    with pytest.raises(ToolError, match="no shot"):
        caller.call("edit_shot", {"shot_id": "E01-S001-SH99", "changes": {"lens_mm": 50}})
    with pytest.raises(ToolError, match="invalid arguments"):
        caller.call("edit_shot", {"shot_id": "E01-S001-SH02", "changes": {"colour": "red"}})
