"""Final Draft XML (``.fdx``) to ``ParsedScript``, with the standard library's XML parser.

An FDX file is ``<FinalDraft><Content>`` holding ``<Paragraph Type="...">`` elements in reading order, each with
``<Text>`` runs (``Style="Bold+Italic+Underline"``). Paragraph types map onto the Fountain element kinds, so the
rest of reelcrew never sees the difference:

    Scene Heading -> scene_heading (``Number`` -> scene_number)   Character -> character (extension split off)
    Action, General, Shot -> action (centred ones -> centered)    Dialogue -> dialogue (consecutive ones merged)
    Parenthetical -> parenthetical    Transition -> transition    Lyrics -> lyrics    New Act -> section
    Summary / Outline Body -> synopsis    Cast List -> note    anything else with text -> action

``<DualDialogue>`` marks both speeches inside it ``dual``. Run styles become Fountain markers in ``raw``
(``**bold**``, ``*italic*``, ``_underline_``), so emphasis survives either format. The title page has no keys in
FDX; its first centred line becomes ``Title``, a "Written by" line ``Credit`` with the next line ``Author``, and
the left-aligned lines ``Copyright`` or ``Contact``. Expat does not fetch external entities, and caps entity
expansion, so a hostile file cannot reach the network or blow up memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import groupby

from domain.errors import ScriptError
from domain.fountain import split_cue
from domain.screenplay import ElementType, ParsedScript, ScriptElement

__all__ = ["parse_fdx"]

_TYPES = {
    "scene heading": ElementType.SCENE_HEADING,
    "action": ElementType.ACTION,
    "general": ElementType.ACTION,
    "shot": ElementType.ACTION,
    "character": ElementType.CHARACTER,
    "dialogue": ElementType.DIALOGUE,
    "parenthetical": ElementType.PARENTHETICAL,
    "transition": ElementType.TRANSITION,
    "lyrics": ElementType.LYRICS,
    "lyric": ElementType.LYRICS,
    "new act": ElementType.SECTION,
    "summary": ElementType.SYNOPSIS,
    "outline body": ElementType.SYNOPSIS,
    "cast list": ElementType.NOTE,
}
_CREDIT = re.compile(r"^(?:(?:screenplay|teleplay|story|written)\s+)?by$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:copyright|©|\(c\))", re.IGNORECASE)


def _escape(text: str) -> str:
    """Literal ``*`` and ``_`` in FDX text must not read as emphasis once written as Fountain markers."""
    return text.replace("*", "\\*").replace("_", "\\_")


@dataclass(frozen=True)
class _Run:
    text: str
    bold: bool
    italic: bool
    underline: bool


def _runs(paragraph: ET.Element) -> list[_Run]:
    runs = []
    for run in paragraph.findall("Text"):
        styles = {part.strip().lower() for part in (run.get("Style") or "").split("+")}
        runs.append(_Run(run.text or "", "bold" in styles, "italic" in styles, "underline" in styles))
    return runs


def _wrap(text: str, marker: str) -> str:
    """Markers hug the words; surrounding spaces stay outside (``** bold**`` would not be bold)."""
    core = text.strip()
    if not marker or not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _marked(runs: list[_Run]) -> str:
    """Runs as Fountain text. Underline spans group first so nested styles read as the writer meant:
    ``_Steel's face FILLS the *Leupold Mark 4* scope_`` rather than three separate underlines."""
    out = []
    for underline, group in groupby(runs, key=lambda run: run.underline):
        inner = []
        for (bold, italic), same in groupby(group, key=lambda run: (run.bold, run.italic)):
            marker = "***" if bold and italic else "**" if bold else "*" if italic else ""
            inner.append(_wrap("".join(_escape(run.text) for run in same), marker))
        out.append(_wrap("".join(inner), "_" if underline else ""))
    return "".join(out)


def _text(paragraph: ET.Element) -> tuple[str, str]:
    """The paragraph's (plain, raw) text from its direct ``<Text>`` runs."""
    runs = _runs(paragraph)
    return "".join(run.text for run in runs).strip("\n"), _marked(runs).strip("\n")


def _title_page(root: ET.Element) -> dict[str, str]:
    lines = []
    for paragraph in root.findall("TitlePage/Content/Paragraph"):
        plain, _ = _text(paragraph)
        if plain.strip():
            lines.append((paragraph.get("Alignment", "Left"), plain.strip()))
    page: dict[str, str] = {}
    centered = [text for alignment, text in lines if alignment.lower() == "center"]
    if centered:
        page["Title"] = centered.pop(0)
    for index, text in enumerate(centered):
        if _CREDIT.match(text) and "Credit" not in page:
            page["Credit"] = text
            if index + 1 < len(centered):
                page["Author"] = centered[index + 1]
    for alignment, text in lines:
        if alignment.lower() == "center":
            continue
        key = "Copyright" if _COPYRIGHT.match(text) else "Contact"
        page[key] = f"{page[key]}\n{text}" if key in page else text
    return page


class _Reader:
    def __init__(self) -> None:
        self.elements: list[ScriptElement] = []

    def paragraphs(self, parent: ET.Element, dual: bool = False) -> None:
        for paragraph in parent.findall("Paragraph"):
            inner = paragraph.find("DualDialogue")
            if inner is not None:
                self.paragraphs(inner, dual=True)
            else:
                self.paragraph(paragraph, dual)

    def paragraph(self, paragraph: ET.Element, dual: bool) -> None:
        plain, raw = _text(paragraph)
        kind = _TYPES.get((paragraph.get("Type") or "Action").strip().lower(), ElementType.ACTION)
        previous = self.elements[-1] if self.elements else None
        if not plain.strip():
            if kind is ElementType.DIALOGUE and previous is not None and previous.type is ElementType.DIALOGUE:
                previous.text += "\n"  # an empty Dialogue paragraph is a blank line inside the speech
                previous.raw += "\n"
            return
        if kind is ElementType.ACTION and (paragraph.get("Alignment") or "").lower() == "center":
            kind = ElementType.CENTERED
        if paragraph.get("StartsNewPage") == "Yes" and self.elements:
            self.elements.append(ScriptElement(type=ElementType.PAGE_BREAK))
        if kind is ElementType.DIALOGUE and previous is not None and previous.type is ElementType.DIALOGUE:
            previous.text += "\n" + plain
            previous.raw += "\n" + raw
            return
        extension = scene_number = None
        if kind is ElementType.CHARACTER:
            plain, extension = split_cue(plain)
            raw = _escape(plain)
        elif kind is ElementType.SCENE_HEADING:
            scene_number = paragraph.get("Number") or None
        dual_kinds = (ElementType.CHARACTER, ElementType.DIALOGUE, ElementType.PARENTHETICAL)
        element = ScriptElement(
            type=kind,
            text=plain,
            raw=raw,
            extension=extension,
            scene_number=scene_number,
            depth=1 if kind is ElementType.SECTION else 0,
            dual=dual and kind in dual_kinds,
        )
        self.elements.append(element)


def parse_fdx(data: bytes, source: str) -> ParsedScript:
    """Parse a Final Draft file's bytes. Malformed XML or a non-FDX document raises ``ScriptError`` naming the file."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        line, column = error.position
        problem = str(error).split(":")[0]
        raise ScriptError(
            source,
            f"not valid Final Draft XML: {problem} at line {line}, column {column + 1}. The file may be truncated "
            "or edited by hand; re-export it from your writing app (File > Save As > Final Draft .fdx).",
        ) from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != "FinalDraft":
        raise ScriptError(
            source, f"this XML file is not a Final Draft script (its root element is <{tag}>, not <FinalDraft>)"
        )
    content = root.find("Content")
    reader = _Reader()
    if content is not None:
        reader.paragraphs(content)
    for element in reader.elements:
        element.text, element.raw = element.text.rstrip("\n"), element.raw.rstrip("\n")
    return ParsedScript(source=source, format="fdx", title_page=_title_page(root), elements=reader.elements)
