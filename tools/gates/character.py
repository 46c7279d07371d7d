"""The character gate: does each character still look like its approved reference frames?

Per character, each sampled frame is cropped to the character's box (from the renderer's sidecar; the whole
frame when there is none), the crop's colours are divided by the light the scene bible puts on figures (so a
warm location does not read as a different outfit; a drifted light still shows), the set behind the figure is
greyed out (exactly, with the renderer's matte; else by colour), embedded, and compared by cosine similarity
with that character's references. A frame's score is its best similarity over the references; the character's
score is its worst frame, since one drifted frame is already a visible continuity error. Below the threshold:
``character_drift``. A character out of shot, cut off at the frame's edge, hidden behind someone or too small
to tell is not judged in that frame.

When the renderer gives each figure's whole extent, the crop is a *view*: a fixed window of the figure (eyes,
face, bust: ``thresholds.toml``), so a close-up whose chest a caption band hides, an over-the-shoulder with
its subject off centre and a long shot are compared on the same part of the figure; otherwise crops are
compared within a framing group (a face with a face, a full figure with a full figure).

Calibration on previz renders of the Neon Vows storyboard at 144×256 (offline embedder, every shot type and
camera move, nine locations, same take rendered clean, with another seed, with each character drifted and with
the light drifted): the same look scored bust ≥ 0.76, face ≥ 0.77, eyes ≥ 0.85; a drifted character at most
0.68 on the bust and 0.47 on the face of close-ups, but up to 0.85 on the face and eyes of closer shots when a
drift only darkened dark hair (the bust catches those), hence 0.75 for ``offline``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.production import GateResult
from tools.gates.boxes import Box, Matte, cut_box, figure_only, overlap, shrink, well_seen
from tools.gates.lighting import kelvin_to_rgb

BLACK_LUMA = 12.0
WORKING_SIDE = 640
"""Frames are shrunk to this many pixels on the long side before cropping: enough for any embedder's input."""


@dataclass(frozen=True)
class FigureLight:
    """How figures take a scene's light: their colour temperature moves from ``neutral_k`` toward the scene's
    by ``follows`` (1 = fully, as an uncorrected camera sees them; 0.5 = half, as when faces are balanced for),
    at brightness ``level`` (None: unknown, so only the light's colour is divided out).

    The renderer says which (its side file's ``figure_light``); without a word the figures are taken to be lit
    fully by the scene's light. The light divided out is the one the *scene bible* asks for, so a clip whose
    light drifted still shows it on its figures.
    """

    neutral_k: float = 6500.0
    follows: float = 1.0
    level: float | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any] | None) -> FigureLight:
        """From a side file's ``figure_light`` ({"neutral_k", "follows", "level"}); the default when absent."""
        if not meta:
            return cls()
        try:
            level = meta.get("level")
            return cls(
                neutral_k=float(meta.get("neutral_k", 6500.0)),
                follows=float(np.clip(float(meta.get("follows", 1.0)), 0.0, 1.0)),
                level=float(level) if level is not None and float(level) > 0.05 else None,
            )
        except (TypeError, ValueError):
            return cls()

    def on_figures(self, scene_k: float) -> np.ndarray:
        """The RGB multipliers a figure's own colours get under a scene lit at ``scene_k``."""
        light = kelvin_to_rgb(self.neutral_k + (scene_k - self.neutral_k) * self.follows)
        return light * self.level if self.level else light / light.max()


def neutralise(frame: np.ndarray, kelvin: float, light: FigureLight | None = None) -> np.ndarray:
    """The frame as if lit by white light, given the scene light it was lit by (divides out the light's colour,
    and its level when ``light`` knows it)."""
    gains = (light or FigureLight()).on_figures(kelvin)
    return np.clip(frame.astype(np.float32) / gains.astype(np.float32), 0, 255).astype(np.uint8)


def character_crops(
    frames: Sequence[np.ndarray],
    boxes: Sequence[Mapping[str, Box]],
    character_id: str,
    kelvin: float,
    lights: Sequence[FigureLight | None] | None = None,
    mattes: Sequence[Mapping[str, Matte]] | None = None,
    extents: Sequence[Mapping[str, Box]] | None = None,
    window: Box | None = None,
    min_shown: float = 0.8,
    min_height: float = 0.0,
) -> tuple[list[np.ndarray], str]:
    """Light-neutral pictures of one character, and where they come from: "box", "frame" or "unseen".

    A clip with figure boxes gives, for each frame where the character is ``well_seen``, its box with the
    set and any overlapping figures greyed out (``figure_only``); frames where it is out of shot, cut off or
    hidden are left out ("unseen" if that is all of them). A clip without boxes gives the whole frames.
    Black frames show nobody (the artifact gate reports them). ``lights`` says, per frame, how its clip lights
    figures (``FigureLight``; None: the default); ``mattes``, per frame, each figure's outline where the
    renderer gave one (the set is then greyed out exactly). With the figures' ``extents`` (whole boxes) and a
    ``window`` (x0, y0, x1, y1: fractions of the figure's whole box), only that part of the figure is kept, so
    shots that show more or less of it (a caption band over the chest, a tighter lens, a subject off centre)
    compare like with like; a frame showing less than ``min_shown`` of the window's width or height, or whose
    window is less than ``min_height`` of the picture tall, does not count.
    """
    per_light = list(lights) if lights is not None else [None] * len(frames)
    per_matte = list(mattes) if mattes is not None else [{} for _ in frames]
    per_extent = list(extents) if extents is not None else [{} for _ in frames]
    lit = [
        (f, b, light, m, e)
        for f, b, light, m, e in zip(frames, boxes, per_light, per_matte, per_extent, strict=True)
        if float(f.mean()) >= BLACK_LUMA
    ]
    if not any(boxes):
        crops = [neutralise(shrink(frame, WORKING_SIDE), kelvin, light) for frame, _, light, _, _ in lit]
        return crops, "frame" if lit else "unseen"
    crops = []
    for frame, frame_boxes, light, frame_mattes, frame_extents in lit:
        box = frame_boxes.get(character_id)
        others = [b for cid, b in frame_boxes.items() if cid != character_id]
        if box is None:
            continue
        matte = frame_mattes.get(character_id)
        extent = frame_extents.get(character_id)
        if window is not None and extent is not None:
            kept = _windowed(box, matte, extent, window, min_shown, min_height)
            if kept is None or (kept[1] is None and not well_seen(box, others)):
                continue
            box, matte = kept
        elif not well_seen(box, others):
            continue
        neutral = neutralise(shrink(frame, WORKING_SIDE), kelvin, light)
        crops.append(
            figure_only(
                neutral,
                box,
                list(frame_boxes.values()),
                cover=[o for o in others if overlap(box, o)],
                matte=matte,
            )
        )
    return crops, "box" if crops else "unseen"


MIN_WINDOW_AREA = 0.004
"""A window showing less of the frame than this (a head in an extreme long shot) is too small to judge."""
MIN_MATTE_COVER = 0.25
"""A window where the figure itself covers less than this share (hidden behind someone) is not judged."""


def _windowed(
    box: Box, matte: Matte | None, extent: Box, window: Box, min_shown: float, min_height: float = 0.0
) -> tuple[Box, Matte | None] | None:
    """The part of a figure's box inside its window (fractions of the whole figure, ``extent``), with the matte
    cut alike; None when the frame shows too little of the window (cut by the frame's edge or a caption band,
    too small) or the figure is mostly hidden there. A character at the edge of a two-shot is judged when
    enough of its window is in frame."""
    width, height = extent[2] - extent[0], extent[3] - extent[1]
    region = (
        extent[0] + window[0] * width,
        extent[1] + window[1] * height,
        extent[0] + window[2] * width,
        extent[1] + window[3] * height,
    )
    if region[3] - region[1] < min_height:
        return None
    kept = cut_box(box, matte, region)
    if kept is None:
        return None
    (x0, y0, x1, y1), cut = kept
    shown = (x1 - x0) >= min_shown * (region[2] - region[0]) and (y1 - y0) >= min_shown * (region[3] - region[1])
    if not shown or (x1 - x0) * (y1 - y0) < MIN_WINDOW_AREA:
        return None
    if cut is not None and float(cut.mean()) < MIN_MATTE_COVER:
        return None
    return kept


def best_similarity(embeddings: np.ndarray, references: np.ndarray) -> np.ndarray:
    """For each embedding (row), its highest cosine similarity over the references (unit rows)."""
    if len(references) == 0 or len(embeddings) == 0:
        return np.zeros(len(embeddings), dtype=np.float32)
    return np.asarray(embeddings @ references.T).max(axis=1)


def character_gate(
    scores: Mapping[str, float | None],
    threshold: float,
    *,
    regions: Mapping[str, str] | None = None,
    framing: str = "",
    views: Mapping[str, Mapping[str, float]] | None = None,
    unreferenced_views: Mapping[str, Sequence[str]] | None = None,
) -> GateResult:
    """Combine per-character scores into the gate's verdict. A score of None is not judged: the character
    has no reference for what this shot shows of it yet (its first approved frame becomes one), or is not
    clearly seen (region "unseen"). A shot with nobody judged passes with score 1.0. ``views`` holds each
    character's score per reference key, ``unreferenced_views`` the keys it was seen under with no reference.
    """
    regions = dict(regions or {})
    judged = {cid: s for cid, s in scores.items() if s is not None}
    failing = sorted(cid for cid, s in judged.items() if s < threshold)
    unjudged = [cid for cid, s in scores.items() if s is None]
    return GateResult(
        gate="character",
        passed=not failing,
        score=round(min(judged.values()), 4) if judged else 1.0,
        threshold=threshold,
        reason="character_drift" if failing else None,
        details={
            "characters": {cid: None if s is None else round(s, 4) for cid, s in scores.items()},
            "failing": failing,
            "unreferenced": sorted(cid for cid in unjudged if regions.get(cid) != "unseen"),
            "unseen": sorted(cid for cid in unjudged if regions.get(cid) == "unseen"),
            "regions": regions,
            "framing": framing,
            "views": {cid: dict(v) for cid, v in (views or {}).items()},
            "unreferenced_views": {
                cid: list(keys)
                for cid, keys in (
                    unreferenced_views or {cid: [framing] for cid in scores if scores[cid] is None}
                ).items()
                if keys and regions.get(cid) != "unseen"
            },
        },
    )
