"""The lighting gate and the colour-grade correction: measured kelvin, approved look, a real ffmpeg grade."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.media import read_frames
from domain.bibles import SceneBible
from domain.production import GateResult
from domain.settings import Config
from tools.context import ToolContext
from tools.continuity import (
    ColorGradeArgs,
    EmbedFramesArgs,
    LightingCheckArgs,
    SampleFramesArgs,
    check_lighting,
    correct_color_grade,
    embed_frames,
    sample_frames,
)
from tools.gates.lighting import estimate_kelvin, kelvin_to_rgb, rb_to_kelvin
from tools.gates.synthetic import Figure, Scene, Set, paint, write_figure_clip

MEI = Figure("mei")
DINER = Set(kelvin=3200)
ROOFTOP = Set(kelvin=3200, wall=(0.35, 0.4, 0.55), floor=(0.2, 0.2, 0.22), accent=(0.9, 0.3, 0.3))


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    context = ToolContext.create(Config(), tmp_path)
    context.project.storyboard.bibles.locations["diner"] = SceneBible(
        location_id="diner", name="Diner", color_temperature_k=3200
    )
    return context


def frames_of(ctx: ToolContext, scene: Scene, name: str, shot_id: str) -> tuple[Path, list[str]]:
    clip = write_figure_clip(scene, ctx.out / "clips" / f"{name}.mp4")
    return clip, [f.path for f in sample_frames(ctx, SampleFramesArgs(clip=str(clip), shot_id=shot_id)).frames]


def lighting(ctx: ToolContext, frames: list[str], shot_id: str) -> GateResult:
    return check_lighting(ctx, LightingCheckArgs(shot_id=shot_id, frames=frames, location_id="diner")).gate


def test_the_kelvin_curve_inverts_and_frames_read_back_their_light() -> None:
    for kelvin in (2200, 3200, 4500, 6500, 9000):
        rgb = kelvin_to_rgb(kelvin)
        assert rb_to_kelvin(rgb[0] / rgb[2]) == pytest.approx(kelvin, rel=0.01)
    neutral = Set(wall=(0.6, 0.6, 0.6), floor=(0.4, 0.4, 0.4), accent=(0.8, 0.8, 0.8))
    for kelvin in (2500, 3200, 4300, 5600, 7500):
        frame = paint(Scene((MEI,), Set(**{**neutral.__dict__, "kelvin": kelvin})), 180, 320)
        assert estimate_kelvin(frame, [MEI.box]) == pytest.approx(kelvin, rel=0.06)
    assert estimate_kelvin(np.zeros((64, 36, 3), dtype=np.uint8)) is None


def test_matching_light_passes_and_a_shifted_temperature_fails(ctx: ToolContext) -> None:
    _, good = frames_of(ctx, Scene((MEI,), DINER), "warm", "E01-S001-SH01")
    gate = lighting(ctx, good, "E01-S001-SH01")
    assert gate.passed and gate.details["target_k"] == 3200 and gate.details["similarity"] is None
    _, cold = frames_of(ctx, Scene((MEI,), Set(kelvin=6500)), "cold", "E01-S001-SH02")
    drift = lighting(ctx, cold, "E01-S001-SH02")
    assert not drift.passed and drift.reason == "lighting_drift" and drift.details["failed"] == ["temperature"]
    assert drift.score > 2000


def test_the_colour_grade_moves_the_light_to_the_target_and_the_recheck_passes(ctx: ToolContext) -> None:
    clip, cold = frames_of(ctx, Scene((MEI,), Set(kelvin=6000)), "cold", "E01-S001-SH02")
    graded = correct_color_grade(
        ctx, ColorGradeArgs(shot_id="E01-S001-SH02", clip=str(clip), frames=cold, location_id="diner")
    )
    assert graded.measured_k_before is not None and graded.measured_k_after is not None
    assert abs(graded.measured_k_after - 3200) < 250 < abs(graded.measured_k_before - 3200)
    assert graded.gains[0] > 1.0 > graded.gains[2]
    # the pixels really changed: red up and blue down against the original
    before, after = read_frames(clip, [0.5])[0], read_frames(Path(graded.clip), [0.5])[0]
    ratio = lambda f: f[..., 0].mean() / f[..., 2].mean()  # noqa: E731
    assert ratio(after) > ratio(before) * 1.5
    assert Path(graded.clip).with_name(Path(graded.clip).name + ".json").is_file()  # figure boxes kept
    regraded = [f.path for f in sample_frames(ctx, SampleFramesArgs(clip=graded.clip, shot_id="E01-S001-SH02")).frames]
    assert lighting(ctx, regraded, "E01-S001-SH02").passed


def test_a_wrong_set_under_the_right_light_fails_on_likeness_to_approved_frames(ctx: ToolContext) -> None:
    _, approved = frames_of(ctx, Scene((MEI,), DINER), "approved", "E01-S001-SH01")
    embed_frames(ctx, EmbedFramesArgs(shot_id="E01-S001-SH01", frames=approved, approved=True, location_id="diner"))
    assert len(ctx.project.storyboard.bibles.locations["diner"].approved_frames) == 1

    elsewhere = Figure("mei", box=(0.45, 0.3, 0.85, 0.95))
    _, same_set = frames_of(ctx, Scene((elsewhere,), DINER), "moved", "E01-S001-SH02")
    passed = lighting(ctx, same_set, "E01-S001-SH02")
    assert passed.passed and passed.details["similarity"] >= 0.85

    close_up = Figure("mei", box=(0.0, 0.05, 1.0, 1.0))  # shows almost no set: judged on temperature only
    _, close = frames_of(ctx, Scene((close_up,), DINER), "closeup", "E01-S001-SH04")
    only_light = lighting(ctx, close, "E01-S001-SH04")
    assert only_light.passed and only_light.details["similarity"] is None

    _, wrong_set = frames_of(ctx, Scene((MEI,), ROOFTOP), "rooftop", "E01-S001-SH03")
    failed = lighting(ctx, wrong_set, "E01-S001-SH03")
    assert not failed.passed and "similarity" in failed.details["failed"]
    assert failed.details["similarity"] < 0.7


def test_with_approved_frames_the_grade_matches_their_look(ctx: ToolContext) -> None:
    _, approved = frames_of(ctx, Scene((MEI,), DINER), "approved", "E01-S001-SH01")
    embed_frames(
        ctx,
        EmbedFramesArgs(shot_id="E01-S001-SH01", frames=approved, approved=True, location_id="diner", shot_type="MS"),
    )
    dim_cold = Scene((MEI,), Set(kelvin=6500, exposure=0.7))  # wrong light and underexposed
    clip, frames = frames_of(ctx, dim_cold, "dim", "E01-S001-SH02")
    args = LightingCheckArgs(shot_id="E01-S001-SH02", frames=frames, location_id="diner", shot_type="MS")
    before = check_lighting(ctx, args).gate
    assert not before.passed and before.details["failed"] == ["temperature", "similarity"]
    graded = correct_color_grade(
        ctx, ColorGradeArgs(shot_id="E01-S001-SH02", clip=str(clip), location_id="diner", shot_type="MS")
    )
    assert graded.method == "match_approved" and graded.measured_k_after is not None
    assert abs(graded.measured_k_after - 3200) < 300
    regraded = [f.path for f in sample_frames(ctx, SampleFramesArgs(clip=graded.clip, shot_id="E01-S001-SH02")).frames]
    after = check_lighting(ctx, args.model_copy(update={"frames": regraded})).gate
    assert after.passed and after.details["similarity"] > 0.9


def test_grading_without_a_target_is_refused_with_advice(ctx: ToolContext) -> None:
    from domain.errors import ToolError

    clip, _ = frames_of(ctx, Scene((MEI,)), "plain", "E01-S009-SH01")
    with pytest.raises(ToolError, match="target_k"):
        correct_color_grade(ctx, ColorGradeArgs(shot_id="E01-S009-SH01", clip=str(clip)))
