"""Colour-grade correction: re-light a clip toward its location's look, with ffmpeg.

Two grades, both a per-channel linear map ``out = val * scale + offset`` applied by ffmpeg's ``lutrgb`` to
every pixel of every frame into a new file (it clips at black and white; the original clip is never touched):
- **match approved** (when the location has approved frames): each channel's mean and spread over the set
  (figures left out) is moved onto the approved frames', which fixes white balance and exposure together;
- **white balance** (the location's first shot): the set's measured neutral colour is mapped onto the colour
  of the scene bible's light, green held, brightness kept.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from backends.media import probe, run_ffmpeg
from domain.errors import ToolError
from domain.files import atomic_path, write_json
from tools.gates.boxes import Shape, background_mask, sidecar_path
from tools.gates.lighting import kelvin_to_rgb, neutral_means

_LUMA = np.array([0.299, 0.587, 0.114])
Scale = tuple[float, float, float]
Offset = tuple[float, float, float]


def grade_gains(
    frames: Sequence[np.ndarray], target_k: float, excludes: Sequence[Sequence[Shape]] | None = None
) -> tuple[float, float, float]:
    """Per-channel gains that turn the frames' light into light of ``target_k``, brightness preserved."""
    excludes = excludes or [() for _ in frames]
    found = [m for m in (neutral_means(f, e) for f, e in zip(frames, excludes, strict=True)) if m is not None]
    if not found:
        raise ToolError("colour grade: the frames have no usable pixels (black or clipped); regenerate the shot")
    measured = np.maximum(np.median(np.stack(found), axis=0).astype(np.float64), 1.0)
    target = kelvin_to_rgb(target_k)
    gains = (target / target[1]) / (measured / measured[1])
    gains *= float(measured @ _LUMA) / float((measured * gains) @ _LUMA)
    r, g, b = (float(x) for x in np.clip(gains, 0.2, 5.0))
    return (r, g, b)


def set_statistics(frames: Sequence[np.ndarray], excludes: Sequence[Sequence[Shape]]) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of the set's pixels (figures left out) over the frames."""
    pixels = [f[background_mask(f.shape, e)] for f, e in zip(frames, excludes, strict=True)]
    found = np.concatenate([p for p in pixels if len(p)] or [f.reshape(-1, 3) for f in frames]).astype(np.float64)
    return found.mean(axis=0), found.std(axis=0)


def match_statistics(
    frames: Sequence[np.ndarray],
    excludes: Sequence[Sequence[Shape]],
    references: Sequence[np.ndarray],
    reference_excludes: Sequence[Sequence[Shape]],
) -> tuple[Scale, Offset]:
    """Scale and offset per channel that give the frames' set the approved frames' mean and spread."""
    mean, spread = set_statistics(frames, excludes)
    target_mean, target_spread = set_statistics(references, reference_excludes)
    scale = np.clip(target_spread / np.maximum(spread, 1.0), 0.2, 5.0)
    offset = np.clip(target_mean - scale * mean, -255.0, 255.0)
    return _triple(scale), _triple(offset)


def _triple(values: np.ndarray) -> tuple[float, float, float]:
    a, b, c = (float(v) for v in values)
    return (a, b, c)


def apply_grade(clip: Path, scale: Scale, target: Path, *, offset: Offset = (0.0, 0.0, 0.0), crf: int = 18) -> Path:
    """Write ``clip`` with each channel mapped to ``val * scale + offset`` to ``target`` (audio copied, figure
    boxes kept)."""
    info = probe(clip)
    channels = ":".join(f"{c}=val*{k:.5f}{o:+.3f}" for c, k, o in zip("rgb", scale, offset, strict=True))
    mixer = f"lutrgb={channels}"
    with atomic_path(target) as tmp:
        args = ["-i", str(clip), "-vf", f"{mixer},format=yuv420p", "-c:v", "libx264", "-preset", "veryfast"]
        args += ["-crf", str(crf), "-movflags", "+faststart"]
        args += ["-c:a", "copy"] if info.audio_codec else ["-an"]
        run_ffmpeg([*args, "-f", "mp4", str(tmp)], what=f"colour grading {clip.name}")
    copy_sidecar(clip, target, graded={"from": clip.name, "gains": list(scale), "offsets": list(offset)})
    return target


def copy_sidecar(source: Path, target: Path, *, graded: dict[str, Any] | None = None) -> None:
    """A corrected clip keeps its figure boxes: grading and rescaling do not move anyone. A colour-graded copy
    says so (``graded``): its colours are a correction's approximation, not the location's or the characters'."""
    side = sidecar_path(source)
    if side is None:
        return
    if graded is None:
        shutil.copyfile(side, target.with_name(target.name + ".json"))
        return
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        shutil.copyfile(side, target.with_name(target.name + ".json"))
        return
    write_json(target.with_name(target.name + ".json"), {**data, "graded": graded})
