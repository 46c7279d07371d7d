"""The Continuity agent's rules policy end to end: real clips, ffmpeg, Chroma and the offline embedder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from agents.continuity import ContinuityAgent
from domain.bibles import CharacterBible, SceneBible
from domain.production import ShotAttempt, ShotRecord
from domain.screenplay import Scene as ScriptScene
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.context import ToolContext
from tools.continuity import frame_store
from tools.gates.synthetic import Figure, Scene, Set, write_figure_clip

MEI = Figure("mei")
DINER = Set(kelvin=3200)


def shot(index: int, characters: tuple[str, ...] = ("mei",)) -> Shot:
    return Shot(
        id=f"E01-S001-SH{index:02d}",
        episode=1,
        scene_id="E01-S001",
        index=index,
        location_id="diner",
        shot_type=ShotType.MS,
        characters=list(characters),
    )


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    context = ToolContext.create(Config(), tmp_path)
    scene = ScriptScene(
        id="E01-S001", episode=1, number=1, heading="INT. DINER - NIGHT", location_id="diner", location_name="Diner"
    )
    board = SceneBoard(scene=scene, shots=[shot(i) for i in range(1, 5)])
    context.project.storyboard = Storyboard(episodes=[EpisodeBoard(number=1, scenes=[board])])
    bibles = context.project.storyboard.bibles
    bibles.characters["mei"] = CharacterBible(character_id="mei", name="Mei")
    bibles.locations["diner"] = SceneBible(location_id="diner", name="Diner", color_temperature_k=3200)
    return context


def clip(ctx: ToolContext, name: str, scene: Scene) -> Path:
    return write_figure_clip(scene, ctx.out / "clips" / f"{name}.mp4")


def test_approval_locks_references_and_later_shots_are_held_to_them(ctx: ToolContext) -> None:
    agent = ContinuityAgent(ctx)
    board = ctx.project.storyboard
    first = clip(ctx, "sh01", Scene((MEI,), DINER))
    character, lighting = agent.check(shot(1), first, board.context_for(shot(1)), 1)
    assert character.passed and character.details["unreferenced"] == ["mei"] and lighting.passed
    agent.approve(shot(1), first, board.context_for(shot(1)))
    assert len(board.bibles.characters["mei"].reference_frames) == 1
    assert len(board.bibles.locations["diner"].approved_frames) == 1
    assert len(frame_store(ctx).references("mei")) == 1 and len(frame_store(ctx).location_frames("diner")) == 3

    drifted = clip(ctx, "sh02", Scene((replace(MEI, torso=(0.2, 0.6, 0.2)),), DINER))
    character, _ = agent.check(shot(2), drifted, board.context_for(shot(2)), 1)
    assert not character.passed and character.reason == "character_drift"

    held = clip(ctx, "sh03", Scene((replace(MEI, box=(0.2, 0.3, 0.6, 0.95)),), DINER))
    results = agent.check(shot(3), held, board.context_for(shot(3)), 1)
    assert all(r.passed for r in results) and results[0].score >= 0.9 and results[1].details["similarity"] >= 0.85

    used = {d.tool for d in ctx.decisions.memory}
    assert {d.agent for d in ctx.decisions.memory} == {"continuity"} and used <= set(ContinuityAgent.tools)


def test_lighting_drift_is_colour_graded_and_rechecked_before_any_regeneration(ctx: ToolContext) -> None:
    agent = ContinuityAgent(ctx)
    cold = clip(ctx, "cold", Scene((MEI,), Set(kelvin=6000)))
    character, lighting = agent.check(shot(1), cold, ctx.project.storyboard.context_for(shot(1)), 1)
    assert character.passed
    assert lighting.passed and lighting.fixed == "color_grade"
    graded = Path(lighting.details["clip"])
    assert graded.is_file() and graded != cold
    assert lighting.details["before"]["failed"] == ["temperature"]
    assert abs(lighting.details["measured_k"] - 3200) < 300
    tools = [d.tool for d in ctx.decisions.memory]
    assert tools.index("correct_color_grade") < len(tools) - 1 and tools.count("check_lighting") == 2


def test_a_wrong_set_is_not_fixed_by_a_grade_and_stays_failed(ctx: ToolContext) -> None:
    agent = ContinuityAgent(ctx)
    board = ctx.project.storyboard
    approved = clip(ctx, "ok", Scene((MEI,), DINER))
    agent.check(shot(1), approved, board.context_for(shot(1)), 1)
    agent.approve(shot(1), approved, board.context_for(shot(1)))
    rooftop = Set(kelvin=3200, wall=(0.35, 0.4, 0.55), floor=(0.2, 0.2, 0.22), accent=(0.9, 0.3, 0.3))
    wrong = clip(ctx, "wrong", Scene((MEI,), rooftop))
    _, lighting = agent.check(shot(2), wrong, board.context_for(shot(2)), 1)
    assert not lighting.passed and lighting.reason == "lighting_drift" and lighting.fixed is None
    assert "correction" in lighting.details and "clip" not in lighting.details


def _round(ctx: ToolContext, agent: ContinuityAgent, looks: dict[int, Figure], prefix: str) -> dict[str, ShotRecord]:
    """Check one round of takes (nobody has a reference yet), as the graph does before settling references."""
    board = ctx.project.storyboard
    records: dict[str, ShotRecord] = {}
    for i, figure in looks.items():
        path = clip(ctx, f"{prefix}-{i}", Scene((figure,), DINER))
        gates = agent.check(shot(i), path, board.context_for(shot(i)), 1)
        attempt = ShotAttempt(attempt=1, model="previz", prompt="p", seed=i, clip=str(path), gates=gates)
        records[shot(i).id] = ShotRecord(shot_id=shot(i).id, attempts=[attempt])
    assert all(r.attempts[-1].passed for r in records.values())  # nobody had a reference yet
    return records


def test_settling_references_rejudges_a_round_checked_before_any_reference(ctx: ToolContext) -> None:
    agent = ContinuityAgent(ctx)
    board = ctx.project.storyboard
    looks = {1: MEI, 2: replace(MEI, torso=(0.15, 0.2, 0.7)), 3: replace(MEI, box=(0.25, 0.3, 0.65, 0.95))}
    records = _round(ctx, agent, looks, "round")

    agent.settle_references([shot(1), shot(2), shot(3)], records)
    references = board.bibles.characters["mei"].reference_frames
    # one reference for the look and framing, from a take that agrees with the others (the consensus); takes 1
    # and 3 agree, so the tie goes to script order, as the first approved frame did before
    assert [r.shot_id for r in references] == [shot(1).id]
    assert records[shot(1).id].attempts[-1].passed
    second = records[shot(2).id].attempts[-1]
    assert not second.passed and second.reasons == ["character_drift"]
    assert records[shot(3).id].attempts[-1].passed


def test_a_drifted_first_take_does_not_become_the_reference(ctx: ToolContext) -> None:
    agent = ContinuityAgent(ctx)
    board = ctx.project.storyboard
    drifted = replace(MEI, torso=(0.15, 0.2, 0.7))
    looks = {
        1: drifted,
        2: MEI,
        3: replace(MEI, box=(0.25, 0.3, 0.65, 0.95)),
        4: replace(MEI, box=(0.32, 0.2, 0.7, 0.9)),
    }
    records = _round(ctx, agent, looks, "drift-first")

    agent.settle_references([shot(i) for i in looks], records)
    assert [r.shot_id for r in board.bibles.characters["mei"].reference_frames] == [shot(2).id]
    first = records[shot(1).id].attempts[-1]
    assert not first.passed and first.reasons == ["character_drift"]
    assert all(records[shot(i).id].attempts[-1].passed for i in (2, 3, 4))
