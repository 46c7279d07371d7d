"""The character gate: does each character still look like its approved reference frames?

Per character, each sampled frame is cropped to the character's box (from the renderer's sidecar; the whole
frame when there is none), the crop's colours are divided by the scene's light (so a warm location does not
read as a different outfit), the set behind the figure is greyed out (so a new location does not either),
embedded, and compared by cosine similarity with that character's references of the same framing group
(a face is held to a face, a full figure to a full figure). A frame's score is its best similarity over the
references; the character's score is its worst frame, since one drifted frame is already a visible
continuity error. Below the threshold: ``character_drift``. A character out of shot, cut off at the frame's
edge, hidden behind someone or too small to tell is not judged in that frame.

Calibration on previz renders (offline embedder, 7 shot types × camera moves × two locations): the same
character within a framing group scored 0.82-1.0; a changed outfit 0.26-0.56 (hence 0.75 for ``offline``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from domain.production import GateResult
from tools.gates.boxes import Box, figure_only, overlap, shrink, well_seen
from tools.gates.lighting import kelvin_to_rgb

BLACK_LUMA = 12.0
WORKING_SIDE = 640
"""Frames are shrunk to this many pixels on the long side before cropping: enough for any embedder's input."""


def neutralise(frame: np.ndarray, kelvin: float) -> np.ndarray:
    """The frame as if lit by white light, given the light it was lit by (divides out the light's colour)."""
    light = kelvin_to_rgb(kelvin)
    light = light / light.max()
    return np.clip(frame.astype(np.float32) / light.astype(np.float32), 0, 255).astype(np.uint8)


def character_crops(
    frames: Sequence[np.ndarray], boxes: Sequence[Mapping[str, Box]], character_id: str, kelvin: float
) -> tuple[list[np.ndarray], str]:
    """Light-neutral pictures of one character, and where they come from: "box", "frame" or "unseen".

    A clip with figure boxes gives, for each frame where the character is ``well_seen``, its box with the
    set and any overlapping figures greyed out (``figure_only``); frames where it is out of shot, cut off or
    hidden are left out ("unseen" if that is all of them). A clip without boxes gives the whole frames.
    Black frames show nobody (the artifact gate reports them).
    """
    lit = [(f, b) for f, b in zip(frames, boxes, strict=True) if float(f.mean()) >= BLACK_LUMA]
    if not any(boxes):
        return [neutralise(shrink(frame, WORKING_SIDE), kelvin) for frame, _ in lit], "frame" if lit else "unseen"
    crops = []
    for frame, frame_boxes in lit:
        box = frame_boxes.get(character_id)
        others = [b for cid, b in frame_boxes.items() if cid != character_id]
        if box is None or not well_seen(box, others):
            continue
        neutral = neutralise(shrink(frame, WORKING_SIDE), kelvin)
        crops.append(
            figure_only(neutral, box, list(frame_boxes.values()), cover=[o for o in others if overlap(box, o)])
        )
    return crops, "box" if crops else "unseen"


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
) -> GateResult:
    """Combine per-character scores into the gate's verdict. A score of None is not judged: the character
    has no reference for this framing yet (its first approved frame becomes one), or is not clearly seen
    (region "unseen"). A shot with nobody judged passes with score 1.0.
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
        },
    )
