"""Casting: a character bible's voice profile becomes a distinct, stable voice.

Every choice is drawn from a hash of the character id (never from order of appearance or a random draw), so
the same character sounds the same in every episode and every rerun, and two characters with the same profile
still get different variants or offsets.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from backends.tts.base import VoiceSpec
from domain.bibles import CharacterBible

VOICES_FILE = Path(__file__).with_name("voices.yaml")


@cache
def casting() -> dict[str, Any]:
    """The casting table from ``voices.yaml``."""
    return dict(yaml.safe_load(VOICES_FILE.read_text(encoding="utf-8")))


def espeak_accent(accent: str) -> str:
    """The espeak-ng language voice for an accent as a writer or the bible builder spells it."""
    return str(casting()["accents"].get(accent.strip().lower(), "en-us"))


def voice_for(bible: CharacterBible) -> VoiceSpec:
    """The character's voice; a pure function of the bible."""
    table = casting()
    profile = bible.voice_profile
    digest = hashlib.sha256(f"voice:{bible.character_id}".encode()).digest()

    def pick(options: list[Any], byte: int) -> Any:
        return options[digest[byte] % len(options)]

    gender = profile.gender
    return VoiceSpec(
        character_id=bible.character_id,
        gender=gender,
        accent=espeak_accent(profile.accent),
        variant=pick(table["espeak_variants"][gender], 0),
        pitch=min(max(profile.pitch + pick(table["pitch_offsets"], 1), 0), 99),
        rate_wpm=min(max(profile.rate_wpm + pick(table["rate_offsets"], 2), 80), 450),
        openai_voice=pick(table["openai_voices"][gender], 3),
        elevenlabs_voice_id=pick(table["elevenlabs_voices"][gender], 4),
        style=profile.style,
        seed=int.from_bytes(digest[5:9], "big"),
    )
