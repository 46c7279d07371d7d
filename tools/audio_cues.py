"""Reading the script for sound: which effects a shot's action calls for, and which mood a scene's music needs.

The words live in ``tools/data/effects.yaml`` and ``tools/data/moods.yaml``; this module only matches them.
A shot's text is its storyboard description plus the action beats it covers (dialogue is not scanned: a line
like "Did you hear the door?" must not slam one).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from domain.screenplay import Scene
from domain.shot import Shot
from domain.storyboard import SceneBoard

DATA = Path(__file__).with_name("data")


class EffectCue(BaseModel):
    """One effect matched in a shot, placed in shot time."""

    name: str
    kind: Literal["oneshot", "ambience"]
    keyword: str = Field(description="the word in the script that called for it")
    at_s: float = Field(description="start, seconds from the start of the shot")
    duration_s: float
    gain_db: float = 0.0


@cache
def effect_table() -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load((DATA / "effects.yaml").read_text(encoding="utf-8"))["cues"])


@cache
def mood_table() -> dict[str, Any]:
    return dict(yaml.safe_load((DATA / "moods.yaml").read_text(encoding="utf-8")))


@cache
def _pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(keyword.lower()) + r"(?:s|es|ed|ing)?\b")


def shot_text(shot: Shot, scene: Scene) -> str:
    """What happens in the shot, in words: description, covered action beats, physics elements and props."""
    beats = {beat.index: beat for beat in scene.beats}
    parts = [shot.description]
    parts += [beats[i].text for i in shot.beat_indices if i in beats and beats[i].kind == "action"]
    parts += shot.physics_elements + shot.props
    return " ".join(p for p in parts if p).lower()


def match_effects(shot: Shot, scene: Scene, *, natural_length: dict[str, float]) -> list[EffectCue]:
    """The effects a shot's action calls for, each once, in script order.

    A one-shot lands where its word falls in the text (a door slammed at the end of the description sounds
    near the end of the shot); an ambience fills the shot. ``natural_length`` gives each one-shot's length.
    """
    text = shot_text(shot, scene)
    heading = scene.heading.lower()
    found: list[tuple[int, EffectCue]] = []
    for name, spec in effect_table().items():
        hit = _first_hit(text, spec["keywords"])
        order, position = (hit[0], hit[0] / max(len(text), 1)) if hit else (-1, 0.0)
        if hit is None and spec.get("scene_heading"):
            hit = _first_hit(heading, spec["keywords"])
        if hit is None:
            continue
        found.append((order, _place(name, spec, hit[1], position, shot.duration_s, natural_length)))
    return [cue for _, cue in sorted(found, key=lambda item: item[0])]


def _first_hit(text: str, keywords: list[str]) -> tuple[int, str] | None:
    hits = [(m.start(), kw) for kw in keywords if (m := _pattern(kw).search(text))]
    return min(hits) if hits else None


def _place(
    name: str, spec: dict[str, Any], keyword: str, position: float, duration: float, lengths: dict[str, float]
) -> EffectCue:
    kind = spec.get("kind", "oneshot")
    gain = float(spec.get("gain_db", 0.0))
    if kind == "ambience":
        return EffectCue(name=name, kind="ambience", keyword=keyword, at_s=0.0, duration_s=duration, gain_db=gain)
    length = min(lengths.get(name, 1.0), duration)
    at = min(max(position * duration, 0.1), max(duration - length, 0.0))
    return EffectCue(name=name, kind="oneshot", keyword=keyword, at_s=round(at, 3), duration_s=length, gain_db=gain)


def scene_mood(board: SceneBoard) -> tuple[str, float]:
    """The scene's music mood and intensity (0..1) from its words and its shots' emotional intensity."""
    scene = board.scene
    intensities = [shot.emotional_intensity for shot in board.shots] or [0.0]
    intensity = round(0.5 * (sum(intensities) / len(intensities) + max(intensities)), 3)
    text = " ".join([scene.heading, scene.synopsis or "", *(beat.text for beat in scene.beats)]).lower()
    table = mood_table()
    scores = {mood: sum(len(_pattern(kw).findall(text)) for kw in words) for mood, words in table["moods"].items()}
    best = max(scores, key=lambda mood: scores[mood]) if scores else "neutral"
    if scores.get(best, 0) == 0:
        best = "tense" if intensity >= float(table.get("tense_intensity", 0.75)) else "neutral"
    return best, intensity
