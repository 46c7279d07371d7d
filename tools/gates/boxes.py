"""Where each character stands in a clip: the figure boxes a renderer leaves beside the clip.

The previz renderer writes ``<clip>.json`` (``shot.mp4.json`` or ``shot.json``) with normalised boxes
``[x0, y0, x1, y1]`` per character at the start, middle and end of the clip. Gates crop a character's region
with them and measure the set's light outside them. A clip without a sidecar (a real model's output) has no
boxes, and the gates fall back to the whole frame. The reader is lenient about the layout, since the boxes
are a hint, never a requirement: ``{"boxes": {id: {"start": box, "middle": box, "end": box}}}``, a single box
per character, a list of three boxes, ``{"figures": [{"character_id": id, "box": ...}]}`` and boxes given as
``{"x", "y", "w", "h"}`` or ``{"x0", "y0", "x1", "y1"}`` all read the same. A renderer that knows its figures'
outlines adds ``"mattes": {"start": "WxH:hex", ...}`` per figure (packed bits over the box, row by row), so a
gate can tell the figure from the set behind it exactly.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]
Track = list[tuple[float, Box]]
"""A character's boxes as (fraction of the clip's duration, box) keyframes, in time order."""
Matte = np.ndarray
"""A boolean grid over a figure's box: True where the figure itself shows (not the set, not someone in front)."""


@dataclass(frozen=True, eq=False)
class Silhouette:
    """A figure's box with its matte: the set seen inside the box (beside a head, between arms) is then set."""

    box: Box
    matte: Matte | None = None


Shape = Box | Silhouette
"""What hides the set: a figure's box, or its box and matte."""

_POSITIONS = {"start": 0.0, "first": 0.0, "begin": 0.0, "middle": 0.5, "mid": 0.5, "end": 1.0, "last": 1.0}
_LIST_KEYS = ("boxes", "figures", "characters", "figure_boxes")


def sidecar_path(clip: Path) -> Path | None:
    """The renderer's side file for ``clip``, if there is one."""
    for candidate in (clip.with_name(clip.name + ".json"), clip.with_suffix(".json")):
        if candidate.is_file() and candidate != clip:
            return candidate
    return None


def load_sidecar(clip: Path) -> dict[str, Any]:
    """The clip's side file as a dict; empty when there is none or it is unreadable."""
    path = sidecar_path(clip)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_tracks(clip: Path) -> dict[str, Track]:
    """Character id → box keyframes from the clip's sidecar; empty when there is none or it is unreadable."""
    return parse_tracks(load_sidecar(clip))


def caption_bands(data: Any) -> tuple[float, float]:
    """The heights (fractions of the frame) of the caption bands burnt into the top and bottom of a clip, from
    its side file's ``captions``; (0, 0) when it names none. Those rows are text over the picture, not picture:
    a character crop or a light reading that took them in would be judging the subtitles."""
    bands = data.get("captions") if isinstance(data, dict) else None
    if not isinstance(bands, dict):
        return (0.0, 0.0)
    try:
        top, bottom = (float(np.clip(float(bands.get(k) or 0.0), 0.0, 0.45)) for k in ("top", "bottom"))
    except (TypeError, ValueError):
        return (0.0, 0.0)
    return (top, bottom)


def cut_box(box: Box, matte: Matte | None, region: Box) -> tuple[Box, Matte | None] | None:
    """The part of ``box`` inside ``region`` (same coordinates), with its matte cut alike; None when nothing
    of it is left."""
    x0, y0 = max(box[0], region[0]), max(box[1], region[1])
    x1, y1 = min(box[2], region[2]), min(box[3], region[3])
    if x1 - x0 < 0.01 or y1 - y0 < 0.01:
        return None
    if matte is None or box[2] <= box[0] or box[3] <= box[1]:
        return (x0, y0, x1, y1), matte

    def span(lo: float, hi: float, start: float, end: float, cells: int) -> slice:
        first = min(max(int(np.floor((lo - start) / (end - start) * cells)), 0), cells - 1)
        last = int(np.ceil((hi - start) / (end - start) * cells))
        return slice(first, min(max(last, first + 1), cells))

    rows = span(y0, y1, box[1], box[3], matte.shape[0])
    cols = span(x0, x1, box[0], box[2], matte.shape[1])
    return (x0, y0, x1, y1), matte[rows, cols]


def without_bands(
    frame: np.ndarray,
    boxes: dict[str, Box],
    bands: tuple[float, float],
    mattes: dict[str, Matte] | None = None,
    extents: dict[str, Box] | None = None,
) -> tuple[np.ndarray, dict[str, Box], dict[str, Matte], dict[str, Box]]:
    """The picture between the caption bands, with the figure boxes (their mattes cut alike) and extents in
    that picture's coordinates; a box wholly under a band is dropped."""
    mattes, extents = dict(mattes or {}), dict(extents or {})
    top, bottom = bands
    height = frame.shape[0]
    y0, y1 = round(top * height), height - round(bottom * height)
    if (top <= 0 and bottom <= 0) or y1 - y0 < max(8, height // 4):
        return frame, boxes, mattes, extents
    t, span = y0 / height, (y1 - y0) / height
    moved: dict[str, Box] = {}
    cut: dict[str, Matte] = {}
    for cid, box in boxes.items():
        kept = cut_box(box, mattes.get(cid), (0.0, t, 1.0, t + span))
        if kept is None:
            continue
        (bx0, by0, bx1, by1), matte = kept
        moved[cid] = (bx0, (by0 - t) / span, bx1, (by1 - t) / span)
        if matte is not None:
            cut[cid] = matte
    shifted = {cid: (e[0], (e[1] - t) / span, e[2], (e[3] - t) / span) for cid, e in extents.items() if cid in moved}
    return frame[y0:y1], moved, cut, shifted


def parse_extents(data: Any) -> dict[str, Track]:
    """Character id → keyframes of the figure's whole box, unclipped (it may reach past the frame), from a side
    file's ``figures[id]["extent"]`` ({"start": [x0, y0, x1, y1], ...})."""
    figures = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(figures, dict):
        return {}
    found: dict[str, Track] = {}
    for cid, spec in figures.items():
        extent = spec.get("extent") if isinstance(spec, dict) else None
        if not isinstance(extent, dict):
            continue
        keys: Track = []
        for name, value in extent.items():
            if name.lower() in _POSITIONS and isinstance(value, list | tuple) and len(value) == 4:
                try:
                    x0, y0, x1, y1 = (float(v) for v in value)
                except (TypeError, ValueError):
                    continue
                if x1 > x0 and y1 > y0:
                    keys.append((_POSITIONS[name.lower()], (x0, y0, x1, y1)))
        if keys:
            found[str(cid)] = sorted(keys)
    return found


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


def decode_matte(text: Any) -> Matte | None:
    """A ``"WxH:hex"`` matte as a (H, W) boolean grid; None when it is malformed."""
    if not isinstance(text, str) or ":" not in text:
        return None
    size, _, bits = text.partition(":")
    try:
        width, height = (int(v) for v in size.lower().split("x"))
        packed = np.frombuffer(bytes.fromhex(bits), dtype=np.uint8)
    except ValueError:
        return None
    if width < 1 or height < 1 or len(packed) * 8 < width * height:
        return None
    return np.unpackbits(packed)[: width * height].reshape(height, width).astype(bool)


def parse_mattes(data: Any) -> dict[str, list[tuple[float, str]]]:
    """Character id → (fraction of the clip, encoded matte) keyframes from a side file's ``figures``."""
    figures = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(figures, dict):
        return {}
    found: dict[str, list[tuple[float, str]]] = {}
    for cid, spec in figures.items():
        mattes = spec.get("mattes") if isinstance(spec, dict) else None
        if isinstance(mattes, dict):
            keyed = [(_POSITIONS[k.lower()], v) for k, v in mattes.items() if k.lower() in _POSITIONS]
            if keyed:
                found[str(cid)] = sorted(keyed)
    return found


def mattes_at(mattes: dict[str, list[tuple[float, str]]], fraction: float) -> dict[str, str]:
    """Each figure's matte nearest to ``fraction`` of the clip (mattes are kept at the box keyframes)."""
    return {cid: min(keys, key=lambda k: abs(k[0] - fraction))[1] for cid, keys in mattes.items() if keys}


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


def background_mask(shape: tuple[int, ...], exclude: Sequence[Shape]) -> np.ndarray:
    """True where no figure stands: the set, whose colour is the light's. A figure given with its matte hides
    only its own outline (grown by a cell, so its edge never counts as set); one given as a box hides the box."""
    mask = np.ones(shape[:2], dtype=bool)
    for item in exclude:
        box, matte = (item.box, item.matte) if isinstance(item, Silhouette) else (item, None)
        x0, y0, x1, y1 = pixel_box(shape, box)
        if matte is None or not matte.size:
            mask[y0:y1, x0:x1] = False
            continue
        cells = Image.fromarray(_grown(matte).astype(np.uint8) * 255)
        mask[y0:y1, x0:x1] &= np.asarray(cells.resize((x1 - x0, y1 - y0), Image.Resampling.NEAREST)) < 128
    return mask


def shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    """``frame`` box-filtered down so its longer side is at most ``max_side`` (unchanged if already smaller)."""
    height, width = frame.shape[:2]
    if max(height, width) <= max_side:
        return frame
    scale = max_side / max(height, width)
    size = (max(round(width * scale), 1), max(round(height * scale), 1))
    return np.asarray(Image.fromarray(np.ascontiguousarray(frame)).resize(size, Image.Resampling.BOX))


def row_background(frame: np.ndarray, exclude: Sequence[Shape]) -> np.ndarray | None:
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


def visible_set_share(shape: tuple[int, ...], exclude: Sequence[Shape]) -> float:
    """Share of the frame where no figure stands: how much of the location a frame shows."""
    return float(background_mask(shape, exclude).mean())


def plate(frame: np.ndarray, exclude: Sequence[Shape], *, max_side: int = 320) -> np.ndarray:
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
    frame: np.ndarray,
    box: Box,
    exclude: Sequence[Shape],
    *,
    cover: Sequence[Box] = (),
    tolerance: float = 28.0,
    matte: Matte | None = None,
) -> np.ndarray:
    """The crop of ``box`` with the set behind the figure (and any ``cover`` boxes: other characters
    overlapping it) replaced by mid grey, so a character's embedding is about the character, not the wall
    behind it or a shoulder in front of it; the same person in another location stays alike.

    With the figure's ``matte`` (from a renderer that knows its outline) everything outside it is grey, the
    crop is cut to the figure's own extent, and it comes back RGBA with the matte as alpha, so an embedder can
    leave the grey out altogether.
    Without, a pixel belongs to the set when it is within ``tolerance`` (0..255, any channel) of its row's set
    colour: a guess, which fails where the box spans the frame and no set colour is seen in the row.
    """
    region = crop(frame, box)
    out = region.copy()
    if matte is not None and matte.size:
        inside = np.asarray(
            Image.fromarray(_eroded(matte).astype(np.uint8) * 255).resize(
                (region.shape[1], region.shape[0]), Image.Resampling.NEAREST
            )
        )
        out[inside < 128] = 128
        seen_rows, seen_cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        if len(seen_rows) and len(seen_cols):  # the figure's own extent: where it stands in its box is not its look
            kept = (slice(seen_rows[0], seen_rows[-1] + 1), slice(seen_cols[0], seen_cols[-1] + 1))
            out, inside = out[kept], inside[kept]
        return np.dstack([out[..., :3], inside.astype(np.uint8)])
    rows = row_background(frame, exclude)
    x0, y0, _x1, y1 = pixel_box(frame.shape, box)
    if rows is not None:
        behind = np.abs(region.astype(np.float32) - rows[y0:y1, None, :]).max(axis=-1) <= tolerance
        out[behind] = 128
    for other in cover:
        ox0, oy0, ox1, oy1 = pixel_box(frame.shape, other)
        out[max(oy0 - y0, 0) : max(oy1 - y0, 0), max(ox0 - x0, 0) : max(ox1 - x0, 0)] = 128
    return out


def _eroded(matte: Matte) -> Matte:
    """The matte without its edge cells: a cell on the outline is part figure, part set, and the set's colour
    there would be compared as if it were the character's."""
    if min(matte.shape) < 6:
        return matte
    inner = matte.copy()
    inner[1:, :] &= matte[:-1, :]
    inner[:-1, :] &= matte[1:, :]
    inner[:, 1:] &= matte[:, :-1]
    inner[:, :-1] &= matte[:, 1:]
    return inner if inner.any() else matte


def _grown(matte: Matte) -> Matte:
    """The matte with its edge cells' neighbours added (the outline is part figure, part set)."""
    grown = matte.copy()
    grown[1:, :] |= matte[:-1, :]
    grown[:-1, :] |= matte[1:, :]
    grown[:, 1:] |= matte[:, :-1]
    grown[:, :-1] |= matte[:, 1:]
    return grown
