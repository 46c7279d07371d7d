"""What a speech backend is, and the voice it is asked to speak with.

A ``VoiceSpec`` carries one character's voice for every backend at once (espeak-ng voice and variant, pitch,
rate, OpenAI voice, ElevenLabs voice id), so switching ``audio.tts`` never re-casts anyone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class VoiceSpec(BaseModel):
    """A character's voice; a pure function of its bible (see ``backends.tts.voices.voice_for``)."""

    model_config = ConfigDict(frozen=True)

    character_id: str
    gender: Literal["female", "male", "neutral"] = "neutral"
    accent: str = Field(default="en-us", description="espeak-ng language voice, e.g. en-us, en-gb-scotland")
    variant: str = Field(default="m3", description="espeak-ng variant, e.g. m3, f2, klatt")
    pitch: int = Field(default=50, ge=0, le=99)
    rate_wpm: int = Field(default=165, ge=80, le=450)
    openai_voice: str = "alloy"
    elevenlabs_voice_id: str = "21m00Tcm4TlvDq8ikWAM"
    style: str = Field(default="", description="delivery notes, sent where a provider accepts instructions")
    seed: int = Field(default=0, ge=0, le=4294967295)

    @property
    def espeak_voice(self) -> str:
        return f"{self.accent}+{self.variant}"

    @property
    def speed(self) -> float:
        """Speaking rate relative to a typical 165 words per minute (OpenAI and ElevenLabs take a multiplier)."""
        return round(self.rate_wpm / 165, 3)

    def key(self) -> str:
        """A short content hash, part of the dialogue cache key."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


@runtime_checkable
class SpeechBackend(Protocol):
    """Turns one line of dialogue into a WAV file, written atomically at ``target``."""

    name: str

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path: ...
