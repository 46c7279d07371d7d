"""Simulated model failures: decided reproducibly, and really there in the pixels."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from backends.media import probe, read_frames
from backends.previz import Fault, PrevizBackend, decide_faults, get_profile, load_profiles, render_clip
from backends.previz.palette import kelvin_to_rgb
from backends.previz.simulation import PROFILES_PATH, SimulationProfile
from domain.bibles import Appearance, Outfit, SceneBible
from domain.errors import ConfigError
from domain.production import CharacterLook, GenerationRequest, ShotContext
from domain.screenplay import DialogueLine
from domain.shot import Movement, Shot, ShotType

LENA = CharacterLook(
    character_id="lena",
    name="Lena",
    appearance=Appearance(hair="long black hair", build="slim"),
    outfit=Outfit(from_scene="E01-S001", description="red coat", colors=["crimson", "black"]),
)
OMAR = CharacterLook(
    character_id="omar",
    name="Omar",
    appearance=Appearance(hair="short grey hair", build="broad"),
    outfit=Outfit(from_scene="E01-S001", description="blue suit", colors=["royalblue", "dimgray"]),
)
GARDEN = SceneBible(
    location_id="garden", name="Garden", int_ext="EXT", time_of_day="DAY", color_temperature_k=5600, key_colors=["sage"]
)
FPS = 24


def make_request(
    *,
    shot_type: ShotType = ShotType.LS,
    movement: Movement = Movement.PUSH_IN,
    seed: int = 0,
    attempt: int = 1,
    model: str = "sim-model",
    shot_id: str = "E01-S001-SH01",
    duration: float = 1.0,
) -> GenerationRequest:
    shot = Shot(
        id=shot_id,
        episode=1,
        scene_id="E01-S001",
        index=1,
        location_id="garden",
        shot_type=shot_type,
        movement=movement,
        duration_s=duration,
        characters=["lena", "omar"],
        dialogue=[DialogueLine(character="lena", text="Not here.")],
    )
    return GenerationRequest(
        shot=shot,
        context=ShotContext(characters=[LENA, OMAR], location=GARDEN),
        model=model,
        prompt="previz fault test",
        seed=seed,
        attempt=attempt,
        duration_s=duration,
        width=180,
        height=320,
    )


def frame_at(path: Path, n: int) -> np.ndarray:
    return read_frames(path, [n / FPS])[0].astype(float)


def reddish(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 0] > frame[..., 1] + 60) & (frame[..., 0] > frame[..., 2] + 50)


def bluish(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 2] > frame[..., 0] + 50) & (frame[..., 2] > frame[..., 1] + 20)


@pytest.fixture(scope="module")
def clean_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_clip(make_request(), tmp_path_factory.mktemp("clean") / "clean.mp4").path


# ---------------------------------------------------------------------------------------------------- decisions


def test_profiles_are_labelled_and_valid() -> None:
    assert "SIMULATION ONLY" in PROFILES_PATH.read_text(encoding="utf-8")
    profiles = load_profiles()
    clean = profiles["clean"]
    assert (clean.latency_s, clean.p_character_drift, clean.p_lighting_drift, clean.p_artifacts) == (0, 0, 0, 0)
    for kind in ("black_frames", "frozen", "flicker", "blockiness", "low_resolution"):
        assert profiles[kind].artifact_kinds == (kind,) and profiles[kind].p_artifacts == 1.0
    with pytest.raises(ConfigError, match="clean"):
        get_profile("nope")


def test_clean_profile_injects_nothing() -> None:
    clean = get_profile("clean")
    assert all(decide_faults(make_request(seed=s, attempt=a), clean) == [] for s in range(40) for a in (1, 2, 3))


def test_faults_are_reproducible_and_reroll_per_attempt() -> None:
    profile = SimulationProfile(name="test", p_character_drift=0.3, p_lighting_drift=0.3, p_artifacts=0.3)
    runs = [(s, a) for s in range(60) for a in (1, 2)]
    decided = {(s, a): decide_faults(make_request(seed=s, attempt=a), profile) for s, a in runs}
    assert decided == {(s, a): decide_faults(make_request(seed=s, attempt=a), profile) for s, a in runs}
    assert any(decided[(s, 1)] != decided[(s, 2)] for s in range(60)), "the next attempt rolls again"
    other_model = [decide_faults(make_request(seed=s, model="other"), profile) for s in range(60)]
    assert other_model != [decided[(s, 1)] for s in range(60)], "the model is part of the hash"
    drifted = sum(any(f.kind == "character_drift" for f in faults) for faults in decided.values())
    assert 0.15 * len(runs) < drifted < 0.45 * len(runs)


def test_raising_a_probability_only_adds_faults() -> None:
    low = SimulationProfile(name="low", p_lighting_drift=0.2)
    high = SimulationProfile(name="high", p_lighting_drift=0.6)
    for seed in range(50):
        if decide_faults(make_request(seed=seed), low):
            assert decide_faults(make_request(seed=seed), high) == decide_faults(make_request(seed=seed), low)


def test_lighting_drift_moves_two_to_three_thousand_kelvin() -> None:
    profile = get_profile("lighting_drift")
    shifts = [decide_faults(make_request(seed=s), profile)[0].shift_k for s in range(30)]
    assert all(2000 <= abs(k) <= 3000 for k in shifts)
    assert min(shifts) < 0 < max(shifts)


# ---------------------------------------------------------------------------------------------------- pixels


def test_character_drift_changes_that_figures_outfit(tmp_path: Path, clean_clip: Path) -> None:
    fault = Fault(kind="character_drift", character_id="lena", seed=4)
    drifted = render_clip(make_request(), tmp_path / "drift.mp4", faults=[fault])
    before, after = frame_at(clean_clip, 0), frame_at(drifted.path, 0)
    assert reddish(before).sum() > 300 and reddish(after).sum() < 0.2 * reddish(before).sum(), "her red coat is gone"
    assert abs(int(bluish(after).sum()) - int(bluish(before).sum())) < 0.15 * bluish(before).sum(), "his suit is not"
    looks = drifted.meta["looks"]
    assert looks["lena"]["torso"] != [220, 20, 60] and looks["lena"]["hair"] != [27, 24, 24]
    assert drifted.meta["faults"] == [{"kind": "character_drift", "character_id": "lena", "seed": 4}]


def _set_red_blue(frame: np.ndarray, meta: dict) -> float:
    """Red/blue ratio of the set: outside the figure boxes, above the caption."""
    mask = np.ones(frame.shape[:2], dtype=bool)
    h, w = frame.shape[:2]
    for entry in meta["figures"].values():
        b = entry["start"]
        mask[int(b["y"] * h) : int((b["y"] + b["h"]) * h) + 1, int(b["x"] * w) : int((b["x"] + b["w"]) * w) + 1] = False
    mask[int(h * 0.8) :] = False
    pixels = frame[mask]
    return float(pixels[:, 0].mean() / pixels[:, 2].mean())


@pytest.mark.parametrize("shift", [-2500, 2500])
def test_lighting_drift_shifts_the_colour_temperature(tmp_path: Path, clean_clip: Path, shift: int) -> None:
    fault = Fault(kind="lighting_drift", kelvin_from=5600, kelvin_to=5600 + shift)
    drifted = render_clip(make_request(), tmp_path / "light.mp4", faults=[fault])
    clean_meta = render_clip(make_request(), tmp_path / "again.mp4").meta
    ratio = _set_red_blue(frame_at(drifted.path, 0), drifted.meta) / _set_red_blue(frame_at(clean_clip, 0), clean_meta)
    r0, _, b0 = kelvin_to_rgb(5600)
    r1, _, b1 = kelvin_to_rgb(5600 + shift)
    expected = (r1 / b1) / (r0 / b0)
    assert abs(np.log(ratio) - np.log(expected)) < 0.35 * abs(np.log(expected)), (ratio, expected)
    assert drifted.meta["color_temperature_k"] == 5600 + shift


def test_black_frames(tmp_path: Path, clean_clip: Path) -> None:
    clip = render_clip(make_request(), tmp_path / "black.mp4", faults=[Fault(kind="black_frames", start=0.3, end=0.6)])
    # 24 frames: black from round(0.3 * 23) = 7 to round(0.6 * 23) = 14
    assert all(frame_at(clip.path, n).max() < 20 for n in (7, 10, 14))
    assert all(frame_at(clip.path, n).mean() > 40 for n in (0, 6, 15, 23))
    assert frame_at(clean_clip, 10).mean() > 40


def test_frozen_clip(tmp_path: Path, clean_clip: Path) -> None:
    clip = render_clip(make_request(), tmp_path / "frozen.mp4", faults=[Fault(kind="frozen")])
    frozen = np.abs(frame_at(clip.path, 0) - frame_at(clip.path, 23)).mean()
    moving = np.abs(frame_at(clean_clip, 0) - frame_at(clean_clip, 23)).mean()
    assert frozen < 2.0 < 5.0 < moving, "only the encoder's noise changes in a frozen clip"
    assert np.abs(frame_at(clip.path, 11) - frame_at(clip.path, 12)).mean() < 0.5


def test_flicker_alternates_brightness(tmp_path: Path, clean_clip: Path) -> None:
    clip = render_clip(make_request(), tmp_path / "flicker.mp4", faults=[Fault(kind="flicker", strength=0.2)])
    means = [frame_at(clip.path, n).mean() for n in (10, 11, 12, 13)]
    clean = [frame_at(clean_clip, n).mean() for n in (10, 11, 12, 13)]
    assert min(abs(a - b) for a, b in itertools.pairwise(means)) > 25
    assert (means[0] - means[1]) * (means[2] - means[1]) > 0, "up, down, up"
    assert max(abs(a - b) for a, b in itertools.pairwise(clean)) < 5


def _block_edges(frame: np.ndarray, block: int) -> float:
    """How much of the horizontal change happens on a ``block`` grid (1/block for a natural image)."""
    grey = frame.mean(axis=2)
    steps = np.abs(np.diff(grey, axis=1)).sum(axis=0)
    on_grid = steps[block - 1 :: block].sum()
    return float(on_grid / max(steps.sum(), 1e-6))


def test_blockiness(tmp_path: Path, clean_clip: Path) -> None:
    clip = render_clip(make_request(), tmp_path / "blocks.mp4", faults=[Fault(kind="blockiness", strength=1 / 30)])
    assert _block_edges(frame_at(clip.path, 12), 6) > 0.6
    assert _block_edges(frame_at(clean_clip, 12), 6) < 0.4


def test_low_resolution(tmp_path: Path) -> None:
    clip = render_clip(make_request(), tmp_path / "small.mp4", faults=[Fault(kind="low_resolution", strength=0.5)])
    info = probe(clip.path)
    assert (info.width, info.height) == (90, 160)
    assert (clip.meta["width"], clip.meta["requested_width"]) == (90, 180)


async def test_backend_applies_the_mapped_profile_and_records_ground_truth(tmp_path: Path) -> None:
    backend = PrevizBackend({"flaky-model": "black_frames", "sim-model": "clean"})
    hit = await backend.generate(make_request(model="flaky-model"), tmp_path / "a.mp4")
    miss = await backend.generate(make_request(), tmp_path / "b.mp4")
    assert [f["kind"] for f in hit.meta["faults"]] == ["black_frames"] and hit.meta["profile"] == "black_frames"
    assert miss.meta["faults"] == [] and miss.meta["profile"] == "clean"
    small = await PrevizBackend({"*": "low_resolution"}).generate(make_request(), tmp_path / "c.mp4")
    assert (small.width, small.height) == (probe(Path(small.clip)).width, probe(Path(small.clip)).height) != (180, 320)
