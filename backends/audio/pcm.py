"""Audio buffers as numpy arrays: read and write WAV through pydub, resample, trim silence, repair headers.

Everything inside reelcrew's audio path is float32 in [-1, 1], shaped (samples,) for mono or (samples, 2) for
stereo. Only WAV is read: pydub would need ffprobe (absent here) to open anything compressed.
"""

from __future__ import annotations

import io
import struct
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from domain.errors import BackendError
from domain.files import atomic_path


def audio_segment() -> Any:
    """pydub's AudioSegment, pointed at our ffmpeg (pydub warns at import when no ffmpeg is on PATH)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    from backends.media import ffmpeg_exe

    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def read_wav(path: Path, sample_rate: int, *, stereo: bool = False) -> np.ndarray:
    """A WAV file as float32 at ``sample_rate``: mono (n,) by default, or (n, 2) with ``stereo``."""
    segment_cls = audio_segment()
    try:
        segment = segment_cls.from_wav(str(path))
    except Exception as exc:  # pydub raises bare exceptions for bad headers
        raise BackendError("audio", f"{path}: not a readable WAV file ({type(exc).__name__})") from exc
    samples = np.array(segment.get_array_of_samples(), dtype=np.float32)
    full_scale = float(1 << (8 * segment.sample_width - 1))
    data = samples.reshape(-1, segment.channels) / full_scale
    data = (data[:, :2] if data.shape[1] >= 2 else np.repeat(data, 2, axis=1)) if stereo else data.mean(axis=1)
    return resample(data, segment.frame_rate, sample_rate).astype(np.float32)


def write_wav(target: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write float samples as 16-bit PCM WAV, atomically; values beyond full scale are clipped, not wrapped."""
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    segment = audio_segment()(data=pcm.tobytes(), sample_width=2, frame_rate=sample_rate, channels=channels)
    with atomic_path(target) as tmp:
        segment.export(str(tmp), format="wav")
    return target


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (good enough for speech and effects, and fast)."""
    from scipy.signal import resample_poly  # lazy: scipy costs half a second to import

    if rate_in == rate_out or len(samples) == 0:
        return samples
    ratio = Fraction(rate_out, rate_in)
    return np.asarray(resample_poly(samples, ratio.numerator, ratio.denominator, axis=0), dtype=np.float32)


def trim_silence(
    samples: np.ndarray, sample_rate: int, *, threshold_db: float = -45.0, keep_s: float = 0.02
) -> np.ndarray:
    """Drop leading and trailing near-silence, so a line's audio starts when its speech starts (subtitle sync)."""
    if len(samples) == 0:
        return samples
    level = np.abs(samples if samples.ndim == 1 else samples.max(axis=1))
    loud = np.nonzero(level > 10 ** (threshold_db / 20))[0]
    if len(loud) == 0:
        return samples[:0]
    keep = int(keep_s * sample_rate)
    return samples[max(loud[0] - keep, 0) : min(loud[-1] + keep + 1, len(samples))]


def wav_from_pcm16(pcm: bytes, sample_rate: int, channels: int = 1) -> bytes:
    """Wrap raw little-endian 16-bit PCM (what ``pcm_24000`` style formats return) in a WAV header."""
    buffer = io.BytesIO()
    byte_rate = sample_rate * channels * 2
    buffer.write(b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE")
    buffer.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, byte_rate, channels * 2, 16))
    buffer.write(b"data" + struct.pack("<I", len(pcm)) + pcm)
    return buffer.getvalue()


def repair_wav(data: bytes, *, source: str = "audio") -> bytes:
    """A WAV with honest chunk sizes: streamed WAVs carry placeholder sizes (0 or 0xFFFFFFFF) that readers reject."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BackendError(source, "the response is not WAV audio; check the provider's output format setting")
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if chunk == b"fmt ":
            fmt = data[body : body + 16]
        elif chunk == b"data":
            if fmt is None:
                break
            pcm = data[body : min(body + size, len(data))]
            _, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt)
            pcm = pcm[: len(pcm) - len(pcm) % max(align, 1)]
            if bits != 16:
                return _rewrap(fmt, pcm)
            return wav_from_pcm16(pcm, rate, channels)
        pos = body + size + (size & 1)
    raise BackendError(source, "the WAV response has no audio data")


def _rewrap(fmt: bytes, pcm: bytes) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(pcm))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(pcm))
        + pcm
    )


def fade(samples: np.ndarray, sample_rate: int, fade_in_s: float = 0.0, fade_out_s: float = 0.0) -> np.ndarray:
    """Linear-in-amplitude (equal-power enough for beds) fades at both ends, in place on a copy."""
    out = np.array(samples, dtype=np.float32, copy=True)
    n = len(out)
    for seconds, at_start in ((fade_in_s, True), (fade_out_s, False)):
        k = min(int(seconds * sample_rate), n)
        if k <= 0:
            continue
        ramp = np.sin(np.linspace(0.0, np.pi / 2, k, dtype=np.float32)) ** 2
        if not at_start:
            ramp = ramp[::-1]
        shape = ramp if out.ndim == 1 else ramp[:, None]
        if at_start:
            out[:k] *= shape
        else:
            out[n - k :] *= shape
    return out


def rms_db(samples: np.ndarray) -> float:
    """RMS level in dBFS (-inf for silence)."""
    if len(samples) == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * np.log10(rms) if rms > 0 else float("-inf")
