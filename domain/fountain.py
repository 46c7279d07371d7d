"""Fountain (https://fountain.io/syntax) to ``ParsedScript``: a small line-based parser with no dependencies.

The work happens in five passes, each simple on its own:

1. normalise: drop a byte-order mark, turn CRLF/CR into LF and tabs into four spaces (as the spec says);
2. cut boneyards (``/* ... */``, may span lines); lines keep their original numbers for error messages;
3. read the title page (``Key: value`` lines, indented continuation lines) at the top;
4. split the body into blocks at blank lines (a line of exactly two spaces is *not* blank: it joins dialogue),
   and cut notes (``[[ ... ]]``) inside each block into ``ScriptElement.notes``;
5. classify each block line by line: scene headings, transitions, character cues with their dialogue, and the
   line-level elements (sections, synopses, page breaks, centered text, lyrics) that may sit anywhere.

Every element keeps ``raw`` (the writer's emphasis markers and ``\\`` escapes) and ``text`` (plain). Structural
syntax (the forcing characters ``. ! @ ~ > <``, ``^``, ``#12#`` scene numbers and notes) is in neither; it is
recorded in ``forced``, ``dual``, ``scene_number`` and ``notes``.

Where the spec leaves room, the choices are the ones that keep a short-drama script readable for the crew:

- a character cue must start with a letter (so ``10 SECONDS LATER`` above a line is not a speaker) and have no
  lowercase letters outside its ``(extension)``;
- a name in a script without letter case (Chinese, Japanese, ...) needs the ``@`` the spec provides, or every
  two-line action paragraph would read as a speech;
- a standalone upper-case ``FADE OUT.``, ``FADE TO BLACK.``, ``CUT TO BLACK.`` (the list is data:
  ``transition_terms.toml``) is a transition although it does not end in ``TO:``: writers type it without the
  ``>``, and read as action it would give the last shot "FADE OUT." as its action and the cut no fade;
- ``(CONT'D)`` is dropped from extensions: it carries no meaning once the script is split into shots;
- a title page needs at least one standard key (Title, Author, ...), so a script opening on "He reads:" keeps
  that line;
- an unclosed ``/*`` or ``[[`` stays literal text rather than swallowing the rest of the script.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from domain.screenplay import ElementType, ParsedScript, ScriptElement

__all__ = [
    "Run", "emphasis_runs", "is_all_caps", "is_known_transition", "is_scene_heading", "parse_fountain", "plain_text",
    "split_cue",
]  # fmt: skip

# --- line patterns ------------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|INT|EXT|EST|I/E|E/I)[.\s]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#\s*$")
_PAGE_BREAK = re.compile(r"^={3,}$")
_CENTERED = re.compile(r"^>\s*(.*?)\s*<$")
_TITLE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9 _'\-]*):[ \t]*(.*)$")
_TRANSITION_END = re.compile(r"TO:$")
_EXTENSION = re.compile(r"\(([^()]*)\)")
_CONTINUED = re.compile(r"^(?:CONT['’]?D\.?|CONT\.|CONTINUED|MORE)$", re.IGNORECASE)
_BONEYARD = re.compile(r"/\*(.*?)\*/", re.DOTALL)
_NOTE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)

_KNOWN_TITLE_KEYS = {
    "title", "credit", "author", "authors", "source", "draft date", "date", "contact", "copyright", "notes",
    "revision", "episode", "series",
}  # fmt: skip

#: A line of exactly two spaces keeps a dialogue (or action) paragraph together across an empty line.
_CONNECTOR = "  "


# --- emphasis -----------------------------------------------------------------------------------------------------


class Run(NamedTuple):
    """A stretch of text with one set of styles, as ``*italic*``, ``**bold**`` and ``_underline_`` mark it."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


# Escaped markers are swapped for private-use characters while matching, then swapped back.
_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001"}
_UNESCAPES = str.maketrans({"\ue000": "*", "\ue001": "_"})
# An opener is followed by non-space, a closer preceded by non-space (so "*69 and then *23" stays literal);
# underscores inside words (snake_case) are not emphasis.
_EMPHASIS = re.compile(
    r"(?<!\*)(?P<stars>\*{1,3})(?=\S)(?P<starred>.+?)(?<=[^\s*])(?P=stars)(?!\*)"
    r"|(?<![^\W_])_(?=\S)(?P<underlined>.+?)(?<=\S)_(?![^\W_])"
)


def emphasis_runs(raw: str) -> list[Run]:
    """Split Fountain-marked text into styled runs. Emphasis never crosses a line break; newlines are plain runs."""
    runs: list[Run] = []
    for number, line in enumerate(raw.split("\n")):
        if number:
            runs.append(Run("\n"))
        for escape, placeholder in _ESCAPES.items():
            line = line.replace(escape, placeholder)
        _collect_runs(line, Run(""), runs)
    return [run._replace(text=run.text.translate(_UNESCAPES)) for run in runs if run.text]


def _collect_runs(text: str, style: Run, out: list[Run]) -> None:
    position = 0
    for match in _EMPHASIS.finditer(text):
        out.append(style._replace(text=text[position : match.start()]))
        if match.group("stars"):
            level = len(match.group("stars"))
            inner = style._replace(bold=style.bold or level >= 2, italic=style.italic or level != 2)
            _collect_runs(match.group("starred"), inner, out)
        else:
            _collect_runs(match.group("underlined"), style._replace(underline=True), out)
        position = match.end()
    out.append(style._replace(text=text[position:]))


def plain_text(raw: str) -> str:
    """The text without emphasis markers: ``**\\*9765\\***`` becomes ``*9765*``."""
    if not any(marker in raw for marker in "*_\\"):
        return raw
    return "".join(run.text for run in emphasis_runs(raw))


# --- small classifiers shared with the other parsers --------------------------------------------------------------


def is_scene_heading(line: str) -> bool:
    """True for a line that starts like a scene heading: INT, EXT, EST, INT./EXT, INT/EXT or I/E, then '.' or space."""
    return bool(_HEADING.match(line.strip() + " "))


def is_all_caps(text: str) -> bool:
    """Upper case with at least one cased letter. Scripts without case (Chinese, Japanese, ...) never are, which
    is why the spec makes such names use a forced ``@`` cue."""
    return any(char.isupper() for char in text) and not any(char.islower() for char in text)


@cache
def _transition_terms() -> dict[str, frozenset[str]]:
    data = tomllib.loads(Path(__file__).with_name("transition_terms.toml").read_text(encoding="utf-8"))
    return {key: frozenset(" ".join(term.upper().split()) for term in data[key]) for key in data}


def is_known_transition(line: str, *, plain_text_layout: bool = False) -> bool:
    """True for a transition writers type bare, listed in ``transition_terms.toml``: ``FADE OUT.``, ``FADE OUT``,
    ``CUT TO BLACK.``, ... Upper case only (``Fade out.`` is action); a final ``.`` or ``:`` is optional.
    ``plain_text_layout`` adds the ones only the plain-text reader takes (``FADE IN:``)."""
    if not is_all_caps(line):
        return False
    words = " ".join(line.strip().removesuffix(".").removesuffix(":").split())
    terms = _transition_terms()
    return words in terms["standalone"] or (plain_text_layout and words in terms["plain_text_only"])


def split_cue(cue: str) -> tuple[str, str | None]:
    """Split a character cue into name and extension: ``STEEL (V.O.) (CONT'D)`` -> ``("STEEL", "V.O.")``.

    ``(CONT'D)`` and ``(MORE)`` are dropped; several remaining extensions are joined with ", ".
    """
    cue = cue.strip()
    first = cue.find("(")
    if first < 0:
        return cue, None
    name = cue[:first].strip()
    extensions = [ext.strip() for ext in _EXTENSION.findall(cue[first:])]
    kept = [ext for ext in extensions if ext and not _CONTINUED.match(ext.replace(" ", ""))]
    return name, ", ".join(kept) or None


@dataclass
class _Cue:
    name: str
    extension: str | None
    forced: bool
    dual: bool


def _read_cue(line: str) -> _Cue | None:
    """A character cue, or None. ``@`` forces one (any case); ``^`` at the end marks dual dialogue."""
    text = line.strip()
    forced = text.startswith("@")
    if forced:
        text = text[1:].lstrip()
    dual = text.endswith("^")
    if dual:
        text = text[:-1].rstrip()
    name, extension = split_cue(text)
    if not name or "^" in name or ("(" in text and not text.endswith(")")):
        return None
    if not forced and (not is_all_caps(name) or not name[0].isalpha() or _TRANSITION_END.search(name)):
        return None
    return _Cue(name, extension, forced, dual)


# --- lines, boneyards and notes -----------------------------------------------------------------------------------


@dataclass
class _Line:
    """One source line after cutting: its 1-based number in the file, its text and the notes cut out of it."""

    no: int
    text: str
    notes: list[str] = field(default_factory=list)
    cut: bool = False

    @property
    def note_only(self) -> bool:
        """The line held nothing but notes."""
        return self.cut and bool(self.notes) and not self.text.strip()


def _is_blank(line: _Line) -> bool:
    return not line.text.strip() and line.text != _CONNECTOR


def _cut(lines: list[_Line], pattern: re.Pattern[str], keep_notes: bool) -> list[_Line]:
    """Remove every match of ``pattern`` (which may span lines). Lines a match joins keep the first line's number."""
    if not lines:
        return lines
    joined = "\n".join(line.text for line in lines)
    matches = list(pattern.finditer(joined))
    if not matches:
        return lines
    out: list[_Line] = []
    index = 0
    current = _Line(lines[0].no, "", list(lines[0].notes))
    position = 0
    for match in [*matches, None]:
        end = match.start() if match else len(joined)
        first, *rest = joined[position:end].split("\n")
        current.text += first
        for part in rest:
            out.append(current)
            index += 1
            current = _Line(lines[index].no, part, list(lines[index].notes))
        if match is None:
            break
        current.cut = True
        if keep_notes:
            current.notes.append(match.group(1).strip())
        index += match.group(0).count("\n")
        position = match.end()
    out.append(current)
    return out


def _source_lines(text: str) -> list[_Line]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    lines = [_Line(number, line) for number, line in enumerate(text.split("\n"), start=1)]
    return _cut(lines, _BONEYARD, keep_notes=False) if "/*" in text else lines


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines, with notes cut out. A block is what the spec calls 'preceded by a blank line'."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in [*lines, _Line(0, "")]:
        if not _is_blank(line):
            current.append(line)
            continue
        while current and current[-1].text == _CONNECTOR:
            current.pop()
        while current and current[0].text == _CONNECTOR:
            current.pop(0)
        if current:
            blocks.append(_cut(current, _NOTE, keep_notes=True) if any("[[" in ln.text for ln in current) else current)
        current = []
    return blocks


# --- title page ---------------------------------------------------------------------------------------------------


def _read_title_page(lines: list[_Line]) -> tuple[dict[str, str], int]:
    """``Key: value`` pairs at the very top; returns the pairs and the index of the first body line.

    Values keep their emphasis markers; indented lines continue the previous value. The title page ends at the
    first blank line, or at the first line that is neither a key nor an indented continuation. Any key is kept,
    but at least one must be a standard one (Title, Author, Contact, ...), so that a script opening on an action
    line ending in a colon does not lose it.
    """
    start = 0
    while start < len(lines) and not lines[start].text.strip():
        start += 1
    if start == len(lines) or not _TITLE_KEY.match(lines[start].text):
        return {}, 0
    page: dict[str, list[str]] = {}
    key = ""
    index = start
    while index < len(lines):
        text = lines[index].text
        match = _TITLE_KEY.match(text)
        if not text.strip():
            break
        if match and not text[0].isspace():
            key = _title_key(match.group(1))
            page[key] = [match.group(2).strip()] if match.group(2).strip() else []
        elif text[0].isspace() and key:
            page[key].append(text.strip())
        else:
            break
        index += 1
    if not any(key.lower() in _KNOWN_TITLE_KEYS for key in page):
        return {}, 0  # "He reads:" at the top of a script is action, not a title page
    return {key: "\n".join(values) for key, values in page.items()}, index


def _title_key(key: str) -> str:
    """``draft DATE`` -> ``Draft date``, so lookups need not care how the writer typed the key."""
    key = " ".join(key.split())
    return key[:1].upper() + key[1:].lower()


# --- the body -----------------------------------------------------------------------------------------------------

# Elements after which the next line may still open a heading, cue or transition inside the same block.
_TRANSPARENT = {ElementType.NOTE, ElementType.SECTION, ElementType.SYNOPSIS, ElementType.PAGE_BREAK}


class _BodyParser:
    """Turns blocks into elements. One instance per script; ``elements`` grows as blocks are fed in."""

    def __init__(self) -> None:
        self.elements: list[ScriptElement] = []

    def add(
        self,
        kind: ElementType,
        raw: str,
        line: _Line,
        notes: list[str] | None = None,
        *,
        forced: bool = False,
        scene_number: str | None = None,
        extension: str | None = None,
        dual: bool = False,
        depth: int = 0,
    ) -> None:
        text = "\n".join(plain_text(part) for part in raw.split("\n"))
        element = ScriptElement(
            type=kind,
            raw=raw,
            text=text,
            line=line.no,
            notes=list(notes or []),
            forced=forced,
            scene_number=scene_number,
            extension=extension,
            dual=dual,
            depth=depth,
        )
        self.elements.append(element)

    def block(self, lines: list[_Line]) -> None:
        index = 0
        previous: ElementType | None = None
        while index < len(lines):
            start = len(self.elements)
            index = self.element(lines, index, opens_block=previous is None or previous in _TRANSPARENT)
            previous = self.elements[-1].type if len(self.elements) > start else previous

    def element(self, lines: list[_Line], index: int, opens_block: bool) -> int:
        """Read one element starting at ``lines[index]``; return the index of the first line not consumed."""
        line = lines[index]
        stripped = line.text.strip()
        last_line = index == len(lines) - 1

        if line.note_only:
            for note in line.notes:
                self.add(ElementType.NOTE, note, line)
            return index + 1
        if _PAGE_BREAK.match(stripped):
            self.add(ElementType.PAGE_BREAK, "", line)
            return index + 1
        if stripped.startswith("#"):
            title = stripped.lstrip("#")
            self.add(ElementType.SECTION, title.strip(), line, line.notes, depth=len(stripped) - len(title))
            return index + 1
        if stripped.startswith("=") and not stripped.startswith("=="):
            self.add(ElementType.SYNOPSIS, stripped[1:].strip(), line, line.notes)
            return index + 1
        if _CENTERED.match(stripped):
            return self.run_of(lines, index, ElementType.CENTERED, lambda s: _CENTERED.match(s))
        if stripped.startswith("~"):
            return self.run_of(lines, index, ElementType.LYRICS, lambda s: s.startswith("~"))
        if stripped.startswith("!"):
            return self.action(lines, index)
        if stripped.startswith(">"):
            self.add(ElementType.TRANSITION, stripped[1:].strip(), line, line.notes, forced=True)
            return index + 1
        forced_heading = len(stripped) > 1 and stripped[0] == "." and stripped[1].isalnum()
        if forced_heading or (opens_block and is_scene_heading(stripped)):
            self.heading(stripped[1:] if forced_heading else stripped, line, forced_heading)
            return index + 1
        standalone = opens_block and last_line
        if standalone and is_all_caps(stripped) and (_TRANSITION_END.search(stripped) or is_known_transition(stripped)):
            self.add(ElementType.TRANSITION, stripped, line, line.notes)
            return index + 1
        cue = _read_cue(stripped) if opens_block and not last_line else None
        if cue:
            return self.speech(cue, lines, index)
        return self.action(lines, index)

    def heading(self, text: str, line: _Line, forced: bool) -> None:
        number = _SCENE_NUMBER.search(text)
        if number:
            text = text[: number.start()]
        self.add(
            ElementType.SCENE_HEADING,
            text.strip(),
            line,
            line.notes,
            forced=forced,
            scene_number=number.group(1) if number else None,
        )

    def run_of(self, lines: list[_Line], index: int, kind: ElementType, belongs: Callable[[str], object]) -> int:
        """Consecutive centered lines (or lyric lines) form one element, one line each."""
        first = lines[index]
        raw: list[str] = []
        notes: list[str] = []
        while index < len(lines) and belongs(lines[index].text.strip()):
            stripped = lines[index].text.strip()
            raw.append(stripped[1:-1].strip() if kind is ElementType.CENTERED else stripped[1:].strip())
            notes += lines[index].notes
            index += 1
        self.add(kind, "\n".join(raw), first, notes)
        return index

    def action(self, lines: list[_Line], index: int) -> int:
        """An action paragraph: keeps line breaks and indentation; stops only at lines that stand on their own."""
        first = lines[index]
        raw: list[str] = []
        notes: list[str] = []
        forced = first.text.lstrip().startswith("!")
        while index < len(lines):
            line = lines[index]
            stripped = line.text.strip()
            if raw and (_PAGE_BREAK.match(stripped) or _CENTERED.match(stripped) or stripped.startswith("~")):
                break
            notes += line.notes
            if not line.note_only:
                text = line.text.rstrip()
                raw.append(text[1:] if text.startswith("!") else text)
            index += 1
        while raw and not raw[-1].strip():
            raw.pop()
        self.add(ElementType.ACTION, "\n".join(raw), first, notes, forced=forced)
        return index

    def speech(self, cue: _Cue, lines: list[_Line], index: int) -> int:
        """A character cue and everything under it: dialogue, parentheticals and sung lyrics, to the block's end."""
        if cue.dual:
            self.mark_previous_speech_dual()
        self.add(
            ElementType.CHARACTER,
            cue.name,
            lines[index],
            lines[index].notes,
            forced=cue.forced,
            extension=cue.extension,
            dual=cue.dual,
        )
        index += 1
        kind: ElementType | None = None
        raw: list[str] = []
        notes: list[str] = []
        first = lines[index]

        def flush() -> None:
            if kind is not None:
                self.add(kind, "\n".join(raw), first, notes, dual=cue.dual)

        while index < len(lines):
            line = lines[index]
            stripped = line.text.strip()
            if line.note_only:
                (notes if kind else self.elements[-1].notes).extend(line.notes)
                index += 1
                continue
            end = _parenthetical_end(lines, index)
            if end is not None:
                next_kind, text = ElementType.PARENTHETICAL, " ".join(ln.text.strip() for ln in lines[index:end])
            elif stripped.startswith("~"):
                next_kind, text, end = ElementType.LYRICS, stripped[1:].strip(), index + 1
            else:
                next_kind, text, end = ElementType.DIALOGUE, stripped, index + 1
            # Dialogue lines and lyric lines run on; every parenthetical stands alone.
            if next_kind is not kind or kind is ElementType.PARENTHETICAL:
                flush()
                kind, raw, notes, first = next_kind, [], [], line
            raw.append(text)
            for consumed in lines[index:end]:
                notes.extend(consumed.notes)
            index = end
        flush()
        return index

    def mark_previous_speech_dual(self) -> None:
        """``^`` sits on the second cue of a pair; the speech just before it is the first half."""
        speech_parts = {ElementType.DIALOGUE, ElementType.PARENTHETICAL, ElementType.LYRICS, ElementType.NOTE}
        for position in range(len(self.elements) - 1, -1, -1):
            element = self.elements[position]
            if element.type is ElementType.CHARACTER:
                for part in self.elements[position:]:
                    if part.type is not ElementType.NOTE:
                        part.dual = True
                return
            if element.type not in speech_parts:
                return


def _parenthetical_end(lines: list[_Line], index: int) -> int | None:
    """If ``lines[index]`` opens a parenthetical, the index just past the line that closes it.

    A parenthetical may wrap onto one or two more lines, but only if its first line has no ``)`` at all, so that
    ``(laughs) Fine.`` stays dialogue.
    """
    opening = lines[index].text.strip()
    if not opening.startswith("("):
        return None
    if ")" in opening:
        return index + 1 if opening.endswith(")") else None
    for end in range(index + 1, min(index + 3, len(lines))):
        closing = lines[end].text.strip()
        if "(" in closing:
            return None
        if closing.endswith(")"):
            return end + 1
    return None


def parse_fountain(text: str, source: str = "") -> ParsedScript:
    """Parse Fountain text into elements in reading order, with the title page as a dict.

    Never raises on odd input: anything that is not recognisably something else is action, as in the spec.
    ``source`` is only recorded (for messages and ``Screenplay.sources``).
    """
    lines = _source_lines(text)
    title_page, body_start = _read_title_page(lines)
    parser = _BodyParser()
    for block in _blocks(lines[body_start:]):
        parser.block(block)
    return ParsedScript(source=source, format="fountain", title_page=title_page, elements=parser.elements)
