"""A screenplay, twice: as the parser reads it (elements) and as the crew works on it (episodes, scenes, beats).

Parsers (Fountain, FDX, plain text) all produce ``ParsedScript``; ``domain.structure`` turns that into a
``Screenplay`` so that no agent ever has to care which format the writer used.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class ElementType(StrEnum):
    """The Fountain element kinds; FDX paragraph types map onto the same set."""

    SCENE_HEADING = "scene_heading"
    ACTION = "action"
    CHARACTER = "character"
    DIALOGUE = "dialogue"
    PARENTHETICAL = "parenthetical"
    TRANSITION = "transition"
    CENTERED = "centered"
    LYRICS = "lyrics"
    SECTION = "section"
    SYNOPSIS = "synopsis"
    PAGE_BREAK = "page_break"
    NOTE = "note"


class ScriptElement(BaseModel):
    """One element in reading order. ``raw`` keeps the writer's emphasis markers; ``text`` is plain."""

    type: ElementType
    text: str = ""
    raw: str = ""
    line: int = 0
    forced: bool = False
    scene_number: str | None = None
    extension: str | None = None
    dual: bool = False
    depth: int = 0
    notes: list[str] = Field(default_factory=list)


class ParsedScript(BaseModel):
    """What a parser returns: the title page and the elements, with the file they came from."""

    source: str = ""
    format: Literal["fountain", "fdx", "text"] = "fountain"
    title_page: dict[str, str] = Field(default_factory=dict)
    elements: list[ScriptElement] = Field(default_factory=list)


class DialogueLine(BaseModel):
    """A speech: who, what, and how (parenthetical, V.O./O.S. extension, dual dialogue)."""

    character: str = Field(description="character id, e.g. 'lin'")
    text: str
    parenthetical: str | None = None
    extension: str | None = None
    dual: bool = False


BeatKind = Literal["action", "dialogue", "transition", "centered", "lyrics"]


class Beat(BaseModel):
    """The smallest piece of a scene a shot can cover: an action paragraph or one speech."""

    index: int
    kind: BeatKind
    text: str
    dialogue: DialogueLine | None = None


class Scene(BaseModel):
    """A scene as the crew sees it; ``id`` is stable across reruns (``E01-S007``)."""

    id: str
    episode: int
    number: int = Field(description="1-based position in its episode")
    script_number: str | None = Field(default=None, description="the writer's own #12# number, if any")
    heading: str
    int_ext: Literal["INT", "EXT", "INT/EXT", ""] = ""
    location_id: str
    location_name: str
    time_of_day: str = ""
    beats: list[Beat] = Field(default_factory=list)
    transition_out: str | None = Field(default=None, description="e.g. 'CUT TO:', 'DISSOLVE TO:', 'FADE OUT.'")
    synopsis: str | None = None

    @property
    def speaking_characters(self) -> list[str]:
        """Character ids in order of first speech."""
        seen: list[str] = []
        for beat in self.beats:
            if beat.dialogue and beat.dialogue.character not in seen:
                seen.append(beat.dialogue.character)
        return seen


class Character(BaseModel):
    """A character as the script shows them (the Character agent's find), before a bible is built for them."""

    character_id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    speaking: bool
    first_scene: str
    intro: str = Field(default="", description="the action line that introduces them, if any")
    scenes: list[str] = Field(default_factory=list)
    age: str = Field(default="", description="as written, e.g. '28' or '40s'")


class Location(BaseModel):
    """A place the script's scene headings name; its scene bible says how it looks and is lit."""

    location_id: str
    name: str
    int_ext: list[str] = Field(default_factory=list, description="as the headings give it: INT, EXT or both")
    times_of_day: list[str] = Field(default_factory=list, description="DAY, NIGHT ... in order of first use")
    scenes: list[str] = Field(default_factory=list)


class Episode(BaseModel):
    """One episode: a vertical short-drama chapter of a few minutes."""

    number: int
    title: str = ""
    scenes: list[Scene] = Field(default_factory=list)


class Screenplay(BaseModel):
    """A whole production's script, split into episodes."""

    title: str = "Untitled"
    sources: list[str] = Field(default_factory=list)
    title_page: dict[str, str] = Field(default_factory=dict)
    episodes: list[Episode] = Field(default_factory=list)

    def scenes(self) -> list[Scene]:
        """Every scene in script order."""
        return [scene for episode in self.episodes for scene in episode.scenes]

    def locations(self) -> list[Location]:
        """Every location in order of first appearance, with the scenes set there."""
        found: dict[str, Location] = {}
        for scene in self.scenes():
            place = found.setdefault(
                scene.location_id, Location(location_id=scene.location_id, name=scene.location_name)
            )
            place.scenes.append(scene.id)
            if scene.int_ext and scene.int_ext not in place.int_ext:
                place.int_ext.append(scene.int_ext)
            if scene.time_of_day and scene.time_of_day not in place.times_of_day:
                place.times_of_day.append(scene.time_of_day)
        return list(found.values())


def slugify(name: str) -> str:
    """A stable id from a name: 'Rooftop Bar' -> 'rooftop-bar', 'LIN' -> 'lin', '林' -> '林' (any script's letters)."""
    slug = re.sub(r"[\W_]+", "-", name.lower()).strip("-")
    return slug or "unnamed"


def scene_id(episode: int, number: int) -> str:
    """The stable scene id, zero-padded so ids sort in script order."""
    return f"E{episode:02d}-S{number:03d}"


def shot_id(episode: int, scene_number: int, index: int) -> str:
    """The stable shot id, e.g. ``E01-S007-SH03``."""
    return f"{scene_id(episode, scene_number)}-SH{index:02d}"
