"""The previz renderer and backend, for real: ffmpeg encodes, frames are decoded and measured."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from backends.media import count_frames, probe, read_frames
from backends.previz import PrevizBackend, render_clip, render_still, sidecar_path
from backends.previz.figures import look_for
from backends.previz.stage import design_for
from backends.video.base import VideoBackend
from domain.bibles import Appearance, Outfit, SceneBible
from domain.errors import ConfigError
from domain.production import CharacterLook, GenerationRequest, ShotContext
from domain.screenplay import DialogueLine
from domain.shot import CameraAngle, Movement, Shot, ShotType

LENA = CharacterLook(
    character_id="lena",
    name="Lena",
    appearance=Appearance(hair="long black hair", build="slim", face="glasses"),
    outfit=Outfit(from_scene="E01-S001", description="red coat", colors=["crimson", "black"]),
)
OMAR = CharacterLook(
    character_id="omar",
    name="Omar",
    appearance=Appearance(hair="short grey hair", build="broad"),
    outfit=Outfit(from_scene="E01-S001", description="blue suit", colors=["royalblue", "dimgray"]),
)
OFFICE = SceneBible(
    location_id="office",
    name="Office",
    int_ext="INT",
    time_of_day="DAY",
    color_temperature_k=5000,
    key_colors=["beige", "grey"],
)


def make_request(
    shot_type: ShotType = ShotType.LS,
    movement: Movement = Movement.STATIC,
    *,
    chars: tuple[str, ...] = ("lena", "omar"),
    location: SceneBible = OFFICE,
    duration: float = 1.0,
    seed: int = 0,
    index: int = 1,
    dialogue: bool = True,
    angle: CameraAngle = CameraAngle.EYE_LEVEL,
    size: tuple[int, int] = (180, 320),
) -> GenerationRequest:
    shot = Shot(
        id=f"E01-S001-SH{index:02d}",
        episode=1,
        scene_id="E01-S001",
        index=index,
        location_id=location.location_id,
        shot_type=shot_type,
        movement=movement,
        camera_angle=angle,
        duration_s=duration,
        characters=list(chars),
        dialogue=[DialogueLine(character="lena", text="You kept the letter.")] if dialogue else [],
        description="Lena puts the letter down.",
        props=["the letter"],
    )
    return GenerationRequest(
        shot=shot,
        context=ShotContext(characters=[LENA, OMAR], location=location),
        model="sim-model",
        prompt="previz test",
        seed=seed,
        duration_s=duration,
        width=size[0],
        height=size[1],
    )


def reddish(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 0] > f[..., 1] + 60) & (f[..., 0] > f[..., 2] + 50)


def bluish(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 2] > f[..., 0] + 50) & (f[..., 2] > f[..., 1] + 20)


def box_mask(shape: tuple[int, ...], box: dict[str, float]) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=bool)
    h, w = shape[:2]
    mask[int(box["y"] * h) : int((box["y"] + box["h"]) * h), int(box["x"] * w) : int((box["x"] + box["w"]) * w)] = True
    return mask


def test_clip_is_h264_yuv420p_at_the_requested_size_and_length(tmp_path: Path) -> None:
    clip = render_clip(make_request(duration=1.5), tmp_path / "shot.mp4")
    info = probe(clip.path)
    assert (info.video_codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 180, 320)
    assert abs(info.duration_s - 1.5) <= 1 / 24 + 1e-6
    assert abs(count_frames(clip.path) - 36) <= 1
    data = clip.path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "faststart puts the index before the media"
    assert {p.name for p in tmp_path.iterdir()} == {"shot.mp4", "shot.mp4.json"}


def test_fps_is_a_parameter(tmp_path: Path) -> None:
    clip = render_clip(make_request(duration=1.0), tmp_path / "a.mp4", fps=12)
    assert count_frames(clip.path) == 12
    assert probe(clip.path).fps == 12


def test_same_request_same_bytes_and_the_seed_matters(tmp_path: Path) -> None:
    request = make_request(ShotType.MS, Movement.HANDHELD, seed=5)
    first = render_clip(request, tmp_path / "one.mp4")
    second = render_clip(request, tmp_path / "two.mp4")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert sidecar_path(first.path).read_text() == sidecar_path(second.path).read_text()
    other = render_clip(make_request(ShotType.MS, Movement.HANDHELD, seed=6), tmp_path / "three.mp4")
    assert other.path.read_bytes() != first.path.read_bytes()


def test_sidecar_boxes_are_where_the_figures_are(tmp_path: Path) -> None:
    clip = render_clip(make_request(ShotType.LS), tmp_path / "ls.mp4")
    meta = json.loads(sidecar_path(clip.path).read_text())
    assert meta == clip.meta
    assert (meta["profile"], meta["faults"]) == ("clean", [])
    assert set(meta["figures"]) == {"lena", "omar"}
    for entry in meta["figures"].values():
        for moment in ("start", "middle", "end"):
            box = entry[moment]
            assert box["x"] >= 0 and box["x"] + box["w"] <= 1.0001 and box["y"] >= 0 and box["y"] + box["h"] <= 1.0001
    frame = read_frames(clip.path, [0.0])[0]
    for cid, colour in (("lena", reddish), ("omar", bluish)):
        inside = box_mask(frame.shape, meta["figures"][cid]["start"])
        hits = colour(frame)
        assert hits[inside].sum() > 200, f"{cid}'s outfit colour inside its box"
        assert hits[~inside].sum() < 0.1 * hits[inside].sum(), f"{cid}'s outfit colour stays inside its box"


def test_shot_types_frame_tighter_and_wider(tmp_path: Path) -> None:
    widths = {}
    for t in (ShotType.ELS, ShotType.LS, ShotType.MS, ShotType.CU):
        meta = render_clip(make_request(t, duration=0.5, chars=("lena",)), tmp_path / f"{t.value}.mp4").meta
        widths[t] = meta["figures"]["lena"]["start"]["w"]
    assert (
        widths[ShotType.ELS]
        < widths[ShotType.LS] / 2
        < widths[ShotType.LS]
        < widths[ShotType.MS]
        <= widths[ShotType.CU]
    )
    assert widths[ShotType.CU] > 0.9


def test_special_framings(tmp_path: Path) -> None:
    insert = render_clip(make_request(ShotType.INSERT, duration=0.5), tmp_path / "insert.mp4").meta
    assert insert["figures"] == {}
    pov = render_clip(make_request(ShotType.POV, duration=0.5), tmp_path / "pov.mp4").meta
    assert set(pov["figures"]) == {"omar"}, "the viewer is behind the camera"
    ots = render_clip(make_request(ShotType.OTS, duration=0.5), tmp_path / "ots.mp4").meta
    assert set(ots["figures"]) == {"lena"} and ots["figures"]["lena"]["role"] == "subject"
    assert set(ots["foreground"]) == {"omar"}


def test_camera_moves_over_the_clip(tmp_path: Path) -> None:
    push = render_clip(make_request(ShotType.MS, Movement.PUSH_IN, chars=("lena",)), tmp_path / "push.mp4").meta
    start, end = push["figures"]["lena"]["start"], push["figures"]["lena"]["end"]
    assert end["w"] > start["w"] * 1.15, "the push-in closes on the subject: the figure grows"
    assert end["y"] > start["y"] + 0.05, "and the face moves toward the centre of the frame"
    pan = render_clip(make_request(ShotType.LS, Movement.PAN, chars=("lena",)), tmp_path / "pan.mp4").meta
    xs = [pan["figures"]["lena"][m]["x"] for m in ("start", "middle", "end")]
    assert abs(xs[2] - xs[0]) > 0.1 and min(xs[0], xs[2]) < xs[1] < max(xs[0], xs[2])
    static = render_clip(make_request(ShotType.LS, Movement.STATIC), tmp_path / "static.mp4")
    first, last = (f.astype(int) for f in read_frames(static.path, [0.0, 23 / 24]))
    drift = float(np.abs(first - last).mean())
    assert 0.2 < drift < 12, "a static shot drifts very slightly: never a frozen frame"


def test_angle_moves_the_horizon(tmp_path: Path) -> None:
    location = SceneBible(
        location_id="street", name="Street", int_ext="EXT", time_of_day="DAY", color_temperature_k=6500
    )

    def sky_rows(angle: CameraAngle) -> float:
        still = np.asarray(render_still(make_request(ShotType.LS, angle=angle, location=location, dialogue=False)))
        # the daylight sky is the brightest, bluest part of this set: count the rows it reaches
        sky = still[..., 2].astype(int) > 150
        return float(sky.mean(axis=1)[20:].mean())

    assert sky_rows(CameraAngle.LOW) > sky_rows(CameraAngle.EYE_LEVEL) > sky_rows(CameraAngle.HIGH)


def test_a_character_looks_the_same_in_every_shot(tmp_path: Path) -> None:
    colours = []
    for i, t in enumerate((ShotType.LS, ShotType.MS, ShotType.MCU)):
        request = make_request(t, index=i + 1, seed=i, chars=("lena",), duration=0.5)
        meta = render_clip(request, tmp_path / f"{i}.mp4").meta
        assert meta["looks"]["lena"] == look_for(LENA).as_meta()
        frame = read_frames(tmp_path / f"{i}.mp4", [0.0])[0]
        colours.append(np.median(frame[reddish(frame)], axis=0))
    for colour in colours[1:]:
        assert np.abs(colour - colours[0]).max() <= 12, "the coat's colour holds from the wide to the close shot"
    assert look_for(LENA) != look_for(OMAR)


def test_sets_are_seeded_by_location_and_lit_by_the_bible() -> None:
    relit = OFFICE.model_copy(update={"time_of_day": "NIGHT", "color_temperature_k": 3000})
    assert design_for(OFFICE) == design_for(relit), "the light changes, the furniture stays"
    assert design_for(OFFICE).pieces != design_for(OFFICE.model_copy(update={"location_id": "other"})).pieces

    def still(location: SceneBible) -> np.ndarray:
        return np.asarray(render_still(make_request(ShotType.ELS, location=location, dialogue=False)), dtype=float)

    day, night = still(OFFICE), still(OFFICE.model_copy(update={"time_of_day": "NIGHT"}))
    assert day.mean() > night.mean() + 10
    warm = still(OFFICE.model_copy(update={"color_temperature_k": 3000}))
    cool = still(OFFICE.model_copy(update={"color_temperature_k": 8000}))
    assert warm[..., 0].mean() / warm[..., 2].mean() > 1.4 * cool[..., 0].mean() / cool[..., 2].mean()


def test_still_is_the_first_frame(tmp_path: Path) -> None:
    request = make_request(ShotType.MS, Movement.PUSH_IN)
    still = np.asarray(render_still(request), dtype=int)
    clip = render_clip(request, tmp_path / "ms.mp4")
    first = read_frames(clip.path, [0.0])[0].astype(int)
    assert still.shape == first.shape == (320, 180, 3)
    assert float(np.abs(still - first).mean()) < 6


def test_dialogue_caption_band() -> None:
    spoken = make_request(ShotType.LS)
    other_line = spoken.model_copy(
        update={"shot": spoken.shot.model_copy(update={"dialogue": [DialogueLine(character="lena", text="Burn it.")]})}
    )
    bare = spoken.model_copy(update={"shot": spoken.shot.model_copy(update={"dialogue": [], "description": ""})})
    a, b, c = (np.asarray(render_still(r), dtype=float) for r in (spoken, other_line, bare))
    assert a[-40:].mean() < c[-40:].mean() - 8, "a dark band carries the line"
    assert np.abs(a[-40:] - b[-40:]).mean() > 2, "the band shows the words"
    assert np.abs(a[40:200] - b[40:200]).mean() < 0.5, "the picture above it is the same"


# ---------------------------------------------------------------------------------------------------- backend


async def test_backend_generates_a_free_clip_with_its_meta(tmp_path: Path) -> None:
    backend = PrevizBackend({})
    assert isinstance(backend, VideoBackend) and backend.name == "previz"
    result = await backend.generate(make_request(), tmp_path / "clip.mp4")
    assert result.cost_usd == 0.0 and result.model == "sim-model" and not result.cached
    assert Path(result.clip).is_file() and (result.width, result.height) == (180, 320)
    assert result.meta == json.loads(sidecar_path(Path(result.clip)).read_text())
    assert abs(result.duration_s - 1.0) < 1e-6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.mp4.json"], "no temp files left"


async def test_backend_awaits_the_simulated_latency_and_runs_clips_concurrently(tmp_path: Path) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    backend = PrevizBackend({"slow-model": "slow", "*": "clean"}, sleep=fake_sleep)
    slow = make_request().model_copy(update={"model": "slow-model"})
    results = await asyncio.gather(
        backend.generate(slow, tmp_path / "a.mp4"), backend.generate(make_request(index=2), tmp_path / "b.mp4")
    )
    assert waits == [2.0]
    assert [r.meta["profile"] for r in results] == ["slow", "clean"]
    assert all(Path(r.clip).is_file() for r in results)


def test_backend_rejects_an_unknown_profile() -> None:
    with pytest.raises(ConfigError, match="known profiles"):
        PrevizBackend({"veo-3.1": "no-such-profile"})


def _read_kelvin(clip: Path) -> float:
    """The light's temperature from the set, read the way the lighting gate reads it: red/blue of the brighter
    half of the unclipped pixels between the caption bands and outside the figures' outlines (the side file's
    captions and mattes), through the inverse of the kelvin → RGB curve; the median over the first, middle and
    last frame."""
    from tools.gates.frames import clip_views, silhouettes
    from tools.gates.lighting import clip_kelvin

    views = clip_views(clip, 3)
    kelvin = clip_kelvin([v.pixels for v in views], silhouettes([v.boxes for v in views], [v.mattes for v in views]))
    assert kelvin is not None
    return kelvin


@pytest.mark.parametrize(
    "location",
    [
        SceneBible(
            location_id="loft",
            name="Loft",
            int_ext="INT",
            time_of_day="NIGHT",
            color_temperature_k=3200,
            key_colors=["slate", "walnut"],
        ),
        SceneBible(
            location_id="bar",
            name="Rooftop bar",
            int_ext="EXT",
            time_of_day="NIGHT",
            color_temperature_k=4200,
            key_colors=["magenta", "teal"],
        ),
        SceneBible(
            location_id="club",
            name="Club",
            int_ext="INT",
            time_of_day="NIGHT",
            color_temperature_k=7500,
            key_colors=["purple", "red"],
        ),
    ],
    ids=lambda loc: loc.location_id,
)
def test_a_clean_set_reads_back_as_its_colour_temperature(tmp_path: Path, location: SceneBible) -> None:
    for t in (ShotType.LS, ShotType.CU):
        clip = render_clip(make_request(t, location=location), tmp_path / f"{t.value}.mp4")
        assert abs(_read_kelvin(clip.path) - location.color_temperature_k) < 600, t


def test_interior_or_exterior_from_words_when_the_heading_says_neither() -> None:
    from backends.previz.lighting import is_interior
    from domain.bibles import SceneBible

    assert not is_interior(SceneBible(location_id="roof", name="Rooftop"))
    assert is_interior(SceneBible(location_id="kitchen", name="Kitchen"))
