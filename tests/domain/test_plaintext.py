"""Plain-text screenplays: layout heuristics checked against the Fountain parse of the same script."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from domain.fountain import parse_fountain
from domain.plaintext import parse_plaintext
from domain.screenplay import ElementType, ParsedScript

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "fountain" / "screenplain" / "examples"
BRICK = EXAMPLES / "Brick-and-Steel.fountain"

# Final Draft's text export: columns relative to the action margin, and wrap widths.
INDENT = {
    ElementType.SCENE_HEADING: 0,
    ElementType.ACTION: 0,
    ElementType.CHARACTER: 22,
    ElementType.PARENTHETICAL: 16,
    ElementType.DIALOGUE: 10,
    ElementType.TRANSITION: 45,
}
WIDTH = {ElementType.ACTION: 60, ElementType.DIALOGUE: 35, ElementType.PARENTHETICAL: 25}


def render_layout(parsed: ParsedScript, margin: int = 0, blank_before_cues: bool = True) -> str:
    """Lay a script out the way a text export does: indented columns, wrapped lines, numbered headings, pages."""
    pad = " " * margin
    out = [pad + " " * 24 + "BRICK & STEEL", "", pad + " " * 26 + "Written by", "", pad + " " * 24 + "Stu Maschwitz"]
    scene = 0
    for element in parsed.elements:
        kind = element.type
        if kind is ElementType.CENTERED:
            out.append("")
            out += [pad + line.center(60).rstrip() for line in element.text.split("\n")]
            continue
        if kind not in INDENT:
            continue
        text = element.text
        if kind is ElementType.CHARACTER and element.extension:
            text += f" ({element.extension})"
        if kind is ElementType.SCENE_HEADING:
            scene += 1
            # pdftotext puts scene numbers in the page margins; a text export puts them beside the heading
            numbered = f"{scene:<6}{text}    {scene}" if margin >= 6 else f"{scene}  {text}  {scene}"
            out += ["", " " * (margin - 6 if margin >= 6 else 0) + numbered]
            if scene == 3:  # a page break: number, form feed, CONTINUED
                out += ["", pad + " " * 56 + "2.", "\f" + pad + "CONTINUED:", ""]
            continue
        if kind not in (ElementType.DIALOGUE, ElementType.PARENTHETICAL) and (
            blank_before_cues or kind is not ElementType.CHARACTER
        ):
            out.append("")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines += textwrap.wrap(paragraph, WIDTH[kind]) if kind in WIDTH else [paragraph]
        out += [pad + " " * INDENT[kind] + line for line in lines]
    return "\n".join(out) + "\n"


def shape(parsed: ParsedScript) -> list[tuple[str, str]]:
    """What a plain-text reading must recover: the order and text of headings, speeches and transitions."""
    out = []
    for element in parsed.elements:
        if element.type is ElementType.CHARACTER:
            out.append(("character", element.text + (f" ({element.extension})" if element.extension else "")))
        elif element.type in (ElementType.DIALOGUE, ElementType.PARENTHETICAL, ElementType.ACTION):
            out.append((element.type.value, " ".join(element.text.split())))
        elif element.type in (ElementType.SCENE_HEADING, ElementType.TRANSITION, ElementType.CENTERED):
            out.append((element.type.value, element.text))
    return out


@pytest.fixture(scope="module")
def brick() -> ParsedScript:
    return parse_fountain(BRICK.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("margin", "blank_before_cues"), [(0, True), (15, True), (0, False)], ids=["fd-export", "pdftotext", "no-blanks"]
)
def test_layout_export_reads_like_the_fountain_original(
    brick: ParsedScript, margin: int, blank_before_cues: bool
) -> None:
    text = render_layout(brick, margin, blank_before_cues)
    parsed = parse_plaintext(text, source="brick.txt")
    assert parsed.format == "text"
    assert parsed.title_page == {"Title": "BRICK & STEEL", "Credit": "Written by", "Author": "Stu Maschwitz"}
    assert shape(parsed) == shape(brick)


def test_layout_export_keeps_scene_numbers_and_drops_page_furniture(brick: ParsedScript) -> None:
    parsed = parse_plaintext(render_layout(brick), source="brick.txt")
    headings = [e for e in parsed.elements if e.type is ElementType.SCENE_HEADING]
    assert [h.scene_number for h in headings] == [str(n) for n in range(1, len(headings) + 1)]
    assert not [e for e in parsed.elements if "CONTINUED" in e.text or e.text == "2."]


def test_wrapped_lines_are_rejoined_but_deliberate_breaks_stay(brick: ParsedScript) -> None:
    parsed = parse_plaintext(render_layout(brick))
    actions = [e.text for e in parsed.elements if e.type is ElementType.ACTION]
    assert actions[0].startswith("A gorgeous day.  The sun is shining.  But BRICK BRADDOCK, retired police")
    assert "\n" not in actions[0]
    assert "And then there's a long beat.\nLonger than is funny.\nLong enough to be depressing." in actions


def test_flush_left_script_uses_the_fountain_rules() -> None:
    text = (
        "INT. KITCHEN - NIGHT\n\nLin pours two glasses of wine.\n\nLIN (V.O.)\nHe never came home.\n\n"
        "MARCO\n(quietly)\nI know.\n(laughs) Really.\n\nCUT TO:\n\nEXT. PIER -- DAWN\n\nFog.\n\nFADE OUT.\n"
    )
    parsed = parse_plaintext(text, source="flush.txt")
    assert [(e.type.value, e.text, e.extension) for e in parsed.elements] == [
        ("scene_heading", "INT. KITCHEN - NIGHT", None),
        ("action", "Lin pours two glasses of wine.", None),
        ("character", "LIN", "V.O."),
        ("dialogue", "He never came home.", None),
        ("character", "MARCO", None),
        ("parenthetical", "(quietly)", None),
        ("dialogue", "I know.\n(laughs) Really.", None),
        ("transition", "CUT TO:", None),
        ("scene_heading", "EXT. PIER -- DAWN", None),
        ("action", "Fog.", None),
        ("transition", "FADE OUT.", None),
    ]
    assert parsed.elements[2].line == 5


def test_indented_speech_ends_where_action_resumes_without_a_blank_line() -> None:
    text = (
        "INT. LAB - DAY\n\n"
        "                      MARA\n          We have to go.\n"
        "Alarms blare.\n\n"
        "                      JONAS (CONT'D)\n          Now!\n"
        "                      MARA\n          Fine.\n"
    )
    parsed = parse_plaintext(text)
    assert [(e.type.value, e.text) for e in parsed.elements] == [
        ("scene_heading", "INT. LAB - DAY"),
        ("character", "MARA"),
        ("dialogue", "We have to go."),
        ("action", "Alarms blare."),
        ("character", "JONAS"),
        ("dialogue", "Now!"),
        ("character", "MARA"),
        ("dialogue", "Fine."),
    ]
