"""Synthesised sound effects: door, knock, rain, footsteps, phone, glass, crash, car, tyres, thunder, gunshot,
heartbeat, city ambience. Seeded noise and tones, so every render of the same cue is the same samples.

One-shots have a natural length; ambiences (rain, city, engine, heartbeat, footsteps) fill whatever duration
they are asked for. Each cue comes back mono, peak-normalised; the mix sets the level.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from domain.errors import BackendError

Synth = Callable[[float, int, np.random.Generator], np.ndarray]


def render_effect(name: str, duration_s: float, sample_rate: int, *, seed: int = 0) -> np.ndarray:
    """The cue ``name`` as mono float32 of about ``duration_s`` (one-shots may be shorter), peak 1.0."""
    if name not in EFFECTS:
        raise BackendError("effects", f"unknown effect {name!r}; known effects: {', '.join(sorted(EFFECTS))}")
    rng = np.random.default_rng(seed)
    samples = EFFECTS[name](max(duration_s, 0.05), sample_rate, rng)
    samples = np.nan_to_num(samples)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return (samples / peak if peak > 0 else samples).astype(np.float32)


def natural_length(name: str) -> float | None:
    """Seconds a one-shot lasts; None for an ambience that fills the shot."""
    return ONE_SHOT_LENGTH.get(name)


# --- building blocks -------------------------------------------------------------------------------------------


def _t(duration_s: float, sr: int) -> np.ndarray:
    return np.arange(int(duration_s * sr)) / sr


def _filtered(noise: np.ndarray, sr: int, low: float | None, high: float | None) -> np.ndarray:
    from scipy.signal import butter, sosfilt  # lazy: scipy costs half a second to import

    nyquist = sr / 2 * 0.99
    if low and high:
        sos = butter(2, [low, min(high, nyquist)], btype="bandpass", fs=sr, output="sos")
    elif low:
        sos = butter(2, low, btype="highpass", fs=sr, output="sos")
    elif high:
        sos = butter(2, min(high, nyquist), btype="lowpass", fs=sr, output="sos")
    else:
        return noise
    return np.asarray(sosfilt(sos, noise))


def _decay(t: np.ndarray, seconds: float) -> np.ndarray:
    return np.exp(-t / max(seconds, 1e-4))


def _place(buffer: np.ndarray, sound: np.ndarray, at_s: float, sr: int) -> None:
    start = int(at_s * sr)
    if start >= len(buffer):
        return
    end = min(start + len(sound), len(buffer))
    buffer[start:end] += sound[: end - start]


def _thump(sr: int, freq: float, seconds: float, rng: np.random.Generator, noise_level: float = 0.4) -> np.ndarray:
    t = _t(seconds, sr)
    body = np.sin(2 * np.pi * freq * t * (1 - 0.3 * t / seconds)) * _decay(t, seconds / 4)
    click = _filtered(rng.standard_normal(len(t)), sr, None, 2000) * _decay(t, 0.01)
    return body + noise_level * click


def _edges(x: np.ndarray, sr: int, seconds: float = 0.15) -> np.ndarray:
    k = min(int(seconds * sr), len(x) // 2)
    if k > 0:
        ramp = np.linspace(0, 1, k)
        x[:k] *= ramp
        x[-k:] *= ramp[::-1]
    return x


# --- the cues --------------------------------------------------------------------------------------------------


def door(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(0.9 * sr))
    t = _t(0.45, sr)
    creak_freq = 180 + 60 * np.sin(2 * np.pi * 3 * t) + 40 * rng.standard_normal(len(t)).cumsum() / len(t)
    creak = np.sign(np.sin(2 * np.pi * np.cumsum(creak_freq) / sr)) * 0.25 * np.hanning(len(t))
    _place(out, _filtered(creak, sr, 300, 2500), 0.0, sr)
    _place(out, _thump(sr, 70, 0.4, rng, noise_level=0.8), 0.45, sr)
    return out


def knock(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(0.8 * sr))
    for at in (0.0, 0.2, 0.4):
        t = _t(0.12, sr)
        hit = np.sin(2 * np.pi * 190 * t) * _decay(t, 0.025)
        hit += 0.6 * _filtered(rng.standard_normal(len(t)), sr, 400, 3000) * _decay(t, 0.012)
        _place(out, hit, at, sr)
    return out


def rain(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(duration_s * sr)
    hiss = _filtered(rng.standard_normal(n), sr, 1500, 9000) * 0.5
    drops = np.zeros(n)
    for at in rng.uniform(0, duration_s, size=int(duration_s * 40)):
        t = _t(0.01, sr)
        _place(
            drops,
            rng.uniform(0.3, 1.0) * _filtered(rng.standard_normal(len(t)), sr, 2000, 6000) * _decay(t, 0.002),
            at,
            sr,
        )
    return _edges(hiss + drops, sr, 0.3)


def footsteps(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(duration_s * sr))
    at = 0.1
    while at < duration_s:
        step = _thump(sr, 90, 0.15, rng, noise_level=1.2)
        _place(out, rng.uniform(0.7, 1.0) * step, at, sr)
        at += 0.52 + rng.uniform(-0.03, 0.03)
    return out


def phone_ring(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(duration_s * sr))
    at = 0.0
    while at < duration_s:
        for offset in (0.0, 0.6):
            t = _t(0.4, sr)
            tone = (np.sin(2 * np.pi * 400 * t) + np.sin(2 * np.pi * 450 * t)) * (np.sin(2 * np.pi * 25 * t) > -0.3)
            _place(out, _edges(tone, sr, 0.01), at + offset, sr)
        at += 3.0
    return out


def phone_buzz(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(duration_s * sr))
    at = 0.0
    while at < duration_s:
        t = _t(0.45, sr)
        buzz = np.sign(np.sin(2 * np.pi * 160 * t)) * (0.6 + 0.4 * np.sin(2 * np.pi * 28 * t))
        _place(out, _edges(_filtered(buzz, sr, 80, 1200), sr, 0.02), at, sr)
        at += 1.0
    return out


def glass(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(1.2, sr)
    shatter = _filtered(rng.standard_normal(len(t)), sr, 3000, 12000) * _decay(t, 0.12)
    shards = np.zeros(len(t))
    for _ in range(24):
        at = rng.uniform(0.0, 0.5)
        st = _t(0.25, sr)
        _place(
            shards, rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * rng.uniform(2500, 7000) * st) * _decay(st, 0.05), at, sr
        )
    return shatter + shards


def crash(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(1.5, sr)
    impact = _filtered(rng.standard_normal(len(t)), sr, None, 1500) * _decay(t, 0.25)
    body = np.sin(2 * np.pi * 55 * t) * _decay(t, 0.2)
    out = impact + body
    _place(out, 0.5 * glass(duration_s, sr, rng), 0.02, sr)
    return out


def car_engine(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(duration_s, sr)
    rpm = 38 + 4 * np.sin(2 * np.pi * 0.3 * t) + 0.5 * rng.standard_normal(len(t)).cumsum() / max(len(t), 1)
    phase = 2 * np.pi * np.cumsum(rpm) / sr
    tone = np.sum([np.sin(h * phase) / h for h in range(1, 9)], axis=0)
    rumble = _filtered(rng.standard_normal(len(t)), sr, None, 300) * 0.6
    return _edges(_filtered(tone, sr, None, 900) + rumble, sr, 0.4)


def tyres(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(1.3, sr)
    pitch = 1400 + 300 * np.sin(2 * np.pi * 2.5 * t) - 300 * t
    squeal = np.sin(2 * np.pi * np.cumsum(pitch) / sr)
    hiss = _filtered(rng.standard_normal(len(t)), sr, 1000, 4000)
    return _edges((squeal + 0.6 * hiss) * (1 - t / 1.3 * 0.7), sr, 0.05)


def thunder(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(4.0, sr)
    brown = np.cumsum(rng.standard_normal(len(t)))
    brown = _filtered(brown - np.mean(brown), sr, 20, 250)
    crack = _filtered(rng.standard_normal(len(t)), sr, 500, 5000) * _decay(t, 0.08)
    envelope = (1 - np.exp(-t / 0.05)) * _decay(t, 1.3) * (1 + 0.4 * np.sin(2 * np.pi * 1.7 * t))
    return brown / max(float(np.max(np.abs(brown))), 1e-9) * envelope + 0.6 * crack


def gunshot(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = _t(1.2, sr)
    blast = rng.standard_normal(len(t)) * _decay(t, 0.006)
    body = _filtered(rng.standard_normal(len(t)), sr, None, 2500) * _decay(t, 0.06)
    tail = _filtered(rng.standard_normal(len(t)), sr, 200, 3000) * _decay(t, 0.35) * 0.25
    return blast + body + tail


def heartbeat(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(int(duration_s * sr))
    at = 0.05
    while at < duration_s:
        _place(out, _thump(sr, 48, 0.18, rng, noise_level=0.1), at, sr)
        _place(out, 0.7 * _thump(sr, 42, 0.16, rng, noise_level=0.1), at + 0.28, sr)
        at += 60 / 72
    return out


def city_ambience(duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(duration_s * sr)
    traffic = np.cumsum(rng.standard_normal(n))
    traffic = _filtered(traffic - np.mean(traffic), sr, 30, 600)
    traffic /= max(float(np.max(np.abs(traffic))), 1e-9)
    hum = _filtered(rng.standard_normal(n), sr, 500, 3000) * 0.08
    horns = np.zeros(n)
    for at in rng.uniform(0.5, max(duration_s - 0.5, 0.6), size=max(int(duration_s / 6), 1)):
        t = _t(0.35, sr)
        horn = (np.sign(np.sin(2 * np.pi * 415 * t)) + np.sign(np.sin(2 * np.pi * 523 * t))) * 0.12
        _place(horns, _edges(_filtered(horn, sr, 300, 2000), sr, 0.03), at, sr)
    return _edges(0.7 * traffic + hum + horns, sr, 0.4)


EFFECTS: dict[str, Synth] = {
    "door": door,
    "knock": knock,
    "rain": rain,
    "footsteps": footsteps,
    "phone_ring": phone_ring,
    "phone_buzz": phone_buzz,
    "glass": glass,
    "crash": crash,
    "car_engine": car_engine,
    "tyres": tyres,
    "thunder": thunder,
    "gunshot": gunshot,
    "heartbeat": heartbeat,
    "city_ambience": city_ambience,
}

ONE_SHOT_LENGTH: dict[str, float] = {
    "door": 0.9,
    "knock": 0.8,
    "glass": 1.2,
    "crash": 1.5,
    "tyres": 1.3,
    "thunder": 4.0,
    "gunshot": 1.2,
}
