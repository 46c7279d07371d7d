"""The lighting gate: does a clip's light match its location's colour temperature and its approved look?

Colour temperature is read from the red/blue balance of the bright-ish pixels outside the figures (the set,
lit by the scene's light). The kelvin ↔ RGB relation is Tanner Helland's fit to the blackbody locus
(``kelvin_to_rgb``); the estimate inverts that curve, so a frame lit by light of K kelvin reads back as K.
Estimates are reliable between about 2000 K and 12000 K; a set dominated by one strongly coloured surface
(a red wall) biases them, which is why the gate also compares the frames' plates (the set with its people
painted over) with the location's approved frames of the same shot type: the best frame's similarity must
reach the embedder's floor. Frames that show little of the set (close-ups) are judged on temperature only.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from domain.production import GateResult
from tools.gates.boxes import Shape, background_mask, shrink

K_MIN, K_MAX = 2000.0, 12000.0


def kelvin_to_rgb(kelvin: float) -> np.ndarray:
    """The RGB colour (0..1 per channel) of light at ``kelvin``, after Helland's blackbody fit."""
    t = float(np.clip(kelvin, 1000.0, 40000.0)) / 100.0
    if t <= 66:
        r = 255.0
        g = 99.4708025861 * np.log(t) - 161.1195681661
        b = 0.0 if t <= 19 else 138.5177312231 * np.log(t - 10) - 305.0447927307
    else:
        r = 329.698727446 * (t - 60) ** -0.1332047592
        g = 288.1221695283 * (t - 60) ** -0.0755148492
        b = 255.0
    return np.clip(np.array([r, g, b], dtype=np.float64), 0.0, 255.0) / 255.0


@cache
def _rb_table() -> tuple[np.ndarray, np.ndarray]:
    """log(R/B) along the curve, increasing, with the kelvin for each entry (for np.interp)."""
    kelvins = np.arange(K_MIN, K_MAX + 1.0, 25.0)
    log_ratio = np.array([np.log(rgb[0] / rgb[2]) for rgb in map(kelvin_to_rgb, kelvins)])
    order = np.argsort(log_ratio)
    return log_ratio[order], kelvins[order]


def rb_to_kelvin(red_over_blue: float) -> float:
    """Kelvin for a measured red/blue ratio of a neutral surface, clamped to 2000..12000 K."""
    log_ratio, kelvins = _rb_table()
    return float(np.interp(np.log(max(red_over_blue, 1e-6)), log_ratio, kelvins))


def neutral_means(frame: np.ndarray, exclude: Sequence[Shape] = ()) -> np.ndarray | None:
    """Mean RGB of the bright-ish, unclipped pixels outside ``exclude`` (the light as the set reflects it).

    Measured on a copy shrunk to at most 256 pixels a side: an average does not need every pixel.
    """
    frame = shrink(frame, 256)
    pixels = frame.reshape(-1, 3)[background_mask(frame.shape[:2], exclude).reshape(-1)].astype(np.float32)
    if len(pixels) < 16:
        pixels = frame.reshape(-1, 3).astype(np.float32)
    luma = pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    usable = (pixels.max(axis=1) < 250) & (pixels.min(axis=1) > 4)
    if usable.sum() < 16:
        return None
    bright = usable & (luma >= np.percentile(luma[usable], 50))
    return pixels[bright].mean(axis=0)


def estimate_kelvin(frame: np.ndarray, exclude: Sequence[Shape] = ()) -> float | None:
    """The colour temperature a frame was lit with, or None for a frame with nothing usable (black, clipped)."""
    means = neutral_means(frame, exclude)
    if means is None or means[2] < 1.0:
        return None if means is None else K_MIN
    return rb_to_kelvin(float(means[0] / means[2]))


def clip_kelvin(frames: Sequence[np.ndarray], excludes: Sequence[Sequence[Shape]] | None = None) -> float | None:
    """Median estimate over a clip's sampled frames (one odd frame does not move it)."""
    excludes = excludes or [() for _ in frames]
    found = [k for k in (estimate_kelvin(f, e) for f, e in zip(frames, excludes, strict=True)) if k is not None]
    return float(np.median(found)) if found else None


def lighting_gate(
    *,
    measured_k: float | None,
    target_k: float | None,
    threshold_k: float,
    similarity: float | None,
    similarity_threshold: float,
    location_id: str = "",
    set_in_view: bool = True,
) -> GateResult:
    """Pass when the light is within ``threshold_k`` of the target and (if the location has approved frames)
    the frames look like them; ``score`` is the kelvin distance, ``details`` holds both measurements.
    Without a target (no scene bible) only the likeness is judged; an unmeasurable frame (black) fails, but
    frames that show no set at all (``set_in_view`` False) have no temperature to judge."""
    if measured_k is None and not set_in_view:
        delta = 0.0
    elif target_k is None:
        delta = 0.0 if measured_k is not None else float("inf")
    else:
        delta = abs(measured_k - target_k) if measured_k is not None else float("inf")
    temperature_ok = delta <= threshold_k
    similarity_ok = similarity is None or similarity >= similarity_threshold
    failed = [name for name, ok in (("temperature", temperature_ok), ("similarity", similarity_ok)) if not ok]
    return GateResult(
        gate="lighting",
        passed=not failed,
        score=round(delta, 1) if measured_k is not None else -1.0,
        threshold=threshold_k,
        reason=None if not failed else "lighting_drift",
        details={
            "measured_k": None if measured_k is None else round(measured_k, 1),
            "target_k": target_k,
            "similarity": None if similarity is None else round(similarity, 4),
            "similarity_threshold": similarity_threshold,
            "failed": failed,
            "location_id": location_id,
            "set_in_view": set_in_view,
        },
    )
