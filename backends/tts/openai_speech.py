"""OpenAI speech: ``POST /v1/audio/speech`` with a JSON body, WAV bytes back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import SecretStr

from backends.audio.pcm import repair_wav
from backends.tts.base import VoiceSpec
from backends.tts.http import post_for_audio
from domain.errors import BackendError
from domain.files import write_bytes

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_INPUT_CHARS = 4096


class OpenAISpeechBackend:
    """One line per request; ``instructions`` carries the character's delivery style on models that accept it."""

    def __init__(
        self,
        api_key: SecretStr,
        *,
        model: str = "gpt-4o-mini-tts",
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.Client | None = None,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 120.0,
    ) -> None:
        self.api_key = api_key
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout_s)
        self.max_retries = max_retries
        self.sleep = sleep
        self.name = f"openai/{model}"

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        if len(text) > MAX_INPUT_CHARS:
            raise BackendError(
                "openai", f"a line of {len(text)} characters is over the {MAX_INPUT_CHARS} limit; split it"
            )
        body: dict[str, object] = {
            "model": self.model,
            "input": text,
            "voice": voice.openai_voice,
            "response_format": "wav",
            "speed": min(max(voice.speed, 0.25), 4.0),
        }
        if voice.style and not self.model.startswith("tts-1"):
            body["instructions"] = voice.style
        audio = post_for_audio(
            self.client,
            f"{self.base_url}/audio/speech",
            backend="openai",
            key_setting="audio.openai_api_key (REELCREW_AUDIO__OPENAI_API_KEY)",
            secret=self.api_key,
            headers={"Authorization": f"Bearer {self.api_key.get_secret_value()}", "Accept": "audio/wav"},
            json=body,
            max_retries=self.max_retries,
            sleep=self.sleep,
        )
        return write_bytes(target, repair_wav(audio, source="openai"))
