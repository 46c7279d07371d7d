"""ffmpeg, the one we ship (imageio-ffmpeg): run it, probe with it, read frames and write clips through it.

There is no ffprobe here, so probing parses ``ffmpeg -i`` and counts decoded frames when asked to be exact.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from domain.errors import BackendError
from domain.files import atomic_path


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: Sequence[str], *, input_bytes: bytes | None = None, what: str = "ffmpeg") -> bytes:
    """Run ffmpeg quietly; on failure raise a BackendError with the end of its log."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, input=input_bytes, capture_output=True, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise BackendError("ffmpeg", f"{what} failed: {' | '.join(tail) or 'exit ' + str(proc.returncode)}")
    return proc.stdout


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    fps: float = 0.0
    pix_fmt: str | None = None
    audio_codec: str | None = None
    audio_rate: int = 0


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)[^,]*?(?:\([^)]*\))?, (\d+)x(\d+)")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz")


def probe(path: Path) -> MediaInfo:
    """Codec, size, frame rate and duration of a media file, read from ``ffmpeg -i``."""
    if not Path(path).is_file():
        raise BackendError("ffmpeg", f"{path}: no such media file")
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, check=False)
    text = proc.stderr.decode("utf-8", "replace")
    duration = _DURATION.search(text)
    if duration is None:
        raise BackendError("ffmpeg", f"{path}: not a media file ffmpeg can read")
    h, m, s = duration.groups()
    info: dict[str, object] = {"duration_s": int(h) * 3600 + int(m) * 60 + float(s)}
    video = _VIDEO.search(text)
    if video:
        info.update(
            video_codec=video.group(1), pix_fmt=video.group(2), width=int(video.group(3)), height=int(video.group(4))
        )
        fps = _FPS.search(text[video.start() :])
        if fps:
            info["fps"] = float(fps.group(1))
    audio = _AUDIO.search(text)
    if audio:
        info.update(audio_codec=audio.group(1), audio_rate=int(audio.group(2)))
    return MediaInfo(**info)  # type: ignore[arg-type]


def count_frames(path: Path) -> int:
    """Exact number of video frames, by decoding (slower than ``probe``; use in tests and gates)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True,
        check=False,
    )
    found = re.findall(r"frame=\s*(\d+)", proc.stderr.decode("utf-8", "replace"))
    if proc.returncode != 0 or not found:
        raise BackendError("ffmpeg", f"{path}: cannot decode video frames")
    return int(found[-1])


def read_frames(path: Path, times_s: Iterable[float], *, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    """RGB frames (H×W×3 uint8) nearest the given times, decoded in one pass; ``size`` = (width, height) rescales."""
    info = probe(path)
    fps = info.fps or 24.0
    last = max(round(info.duration_s * fps) - 1, 0)
    wanted = [min(max(round(t * fps), 0), last) for t in times_s]
    unique = sorted(set(wanted))
    width, height = size or (info.width, info.height)
    chain = "select='" + "+".join(f"eq(n\\,{n})" for n in unique) + "'"
    if size:
        chain += f",scale={width}:{height}:flags=area"
    raw = run_ffmpeg(
        ["-i", str(path), "-vf", chain, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        what=f"reading frames of {path}",
    )
    frame_bytes = width * height * 3
    got = len(raw) // frame_bytes
    if got == 0:
        raise BackendError("ffmpeg", f"{path}: no frames could be read")
    decoded = [
        np.frombuffer(raw[i * frame_bytes : (i + 1) * frame_bytes], dtype=np.uint8).reshape(height, width, 3)
        for i in range(got)
    ]
    by_index = {n: decoded[min(i, got - 1)] for i, n in enumerate(unique)}
    return [by_index[n] for n in wanted]


def sample_times(duration_s: float, count: int) -> list[float]:
    """``count`` instants spread over a clip, always including the first and the last frame."""
    if count <= 1:
        return [0.0]
    return [duration_s * i / (count - 1) for i in range(count)]


def write_clip(frames: Iterable[np.ndarray], target: Path, *, fps: int, width: int, height: int, crf: int = 23) -> Path:
    """Encode RGB frames to an H.264 yuv420p mp4 with +faststart, atomically."""
    data = b"".join(np.ascontiguousarray(f, dtype=np.uint8).tobytes() for f in frames)
    with atomic_path(target) as tmp:
        run_ffmpeg(
            [
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-s",
                f"{width}x{height}",
                "-r",
                str(fps),
                "-i",
                "-",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                str(crf),
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                "-fflags",
                "+bitexact",
                "-flags:v",
                "+bitexact",
                "-f",
                "mp4",
                str(tmp),
            ],
            input_bytes=data,
            what=f"encoding {target.name}",
        )
    return target
