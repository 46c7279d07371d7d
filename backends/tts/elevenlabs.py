"""ElevenLabs speech: ``POST /v1/text-to-speech/{voice_id}`` with ``xi-api-key``; PCM or WAV back.

The default output is ``pcm_24000`` (raw 16-bit mono, available on every plan), wrapped in a WAV header here;
``wav_*`` formats are accepted too. 44.1 kHz PCM/WAV need a higher ElevenLabs plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import SecretStr

from backends.audio.pcm import repair_wav, wav_from_pcm16
from backends.tts.base import VoiceSpec
from backends.tts.http import post_for_audio
from domain.errors import ConfigError
from domain.files import write_bytes

DEFAULT_BASE_URL = "https://api.elevenlabs.io"


class ElevenLabsSpeechBackend:
    """One line per request; the character's seed asks ElevenLabs for repeatable takes."""

    def __init__(
        self,
        api_key: SecretStr,
        *,
        model: str = "eleven_multilingual_v2",
        base_url: str = DEFAULT_BASE_URL,
        output_format: str = "pcm_24000",
        client: httpx.Client | None = None,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 120.0,
    ) -> None:
        if not output_format.startswith(("pcm_", "wav_")):
            raise ConfigError(f"ElevenLabs output_format {output_format!r}: use a pcm_<rate> or wav_<rate> format")
        self.api_key = api_key
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.output_format = output_format
        self.client = client or httpx.Client(timeout=timeout_s)
        self.max_retries = max_retries
        self.sleep = sleep
        self.name = f"elevenlabs/{model}"

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        body = {
            "text": text,
            "model_id": self.model,
            "voice_settings": {
                "stability": 0.5,
                "similarity_boost": 0.75,
                "speed": min(max(voice.speed, 0.7), 1.2),
            },
            "seed": voice.seed,
        }
        audio = post_for_audio(
            self.client,
            f"{self.base_url}/v1/text-to-speech/{voice.elevenlabs_voice_id}",
            backend="elevenlabs",
            key_setting="audio.elevenlabs_api_key (REELCREW_AUDIO__ELEVENLABS_API_KEY)",
            secret=self.api_key,
            headers={"xi-api-key": self.api_key.get_secret_value(), "Accept": "audio/*"},
            json=body,
            params={"output_format": self.output_format},
            max_retries=self.max_retries,
            sleep=self.sleep,
        )
        if self.output_format.startswith("pcm_"):
            rate = int(self.output_format.split("_")[1])
            audio = wav_from_pcm16(audio[: len(audio) - len(audio) % 2], rate)
        return write_bytes(target, repair_wav(audio, source="elevenlabs"))
