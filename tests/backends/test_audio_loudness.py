"""Loudness to target: integrated LUFS within 1 LU, true peak under the ceiling, the limiter only when needed."""

from __future__ import annotations

import numpy as np
import pytest

from backends.audio.loudness import integrated_lufs, limit, measure, normalise, true_peak_dbtp

RATE = 48000


def speechlike(seconds: float = 8.0, seed: int = 0) -> np.ndarray:
    """Bursts of harmonic tone with silences between: a high crest factor, like dialogue."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 140 * h * t + rng.random()) / h for h in range(1, 12))
    gate = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(float)
    return np.asarray(0.05 * tone * gate, dtype=np.float32)


def test_quiet_dialogue_is_raised_to_target_and_limited() -> None:
    quiet = np.stack([speechlike(), speechlike()], axis=1)
    assert integrated_lufs(quiet, RATE) < -25
    out, loudness = normalise(quiet, RATE, target_lufs=-14.0, ceiling_dbtp=-1.0)
    assert abs(loudness.integrated_lufs - -14.0) <= 1.0
    assert loudness.true_peak_dbtp <= -1.0
    assert loudness.gain_db > 5
    # the figures returned are what the signal measures
    assert measure(out, RATE).integrated_lufs == pytest.approx(loudness.integrated_lufs, abs=0.05)
    assert true_peak_dbtp(out) == pytest.approx(loudness.true_peak_dbtp, abs=0.05)


def test_loud_mix_is_turned_down_without_limiting() -> None:
    rng = np.random.default_rng(1)
    loud = (0.5 * rng.standard_normal((RATE * 6, 2))).clip(-0.99, 0.99).astype(np.float32)
    _out, loudness = normalise(loud, RATE, target_lufs=-14.0, ceiling_dbtp=-1.0)
    assert abs(loudness.integrated_lufs + 14.0) <= 1.0 and loudness.true_peak_dbtp <= -1.0
    assert loudness.gain_db < 0


def test_true_peak_sees_intersample_overs() -> None:
    t = np.arange(RATE) / RATE
    # a sine at fs/4 sampled 45 degrees off its crest: every sample is 0.707 of the real peak
    wave = np.sin(2 * np.pi * (RATE / 4) * t + np.pi / 4).astype(np.float32)
    sample_peak = 20 * np.log10(np.abs(wave).max())
    assert true_peak_dbtp(wave) > sample_peak + 2.5


def test_limiter_holds_the_ceiling_and_leaves_quiet_parts_alone() -> None:
    signal = speechlike() * 12
    limited = limit(signal, RATE, ceiling_dbtp=-1.0)
    assert true_peak_dbtp(limited) <= -0.9
    quiet = np.abs(signal) < 0.2
    assert np.allclose(limited[quiet][:1000], signal[quiet][:1000], atol=0.2)


def test_silence_is_reported_not_raised() -> None:
    out, loudness = normalise(np.zeros((RATE * 2, 2), dtype=np.float32), RATE, target_lufs=-14, ceiling_dbtp=-1)
    assert loudness.integrated_lufs == -70.0 and not out.any()
