"""Loudness to a platform target: integrated LUFS (BS.1770 via pyloudnorm), true peak by 4x oversampling, a limiter.

Short-drama platforms normalise playback near -14 LUFS; delivering there with the true peak under -1 dBTP means
the platform neither turns the episode down nor clips it on a lossy re-encode.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from pydantic import BaseModel, Field

SILENT_LUFS = -70.0


class Loudness(BaseModel):
    """What a mix measured; these are the figures a delivery spec asks for."""

    integrated_lufs: float = Field(description="BS.1770 integrated loudness; -70 means silence")
    true_peak_dbtp: float = Field(description="peak of the 4x oversampled signal, dB true peak")
    lra_lu: float | None = Field(default=None, description="loudness range (short-term 10th to 95th percentile)")
    gain_db: float = Field(default=0.0, description="gain applied to reach the target")
    limited: bool = Field(default=False, description="whether the limiter had to act")


def integrated_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness, with silence (or a too-short signal) reported as -70 LUFS instead of -inf."""
    import pyloudnorm  # lazy: scipy costs half a second to import

    if len(samples) < int(0.4 * sample_rate):
        samples = np.concatenate([samples, np.zeros_like(samples, shape=(int(0.4 * sample_rate), *samples.shape[1:]))])
    value = pyloudnorm.Meter(sample_rate).integrated_loudness(np.asarray(samples, dtype=np.float64))
    return float(value) if np.isfinite(value) else SILENT_LUFS


def true_peak_dbtp(samples: np.ndarray) -> float:
    """The inter-sample peak: the waveform oversampled 4x (BS.1770 annex 2), in dBTP."""
    if len(samples) == 0:
        return -120.0
    peak = float(np.max(np.abs(_oversampled(samples))))
    return 20 * np.log10(peak) if peak > 0 else -120.0


def loudness_range(samples: np.ndarray, sample_rate: int) -> float | None:
    """A simple LRA: spread of 3 s short-term loudness (1 s hop) between its 10th and 95th percentiles."""
    import pyloudnorm  # lazy: scipy costs half a second to import

    window, hop = 3 * sample_rate, sample_rate
    if len(samples) < window:
        return None
    meter = pyloudnorm.Meter(sample_rate, block_size=0.4)
    values = []
    for start in range(0, len(samples) - window + 1, hop):
        value = meter.integrated_loudness(np.asarray(samples[start : start + window], dtype=np.float64))
        if np.isfinite(value) and value > -70:
            values.append(value)
    if len(values) < 2:
        return None
    absolute = np.array(values)
    gated = absolute[absolute > 10 * np.log10(np.mean(10 ** (absolute / 10))) - 20]
    return float(np.percentile(gated, 95) - np.percentile(gated, 10))


def measure(samples: np.ndarray, sample_rate: int, *, with_lra: bool = False) -> Loudness:
    return Loudness(
        integrated_lufs=round(integrated_lufs(samples, sample_rate), 2),
        true_peak_dbtp=round(true_peak_dbtp(samples), 2),
        lra_lu=round(lra, 2) if with_lra and (lra := loudness_range(samples, sample_rate)) is not None else None,
    )


def normalise(
    samples: np.ndarray, sample_rate: int, *, target_lufs: float, ceiling_dbtp: float, margin_db: float = 0.3
) -> tuple[np.ndarray, Loudness]:
    """Gain to ``target_lufs``, then limit so the true peak stays under ``ceiling_dbtp``; return the re-measured mix.

    The limiter aims ``margin_db`` under the ceiling so the AAC encode that follows does not push peaks over it.
    Limiting costs a little loudness, so gain and limiter alternate until both hold. The oversampled peak
    envelope is computed once: gain and a smooth limiter gain scale it (nearly) exactly, so each round costs
    only a loudness measurement; the true peak of the result is then measured for real.
    """
    source = np.asarray(samples, dtype=np.float32)
    measured = integrated_lufs(source, sample_rate)
    if measured <= SILENT_LUFS:
        return source, measure(source, sample_rate)
    envelope = peak_envelope(source)
    ceiling = 10 ** ((ceiling_dbtp - margin_db) / 20)
    gain_db, limited, out = target_lufs - measured, False, source
    for _ in range(5):
        gain = 10 ** (gain_db / 20)
        if gain * float(envelope.max()) > ceiling:
            curve = limiter_gain(envelope * np.float32(gain), sample_rate, ceiling=ceiling) * np.float32(gain)
            out = source * (curve if source.ndim == 1 else curve[:, None])
            limited = True
        else:
            out = source * np.float32(gain)
        error = target_lufs - integrated_lufs(out, sample_rate)
        if abs(error) <= 0.1:
            break
        gain_db += error
    peak = true_peak_dbtp(out)
    excess = peak - (ceiling_dbtp - margin_db / 2)
    if excess > 0:  # the last word: a plain trim that can only lower the level
        out = out * np.float32(10 ** (-excess / 20))
        gain_db, peak = gain_db - excess, peak - excess
    lra = loudness_range(out, sample_rate)
    return out.astype(np.float32), Loudness(
        integrated_lufs=round(integrated_lufs(out, sample_rate), 2),
        true_peak_dbtp=round(peak, 2),
        lra_lu=round(lra, 2) if lra is not None else None,
        gain_db=round(gain_db, 2),
        limited=limited,
    )


def limit(samples: np.ndarray, sample_rate: int, *, ceiling_dbtp: float) -> np.ndarray:
    """A look-ahead peak limiter driven by the oversampled peak: gain drops before a peak, recovers after it."""
    curve = limiter_gain(peak_envelope(samples), sample_rate, ceiling=10 ** (ceiling_dbtp / 20))
    return np.asarray(samples * (curve if samples.ndim == 1 else curve[:, None]), dtype=np.float32)


def limiter_gain(
    envelope: np.ndarray, sample_rate: int, *, ceiling: float, lookahead_s: float = 0.005, release_s: float = 0.08
) -> np.ndarray:
    """Per-sample gain keeping ``envelope * gain`` under ``ceiling``: instant look-ahead attack, smooth release."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d  # lazy: scipy costs half a second to import
    from scipy.signal import lfilter  # lazy: scipy costs half a second to import

    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9)).astype(np.float32)
    window = max(int(lookahead_s * sample_rate), 1)
    # Each value below is a minimum over a window that contains its own sample, so averaging keeps it <= needed.
    held = -maximum_filter1d(-needed, size=2 * window + 1, mode="nearest")
    ramped = uniform_filter1d(held, size=window | 1, mode="nearest")
    coeff = float(np.exp(-1.0 / (release_s * sample_rate)))
    released = lfilter([1 - coeff], [1, -coeff], ramped, zi=[coeff * ramped[0]])[0]
    return np.minimum(ramped, released).astype(np.float32)


def peak_envelope(samples: np.ndarray) -> np.ndarray:
    """For each sample, the largest magnitude of the 4x oversampled signal around it, over all channels."""
    over = np.abs(_oversampled(samples))
    if over.ndim > 1:
        over = over.max(axis=1)
    return np.asarray(over[: 4 * len(samples)].reshape(-1, 4).max(axis=1))


@cache
def _interpolator() -> np.ndarray:
    """A 48-tap, 4-phase interpolation filter (the length BS.1770 annex 2 uses), flat to about 20 kHz at 48 kHz,
    in float32 for speed. Frequencies are in units of the oversampled rate."""
    from scipy.signal import remez  # lazy: scipy costs half a second to import

    taps = remez(48, [0.0, 0.105, 0.145, 0.5], [1.0, 0.0])
    return np.asarray(taps / taps.sum(), dtype=np.float32)


def _oversampled(samples: np.ndarray) -> np.ndarray:
    from scipy.signal import resample_poly  # lazy: scipy costs half a second to import

    data = np.asarray(samples, dtype=np.float32)
    return np.asarray(resample_poly(data, 4, 1, axis=0, window=_interpolator()))
