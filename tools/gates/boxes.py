"""Where each character stands in a clip: the figure boxes a renderer leaves beside the clip.

The previz renderer writes ``<clip>.json`` (``shot.mp4.json`` or ``shot.json``) with normalised boxes
``[x0, y0, x1, y1]`` per character at the start, middle and end of the clip. Gates crop a character's region
with them and measure the set's light outside them. A clip without a sidecar (a real model's output) has no
boxes, and the gates fall back to the whole frame. The reader is lenient about the layout, since the boxes
are a hint, never a requirement: ``{"boxes": {id: {"start": box, "middle": box, "end": box}}}``, a single box
per character, a list of three boxes, ``{"figures": [{"character_id": id, "box": ...}]}`` and boxes given as
``{"x", "y", "w", "h"}`` or ``{"x0", "y0", "x1", "y1"}`` all read the same.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]
Track = list[tuple[float, Box]]
"""A character's boxes as (fraction of the clip's duration, box) keyframes, in time order."""

_POSITIONS = {"start": 0.0, "first": 0.0, "begin": 0.0, "middle": 0.5, "mid": 0.5, "end": 1.0, "last": 1.0}
_LIST_KEYS = ("boxes", "figures", "characters", "figure_boxes")


def sidecar_path(clip: Path) -> Path | None:
    """The renderer's side file for ``clip``, if there is one."""
    for candidate in (clip.with_name(clip.name + ".json"), clip.with_suffix(".json")):
        if candidate.is_file() and candidate != clip:
            return candidate
    return None


def load_tracks(clip: Path) -> dict[str, Track]:
    """Character id → box keyframes from the clip's sidecar; empty when there is none or it is unreadable."""
    path = sidecar_path(clip)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return parse_tracks(data)


def parse_tracks(data: Any) -> dict[str, Track]:
    """Read figure boxes from any of the layouts described in the module docstring."""
    if not isinstance(data, dict):
        return {}
    scale = (float(data.get("width") or 1.0), float(data.get("height") or 1.0))
    container = next((data[k] for k in _LIST_KEYS if k in data), None)
    if container is None and isinstance(data.get("meta"), dict):
        return parse_tracks(data["meta"])
    entries: list[tuple[str, Any]] = []
    if isinstance(container, dict):
        entries = [(str(k), v) for k, v in container.items()]
    elif isinstance(container, list):
        for item in container:
            if isinstance(item, dict):
                cid = item.get("character_id") or item.get("character") or item.get("id")
                spec = next((item[k] for k in ("boxes", "box", "track", "keyframes") if k in item), item)
                if cid:
                    entries.append((str(cid), spec))
    tracks = {cid: track for cid, spec in entries if (track := _track(spec, scale))}
    return tracks


def _track(spec: Any, scale: tuple[float, float]) -> Track:
    single = _box(spec, scale)
    if single is not None:
        return [(0.0, single), (1.0, single)]
    keyframes: Track = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            box = _box(value, scale)
            if box is not None and str(key).lower() in _POSITIONS:
                keyframes.append((_POSITIONS[str(key).lower()], box))
    elif isinstance(spec, list) and spec:
        boxes = [b for b in (_box(v, scale) for v in spec) if b is not None]
        n = len(boxes)
        keyframes = [(i / (n - 1) if n > 1 else 0.0, b) for i, b in enumerate(boxes)]
    return sorted(keyframes)


def _box(value: Any, scale: tuple[float, float]) -> Box | None:
    coords: list[float] | None = None
    if isinstance(value, list | tuple) and len(value) == 4 and all(isinstance(v, int | float) for v in value):
        coords = [float(v) for v in value]
    elif isinstance(value, dict):
        if all(k in value for k in ("x0", "y0", "x1", "y1")):
            coords = [float(value[k]) for k in ("x0", "y0", "x1", "y1")]
        elif all(k in value for k in ("x", "y", "w", "h")):
            x, y, w, h = (float(value[k]) for k in ("x", "y", "w", "h"))
            coords = [x, y, x + w, y + h]
    if coords is None:
        return None
    if max(coords) > 1.5:  # pixels, not fractions
        coords = [coords[0] / scale[0], coords[1] / scale[1], coords[2] / scale[0], coords[3] / scale[1]]
    x0, y0, x1, y1 = (float(np.clip(c, 0.0, 1.0)) for c in coords)
    if x1 - x0 < 0.01 or y1 - y0 < 0.01:
        return None
    return (x0, y0, x1, y1)


def box_at(track: Track, fraction: float) -> Box:
    """The box at ``fraction`` of the clip (0 = first frame, 1 = last), linearly between keyframes."""
    if fraction <= track[0][0]:
        return track[0][1]
    for (t0, b0), (t1, b1) in itertools.pairwise(track):
        if fraction <= t1:
            w = 0.0 if t1 == t0 else (fraction - t0) / (t1 - t0)
            x0, y0, x1, y1 = (a + (b - a) * w for a, b in zip(b0, b1, strict=True))
            return (x0, y0, x1, y1)
    return track[-1][1]


def boxes_at(tracks: dict[str, Track], fraction: float) -> dict[str, Box]:
    return {cid: box_at(track, fraction) for cid, track in tracks.items()}


def pixel_box(shape: tuple[int, ...], box: Box) -> tuple[int, int, int, int]:
    height, width = shape[0], shape[1]
    x0, y0 = int(np.floor(box[0] * width)), int(np.floor(box[1] * height))
    x1, y1 = max(int(np.ceil(box[2] * width)), x0 + 1), max(int(np.ceil(box[3] * height)), y0 + 1)
    return x0, y0, min(x1, width), min(y1, height)


def crop(frame: np.ndarray, box: Box | None) -> np.ndarray:
    """The region of ``frame`` inside ``box``; the whole frame when there is no box."""
    if box is None:
        return frame
    x0, y0, x1, y1 = pixel_box(frame.shape, box)
    return frame[y0:y1, x0:x1]


def background_mask(shape: tuple[int, ...], exclude: Sequence[Box]) -> np.ndarray:
    """True where no figure stands: the set, whose colour is the light's."""
    mask = np.ones(shape[:2], dtype=bool)
    for box in exclude:
        x0, y0, x1, y1 = pixel_box(shape, box)
        mask[y0:y1, x0:x1] = False
    return mask


def shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    """``frame`` box-filtered down so its longer side is at most ``max_side`` (unchanged if already smaller)."""
    height, width = frame.shape[:2]
    if max(height, width) <= max_side:
        return frame
    scale = max_side / max(height, width)
    size = (max(round(width * scale), 1), max(round(height * scale), 1))
    return np.asarray(Image.fromarray(np.ascontiguousarray(frame)).resize(size, Image.Resampling.BOX))


def row_background(frame: np.ndarray, exclude: Sequence[Box]) -> np.ndarray | None:
    """The set's colour per row, (height, 3) float32, from the pixels outside the figures; rows the figures
    cover entirely take the nearest visible rows'. None when no row shows the set at all."""
    mask = background_mask(frame.shape, exclude)
    visible_rows = np.flatnonzero(mask.any(axis=1))
    if len(visible_rows) == 0:
        return None
    counts = mask.sum(axis=1)[visible_rows, None]
    row_means = (frame[visible_rows] * mask[visible_rows, :, None]).sum(axis=1) / counts
    rows = np.arange(frame.shape[0])
    return np.stack([np.interp(rows, visible_rows, row_means[:, c]) for c in range(3)], axis=-1).astype(np.float32)


def visible_set_share(shape: tuple[int, ...], exclude: Sequence[Box]) -> float:
    """Share of the frame where no figure stands: how much of the location a frame shows."""
    return float(background_mask(shape, exclude).mean())


def plate(frame: np.ndarray, exclude: Sequence[Box], *, max_side: int = 320) -> np.ndarray:
    """The frame with its figures painted over by the set around them: the location without its people.

    Each row's hidden pixels take that row's visible mean (``row_background``), which rebuilds walls, floors
    and horizons well, so a medium and a wide shot of one set give similar plates. Plates are for embedding,
    which looks at a small picture anyway, so large frames are shrunk to ``max_side`` first.
    """
    if not exclude:
        return frame
    frame = shrink(frame, max_side)
    rows = row_background(frame, exclude)
    if rows is None:
        return frame
    out = frame.copy()
    hidden = ~background_mask(frame.shape, exclude)
    out[hidden] = np.broadcast_to(rows[:, None, :], frame.shape)[hidden].astype(np.uint8)
    return out


def overlap(box: Box, other: Box) -> float:
    """The share of ``box``'s area that ``other`` covers."""
    w = max(0.0, min(box[2], other[2]) - max(box[0], other[0]))
    h = max(0.0, min(box[3], other[3]) - max(box[1], other[1]))
    area = (box[2] - box[0]) * (box[3] - box[1])
    return w * h / area if area > 0 else 0.0


def well_seen(
    box: Box,
    others: Sequence[Box] = (),
    *,
    min_area: float = 0.03,
    min_cut_width: float = 0.35,
    max_overlap: float = 0.5,
) -> bool:
    """Whether a box shows its character well enough to judge a look by: big enough, not a sliver cut off
    by the frame's side (a shoulder at the edge of a two-shot), not mostly hidden behind someone else."""
    x0, y0, x1, y1 = box
    if (x1 - x0) * (y1 - y0) < min_area:
        return False
    if (x0 <= 0.005 or x1 >= 0.995) and (x1 - x0) < min_cut_width:
        return False
    return sum(overlap(box, o) for o in others) <= max_overlap


def figure_only(
    frame: np.ndarray, box: Box, exclude: Sequence[Box], *, cover: Sequence[Box] = (), tolerance: float = 28.0
) -> np.ndarray:
    """The crop of ``box`` with the set behind the figure (and any ``cover`` boxes: other characters
    overlapping it) replaced by mid grey, so a character's embedding is about the character, not the wall
    behind it or a shoulder in front of it; the same person in another location stays alike.

    A pixel belongs to the set when it is within ``tolerance`` (0..255, any channel) of its row's set colour.
    """
    region = crop(frame, box)
    rows = row_background(frame, exclude)
    x0, y0, _x1, y1 = pixel_box(frame.shape, box)
    out = region.copy()
    if rows is not None:
        behind = np.abs(region.astype(np.float32) - rows[y0:y1, None, :]).max(axis=-1) <= tolerance
        out[behind] = 128
    for other in cover:
        ox0, oy0, ox1, oy1 = pixel_box(frame.shape, other)
        out[max(oy0 - y0, 0) : max(oy1 - y0, 0), max(ox0 - x0, 0) : max(ox1 - x0, 0)] = 128
    return out
