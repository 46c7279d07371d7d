"""Plain-text screenplays to ``ParsedScript``: best-effort heuristics for scripts that are not Fountain.

Meant for a screenplay exported to ``.txt`` (Final Draft "Save as Text", ``pdftotext -layout``) or typed in any
editor with the usual layout, where indentation rather than markup says what a line is.

How a line is read, in this order:

1. Noise is dropped: page numbers alone on a line, ``(MORE)``, ``(CONTINUED)``, ``CONTINUED:``, form feeds.
2. Scene heading: a line starting ``INT.``/``EXT.``/``EST.``/``INT./EXT.``/``I/E``, with or without scene
   numbers on either side (``12  INT. HOUSE - DAY  12``); a line numbered on both sides is a heading even
   without INT/EXT (``4  SNIPER SCOPE POV  4``). Where heading text starts is the page's left margin.
3. The layout is *indented* when at least two short upper-case lines sit 15+ columns right of that margin with
   an indented line under them (character cues over dialogue). Otherwise it is *flush*, and the Fountain rule
   applies: an upper-case line after a blank line with text right under it is a character cue.
4. Character cue: upper case apart from its ``(extension)``, at most six words; in the indented layout it sits
   15+ columns in with its first dialogue line at least 5 columns further left. The lines under it are its
   dialogue, ``(...)`` lines its parentheticals, until a blank line, a line back at the margin or the next cue.
5. Transition: an upper-case line ending in ``TO:``, a known one (``FADE OUT.``, ``FADE IN:``, ``CUT TO
   BLACK.``, ...: the list is ``transition_terms.toml``), or in the indented layout any upper-case line 35+
   columns in that ends in ``:`` or ``.``.
   Other upper-case lines 15+ columns in that are not cues (``THE END``) are centered text.
6. Everything else is action, a paragraph per blank-line-separated block.
7. A title page is recognised only when the text before the first heading has a ``by`` / ``written by`` line:
   the first line is the title, the line after ``by`` the author.

Hard-wrapped lines are re-joined with a space when the next line's first word would not have fitted on the line
before (measured against the longest action, or dialogue, line in the script); otherwise the writer broke the
line on purpose and the line break stays.

Limits: no emphasis (plain text has none), no notes or boneyards, no sections (so no episode markers: give one
file per episode instead), side-by-side dual dialogue is read as one column, and a script whose cues are neither
indented nor upper case cannot be told from prose. Use Fountain or FDX when it matters.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from domain.fountain import is_all_caps, is_known_transition, is_scene_heading, split_cue
from domain.screenplay import ElementType, ParsedScript, ScriptElement

__all__ = ["parse_plaintext"]

_NOISE = re.compile(
    r"^(?:\d+[A-Z]?\.?|\(MORE\)|\(?CONTINUED\)?:?(?:\s*\(\d+\))?|\(CONT['’]?D\))$|^\d+\.?\s+\(?CONTINUED\)?:?$",
    re.IGNORECASE,
)
_NUMBERED_HEADING = re.compile(r"^([0-9]+[A-Z]{0,2}\.?)\s+(.*?)(?:\s+(\1))?$")
_CREDIT = re.compile(r"^(?:(?:an?\s+)?(?:original\s+)?(?:screenplay|teleplay|story|written)\s+)?by\b", re.IGNORECASE)

_CUE_INDENT = 15
_DIALOGUE_INDENT = 5
_TRANSITION_INDENT = 35


@dataclass
class _Line:
    no: int
    indent: int
    text: str  # stripped


def _lines(text: str) -> list[_Line | None]:
    """Numbered, stripped lines; None for blank lines and dropped noise."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    out: list[_Line | None] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.expandtabs(4).rstrip()
        stripped = raw.strip()
        if not stripped or _NOISE.match(stripped):
            out.append(None)
        else:
            out.append(_Line(number, len(raw) - len(raw.lstrip()), stripped))
    return out


@dataclass(frozen=True)
class _Heading:
    text: str
    number: str | None
    column: int  # where the heading text starts within the stripped line (after a scene number)


def _heading(text: str) -> _Heading | None:
    """The heading in a line, numbered or not."""
    if is_scene_heading(text):
        return _Heading(text, None, 0)
    numbered = _NUMBERED_HEADING.match(text)
    if not numbered:
        return None
    heading = numbered.group(2).strip()
    # A number on both sides marks any upper-case line as a heading (shots such as "4  SNIPER SCOPE POV  4").
    if is_scene_heading(heading) or (numbered.group(3) and _is_upper(heading)):
        return _Heading(heading, numbered.group(1).rstrip("."), numbered.start(2))
    return None


def _is_upper(text: str) -> bool:
    name, _ = split_cue(text)
    return is_all_caps(name)


def _cue_shaped(text: str) -> bool:
    name, _ = split_cue(text)
    return _is_upper(text) and len(name.split()) <= 6 and len(name) <= 40 and not name.endswith(":")


def _is_transition(line: _Line, margin: int, indented: bool) -> bool:
    text = line.text
    if not _is_upper(text):
        return False
    if text.endswith("TO:") or is_known_transition(text, plain_text_layout=True):
        return True
    return indented and line.indent - margin >= _TRANSITION_INDENT and text[-1] in ":."


class _Reader:
    def __init__(self, lines: list[_Line | None]) -> None:
        self.lines = lines
        self.elements: list[ScriptElement] = []
        self.wrapped: list[tuple[ScriptElement, list[_Line]]] = []  # action and dialogue, re-joined at the end
        heading_indents = [line.indent + h.column for line in lines if line and (h := _heading(line.text))]
        indents = [line.indent for line in lines if line]
        self.margin = Counter(heading_indents).most_common(1)[0][0] if heading_indents else min(indents, default=0)
        self.indented = self._count_indented_cues() >= 2

    def _count_indented_cues(self) -> int:
        count = 0
        for line, below in pairwise(self.lines):
            if line and below and line.indent - self.margin >= _CUE_INDENT and _cue_shaped(line.text):
                count += _dialogue_under(line, below, self.margin)
        return count

    def rel(self, line: _Line) -> int:
        return line.indent - self.margin

    def add(
        self,
        kind: ElementType,
        text: str,
        line: _Line,
        *,
        scene_number: str | None = None,
        extension: str | None = None,
    ) -> ScriptElement:
        element = ScriptElement(
            type=kind, text=text, raw=text, line=line.no, scene_number=scene_number, extension=extension
        )
        self.elements.append(element)
        return element

    def add_wrapped(self, kind: ElementType, lines: list[_Line]) -> None:
        self.wrapped.append((self.add(kind, "", lines[0]), list(lines)))

    def blocks(self) -> list[list[_Line]]:
        blocks: list[list[_Line]] = [[]]
        for line in self.lines:
            if line is None:
                if blocks[-1]:
                    blocks.append([])
            else:
                blocks[-1].append(line)
        return [block for block in blocks if block]

    def read(self) -> None:
        for block in self.blocks():
            index = 0
            while index < len(block):
                index = self.element(block, index)
        widths: dict[ElementType, int] = {}
        for element, lines in self.wrapped:
            widths[element.type] = max(widths.get(element.type, 0), *(len(line.text) for line in lines))
        for element, lines in self.wrapped:
            element.text = element.raw = _rejoin(lines, widths[element.type])

    def is_cue(self, block: list[_Line], index: int) -> bool:
        line = block[index]
        if index + 1 >= len(block) or not _cue_shaped(line.text):
            return False
        if self.indented:
            return self.rel(line) >= _CUE_INDENT and _dialogue_under(line, block[index + 1], self.margin)
        return index == 0

    def element(self, block: list[_Line], index: int) -> int:
        line = block[index]
        heading = _heading(line.text)
        if heading:
            self.add(ElementType.SCENE_HEADING, heading.text, line, scene_number=heading.number)
            return index + 1
        if _is_transition(line, self.margin, self.indented) and (index == len(block) - 1 or self.indented):
            self.add(ElementType.TRANSITION, line.text, line)
            return index + 1
        if self.is_cue(block, index):
            return self.speech(block, index)
        if self.indented and self.rel(line) >= _CUE_INDENT and _is_upper(line.text):
            end = index + 1
            while end < len(block) and self.rel(block[end]) >= _CUE_INDENT and not self.is_cue(block, end):
                end += 1
            self.add(ElementType.CENTERED, "\n".join(ln.text for ln in block[index:end]), line)
            return end
        return self.action(block, index)

    def speech(self, block: list[_Line], index: int) -> int:
        cue = block[index]
        name, extension = split_cue(cue.text)
        self.add(ElementType.CHARACTER, name, cue, extension=extension)
        index += 1
        dialogue: list[_Line] = []
        while index < len(block):
            line = block[index]
            if self.indented and (self.rel(line) < _DIALOGUE_INDENT or self.is_cue(block, index)):
                break  # back at the margin (action resumes) or the next speaker, without a blank line
            if line.text.startswith("(") and (line.text.endswith(")") or ")" not in line.text):
                self.flush_dialogue(dialogue)
                end = index
                while end < len(block) - 1 and not block[end].text.endswith(")"):
                    end += 1
                self.add(ElementType.PARENTHETICAL, " ".join(ln.text for ln in block[index : end + 1]), line)
                index = end + 1
                continue
            dialogue.append(line)
            index += 1
        self.flush_dialogue(dialogue)
        return index

    def flush_dialogue(self, lines: list[_Line]) -> None:
        if lines:
            self.add_wrapped(ElementType.DIALOGUE, lines)
            lines.clear()

    def action(self, block: list[_Line], index: int) -> int:
        start = index
        index += 1
        while index < len(block) and not _heading(block[index].text) and not self.is_cue(block, index):
            index += 1
        self.add_wrapped(ElementType.ACTION, block[start:index])
        return index


def _dialogue_under(cue: _Line, below: _Line, margin: int) -> bool:
    """Dialogue sits right of the margin and clearly left of its cue (centred lines stack at about one indent)."""
    return below.indent - margin >= _DIALOGUE_INDENT and below.indent <= cue.indent - _DIALOGUE_INDENT


def _rejoin(lines: list[_Line], width: int) -> str:
    """Undo hard wrapping: a line was wrapped if the next line's first word would not have fitted on it within
    ``width`` (the longest line of that kind in the script); otherwise the writer broke it on purpose."""
    text = lines[0].text
    for previous, line in pairwise(lines):
        first_word = line.text.split(" ", 1)[0]
        text += (" " if len(previous.text) + 1 + len(first_word) > width else "\n") + line.text
    return text


def _title_page(lines: list[_Line | None]) -> tuple[dict[str, str], int]:
    """Title and author from a front page with a 'by' line; returns them and how many lines they take."""
    first_heading = next((position for position, line in enumerate(lines) if line and _heading(line.text)), len(lines))
    front = [(position, line) for position, line in enumerate(lines[:first_heading]) if line]
    credit = next((i for i, (_, line) in enumerate(front) if _CREDIT.match(line.text)), None)
    if credit is None or credit == 0:
        return {}, 0
    page = {"Title": "\n".join(line.text for _, line in front[:credit]), "Credit": front[credit][1].text}
    end = front[credit][0] + 1
    if credit + 1 < len(front):
        page["Author"] = front[credit + 1][1].text
        end = front[credit + 1][0] + 1
    return page, end


def parse_plaintext(text: str, source: str = "") -> ParsedScript:
    """Read a plain-text screenplay by its layout (see the module docstring for the rules and their limits)."""
    lines = _lines(text)
    title_page, body_start = _title_page(lines)
    title_lines: list[_Line | None] = [None] * body_start
    reader = _Reader(title_lines + lines[body_start:])
    reader.read()
    return ParsedScript(source=source, format="text", title_page=title_page, elements=reader.elements)
