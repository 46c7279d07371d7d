"""Colours for the previz renderer: words from the bibles to RGB, light colour from kelvin, stable seeding.

Everything here is a pure function of its input, so the same bible gives the same colours in every shot and
every run; unknown words get a colour hashed from the word rather than an error.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import random
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from PIL import ImageColor

RGB = tuple[int, int, int]

LEXICON_PATH = Path(__file__).parent / "data" / "lexicon.toml"


@cache
def lexicon() -> dict[str, Any]:
    """The renderer's word lists (``data/lexicon.toml``)."""
    with LEXICON_PATH.open("rb") as handle:
        return tomllib.load(handle)


def stable_int(*parts: object) -> int:
    """A 64-bit integer from ``parts`` that is the same in every process (unlike ``hash``)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def stable_rng(*parts: object) -> random.Random:
    """A random generator seeded from ``parts``: the way every seeded choice in the renderer is made."""
    return random.Random(stable_int(*parts))


def hex_rgb(value: str) -> RGB:
    r, g, b = ImageColor.getrgb(value)[:3]
    return (r, g, b)


def has_word(text: str, word: str) -> bool:
    """``word`` (or phrase) occurs in ``text`` as whole words, case-insensitively."""
    return re.search(rf"(?<![a-z]){re.escape(word.lower())}(?![a-z])", text.lower()) is not None


def _named(name: str) -> RGB | None:
    extras: dict[str, str] = lexicon()["colors"]
    key = name.strip().lower()
    if key in extras:
        return hex_rgb(extras[key])
    compact = key.replace(" ", "").replace("-", "")
    if compact in ImageColor.colormap:
        return hex_rgb(compact)
    return None


def _modify(rgb: RGB, modifier: dict[str, float]) -> RGB:
    out = scale(rgb, modifier.get("scale", 1.0))
    return mix(out, (255, 255, 255), modifier.get("lift", 0.0))


def parse_color(text: str) -> RGB | None:
    """The colour a short phrase names ("dark red", "charcoal grey", "neon pink"), or None if it names none.

    Tries the whole phrase, then each word from the right (the noun usually comes last), applying a modifier
    word in front of it ("dark", "pale", ...).
    """
    phrase = re.sub(r"[^a-z\- ]+", " ", text.lower()).strip()
    if not phrase:
        return None
    whole = _named(phrase)
    if whole is not None:
        return whole
    words = phrase.split()
    modifiers: dict[str, dict[str, float]] = lexicon()["modifiers"]
    for i in range(len(words) - 1, -1, -1):
        for j in range(max(i - 1, 0), i + 1):
            found = _named(" ".join(words[j : i + 1]))
            if found is not None:
                before = words[j - 1] if j > 0 else ""
                return _modify(found, modifiers[before]) if before in modifiers else found
    return None


def color(text: str, *, fallback_seed: str | None = None) -> RGB:
    """A colour phrase to RGB; an unknown phrase gets a mid-saturation colour hashed from ``fallback_seed``."""
    found = parse_color(text)
    if found is not None:
        return found
    rng = stable_rng("colour", fallback_seed if fallback_seed is not None else text)
    return from_hsv(rng.random(), 0.35 + 0.3 * rng.random(), 0.45 + 0.35 * rng.random())


def colors_in(text: str) -> list[RGB]:
    """Every colour a free text mentions, in order ("neon magenta and teal, hard shadows" → two colours)."""
    found: list[RGB] = []
    for chunk in re.split(r",|;|\band\b|\bwith\b|/", text.lower()):
        rgb = parse_color(chunk)
        if rgb is not None and rgb not in found:
            found.append(rgb)
    return found


def lookup_word(text: str, table: dict[str, str]) -> RGB | None:
    """The colour of the longest ``table`` key found as whole words in ``text`` ("light brown" beats "brown")."""
    for key in sorted(table, key=len, reverse=True):
        if has_word(text, key):
            return hex_rgb(table[key])
    return None


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved toward ``b`` by ``t`` (0 = a, 1 = b)."""
    t = min(max(t, 0.0), 1.0)
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def scale(rgb: RGB, k: float) -> RGB:
    return (min(round(rgb[0] * k), 255), min(round(rgb[1] * k), 255), min(round(rgb[2] * k), 255))


def multiply(rgb: RGB, factors: tuple[float, float, float]) -> RGB:
    """A surface colour under a light: each channel times the light's."""
    return (
        min(max(round(rgb[0] * factors[0]), 0), 255),
        min(max(round(rgb[1] * factors[1]), 0), 255),
        min(max(round(rgb[2] * factors[2]), 0), 255),
    )


def luma(rgb: RGB) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def from_hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def hue_shift(rgb: RGB, turns: float, *, min_saturation: float = 0.45, value: float | None = None) -> RGB:
    """``rgb`` rotated round the colour wheel; greys get saturation so the change is visible."""
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    return from_hsv(h + turns, max(s, min_saturation), v if value is None else value)


def kelvin_to_rgb(kelvin: float) -> tuple[float, float, float]:
    """The colour (0..1 per channel) of light at ``kelvin``, after Tanner Helland's fit to the blackbody locus.

    The lighting gate inverts the same curve, so a set lit at K kelvin reads back as K.
    """
    t = min(max(kelvin, 1000.0), 40000.0) / 100.0
    if t <= 66:
        r = 255.0
        g = 99.4708025861 * math.log(t) - 161.1195681661
        b = 0.0 if t <= 19 else 138.5177312231 * math.log(t - 10) - 305.0447927307
    else:
        r = 329.698727446 * (t - 60) ** -0.1332047592
        g = 288.1221695283 * (t - 60) ** -0.0755148492
        b = 255.0
    return (min(max(r, 0.0), 255.0) / 255.0, min(max(g, 0.0), 255.0) / 255.0, min(max(b, 0.0), 255.0) / 255.0)
