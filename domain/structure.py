"""From parser elements to the crew's view: episodes of scenes of beats (``ParsedScript`` -> ``Screenplay``).

Episodes come from Fountain sections whose title says ``Episode N`` (``# Episode 2: The Ring``), or, when several
files are given, one episode per file; a file may also hold several episode sections, and numbering carries on
from file to file. Each scene heading starts a scene; its heading is read into INT/EXT, a location (its id is the
slug, so ``INT. ROOFTOP BAR`` and ``EXT. ROOFTOP BAR`` share ``rooftop-bar``) and a time of day.

Beats are what a shot can cover: an action paragraph, one stretch of dialogue with the parenthetical just before
it, centered text, lyrics (sung lyrics carry their singer). A transition ending a scene becomes the scene's
``transition_out``. Titles, notes, page breaks and non-episode sections do not reach the crew.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from domain.errors import ScriptError
from domain.fountain import plain_text, split_cue
from domain.screenplay import (
    Beat,
    BeatKind,
    DialogueLine,
    ElementType,
    Episode,
    ParsedScript,
    Scene,
    Screenplay,
    ScriptElement,
    scene_id,
    slugify,
)

__all__ = ["HeadingParts", "character_id", "episode_marker", "read_heading", "structure"]

_EPISODE = re.compile(r"\bepisode\s*(\d+)\s*[:.\-–—]*\s*(.*)$", re.IGNORECASE)
_PREFIX = re.compile(r"^(INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST)\b\.?\s*", re.IGNORECASE)
_PARTS = re.compile(r"\s*(?:--|—|–)\s*|\s+-\s+")
_PARENS = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class _Terms:
    times: frozenset[str]
    continuing: frozenset[str]
    modifiers: frozenset[str]


@cache
def _terms() -> _Terms:
    data = tomllib.loads((Path(__file__).with_name("screenplay_terms.toml")).read_text(encoding="utf-8"))
    return _Terms(*(frozenset(data[key]) for key in ("times", "continuing", "modifiers")))


IntExt = Literal["INT", "EXT", "INT/EXT", ""]
_INT_EXT: dict[str, IntExt] = {"INT": "INT", "EXT": "EXT", "EST": "EXT"}


@dataclass(frozen=True)
class HeadingParts:
    """A scene heading read into its parts. ``continuing`` means CONTINUOUS/LATER/SAME: no time of day of its own."""

    int_ext: IntExt
    location: str
    time_of_day: str
    continuing: bool = False


def read_heading(heading: str) -> HeadingParts:
    """Read a heading: ``INT./EXT. CAR - MOVING - DAY`` -> INT/EXT, ``CAR``, ``DAY``; ``EXT. PIER -- DAWN`` too.

    The first part is always the location; later parts are a time of day, a continuity word, a modifier
    (MOVING, FLASHBACK, ...) or, if none of those, part of the location (``HOUSE - KITCHEN``).
    """
    text = heading.strip()
    int_ext: IntExt = ""
    prefix = _PREFIX.match(text)
    if prefix:
        int_ext = _INT_EXT.get(re.sub(r"[^A-Z/]", "", prefix.group(1).upper()), "INT/EXT")
        text = text[prefix.end() :]
    terms = _terms()
    first, *rest = [part for part in _PARTS.split(text.strip(" .-")) if part.strip()] or [""]
    location = [first.strip()]
    time_of_day = ""
    continuing = False
    for part in rest:
        word = " ".join(_PARENS.sub("", part).upper().split())
        if word in terms.times:
            time_of_day = time_of_day or word
        elif word in terms.continuing:
            continuing = True
        elif word not in terms.modifiers and word:
            location.append(part.strip())
    return HeadingParts(int_ext, " - ".join(location), time_of_day, continuing and not time_of_day)


def episode_marker(section_title: str) -> tuple[int, str] | None:
    """``Episode 2: The Ring`` -> ``(2, "The Ring")``; None if the section is not an episode marker."""
    match = _EPISODE.search(section_title)
    return (int(match.group(1)), match.group(2).strip()) if match else None


def character_id(cue: str) -> str:
    """The stable id of a speaker: the cue without extensions or (CONT'D), slugified. ``LIN (V.O.)`` -> ``lin``."""
    name, _ = split_cue(cue)
    return slugify(name)


# --- building -----------------------------------------------------------------------------------------------------


@dataclass
class _SceneDraft:
    heading: ScriptElement
    beats: list[Beat] = field(default_factory=list)
    synopsis: list[str] = field(default_factory=list)


@dataclass
class _EpisodeDraft:
    number: int
    title: str
    source: str
    line: int
    scenes: list[_SceneDraft] = field(default_factory=list)


_SPEECH_PARTS = frozenset({ElementType.DIALOGUE, ElementType.PARENTHETICAL, ElementType.LYRICS, ElementType.NOTE})


@dataclass
class _Speaker:
    id: str
    name: str
    extension: str | None
    dual: bool
    parenthetical: str | None = None
    spoke: bool = False
    next_line: int = 0  # the source line right after the speech so far (0: the format has no line numbers)

    def goes_on_with(self, element: ScriptElement) -> bool:
        """Whether ``element`` is still part of this speech. A lyric is, only when no blank line comes between
        (then it is sung by this speaker); a lyric paragraph of its own is nobody's."""
        if element.type not in _SPEECH_PARTS:
            return False
        if element.type is not ElementType.LYRICS or not element.line or not self.next_line:
            return True
        return element.line == self.next_line

    def covered(self, element: ScriptElement) -> None:
        if element.line:
            self.next_line = element.line + element.raw.count("\n") + 1


@dataclass
class _Segment:
    """The elements of one episode within one file; ``number`` is None when the file itself is the episode."""

    number: int | None
    title: str
    line: int
    elements: list[ScriptElement]


def _segments(script: ParsedScript) -> list[_Segment]:
    """Cut a file at its episode sections. Anything before the first one (a cold open) joins that first episode."""
    segments = [_Segment(None, "", 0, [])]
    for element in script.elements:
        marker = episode_marker(element.text) if element.type is ElementType.SECTION else None
        if marker:
            segments.append(_Segment(marker[0], marker[1], element.line, []))
        else:
            segments[-1].elements.append(element)
    if len(segments) > 1:
        lead = segments.pop(0)
        segments[0].elements[:0] = lead.elements
    return segments


class _Builder:
    """Walks the elements of every script in order, keeping the episode, scene and speaker being read."""

    def __init__(self) -> None:
        self.episodes: list[_EpisodeDraft] = []
        self.scene: _SceneDraft | None = None
        self.speaker: _Speaker | None = None

    def read(self, script: ParsedScript, file_is_episode: bool) -> None:
        file_title = plain_text(script.title_page.get("Title", "")).replace("\n", " ").strip()
        for segment in _segments(script):
            last = self.episodes[-1].number if self.episodes else 0
            number = segment.number if segment.number is not None else last + 1
            if number <= last:
                where = f"line {segment.line}: " if segment.line else ""
                raise ScriptError(
                    script.source or None,
                    f"{where}episode {number} comes after episode {last}; episode numbers must increase through "
                    "the script and from one file to the next. Renumber the '# Episode N' sections.",
                )
            title = segment.title if segment.number is not None else (file_title if file_is_episode else "")
            self.episodes.append(_EpisodeDraft(number, title, script.source, segment.line))
            for element in segment.elements:
                self.take(element)
            self.close_scene()

    def take(self, element: ScriptElement) -> None:
        kind = element.type
        if kind is ElementType.SCENE_HEADING:
            self.close_scene()
            self.scene = _SceneDraft(element)
            self.episodes[-1].scenes.append(self.scene)
            return
        if self.scene is None:
            return  # FADE IN:, notes and the like before the first heading of an episode
        if self.speaker and not self.speaker.goes_on_with(element):
            self.close_speech()
        if kind is ElementType.CHARACTER:
            name, extension = split_cue(element.text)
            self.speaker = _Speaker(slugify(name), name, element.extension or extension, element.dual)
        if self.speaker:
            self.speaker.covered(element)

        if kind is ElementType.ACTION and element.text.strip():
            self.beat("action", element.text)
        elif kind is ElementType.CENTERED:
            self.beat("centered", element.text)
        elif kind is ElementType.TRANSITION:
            self.beat("transition", element.text)
        elif kind is ElementType.SYNOPSIS:
            self.scene.synopsis.append(element.text)
        elif kind is ElementType.PARENTHETICAL and self.speaker:
            self.speaker.parenthetical = element.text.strip().removeprefix("(").removesuffix(")").strip()
        elif kind in (ElementType.DIALOGUE, ElementType.LYRICS) and self.speaker:
            self.speak(element)
        elif kind is ElementType.LYRICS:
            self.beat("lyrics", element.text)

    def speak(self, element: ScriptElement) -> None:
        speaker = self.speaker
        assert speaker is not None
        line = DialogueLine(
            character=speaker.id,
            text=element.text,
            parenthetical=speaker.parenthetical or None,
            extension=speaker.extension,
            dual=speaker.dual,
        )
        self.beat("lyrics" if element.type is ElementType.LYRICS else "dialogue", element.text, line)
        speaker.parenthetical = None
        speaker.spoke = True

    def close_speech(self) -> None:
        """A parenthetical left over at the end of a speech goes to its last line; a wordless one becomes action."""
        speaker, self.speaker = self.speaker, None
        if speaker is None or not speaker.parenthetical or self.scene is None:
            return
        last = self.scene.beats[-1] if self.scene.beats else None
        if speaker.spoke and last and last.dialogue and last.dialogue.character == speaker.id:
            if not last.dialogue.parenthetical:
                last.dialogue.parenthetical = speaker.parenthetical
        elif not speaker.spoke:
            self.beat("action", f"{speaker.name} ({speaker.parenthetical})")

    def beat(self, kind: BeatKind, text: str, dialogue: DialogueLine | None = None) -> None:
        assert self.scene is not None
        self.scene.beats.append(Beat(index=len(self.scene.beats), kind=kind, text=text, dialogue=dialogue))

    def close_scene(self) -> None:
        self.close_speech()
        self.scene = None


def _scene(draft: _SceneDraft, episode: int, number: int, previous_time: str) -> Scene:
    beats = draft.beats
    transition_out = None
    if beats and beats[-1].kind == "transition":
        transition_out = beats.pop().text
    parts = read_heading(draft.heading.text)
    return Scene(
        id=scene_id(episode, number),
        episode=episode,
        number=number,
        script_number=draft.heading.scene_number,
        heading=draft.heading.text,
        int_ext=parts.int_ext,
        location_id=slugify(parts.location),
        location_name=parts.location,
        time_of_day=previous_time if parts.continuing else parts.time_of_day,
        beats=beats,
        transition_out=transition_out,
        synopsis=" ".join(draft.synopsis) or None,
    )


def structure(parsed: Sequence[ParsedScript]) -> Screenplay:
    """Assemble parsed files (in order) into one screenplay of episodes, scenes and beats.

    Raises ``ScriptError`` when an episode holds no scene or episode numbers do not increase, since either would
    leave the crew with a hole or two scenes sharing one id.
    """
    if not parsed:
        raise ScriptError(None, "no script given: pass a .fountain, .fdx or .txt file, or a folder of them")
    builder = _Builder()
    for script in parsed:
        builder.read(script, file_is_episode=len(parsed) > 1)
    episodes: list[Episode] = []
    for draft in builder.episodes:
        if not draft.scenes:
            where = f"line {draft.line}: " if draft.line else ""
            raise ScriptError(
                draft.source or None,
                f"{where}episode {draft.number} has no scene. Start each scene with a heading such as "
                "'INT. KITCHEN - NIGHT' (or force one with a leading '.'), or remove the empty episode section.",
            )
        scenes: list[Scene] = []
        time_of_day = ""
        for number, scene_draft in enumerate(draft.scenes, start=1):
            scene = _scene(scene_draft, draft.number, number, time_of_day)
            time_of_day = scene.time_of_day
            scenes.append(scene)
        episodes.append(Episode(number=draft.number, title=draft.title, scenes=scenes))
    title_page = next((script.title_page for script in parsed if script.title_page), {})
    title = plain_text(title_page.get("Title", "")).replace("\n", " ").strip()
    return Screenplay(
        title=title or "Untitled",
        sources=[script.source for script in parsed],
        title_page=title_page,
        episodes=episodes,
    )
