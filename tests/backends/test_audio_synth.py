"""The offline music bed and effects: deterministic, shaped by mood and intensity, every cue audible."""

from __future__ import annotations

import numpy as np
import pytest

from backends.audio import EFFECTS, moods, natural_length, render_bed, render_effect
from domain.errors import BackendError

RATE = 48000


def brightness(x: np.ndarray) -> float:
    """Energy of the pad's upper harmonics (1-5 kHz) against its body (150 Hz-1 kHz); the bass is left out."""
    spectrum = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(spectrum[(freqs > 1000) & (freqs < 5000)].sum() / spectrum[(freqs > 150) & (freqs < 1000)].sum())


def low_share(x: np.ndarray, below_hz: float = 120) -> float:
    spectrum = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(spectrum[freqs < below_hz].sum() / spectrum.sum())


def test_bed_is_deterministic_stereo_and_faded() -> None:
    a = render_bed("romantic", 0.4, 6.0, RATE, seed=7)
    assert a.shape == (6 * RATE, 2) and a.dtype == np.float32
    assert np.array_equal(a, render_bed("romantic", 0.4, 6.0, RATE, seed=7))
    assert np.abs(a[:10]).max() < 1e-3 and np.abs(a[-10:]).max() < 1e-3  # fades at the scene edges
    assert np.abs(a[RATE * 3 : RATE * 3 + 4800]).max() > 0.01
    assert not np.array_equal(a[:, 0], a[:, 1])


def test_intensity_brightens_the_bed_and_suspense_adds_a_drone() -> None:
    calm = render_bed("neutral", 0.0, 8.0, RATE)
    climax = render_bed("neutral", 1.0, 8.0, RATE)
    assert brightness(climax) > brightness(calm) * 3
    assert low_share(render_bed("thriller", 0.8, 8.0, RATE)) > low_share(render_bed("romantic", 0.8, 8.0, RATE))


def test_moods_sound_different() -> None:
    beds = {m: render_bed(m, 0.5, 4.0, RATE) for m in ("sad", "joyful", "tense")}
    assert not np.allclose(beds["sad"], beds["joyful"], atol=1e-3)
    assert set(moods()) >= {"neutral", "romantic", "sad", "tense", "thriller", "joyful"}
    with pytest.raises(BackendError, match="unknown mood"):
        render_bed("whimsical", 0.5, 1.0, RATE)


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_every_effect_is_audible_and_deterministic(name: str) -> None:
    a = render_effect(name, 3.0, RATE, seed=3)
    assert np.isfinite(a).all() and np.abs(a).max() == pytest.approx(1.0)
    assert np.sqrt(np.mean(a**2)) > 0.01
    assert np.array_equal(a, render_effect(name, 3.0, RATE, seed=3))
    length = natural_length(name)
    expected = length if length is not None else 3.0
    assert len(a) / RATE == pytest.approx(expected, abs=0.05)


def test_unknown_effect_names_the_known_ones() -> None:
    with pytest.raises(BackendError, match="knock"):
        render_effect("kazoo", 1.0, RATE)
