"""Our Fountain parser against screenplain's HTML renderings (``X.fountain`` -> ``X.html``).

The adapter reads their HTML into a flat list of (kind, text) tokens: ``<h6>`` heading (with its scene number
span), ``div.action`` paragraphs (``div.action.centered``), ``div.transition``, ``div.dialog`` / ``div.dual``
with one token per ``<p>`` (character, parenthetical, dialogue line), ``<h1>``..``<h5>`` sections, the
``*-synopsis`` spans, and ``class="page-break"``. Text is compared plain (their ``<em>``/``<u>`` tags dropped;
``&nbsp;`` is a space); emphasis itself is checked against fountain-tools' Formatted case.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from domain.fountain import parse_fountain
from domain.screenplay import ElementType, ParsedScript

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "fountain" / "screenplain"
CASES = sorted(path for path in (ROOT / "tests" / "files").glob("*.fountain") if path.with_suffix(".html").exists())
CASES.append(ROOT / "examples" / "Brick-and-Steel.fountain")

Token = tuple[str, str]


class _Tokens(HTMLParser):
    """Flatten screenplain's body HTML into tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []
        self.kind: str | None = None  # what the text being collected will become
        self.text = ""
        self.block: list[str] = []  # class of the enclosing div(s)
        self.dual = False
        self.span: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            self.start(f"section:{tag[1]}")
        elif tag == "h6":
            if "page-break" in classes:
                self.tokens.append(("page_break", ""))
            self.start("heading")
        elif tag == "span":
            self.span = classes[0] if classes else None
            if self.span and self.span.endswith("-synopsis"):
                self.start("synopsis")
        elif tag == "div":
            self.block.append(" ".join(classes))
            if "dual" in classes:
                self.dual = True
            elif "transition" in classes:
                self.start("transition")
        elif tag == "p":
            enclosing = self.block[-1] if self.block else ""
            if "action" in enclosing:
                self.start("centered" if "centered" in enclosing else "action")
            elif "character" in classes:
                self.start("character:dual" if self.dual else "character")
            elif "parenthetical" in classes:
                self.start("parenthetical")
            else:
                self.start("dialogue")
        elif tag == "br" and self.kind:
            self.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            if self.span and self.span.endswith("-synopsis"):
                self.finish()
            self.span = None
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p"):
            self.finish()
        elif tag == "div" and self.block:
            if self.block.pop() == "dual":
                self.dual = False
            elif self.kind == "transition":
                self.finish()

    def handle_data(self, data: str) -> None:
        if self.span in ("scnuml", "scnumr"):
            if self.span == "scnuml":
                self.text += f"#{data}# "
            return
        if self.kind:
            self.text += data

    def start(self, kind: str) -> None:
        self.kind, self.text = kind, ""

    def finish(self) -> None:
        if self.kind:
            self.tokens.append((self.kind, self.text.replace("\xa0", " ")))
        self.kind, self.text = None, ""


def theirs(html: str) -> list[Token]:
    body = html.split("<body>", 1)[-1]
    parser = _Tokens()
    parser.feed(body)
    return parser.tokens


def ours(parsed: ParsedScript) -> list[Token]:
    tokens: list[Token] = []
    for element in parsed.elements:
        kind, text = element.type, element.text
        if kind is ElementType.NOTE:
            continue  # screenplain does not render notes
        if kind is ElementType.SCENE_HEADING:
            number = f"#{element.scene_number}# " if element.scene_number else ""
            tokens.append(("heading", number + text))
        elif kind is ElementType.SECTION:
            tokens.append((f"section:{element.depth}", text))
        elif kind is ElementType.CHARACTER:
            cue = text + (f" ({element.extension})" if element.extension else "")
            tokens.append(("character:dual" if element.dual else "character", cue))
        elif kind is ElementType.DIALOGUE:
            tokens += [("dialogue", line) for line in text.split("\n")]
        elif kind is ElementType.TRANSITION:
            # screenplain upper-cases forced transitions when it renders them; the writer's case is ours to keep.
            tokens.append(("transition", text.upper()))
        else:
            tokens.append((kind.value, text))
    return tokens


def normalise(tokens: list[Token]) -> list[Token]:
    return [(kind, "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")) for kind, text in tokens]


@pytest.mark.parametrize("source", CASES, ids=[path.stem for path in CASES])
def test_matches_screenplain_html(source: Path) -> None:
    parsed = parse_fountain(source.read_text(encoding="utf-8"), source=source.name)
    expected = theirs(source.with_suffix(".html").read_text(encoding="utf-8"))
    assert normalise(ours(parsed)) == normalise(expected)


def test_title_page_case_has_no_html_but_parses() -> None:
    """title-page.fountain has no expected HTML (screenplain renders title pages separately); check it directly."""
    parsed = parse_fountain((ROOT / "tests" / "files" / "title-page.fountain").read_text(encoding="utf-8"))
    assert parsed.title_page == {
        "Title": "My Screenplay",
        "Author": "Your Name",
        "Contact": "your.email@example.com\n(555) 123-4567",
    }
    assert [(e.type, e.text) for e in parsed.elements] == [
        (ElementType.ACTION, "FADE IN:"),
        (ElementType.ACTION, "SPACE"),
    ]
