"""OpenAI speech and ElevenLabs adapters against local fakes of their documented HTTP contracts."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import httpx
import numpy as np
import pytest
from pydantic import SecretStr

from backends.audio.pcm import read_wav, wav_from_pcm16
from backends.tts import ElevenLabsSpeechBackend, OpenAISpeechBackend, make_speech_backend, voice_for
from domain.bibles import CharacterBible, VoiceProfile
from domain.errors import BackendError, ConfigError, RateLimited
from domain.settings import AudioSettings

KEY = "sk-test-key-that-must-never-leak"
VOICE = voice_for(
    CharacterBible(
        character_id="lin",
        name="LIN",
        voice_profile=VoiceProfile(gender="female", rate_wpm=180, style="dry, guarded"),
    )
)


def tone_pcm(rate: int, seconds: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * 220 * t) * 12000).astype("<i2").tobytes()


def streamed_wav(rate: int) -> bytes:
    """A WAV as streamed by a provider: RIFF and data sizes unknown (0xFFFFFFFF)."""
    wav = bytearray(wav_from_pcm16(tone_pcm(rate), rate))
    wav[4:8] = struct.pack("<I", 0xFFFFFFFF)
    wav[40:44] = struct.pack("<I", 0xFFFFFFFF)
    return bytes(wav)


class Recorder:
    """A fake provider: answers with the queued responses, keeps every request."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def test_openai_request_matches_the_contract(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(200, content=streamed_wav(24000), headers={"content-type": "audio/wav"}))
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client(), sleep=lambda s: None)
    out = backend.synthesize("You came.", VOICE, tmp_path / "line.wav")

    (request,) = fake.requests
    assert request.method == "POST"
    assert request.url == "https://api.openai.com/v1/audio/speech"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["model"] == "gpt-4o-mini-tts"
    assert body["input"] == "You came."
    assert body["voice"] == VOICE.openai_voice
    assert body["response_format"] == "wav"
    assert body["speed"] == pytest.approx(VOICE.speed)
    assert body["instructions"] == "dry, guarded"
    samples = read_wav(out, 24000)
    assert len(samples) == 12000 and np.abs(samples).max() > 0.3


def test_openai_tts1_gets_no_instructions(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(200, content=streamed_wav(24000)))
    backend = OpenAISpeechBackend(SecretStr(KEY), model="tts-1", client=fake.client())
    backend.synthesize("Hi.", VOICE, tmp_path / "a.wav")
    assert "instructions" not in json.loads(fake.requests[0].content)


def test_openai_retries_429_and_5xx_then_succeeds(tmp_path: Path) -> None:
    waits: list[float] = []
    fake = Recorder(
        httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "2"}),
        httpx.Response(503, text="upstream unavailable"),
        httpx.Response(200, content=streamed_wav(24000)),
    )
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client(), sleep=waits.append)
    backend.synthesize("Again.", VOICE, tmp_path / "a.wav")
    assert len(fake.requests) == 3
    assert waits == [2.0, 2.0]


def test_openai_gives_up_rate_limited_after_retries(tmp_path: Path) -> None:
    fake = Recorder(*[httpx.Response(429, json={"error": {"message": "quota"}}) for _ in range(3)])
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client(), max_retries=2, sleep=lambda s: None)
    with pytest.raises(RateLimited, match="429"):
        backend.synthesize("Again.", VOICE, tmp_path / "a.wav")
    assert len(fake.requests) == 3
    assert not (tmp_path / "a.wav").exists()


def test_rejected_key_is_final_and_never_shown(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client(), sleep=lambda s: None)
    with pytest.raises(BackendError) as caught:
        backend.synthesize("Hi.", VOICE, tmp_path / "a.wav")
    assert KEY not in str(caught.value) and "REELCREW_AUDIO__OPENAI_API_KEY" in str(caught.value)
    assert len(fake.requests) == 1


def test_provider_error_text_is_scrubbed_of_the_key(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(400, json={"error": {"message": f"bad voice for key {KEY}"}}))
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client())
    with pytest.raises(BackendError) as caught:
        backend.synthesize("Hi.", VOICE, tmp_path / "a.wav")
    assert "bad voice" in str(caught.value) and KEY not in str(caught.value)


def test_non_wav_response_is_an_error(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(200, content=b"ID3\x03mp3 bytes"))
    backend = OpenAISpeechBackend(SecretStr(KEY), client=fake.client())
    with pytest.raises(BackendError, match="not WAV"):
        backend.synthesize("Hi.", VOICE, tmp_path / "a.wav")


def test_elevenlabs_request_matches_the_contract(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(200, content=tone_pcm(24000), headers={"content-type": "audio/pcm"}))
    backend = ElevenLabsSpeechBackend(SecretStr(KEY), client=fake.client(), sleep=lambda s: None)
    out = backend.synthesize("Get in.", VOICE, tmp_path / "line.wav")

    (request,) = fake.requests
    assert request.method == "POST"
    assert request.url.path == f"/v1/text-to-speech/{VOICE.elevenlabs_voice_id}"
    assert request.url.host == "api.elevenlabs.io"
    assert request.url.params["output_format"] == "pcm_24000"
    assert request.headers["xi-api-key"] == KEY
    assert "authorization" not in request.headers
    body = json.loads(request.content)
    assert body["text"] == "Get in."
    assert body["model_id"] == "eleven_multilingual_v2"
    assert body["seed"] == VOICE.seed
    assert set(body["voice_settings"]) >= {"stability", "similarity_boost", "speed"}
    assert 0.7 <= body["voice_settings"]["speed"] <= 1.2
    assert len(read_wav(out, 24000)) == 12000


def test_elevenlabs_wav_format_and_retry(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(500, text="oops"), httpx.Response(200, content=streamed_wav(44100)))
    backend = ElevenLabsSpeechBackend(
        SecretStr(KEY), output_format="wav_44100", client=fake.client(), sleep=lambda s: None
    )
    out = backend.synthesize("Hi.", VOICE, tmp_path / "a.wav")
    assert fake.requests[1].url.params["output_format"] == "wav_44100"
    assert len(read_wav(out, 44100)) == 22050


def test_elevenlabs_refuses_compressed_formats() -> None:
    with pytest.raises(ConfigError, match="pcm_"):
        ElevenLabsSpeechBackend(SecretStr(KEY), output_format="mp3_44100_128")


def test_factory_picks_the_configured_provider() -> None:
    with pytest.raises(ConfigError, match="REELCREW_AUDIO__OPENAI_API_KEY"):
        make_speech_backend(AudioSettings(tts="openai"))
    with pytest.raises(ConfigError, match="ELEVENLABS"):
        make_speech_backend(AudioSettings(tts="elevenlabs"))
    fake = Recorder(httpx.Response(200, content=streamed_wav(24000)))
    settings = AudioSettings(
        tts="openai", openai_api_key=SecretStr(KEY), base_urls={"openai": "http://localhost:9999/v1"}
    )
    backend = make_speech_backend(settings, client=fake.client())
    assert isinstance(backend, OpenAISpeechBackend) and backend.name == "openai/gpt-4o-mini-tts"
    assert KEY not in repr(settings)
    eleven = make_speech_backend(AudioSettings(tts="elevenlabs", elevenlabs_api_key=SecretStr(KEY)))
    assert isinstance(eleven, ElevenLabsSpeechBackend)


def test_factory_base_url_override_is_used(tmp_path: Path) -> None:
    fake = Recorder(httpx.Response(200, content=streamed_wav(24000)))
    settings = AudioSettings(tts="openai", openai_api_key=SecretStr(KEY), base_urls={"openai": "http://tts.local/v1"})
    make_speech_backend(settings, client=fake.client()).synthesize("Hi.", VOICE, tmp_path / "a.wav")
    assert str(fake.requests[0].url) == "http://tts.local/v1/audio/speech"
