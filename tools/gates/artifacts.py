"""The artifact gate: right size, no black frames, not frozen, no flicker, no heavy block artifacts.

Block artifacts are measured two ways: steps on the codec's 8×8 grid (``blockiness``), and how well the
picture is piecewise constant on a regular grid of any block size (``grid_fit``: a picture scaled down and
blown up again).

Timing checks (black, frozen, flicker) run on every frame of the clip decoded to a tiny grey picture, which
is cheap; blockiness needs full-resolution frames and looks at a few. Thresholds live in ``thresholds.toml``.
A clip of the wrong size but the right aspect is fixable (rescaled with lanczos); everything else needs a
new generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backends.media import MediaInfo, probe, read_frames, run_ffmpeg, sample_times
from domain.files import atomic_path
from domain.production import GateResult
from tools.gates.grading import copy_sidecar
from tools.gates.tuning import section

PROBLEM_ORDER = ("wrong_resolution", "black_frames", "frozen_clip", "flicker", "blockiness")


def thresholds() -> dict[str, Any]:
    """The artifact thresholds from the packaged data file."""
    return section("artifacts")


@dataclass
class ArtifactReport:
    width: int
    height: int
    problems: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    rescalable: bool = False
    """True when the only problem is the size and the aspect is right: a rescale fixes it."""


def luma_series(clip: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of ``clip`` as a small grey picture: (frames, height, width) float32."""
    width, height = size
    raw = run_ffmpeg(
        ["-i", str(clip), "-vf", f"scale={width}:{height}:flags=area,format=gray", "-f", "rawvideo", "-"],
        what=f"reading {clip.name}",
    )
    count = len(raw) // (width * height)
    return np.frombuffer(raw[: count * width * height], dtype=np.uint8).reshape(count, height, width).astype(np.float32)


def blockiness(grey: np.ndarray, *, edge_cap: float = 24.0, block: int = 8) -> float:
    """How much stronger the steps on the 8×8 grid are than the steps inside blocks (≈1 for a clean frame).

    Steps larger than ``edge_cap`` are real edges (a flat previz figure's outline) and are left out, so a
    rectangle that happens to sit on the grid does not read as compression damage.
    """
    ratios = []
    for axis in (1, 0):
        steps = np.abs(np.diff(grey, axis=axis))
        steps = np.where(steps > edge_cap, 0.0, steps)
        positions = np.arange(steps.shape[axis]) % block == block - 1
        on_grid = steps.compress(positions, axis=axis).mean()
        in_block = steps.compress(~positions, axis=axis).mean()
        ratios.append((on_grid + 1.0, in_block + 1.0))  # steps under a luma level are invisible
    return float(sum(r[0] for r in ratios) / sum(r[1] for r in ratios))


def _comb_candidates(profile: np.ndarray, periods: np.ndarray, keep: int) -> list[float]:
    """The ``keep`` distinct periods whose best-phase comb collects the most step energy, and their halves and
    thirds (a cheap pre-selection for the exact fit)."""
    strength = np.zeros(len(periods))
    for i, period in enumerate(periods):
        count = int(len(profile) / period)
        grid = np.arange(int(np.ceil(period)))[:, None] + np.arange(count)[None, :] * period - 1
        idx = np.clip(np.round(grid).astype(int), 0, len(profile) - 1)
        strength[i] = profile[idx].mean(axis=1).max()
    picked: list[float] = []
    for period in periods[np.argsort(strength)[::-1]]:
        if all(abs(period - p) >= 0.5 for p in picked):
            picked.append(float(period))
        if len(picked) == keep:
            break
    # a comb at twice or three times the block size collects as much energy as the block size itself
    divisors = [p / k for p in picked for k in (2, 3) if p / k >= periods[0]]
    return picked + [d for d in divisors if all(abs(d - p) >= 0.25 for p in picked)]


def _grid_fit_1d(grey: np.ndarray, *, periods: tuple[float, float], min_blocks: int, keep: int) -> float:
    """Along axis 1: how well rows are piecewise constant on a regular grid, relative to the same grid moved
    half a block (0 = perfectly blocky, about 0.5-0.7 for a clean picture)."""
    rows = grey[::3].astype(np.float64)
    width = rows.shape[1]
    sums = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(rows, axis=1)], axis=1)
    squares = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(rows**2, axis=1)], axis=1)
    floor = float(rows.size)  # one luma level² per pixel: codec noise is not structure

    def sse(bounds: np.ndarray) -> float:
        s1 = sums[:, bounds[1:]] - sums[:, bounds[:-1]]
        s2 = squares[:, bounds[1:]] - squares[:, bounds[:-1]]
        counts = np.maximum(bounds[1:] - bounds[:-1], 1).astype(np.float64)
        return float((s2 - s1**2 / counts).sum())

    candidates = np.arange(periods[0], min(periods[1], width / min_blocks) + 1e-9, 1 / 12)
    if len(candidates) == 0:
        return 1.0
    profile = np.minimum(np.abs(np.diff(rows, axis=1)), 48.0).mean(axis=0)
    best = 1.0
    for period in _comb_candidates(profile, candidates, keep):
        steps = np.arange(-1, int(width / period) + 2) * period
        for phase in range(int(np.ceil(period))):
            aligned = np.unique(np.clip(np.round(phase + steps).astype(int), 0, width))
            shifted = np.unique(np.clip(np.round(phase + period / 2 + steps).astype(int), 0, width))
            best = min(best, (sse(aligned) + floor) / (sse(shifted) + floor))
    return best


def grid_fit(
    grey: np.ndarray, *, periods: tuple[float, float] = (4.0, 24.0), min_blocks: int = 10, keep: int = 6
) -> float:
    """How blocky a picture is on a regular grid of any block size: 0 for a picture scaled down and blown up
    with nearest-neighbour filtering (blocks of 9 or 13⅓ pixels, not only the codec's 8×8), about 0.5-0.7 for
    a clean one. Both axes must fit (the worse axis counts), so blinds or stripes do not read as blocks.
    """
    return max(
        _grid_fit_1d(grey, periods=periods, min_blocks=min_blocks, keep=keep),
        _grid_fit_1d(grey.T, periods=periods, min_blocks=min_blocks, keep=keep),
    )


def analyse(clip: Path, width: int, height: int) -> ArtifactReport:
    """Measure everything the gate judges; ``problems`` lists what is wrong, in ``PROBLEM_ORDER``."""
    t = thresholds()
    info: MediaInfo = probe(clip)
    report = ArtifactReport(width=info.width, height=info.height)
    found: set[str] = set()
    wrong_size = (info.width, info.height) != (width, height)
    aspect_ok = info.height > 0 and abs(info.width / info.height - width / height) <= t["aspect_tolerance"] * (
        width / height
    )
    if wrong_size:
        found.add("wrong_resolution")

    series = luma_series(clip, tuple(t["analysis_size"]))
    means = series.mean(axis=(1, 2)) if len(series) else np.zeros(0)
    black = int((means < t["black_luma"]).sum())
    if black:
        found.add("black_frames")
    motion = float(np.abs(series - series[0]).mean(axis=(1, 2)).max()) if len(series) > 1 else 0.0
    if len(series) > 1 and motion < t["frozen_diff"] and black < len(series):
        found.add("frozen_clip")
    jumps = np.abs(np.diff(means))
    swings = int((jumps > t["flicker_jump"]).sum())
    if len(jumps) and swings >= t["flicker_min_swings"] and swings / len(jumps) >= t["flicker_fraction"]:
        found.add("flicker")

    times = sample_times(info.duration_s, int(t["blockiness_frames"]))
    frames = read_frames(clip, times)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    greys = [f.astype(np.float32) @ weights for f in frames]
    block_score = max(blockiness(g, edge_cap=t["blockiness_edge_cap"]) for g in greys)
    small = tuple(float(v) for v in t["small_block_periods"])
    fit = min(  # blocks of a few pixels (a small frame's) need a finer search of their own
        float(np.median([grid_fit(g) for g in greys])),
        float(np.median([grid_fit(g, periods=(small[0], small[1]), keep=10) for g in greys])),
    )
    if block_score > t["blockiness_ratio"] or fit < t["grid_fit_below"]:
        found.add("blockiness")

    report.problems = [p for p in PROBLEM_ORDER if p in found]
    report.rescalable = report.problems == ["wrong_resolution"] and aspect_ok
    report.metrics = {
        "size": [info.width, info.height],
        "expected_size": [width, height],
        "aspect_ok": aspect_ok,
        "frames": len(series),
        "black_frames": black,
        "min_mean_luma": round(float(means.min()), 2) if len(means) else None,
        "motion": round(motion, 3),
        "flicker_swings": swings,
        "blockiness": round(block_score, 3),
        "grid_fit": round(fit, 3),
    }
    return report


def artifact_gate(report: ArtifactReport, *, fixed: str | None = None, clip: str | None = None) -> GateResult:
    """The verdict for a report: the first problem is the reason; the blockiness ratio is the score."""
    details: dict[str, Any] = {"problems": report.problems, "rescalable": report.rescalable, **report.metrics}
    if clip:
        details["clip"] = clip
    return GateResult(
        gate="artifacts",
        passed=not report.problems,
        score=float(report.metrics.get("blockiness") or 0.0),
        threshold=float(thresholds()["blockiness_ratio"]),
        reason=report.problems[0] if report.problems else None,
        fixed=fixed if not report.problems else None,
        details=details,
    )


def rescale(clip: Path, width: int, height: int, target: Path, *, crf: int = 18) -> Path:
    """``clip`` rescaled to width×height with lanczos into ``target`` (audio copied, figure boxes kept)."""
    info = probe(clip)
    with atomic_path(target) as tmp:
        args = ["-i", str(clip), "-vf", f"scale={width}:{height}:flags=lanczos,setsar=1,format=yuv420p"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-movflags", "+faststart"]
        args += ["-c:a", "copy"] if info.audio_codec else ["-an"]
        run_ffmpeg([*args, "-f", "mp4", str(tmp)], what=f"rescaling {clip.name}")
    copy_sidecar(clip, target)
    return target
