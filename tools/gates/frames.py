"""Sampled frames on disk: PNGs of a clip's first, middle and last frames, with a manifest of figure boxes.

Tools pass frames between each other as paths (an LLM can read and repeat them); the ``frames.json``
manifest beside the PNGs remembers when each was taken and where each character stood, so a later tool
given only a path can still crop the character. Sampling the same clip again reuses the files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from backends.media import probe, read_frames, sample_times
from domain.files import atomic_path, write_text
from tools.gates.boxes import Box, Track, boxes_at, load_tracks

MANIFEST = "frames.json"


class SampledFrame(BaseModel):
    path: str = Field(description="PNG of the frame")
    time_s: float
    fraction: float = Field(description="position in the clip, 0 = first frame, 1 = last")
    boxes: dict[str, list[float]] = Field(
        default_factory=dict, description="character id → normalised [x0, y0, x1, y1]; empty without a sidecar"
    )


def frames_dir(root: Path, shot_id: str, clip: Path) -> Path:
    """Where a clip's frames go: one folder per shot and clip content (name plus a hash of the bytes), so a clip
    rewritten at the same path never reuses the old clip's frames or their stored embeddings."""
    digest = hashlib.sha256()
    with clip.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return root / shot_id / f"{clip.stem}-{digest.hexdigest()[:10]}"


def _stamp(clip: Path) -> list[int]:
    stat = clip.stat()
    return [stat.st_size, stat.st_mtime_ns]


def sample(clip: Path, folder: Path, count: int) -> list[SampledFrame]:
    """Write ``count`` evenly spread frames of ``clip`` (first and last included) as PNGs into ``folder``."""
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            cached = [SampledFrame.model_validate(f) for f in data["frames"]]
            if (
                data.get("stamp") == _stamp(clip)
                and len(cached) == count
                and all(Path(f.path).is_file() for f in cached)
            ):
                return cached
        except (OSError, ValueError, KeyError):
            pass
    info = probe(clip)
    times = sample_times(info.duration_s, count)
    tracks = load_tracks(clip)
    pictures = read_frames(clip, times)
    frames: list[SampledFrame] = []
    for i, (time_s, picture) in enumerate(zip(times, pictures, strict=True)):
        fraction = time_s / info.duration_s if info.duration_s > 0 else 0.0
        path = folder / f"f{i:02d}.png"
        save_png(picture, path)
        boxes = {cid: list(box) for cid, box in boxes_at(tracks, fraction).items()}
        frames.append(SampledFrame(path=str(path), time_s=round(time_s, 4), fraction=round(fraction, 4), boxes=boxes))
    payload = {"clip": str(clip), "stamp": _stamp(clip), "frames": [f.model_dump() for f in frames]}
    write_text(manifest, json.dumps(payload, indent=2))
    return frames


def save_png(picture: np.ndarray, path: Path) -> Path:
    with atomic_path(path) as tmp:
        Image.fromarray(np.ascontiguousarray(picture)).save(tmp, format="PNG")
    return path


def load_frame(path: Path) -> np.ndarray:
    """An RGB uint8 array of the image at ``path``."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def frame_boxes(path: Path) -> dict[str, Box]:
    """The figure boxes recorded for a sampled frame (empty if it has no manifest or no boxes)."""
    manifest = path.parent / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    for entry in data.get("frames", []):
        if Path(entry.get("path", "")).name == path.name:
            return {cid: (b[0], b[1], b[2], b[3]) for cid, b in (entry.get("boxes") or {}).items() if len(b) == 4}
    return {}


def clip_frames(clip: Path, count: int) -> tuple[list[np.ndarray], list[dict[str, Box]]]:
    """``count`` frames of a clip in memory, with each frame's figure boxes (for checks that keep no files)."""
    info = probe(clip)
    times = sample_times(info.duration_s, count)
    tracks: dict[str, Track] = load_tracks(clip)
    fractions = [t / info.duration_s if info.duration_s > 0 else 0.0 for t in times]
    return read_frames(clip, times), [boxes_at(tracks, f) for f in fractions]


def boxes_list(boxes: Sequence[dict[str, Box]]) -> list[list[Box]]:
    """Per frame, all figure boxes (what the set's light is measured around)."""
    return [list(b.values()) for b in boxes]
