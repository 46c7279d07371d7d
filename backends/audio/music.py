"""An offline music bed: pad chords, a pulse and a drone, shaped by mood and emotional intensity.

Good enough for an animatic: it tells the viewer (and the editor) what the scene should feel like without a
music model. Mode and progression come from the mood (``moods.yaml``); tempo, pulse level and pad brightness
rise with the scene's intensity; suspense moods add a low drone. Seeded, so the same scene renders the same bed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel

from backends.audio.pcm import fade, resample
from domain.errors import BackendError

MOODS_FILE = Path(__file__).with_name("moods.yaml")
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_TABLE = 2048
_SYNTH_RATE = 24000  # the bed has nothing above ~6 kHz; render at half rate and upsample


class Mood(BaseModel):
    mode: str
    root: int
    progression: list[int]
    tempo: float
    brightness: float
    pulse: bool = False
    drone: bool = False
    level_db: float = -24.0


@cache
def moods() -> dict[str, Mood]:
    """The mood table from ``moods.yaml``."""
    data = yaml.safe_load(MOODS_FILE.read_text(encoding="utf-8"))
    return {name: Mood.model_validate(spec) for name, spec in data["moods"].items()}


def render_bed(
    mood: str, intensity: float, duration_s: float, sample_rate: int, *, seed: int = 0, fade_s: float = 0.6
) -> np.ndarray:
    """A stereo (n, 2) float32 bed of ``duration_s`` at ``sample_rate``, faded in and out for scene changes."""
    table = moods()
    if mood not in table:
        raise BackendError("music", f"unknown mood {mood!r}; known moods: {', '.join(sorted(table))}")
    spec = table[mood]
    intensity = float(np.clip(intensity, 0.0, 1.0))
    n = round(duration_s * _SYNTH_RATE)
    if n <= 0:
        return np.zeros((0, 2), dtype=np.float32)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / _SYNTH_RATE
    tempo = spec.tempo * (1.0 + 0.45 * intensity)
    beat = 60.0 / tempo
    bar = 4 * beat
    brightness = min(spec.brightness + 0.35 * intensity, 0.95)
    chords = [_triad(spec, degree) for degree in spec.progression]

    left = np.zeros(n, dtype=np.float64)
    right = np.zeros(n, dtype=np.float64)
    pad_table = _wavetable(brightness)
    bar_index = np.minimum((t // bar).astype(int), 10**6)
    # Each chord fades over a quarter of a beat at the bar line, so changes glide instead of clicking.
    for index in np.unique(bar_index):
        chord = chords[int(index) % len(chords)]
        start, stop = int(index * bar * _SYNTH_RATE), min(int((index + 1) * bar * _SYNTH_RATE), n)
        seg = t[start:stop]
        env = _segment_envelope(len(seg), int(0.25 * beat * _SYNTH_RATE))
        for k, note in enumerate(chord):
            freq = _hz(note)
            phase = rng.random()
            left[start:stop] += env * _lookup(pad_table, freq * seg + phase)
            right[start:stop] += env * _lookup(pad_table, freq * 1.003 * seg + phase + 0.25 * k)
    swell = 0.85 + 0.15 * np.sin(2 * np.pi * t / (2 * bar))
    left *= swell / 4
    right *= swell / 4

    if spec.pulse or intensity >= 0.5:
        bass = _pulse(t, beat, bar, chords, level=0.25 + 0.55 * intensity)
        left += bass
        right += bass
    if spec.drone:
        drone = _drone(t, spec.root, intensity, rng)
        left += drone
        right += drone[::-1] if len(drone) else drone

    stereo = np.stack([left, right], axis=1)
    stereo *= 10 ** (spec.level_db / 20) / max(_rms(stereo), 1e-9)
    out = resample(stereo.astype(np.float32), _SYNTH_RATE, sample_rate)
    target = round(duration_s * sample_rate)
    out = np.pad(out, ((0, max(target - len(out), 0)), (0, 0)))[:target]
    return fade(out, sample_rate, fade_in_s=min(fade_s, duration_s / 4), fade_out_s=min(fade_s, duration_s / 4))


def _triad(spec: Mood, degree: int) -> list[int]:
    """A diatonic triad on ``degree`` (1-based) plus its root an octave down, as MIDI notes."""
    scale = _SCALES.get(spec.mode, _SCALES["major"])
    notes = []
    for step in (0, 2, 4):
        index = degree - 1 + step
        notes.append(spec.root + scale[index % 7] + 12 * (index // 7))
    return [notes[0] - 12, *notes]


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


@cache
def _wavetable(brightness: float) -> np.ndarray:
    """One period of a soft pad: harmonics fall off faster when darker."""
    phase = np.arange(_TABLE) / _TABLE
    wave = sum((brightness ** (h - 1)) / h * np.sin(2 * np.pi * h * phase) for h in range(1, 8))
    return np.asarray(wave / np.max(np.abs(wave)))


def _lookup(table: np.ndarray, cycles: np.ndarray) -> np.ndarray:
    return table[((cycles % 1.0) * _TABLE).astype(np.int64) % _TABLE]


def _segment_envelope(length: int, ramp: int) -> np.ndarray:
    env = np.ones(length)
    ramp = min(ramp, length // 2)
    if ramp > 0:
        env[:ramp] = np.linspace(0.0, 1.0, ramp)
        env[-ramp:] = np.linspace(1.0, 0.0, ramp)
    return env


def _pulse(t: np.ndarray, beat: float, bar: float, chords: list[list[int]], level: float) -> np.ndarray:
    """A plucked bass on every beat, on the chord's root two octaves down."""
    since_beat = t % beat
    chord = np.minimum((t // bar).astype(int), 10**6) % len(chords)
    roots = np.array([_hz(c[0] - 12) for c in chords])[chord]
    decay = np.exp(-since_beat * 9.0)
    return np.asarray(level * decay * np.sin(2 * np.pi * roots * since_beat))


def _drone(t: np.ndarray, root: int, intensity: float, rng: np.random.Generator) -> np.ndarray:
    """Low detuned fifths that beat against each other, plus a dark noise swell: the sound of something coming."""
    from scipy.signal import butter, sosfilt  # lazy: scipy costs half a second to import

    low = _hz(root - 24)
    tone = sum(np.sin(2 * np.pi * f * t) for f in (low, low * 1.006, low * 1.5, low * 1.5 * 0.994)) / 4
    sos = butter(2, 400, btype="lowpass", fs=_SYNTH_RATE, output="sos")
    noise = sosfilt(sos, rng.standard_normal(len(t)))
    noise /= max(float(np.max(np.abs(noise))), 1e-9)
    swell = 0.5 + 0.5 * np.sin(2 * np.pi * t / 7.0 - np.pi / 2)
    return np.asarray((0.35 + 0.4 * intensity) * tone + (0.1 + 0.3 * intensity) * swell * noise)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
