"""The character gate through its tools: real clips, real ffmpeg, real Chroma, the offline embedder."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from domain.bibles import CharacterBible
from domain.settings import Config
from tools.context import ToolContext
from tools.continuity import (
    CharacterCheckArgs,
    CharacterCheckResult,
    LockReferenceArgs,
    SampleFramesArgs,
    check_character_continuity,
    frame_store,
    lock_reference_frame,
    sample_frames,
)
from tools.gates.boxes import box_at, load_tracks, parse_tracks
from tools.gates.synthetic import Figure, Scene, Set, write_figure_clip

MEI = Figure("mei", box=(0.08, 0.25, 0.46, 0.95))
JUN = Figure("jun", torso=(0.2, 0.3, 0.6), hair=(0.3, 0.2, 0.1), skin=(0.7, 0.5, 0.4), box=(0.54, 0.2, 0.92, 0.95))


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext.create(Config(), tmp_path)


def frames_of(ctx: ToolContext, scene: Scene, name: str, shot_id: str, *, sidecar: bool = True) -> list[str]:
    clip = write_figure_clip(scene, ctx.out / "clips" / f"{name}.mp4", sidecar=sidecar)
    result = sample_frames(ctx, SampleFramesArgs(clip=str(clip), shot_id=shot_id))
    assert result.has_boxes is sidecar
    return [f.path for f in result.frames]


def lock(ctx: ToolContext, character: str, frames: list[str], shot_id: str = "E01-S001-SH01") -> None:
    result = lock_reference_frame(ctx, LockReferenceArgs(character_id=character, shot_id=shot_id, frame=frames[1]))
    assert result.locked


def check(
    ctx: ToolContext, frames: list[str], characters: list[str], shot_id: str = "E01-S001-SH02"
) -> CharacterCheckResult:
    return check_character_continuity(ctx, CharacterCheckArgs(shot_id=shot_id, frames=frames, characters=characters))


def test_sample_frames_writes_first_middle_last_with_boxes_and_reuses_them(ctx: ToolContext) -> None:
    clip = write_figure_clip(Scene((MEI,)), ctx.out / "clips" / "a.mp4", duration_s=1.0, drift=0.1)
    first = sample_frames(ctx, SampleFramesArgs(clip=str(clip), shot_id="E01-S001-SH01"))
    assert [f.fraction for f in first.frames] == [0.0, 0.5, 1.0]
    assert all(Path(f.path).is_file() and ctx.out in Path(f.path).parents for f in first.frames)
    assert first.frames[0].boxes["mei"][0] == pytest.approx(MEI.box[0])
    assert first.frames[2].boxes["mei"][0] == pytest.approx(MEI.box[0] + 0.1)
    again = sample_frames(ctx, SampleFramesArgs(clip=str(clip), shot_id="E01-S001-SH01"))
    assert again == first


def test_same_character_passes_and_a_recoloured_outfit_fails_as_character_drift(ctx: ToolContext) -> None:
    ctx.project.storyboard.bibles.characters["mei"] = CharacterBible(character_id="mei", name="Mei")
    lock(ctx, "mei", frames_of(ctx, Scene((MEI,)), "ref", "E01-S001-SH01"))
    assert len(ctx.project.storyboard.bibles.characters["mei"].reference_frames) == 1

    moved = replace(MEI, box=(0.3, 0.35, 0.62, 0.9))
    good = check(ctx, frames_of(ctx, Scene((moved,)), "good", "E01-S001-SH02"), ["mei"]).gate
    assert good.passed and good.score >= 0.9 and good.details["regions"] == {"mei": "box"}

    blue = replace(MEI, torso=(0.15, 0.2, 0.7))
    bad = check(ctx, frames_of(ctx, Scene((blue,)), "blue", "E01-S001-SH03"), ["mei"], "E01-S001-SH03").gate
    assert not bad.passed and bad.reason == "character_drift" and bad.details["failing"] == ["mei"]
    assert bad.score < 0.75


def test_a_character_without_a_reference_passes_and_only_the_first_lock_counts(ctx: ToolContext) -> None:
    frames = frames_of(ctx, Scene((MEI,)), "first", "E01-S001-SH01")
    gate = check(ctx, frames, ["mei"], "E01-S001-SH01").gate
    assert gate.passed and gate.details["unreferenced"] == ["mei"]
    lock(ctx, "mei", frames)
    other = frames_of(ctx, Scene((replace(MEI, torso=(0.2, 0.6, 0.2)),)), "green", "E01-S001-SH02")
    second = lock_reference_frame(ctx, LockReferenceArgs(character_id="mei", shot_id="E01-S001-SH02", frame=other[1]))
    assert not second.locked and second.references == 1
    assert len(frame_store(ctx).references("mei")) == 1


def test_each_character_is_judged_in_its_own_box(ctx: ToolContext) -> None:
    frames = frames_of(ctx, Scene((MEI, JUN)), "two", "E01-S001-SH01")
    lock(ctx, "mei", frames)
    lock(ctx, "jun", frames)
    recoloured = Scene((MEI, replace(JUN, torso=(0.85, 0.75, 0.2))))
    gate = check(ctx, frames_of(ctx, recoloured, "jun-yellow", "E01-S001-SH02"), ["mei", "jun"]).gate
    assert not gate.passed and gate.details["failing"] == ["jun"]
    assert gate.details["characters"]["mei"] >= 0.9


def test_a_different_location_light_does_not_read_as_a_different_outfit(ctx: ToolContext) -> None:
    warm = Scene((MEI,), Set(kelvin=3200))
    frames = frames_of(ctx, warm, "warm", "E01-S001-SH01")
    lock_reference_frame(
        ctx, LockReferenceArgs(character_id="mei", shot_id="E01-S001-SH01", frame=frames[1], kelvin=3200)
    )
    cool = Scene((MEI,), Set(kelvin=7000, wall=(0.5, 0.55, 0.6)))
    cool_frames = frames_of(ctx, cool, "cool", "E01-S002-SH01")
    gate = check_character_continuity(
        ctx, CharacterCheckArgs(shot_id="E01-S002-SH01", frames=cool_frames, characters=["mei"], kelvin=7000)
    ).gate
    assert gate.passed, gate.details


def test_references_are_kept_per_framing(ctx: ToolContext) -> None:
    wide = frames_of(ctx, Scene((MEI,)), "wide", "E01-S001-SH01")
    lock_reference_frame(
        ctx, LockReferenceArgs(character_id="mei", shot_id="E01-S001-SH01", frame=wide[1], shot_type="LS")
    )
    close = replace(MEI, box=(0.0, 0.05, 1.0, 1.0))
    close_frames = frames_of(ctx, Scene((close,)), "close", "E01-S001-SH02")
    args = CharacterCheckArgs(shot_id="E01-S001-SH02", frames=close_frames, characters=["mei"], shot_type="CU")
    first = check_character_continuity(ctx, args).gate
    assert first.passed and first.details["unreferenced"] == ["mei"] and first.details["framing"] == "face"
    locked = lock_reference_frame(
        ctx, LockReferenceArgs(character_id="mei", shot_id="E01-S001-SH02", frame=close_frames[1], shot_type="CU")
    )
    assert locked.locked and len(frame_store(ctx).references("mei")) == 2
    green = frames_of(ctx, Scene((replace(close, torso=(0.2, 0.6, 0.2)),)), "close-green", "E01-S001-SH03")
    drift = check_character_continuity(
        ctx, CharacterCheckArgs(shot_id="E01-S001-SH03", frames=green, characters=["mei"], shot_type="MCU")
    ).gate
    assert drift.passed  # MCU is the chest group: no reference there yet
    eyes = check_character_continuity(
        ctx, CharacterCheckArgs(shot_id="E01-S001-SH03", frames=green, characters=["mei"], shot_type="ECU")
    ).gate
    assert eyes.passed and eyes.details["framing"] == "eyes"  # an extreme close-up is a group of its own
    drift = check_character_continuity(
        ctx, CharacterCheckArgs(shot_id="E01-S001-SH03", frames=green, characters=["mei"], shot_type="CU")
    ).gate
    assert not drift.passed and drift.details["failing"] == ["mei"]


def test_a_character_cut_off_or_tiny_is_not_judged_and_not_locked(ctx: ToolContext) -> None:
    frames = frames_of(ctx, Scene((MEI,)), "ref", "E01-S001-SH01")
    lock(ctx, "mei", frames)
    sliver = replace(MEI, box=(0.85, 0.3, 1.0, 0.95), torso=(0.2, 0.6, 0.2))  # a green shoulder at the edge
    edge = frames_of(ctx, Scene((sliver,)), "edge", "E01-S001-SH02")
    gate = check(ctx, edge, ["mei"]).gate
    assert gate.passed and gate.details["unseen"] == ["mei"] and gate.details["regions"] == {"mei": "unseen"}
    tiny = Figure("kai", box=(0.45, 0.5, 0.55, 0.6))  # an extreme long shot: too small to hold a look to
    tiny_frames = frames_of(ctx, Scene((tiny,)), "tiny", "E01-S001-SH03")
    refused = lock_reference_frame(
        ctx, LockReferenceArgs(character_id="kai", shot_id="E01-S001-SH03", frame=tiny_frames[1])
    )
    assert not refused.locked and "not clearly seen" in refused.message


def test_without_figure_boxes_the_whole_frame_is_compared(ctx: ToolContext) -> None:
    medium = replace(MEI, box=(0.05, 0.1, 0.95, 1.0))  # whole frames only tell a figure that fills them
    frames = frames_of(ctx, Scene((medium,)), "plain", "E01-S001-SH01", sidecar=False)
    lock(ctx, "mei", frames)
    same = check(ctx, frames_of(ctx, Scene((medium,)), "plain2", "E01-S001-SH02", sidecar=False), ["mei"]).gate
    assert same.passed and same.details["regions"] == {"mei": "frame"}
    blue = Scene((replace(medium, torso=(0.15, 0.2, 0.7)),))
    drift = check(ctx, frames_of(ctx, blue, "plain3", "E01-S001-SH03", sidecar=False), ["mei"], "E01-S001-SH03").gate
    assert not drift.passed and drift.reason == "character_drift"


def test_sidecar_boxes_are_read_in_every_layout(tmp_path: Path) -> None:
    expected = parse_tracks({"boxes": {"mei": {"start": [0.1, 0.2, 0.5, 0.9], "end": [0.3, 0.2, 0.7, 0.9]}}})
    assert box_at(expected["mei"], 0.5) == pytest.approx((0.2, 0.2, 0.6, 0.9))
    layouts = [
        {"figures": [{"character_id": "mei", "boxes": [[0.1, 0.2, 0.5, 0.9], [0.3, 0.2, 0.7, 0.9]]}]},
        {
            "boxes": {
                "mei": {
                    "start": {"x": 0.1, "y": 0.2, "w": 0.4, "h": 0.7},
                    "end": {"x": 0.3, "y": 0.2, "w": 0.4, "h": 0.7},
                }
            }
        },
        {"width": 100, "height": 200, "boxes": {"mei": [[10, 40, 50, 180], [30, 40, 70, 180]]}},
        {"meta": {"boxes": {"mei": {"first": [0.1, 0.2, 0.5, 0.9], "last": [0.3, 0.2, 0.7, 0.9]}}}},
    ]
    for layout in layouts:
        track = parse_tracks(layout)["mei"]
        assert box_at(track, 0.5) == pytest.approx((0.2, 0.2, 0.6, 0.9)), layout
    assert parse_tracks({"boxes": {"mei": {"middle": None}}}) == {}
    assert parse_tracks(["not", "a", "dict"]) == {}
    clip = tmp_path / "shot.mp4"
    clip.write_bytes(b"")
    (tmp_path / "shot.json").write_text(json.dumps({"boxes": {"jun": [0.1, 0.1, 0.4, 0.9]}}))
    assert set(load_tracks(clip)) == {"jun"}
    (tmp_path / "shot.json").write_text("{broken")
    assert load_tracks(clip) == {}
