"""espeak-ng, the offline default: robotic but instant, free, and the same on every machine.

The text goes to espeak-ng as one argument after ``--`` (never through a shell), so quotes, dashes and
semicolons in dialogue are spoken, not interpreted.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from backends.tts.base import VoiceSpec
from domain.errors import BackendError
from domain.files import atomic_path


def espeak_exe() -> str | None:
    """The espeak-ng executable on PATH, if installed."""
    return shutil.which("espeak-ng")


class EspeakBackend:
    """Speech through the espeak-ng command line: ``espeak-ng -v en-us+f3 -s 170 -p 55 -w out.wav -- text``."""

    name = "espeak-ng"

    def __init__(self, exe: str | None = None, *, timeout_s: float = 60.0) -> None:
        found = exe or espeak_exe()
        if not found:
            raise BackendError("espeak-ng", "espeak-ng is not installed; install it with `apt-get install espeak-ng`")
        self.exe = found
        self.timeout_s = timeout_s

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        spoken = " ".join(text.split()) or "..."
        with atomic_path(target) as tmp:
            cmd = [self.exe, "-v", voice.espeak_voice, "-s", str(voice.rate_wpm), "-p", str(voice.pitch)]
            try:
                proc = subprocess.run(
                    [*cmd, "-w", str(tmp), "--", spoken], capture_output=True, timeout=self.timeout_s, check=False
                )
            except subprocess.TimeoutExpired as exc:
                raise BackendError("espeak-ng", f"gave no audio within {self.timeout_s:.0f} s") from exc
            if proc.returncode != 0 or tmp.stat().st_size <= 44:
                problem = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
                raise BackendError("espeak-ng", f"voice {voice.espeak_voice!r}: {problem}")
        return target
