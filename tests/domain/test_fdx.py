"""Final Draft XML: the same script in .fdx and .fountain must parse to the same elements.

screenplain wrote its .fdx files from the matching .fountain, and fountain-tools' TestFDX files are Final Draft and
Fade In exports of TestFDX-FD/FI.fountain, so each pair is an independent oracle for headings, speeches and
emphasis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import ScriptError
from domain.fdx import parse_fdx
from domain.fountain import parse_fountain
from domain.screenplay import ElementType, ParsedScript
from domain.structure import structure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fountain"
SCREENPLAIN = FIXTURES / "screenplain"
WILDWINTER = FIXTURES / "wildwinter-fountain-tools" / "tests"

PAIRS = [(path, path.with_suffix(".fountain")) for path in sorted((SCREENPLAIN / "tests" / "files").glob("*.fdx"))]
PAIRS += [(SCREENPLAIN / "examples" / "Brick-and-Steel.fdx", SCREENPLAIN / "examples" / "Brick-and-Steel.fountain")]
PAIRS += [(WILDWINTER / "TestFDX-FD.fdx", WILDWINTER / "TestFDX-FD.fountain")]
PAIRS += [(WILDWINTER / "TestFDX-FI.fdx", WILDWINTER / "TestFDX-FI.fountain")]
# fountain-tools' writers (one per language) drop scene numbers when they write FDX; everything else must match.
WRITTEN = sorted(WILDWINTER.glob("TestFDX-FD-Write-*.fdx"))


def shape(parsed: ParsedScript, numbers: bool = True) -> list[tuple[object, ...]]:
    """Everything a format carries in both: kind, text with emphasis markers, extension, dual, scene number."""
    return [
        (e.type.value, e.raw, e.extension, e.dual, e.scene_number if numbers else None)
        for e in parsed.elements
        if e.type not in (ElementType.PAGE_BREAK, ElementType.NOTE)
    ]


@pytest.mark.parametrize(("fdx", "fountain"), PAIRS, ids=[fdx.name for fdx, _ in PAIRS])
def test_fdx_parses_like_its_fountain_twin(fdx: Path, fountain: Path) -> None:
    from_fdx = parse_fdx(fdx.read_bytes(), source=str(fdx))
    from_fountain = parse_fountain(fountain.read_text(encoding="utf-8-sig"))
    assert from_fdx.format == "fdx"
    assert shape(from_fdx) == shape(from_fountain)


@pytest.mark.parametrize("fdx", WRITTEN, ids=[path.name for path in WRITTEN])
def test_fdx_written_by_fountain_tools_parses_like_the_source(fdx: Path) -> None:
    from_fdx = parse_fdx(fdx.read_bytes(), source=str(fdx))
    from_fountain = parse_fountain((WILDWINTER / "TestFDX-FD.fountain").read_text(encoding="utf-8"))
    assert shape(from_fdx, numbers=False) == shape(from_fountain, numbers=False)


def test_brick_and_steel_fdx_and_fountain_give_the_same_screenplay() -> None:
    """The structured view too: same scenes, locations, speakers and lines, whichever format the writer used."""
    fdx = structure([parse_fdx((SCREENPLAIN / "examples" / "Brick-and-Steel.fdx").read_bytes(), "bs.fdx")])
    fountain = structure([parse_fountain((SCREENPLAIN / "examples" / "Brick-and-Steel.fountain").read_text())])

    def view(screenplay: object) -> list[object]:
        return [
            (
                scene.id,
                scene.heading,
                scene.location_id,
                scene.time_of_day,
                scene.transition_out,
                scene.speaking_characters,
            )
            for scene in screenplay.scenes()  # type: ignore[attr-defined]
        ]

    assert view(fdx) == view(fountain)
    assert len(fdx.scenes()) == 8
    lines = [(b.dialogue.character, b.text) for s in fdx.scenes() for b in s.beats if b.dialogue]
    assert lines == [(b.dialogue.character, b.text) for s in fountain.scenes() for b in s.beats if b.dialogue]


def test_title_page_without_keys_is_read_from_its_layout() -> None:
    parsed = parse_fdx((WILDWINTER / "TestFDX-FD.fdx").read_bytes(), source="TestFDX-FD.fdx")
    assert parsed.title_page["Title"] == "FDX Test Script"
    assert parsed.title_page["Credit"] == "Written by"
    assert parsed.title_page["Author"] == "Ian"
    assert parsed.title_page["Copyright"] == "Copyright (c) 2026"
    assert parsed.title_page["Contact"] == "Draft\ninformation\nContact\ninformation"


def _fdx(body: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><FinalDraft DocumentType="Script" Version="5">'
    return f"{head}<Content>{body}</Content></FinalDraft>".encode()


def test_styles_become_fountain_markers_and_literal_markers_are_escaped() -> None:
    parsed = parse_fdx(
        _fdx(
            '<Paragraph Type="Action"><Text>Plain </Text><Text Style="Bold">loud </Text>'
            '<Text Style="Bold+Italic">both</Text><Text> and 5*3 = file_name</Text></Paragraph>'
        ),
        "x.fdx",
    )
    action = parsed.elements[0]
    assert action.raw == "Plain **loud** ***both*** and 5\\*3 = file\\_name"
    assert action.text == "Plain loud both and 5*3 = file_name"


def test_paragraph_types_map_onto_fountain_kinds() -> None:
    parsed = parse_fdx(
        _fdx(
            '<Paragraph Type="Scene Heading" Number="7A"><Text>INT. LAB - NIGHT</Text></Paragraph>'
            '<Paragraph Type="Shot"><Text>CLOSE ON THE VIAL</Text></Paragraph>'
            '<Paragraph Type="Character"><Text>MARA (V.O.) (CONT\'D)</Text></Paragraph>'
            '<Paragraph Type="Parenthetical"><Text>(whispering)</Text></Paragraph>'
            '<Paragraph Type="Dialogue"><Text>Now.</Text></Paragraph>'
            '<Paragraph Type="Action" Alignment="Center"><Text>THE END</Text></Paragraph>'
            '<Paragraph Type="New Act"><Text>ACT TWO</Text></Paragraph>'
            '<Paragraph Type="Cast List"><Text>MARA, JONAS</Text></Paragraph>'
            '<Paragraph Type="Transition"><Text>FADE OUT.</Text></Paragraph>'
            '<Paragraph Type="Action"/>'
        ),
        "x.fdx",
    )
    assert [(e.type, e.text, e.extension, e.scene_number) for e in parsed.elements] == [
        (ElementType.SCENE_HEADING, "INT. LAB - NIGHT", None, "7A"),
        (ElementType.ACTION, "CLOSE ON THE VIAL", None, None),
        (ElementType.CHARACTER, "MARA", "V.O.", None),
        (ElementType.PARENTHETICAL, "(whispering)", None, None),
        (ElementType.DIALOGUE, "Now.", None, None),
        (ElementType.CENTERED, "THE END", None, None),
        (ElementType.SECTION, "ACT TWO", None, None),
        (ElementType.NOTE, "MARA, JONAS", None, None),
        (ElementType.TRANSITION, "FADE OUT.", None, None),
    ]


def test_utf8_bom_and_utf16_files_parse() -> None:
    body = '<Paragraph Type="Scene Heading"><Text>INT. CAFÉ – DAY</Text></Paragraph>'
    utf16 = f'<?xml version="1.0" encoding="UTF-16"?><FinalDraft><Content>{body}</Content></FinalDraft>'
    for data in (b"\xef\xbb\xbf" + _fdx(body), utf16.encode("utf-16")):
        assert parse_fdx(data, "x.fdx").elements[0].text == "INT. CAFÉ – DAY"


def test_malformed_xml_names_the_file_and_the_position() -> None:
    data = _fdx('<Paragraph Type="Action"><Text>Half a paragraph</Paragraph>')
    with pytest.raises(ScriptError) as caught:
        parse_fdx(data, "scripts/pilot.fdx")
    message = str(caught.value)
    assert message.startswith("scripts/pilot.fdx: not valid Final Draft XML: mismatched tag at line 1, column ")
    assert "re-export" in message
    assert caught.value.path == Path("scripts/pilot.fdx")


def test_truncated_file_is_reported() -> None:
    with pytest.raises(ScriptError, match=r"^cut.fdx: not valid Final Draft XML: .+ at line 1, column \d+"):
        parse_fdx(_fdx('<Paragraph Type="Action"><Text>Cut off')[:-40], "cut.fdx")


def test_xml_that_is_not_final_draft_is_refused() -> None:
    with pytest.raises(ScriptError, match=r"not a Final Draft script \(its root element is <svg>"):
        parse_fdx(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.fdx")


def test_entities_are_not_fetched() -> None:
    """An external entity must not be resolved (no file or network access from a script)."""
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<FinalDraft><Content><Paragraph Type="Action"><Text>a &secret; b</Text></Paragraph></Content></FinalDraft>'
    )
    try:
        parsed = parse_fdx(data, "evil.fdx")
    except ScriptError:
        return  # refusing the file is fine too
    assert "root:" not in parsed.elements[0].text
