"""Speech: a backend per provider behind one protocol, and the casting that gives each character its voice.

``make_speech_backend(settings)`` picks the backend ``audio.tts`` names: espeak-ng (offline default; silent
placeholders timed like speech if espeak-ng is missing), OpenAI speech or ElevenLabs.
"""

from __future__ import annotations

import httpx

from backends.tts.base import SpeechBackend, VoiceSpec
from backends.tts.elevenlabs import ElevenLabsSpeechBackend
from backends.tts.espeak import EspeakBackend, espeak_exe
from backends.tts.openai_speech import OpenAISpeechBackend
from backends.tts.placeholder import PlaceholderSpeech
from backends.tts.voices import voice_for
from domain.errors import ConfigError
from domain.settings import AudioSettings

__all__ = [
    "ElevenLabsSpeechBackend",
    "EspeakBackend",
    "OpenAISpeechBackend",
    "PlaceholderSpeech",
    "SpeechBackend",
    "VoiceSpec",
    "make_speech_backend",
    "voice_for",
]


def make_speech_backend(settings: AudioSettings, client: httpx.Client | None = None) -> SpeechBackend:
    """The speech backend ``settings.tts`` selects; ``client`` lets tests swap in an ``httpx.MockTransport``."""
    if settings.tts == "openai":
        if settings.openai_api_key is None:
            raise ConfigError("audio.tts = 'openai' needs an API key: set REELCREW_AUDIO__OPENAI_API_KEY")
        return OpenAISpeechBackend(
            settings.openai_api_key,
            model=settings.openai_tts_model,
            base_url=settings.base_urls.get("openai", "https://api.openai.com/v1"),
            client=client,
        )
    if settings.tts == "elevenlabs":
        if settings.elevenlabs_api_key is None:
            raise ConfigError("audio.tts = 'elevenlabs' needs an API key: set REELCREW_AUDIO__ELEVENLABS_API_KEY")
        return ElevenLabsSpeechBackend(
            settings.elevenlabs_api_key,
            model=settings.elevenlabs_model,
            base_url=settings.base_urls.get("elevenlabs", "https://api.elevenlabs.io"),
            client=client,
        )
    if espeak_exe() is None:
        return PlaceholderSpeech()
    return EspeakBackend()
