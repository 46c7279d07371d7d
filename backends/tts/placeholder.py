"""Silent, correctly timed dialogue for machines without espeak-ng: the cut keeps its rhythm and subtitles."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backends.audio.pcm import write_wav
from backends.tts.base import VoiceSpec


class PlaceholderSpeech:
    """Writes silence as long as the line would take at the character's speaking rate."""

    name = "placeholder"

    def __init__(self, sample_rate: int = 24000) -> None:
        self.sample_rate = sample_rate

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        words = max(len(text.split()), 1)
        seconds = 0.3 + words * 60.0 / voice.rate_wpm
        return write_wav(target, np.zeros(int(seconds * self.sample_rate), dtype=np.float32), self.sample_rate)
