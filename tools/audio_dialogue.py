"""Voicing a shot's dialogue, with a content-addressed cache so a rerun never pays for the same line twice.

A line's WAV lives at ``OUT/audio/dialogue/<hash>.wav`` where the hash covers the backend, the voice and the
text: change any of them and the line is voiced again, change nothing and it is read back. Each WAV is stored
trimmed of the backend's leading and trailing silence, so a line starts when its speech starts (subtitles and
ducking line up with what is heard) and at the mix sample rate.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import wave
from pathlib import Path

from pydantic import BaseModel, Field

from backends.audio.pcm import read_wav, trim_silence, write_wav
from backends.tts import SpeechBackend, VoiceSpec, make_speech_backend, voice_for
from domain.bibles import Bibles, CharacterBible
from domain.files import write_json
from domain.screenplay import DialogueLine
from domain.shot import Shot
from tools.context import ToolContext

DIALOGUE_DIR = "audio/dialogue"


class LineAudio(BaseModel):
    """One voiced line and where it sits inside its shot."""

    index: int
    character: str
    name: str
    text: str
    path: str
    duration_s: float
    offset_s: float = Field(description="start of the speech, seconds from the start of the shot")
    voice: str = Field(description="the voice used, e.g. 'espeak-ng en-gb+f3 p58 r170'")
    cached: bool = False


class ShotDialogue(BaseModel):
    shot_id: str
    lines: list[LineAudio] = Field(default_factory=list)
    pause_s: float
    speech_s: float = Field(description="seconds of speech, pauses excluded")
    required_duration_s: float = Field(description="what the shot must last to hold every line with its pauses")


def speech_backend(ctx: ToolContext) -> SpeechBackend:
    """The run's speech backend (``audio.tts``), built once; tests inject one as ``ctx.services['speech']``."""
    backend: SpeechBackend = ctx.service("speech", lambda c: make_speech_backend(c.config.audio))
    return backend


def line_voice(bibles: Bibles, line: DialogueLine) -> tuple[str, VoiceSpec]:
    """The speaker's display name and voice; a speaker without a bible still gets a stable voice of its own."""
    bible = bibles.characters.get(line.character) or CharacterBible(
        character_id=line.character, name=line.character.upper()
    )
    voice = voice_for(bible)
    if line.parenthetical:
        style = "; ".join(s for s in (voice.style, line.parenthetical.strip("() ")) if s)
        voice = voice.model_copy(update={"style": style})
    return bible.name, voice


def voice_shot(ctx: ToolContext, shot: Shot) -> ShotDialogue:
    """Every line of the shot voiced (from the cache where possible) and laid out with natural pauses."""
    settings = ctx.config.audio
    backend = speech_backend(ctx)
    folder = ctx.path(DIALOGUE_DIR)
    pause = settings.line_pause_s
    lines: list[LineAudio] = []
    offset = pause
    for index, line in enumerate(shot.dialogue):
        name, voice = line_voice(ctx.project.storyboard.bibles, line)
        path, cached = _voiced(backend, line.text, voice, folder, settings.sample_rate)
        duration = _wav_seconds(path)
        label = _voice_label(backend.name, voice)
        lines.append(
            LineAudio(
                index=index,
                character=line.character,
                name=name,
                text=line.text,
                path=str(path),
                duration_s=round(duration, 4),
                offset_s=round(offset, 4),
                voice=label,
                cached=cached,
            )
        )
        offset += duration + pause
    speech = sum(item.duration_s for item in lines)
    result = ShotDialogue(
        shot_id=shot.id,
        lines=lines,
        pause_s=pause,
        speech_s=round(speech, 4),
        required_duration_s=round(offset if lines else 0.0, 4),
    )
    write_json(folder / f"{shot.id}.json", result)
    return result


def _voiced(backend: SpeechBackend, text: str, voice: VoiceSpec, folder: Path, sample_rate: int) -> tuple[Path, bool]:
    key = hashlib.sha256(json.dumps([backend.name, voice.key(), text, sample_rate]).encode()).hexdigest()[:24]
    target = folder / f"{key}.wav"
    if target.exists():
        return target, True
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".tts-") as scratch:
        raw = backend.synthesize(text, voice, Path(scratch) / "raw.wav")
        samples = read_wav(raw, sample_rate)
        trimmed = trim_silence(samples, sample_rate)
        write_wav(target, trimmed if len(trimmed) else samples, sample_rate)
    return target, False


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / float(handle.getframerate())


def _voice_label(backend: str, voice: VoiceSpec) -> str:
    if backend.startswith("openai"):
        return f"{backend} {voice.openai_voice} x{voice.speed}"
    if backend.startswith("elevenlabs"):
        return f"{backend} {voice.elevenlabs_voice_id}"
    return f"{backend} {voice.espeak_voice} p{voice.pitch} r{voice.rate_wpm}"
