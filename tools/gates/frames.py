"""Sampled frames on disk: PNGs of a clip's first, middle and last frames, with a manifest of figure boxes.

Tools pass frames between each other as paths (an LLM can read and repeat them); the ``frames.json``
manifest beside the PNGs remembers when each was taken, where each character stood, which rows are burnt-in
captions and how the renderer lights its figures, so a later tool given only a path can still crop the
character. The PNGs are whole frames (for people); ``load_view`` gives what the gates judge: the picture
between the caption bands. Sampling the same clip again reuses the files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from backends.media import probe, read_frames, sample_times
from domain.files import atomic_path, write_text
from tools.gates.boxes import (
    Box,
    Matte,
    Shape,
    Silhouette,
    boxes_at,
    caption_bands,
    decode_matte,
    load_sidecar,
    mattes_at,
    parse_extents,
    parse_mattes,
    parse_tracks,
    without_bands,
)

MANIFEST = "frames.json"


@dataclass(frozen=True)
class View:
    """A frame as the gates judge it: the picture between its clip's caption bands, and in its coordinates
    each figure's box (clipped to the picture), matte (where the figure itself shows inside the box) and
    extent (the figure's whole box, unclipped). Mattes and extents come only from renderers that give them."""

    pixels: np.ndarray
    boxes: dict[str, Box]
    mattes: dict[str, Matte] = field(default_factory=dict)
    extents: dict[str, Box] = field(default_factory=dict)


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
                and "extents" in data
                and len(cached) == count
                and all(Path(f.path).is_file() for f in cached)
            ):
                return cached
        except (OSError, ValueError, KeyError):
            pass
    info = probe(clip)
    times = sample_times(info.duration_s, count)
    notes = load_sidecar(clip)
    tracks, mattes, extents = parse_tracks(notes), parse_mattes(notes), parse_extents(notes)
    pictures = read_frames(clip, times)
    frames: list[SampledFrame] = []
    frame_mattes: dict[str, dict[str, str]] = {}
    frame_extents: dict[str, dict[str, list[float]]] = {}
    for i, (time_s, picture) in enumerate(zip(times, pictures, strict=True)):
        fraction = time_s / info.duration_s if info.duration_s > 0 else 0.0
        path = folder / f"f{i:02d}.png"
        save_png(picture, path)
        boxes = {cid: list(box) for cid, box in boxes_at(tracks, fraction).items()}
        frames.append(SampledFrame(path=str(path), time_s=round(time_s, 4), fraction=round(fraction, 4), boxes=boxes))
        if mattes:
            frame_mattes[path.name] = {cid: m for cid, m in mattes_at(mattes, fraction).items() if cid in boxes}
        if extents:
            frame_extents[path.name] = {cid: list(e) for cid, e in boxes_at(extents, fraction).items() if cid in boxes}
    payload = {
        "clip": str(clip),
        "stamp": _stamp(clip),
        "bands": list(caption_bands(notes)),
        "figure_light": notes.get("figure_light") if isinstance(notes.get("figure_light"), dict) else None,
        "graded": bool(notes.get("graded")),
        "mattes": frame_mattes,
        "extents": frame_extents,
        "frames": [f.model_dump() for f in frames],
    }
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


def _manifest(path: Path) -> dict[str, Any]:
    manifest = path.parent / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def frame_boxes(path: Path) -> dict[str, Box]:
    """The figure boxes recorded for a sampled frame, in whole-frame coordinates (empty if it has no manifest
    or no boxes)."""
    for entry in _manifest(path).get("frames", []):
        if Path(entry.get("path", "")).name == path.name:
            return {cid: (b[0], b[1], b[2], b[3]) for cid, b in (entry.get("boxes") or {}).items() if len(b) == 4}
    return {}


def frame_graded(path: Path) -> bool:
    """Whether a sampled frame comes from a colour-graded copy (see ``grading.copy_sidecar``)."""
    return bool(_manifest(path).get("graded"))


def frame_light(path: Path) -> dict[str, Any] | None:
    """How the renderer of the frame's clip lights its figures (its side file's ``figure_light``), if it said."""
    light = _manifest(path).get("figure_light")
    return light if isinstance(light, dict) else None


def load_view(path: Path) -> View:
    """A sampled frame as the gates judge it (see ``View``)."""
    manifest = _manifest(path)
    bands = manifest.get("bands") or (0.0, 0.0)
    coded = (manifest.get("mattes") or {}).get(path.name) or {}
    mattes = {cid: m for cid, text in coded.items() if (m := decode_matte(text)) is not None}
    raw = (manifest.get("extents") or {}).get(path.name) or {}
    extents = {cid: (e[0], e[1], e[2], e[3]) for cid, e in raw.items() if isinstance(e, list) and len(e) == 4}
    top, bottom = float(bands[0]), float(bands[1])
    return View(*without_bands(load_frame(path), frame_boxes(path), (top, bottom), mattes, extents))


def clip_views(clip: Path, count: int) -> list[View]:
    """``count`` frames of a clip in memory as the gates judge them (``load_view``), for checks that keep no
    files."""
    info = probe(clip)
    times = sample_times(info.duration_s, count)
    notes = load_sidecar(clip)
    tracks, mattes, extents = parse_tracks(notes), parse_mattes(notes), parse_extents(notes)
    bands = caption_bands(notes)
    views = []
    for frame, time_s in zip(read_frames(clip, times), times, strict=True):
        fraction = time_s / info.duration_s if info.duration_s > 0 else 0.0
        coded = mattes_at(mattes, fraction)
        decoded = {cid: m for cid, text in coded.items() if (m := decode_matte(text)) is not None}
        boxes = boxes_at(tracks, fraction)
        views.append(View(*without_bands(frame, boxes, bands, decoded, boxes_at(extents, fraction))))
    return views


def clip_frames(clip: Path, count: int) -> tuple[list[np.ndarray], list[dict[str, Box]]]:
    """``count`` frames of a clip in memory (the picture between its caption bands), with each frame's figure
    boxes."""
    views = clip_views(clip, count)
    return [v.pixels for v in views], [v.boxes for v in views]


def silhouettes(boxes: Sequence[dict[str, Box]], mattes: Sequence[dict[str, Matte]]) -> list[list[Shape]]:
    """Per frame, every figure as what hides the set: its box, with its matte where there is one."""
    return [
        [Silhouette(box, frame_mattes.get(cid)) for cid, box in frame_boxes.items()]
        for frame_boxes, frame_mattes in zip(boxes, mattes, strict=True)
    ]


def boxes_list(boxes: Sequence[dict[str, Box]]) -> list[list[Box]]:
    """Per frame, all figure boxes (what the set's light is measured around)."""
    return [list(b.values()) for b in boxes]
