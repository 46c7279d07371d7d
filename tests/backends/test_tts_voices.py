"""Casting and the offline voice: distinct voices per character, fixed across calls, real espeak-ng audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.audio.pcm import read_wav
from backends.tts import EspeakBackend, PlaceholderSpeech, make_speech_backend, voice_for
from backends.tts.espeak import espeak_exe
from domain.bibles import CharacterBible, Outfit, VoiceProfile
from domain.errors import BackendError
from domain.settings import AudioSettings

needs_espeak = pytest.mark.skipif(espeak_exe() is None, reason="espeak-ng is not installed")


def bible(character_id: str, **profile: object) -> CharacterBible:
    return CharacterBible(character_id=character_id, name=character_id.upper(), voice_profile=VoiceProfile(**profile))  # type: ignore[arg-type]


def test_same_character_same_voice_across_calls_and_episodes() -> None:
    first = voice_for(bible("lin", gender="female", accent="british"))
    later = bible("lin", gender="female", accent="british")
    later.wardrobe.append(Outfit(from_scene="E02-S001", description="raincoat"))  # a later episode's bible
    later.scenes = ["E01-S001", "E02-S004"]
    assert voice_for(later) == first
    assert voice_for(later).key() == first.key()


def test_characters_with_identical_profiles_still_sound_different() -> None:
    ids = ["lin", "mei", "ana", "zoe", "kim", "eva"]
    voices = [voice_for(bible(i, gender="female", pitch=55, rate_wpm=165)) for i in ids]
    signatures = {(v.variant, v.pitch, v.rate_wpm) for v in voices}
    assert len(signatures) == len(ids)
    assert all(v.variant in {"f1", "f2", "f3", "f4", "f5"} for v in voices)


def test_profile_drives_gender_accent_pitch_and_rate() -> None:
    low = voice_for(bible("marco", gender="male", pitch=20, rate_wpm=140, accent="Scottish"))
    assert low.variant.startswith("m") and low.accent == "en-gb-scotland"
    assert abs(low.pitch - 20) <= 12 and abs(low.rate_wpm - 140) <= 15
    assert low.espeak_voice == f"en-gb-scotland+{low.variant}"
    assert voice_for(bible("x", accent="martian")).accent == "en-us"
    assert voice_for(bible("robot", gender="neutral")).variant.startswith("klatt")


@needs_espeak
def test_espeak_voices_two_characters_differently(tmp_path: Path) -> None:
    backend = EspeakBackend()
    text = "I told you never to come back here."
    a = backend.synthesize(text, voice_for(bible("lin", gender="female", pitch=60)), tmp_path / "a.wav")
    b = backend.synthesize(text, voice_for(bible("marco", gender="male", pitch=35)), tmp_path / "b.wav")
    again = backend.synthesize(text, voice_for(bible("lin", gender="female", pitch=60)), tmp_path / "c.wav")
    sa, sb = read_wav(a, 22050), read_wav(b, 22050)
    assert len(sa) > 22050 * 0.8 and np.abs(sa).max() > 0.1
    assert a.read_bytes() == again.read_bytes()
    assert a.read_bytes() != b.read_bytes()
    assert _pitch(sa, 22050) > _pitch(sb, 22050) * 1.15


@needs_espeak
def test_espeak_takes_text_as_data_not_options(tmp_path: Path) -> None:
    voice = voice_for(bible("lin"))
    out = EspeakBackend().synthesize('--help; rm -rf "$HOME" `ls`', voice, tmp_path / "x.wav")
    assert read_wav(out, 22050).size > 0


def test_espeak_reports_a_bad_voice(tmp_path: Path) -> None:
    if espeak_exe() is None:
        pytest.skip("espeak-ng is not installed")
    voice = voice_for(bible("lin")).model_copy(update={"accent": "xx-nowhere"})
    with pytest.raises(BackendError, match="xx-nowhere"):
        EspeakBackend().synthesize("hello", voice, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_placeholder_is_silent_and_timed_like_speech(tmp_path: Path) -> None:
    voice = voice_for(bible("lin", rate_wpm=120))
    out = PlaceholderSpeech().synthesize("one two three four five six", voice, tmp_path / "p.wav")
    samples = read_wav(out, 24000)
    assert np.abs(samples).max() == 0
    assert len(samples) / 24000 == pytest.approx(0.3 + 6 * 60 / voice.rate_wpm, abs=0.01)


def test_default_backend_is_offline() -> None:
    backend = make_speech_backend(AudioSettings())
    assert backend.name in {"espeak-ng", "placeholder"}


def _pitch(samples: np.ndarray, rate: int) -> float:
    """Median fundamental over voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    size, found = int(0.04 * rate), []
    for start in range(0, len(samples) - size, size):
        frame = samples[start : start + size]
        if np.sqrt(np.mean(frame**2)) < 0.05:
            continue
        corr = np.correlate(frame, frame, mode="full")[size - 1 :]
        lo, hi = rate // 400, rate // 60
        found.append(rate / (lo + int(np.argmax(corr[lo:hi]))))
    return float(np.median(found))
