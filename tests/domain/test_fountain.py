"""Fountain parsing, element by element (the fixture suites in test_fixtures_*.py cover other parsers' views)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from domain.fountain import Run, emphasis_runs, is_scene_heading, parse_fountain, plain_text, split_cue
from domain.screenplay import ElementType as T
from domain.screenplay import ScriptElement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fountain"


def elements(text: str) -> list[ScriptElement]:
    return parse_fountain(text).elements


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.type.value, e.text) for e in elements(text)]


# --- scene headings -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "INT. HOUSE - DAY",
        "EXT. PIER -- DAWN",
        "EST. CITY - NIGHT",
        "INT./EXT. CAR - MOVING - DAY",
        "INT/EXT CAR",
        "I/E VAN - NIGHT",
        "int. lab",
        "EXT BEACH",
    ],
)
def test_scene_heading_prefixes(line: str) -> None:
    assert kinds(f"{line}\n\nAction.") == [("scene_heading", line), ("action", "Action.")]


@pytest.mark.parametrize("line", ["INTERIOR DESIGN", "Internal affairs.", "EXTRA! EXTRA!", "ESTATE SALE"])
def test_words_that_only_start_like_a_heading_are_not_one(line: str) -> None:
    assert not is_scene_heading(line)


def test_forced_heading_and_ellipsis() -> None:
    assert kinds(".FLASHBACK\n\n...and then.\n\n. not forced") == [
        ("scene_heading", "FLASHBACK"),
        ("action", "...and then."),
        ("action", ". not forced"),
    ]
    assert elements(".FLASHBACK")[0].forced


def test_scene_numbers() -> None:
    parsed = elements("INT. HOUSE - DAY #12#\n\nEXT. YARD #1A-2.b#\n\nEXT. SKY #😆#")
    assert [(e.text, e.scene_number) for e in parsed] == [
        ("INT. HOUSE - DAY", "12"),
        ("EXT. YARD", "1A-2.b"),
        ("EXT. SKY #😆#", None),
    ]


def test_heading_needs_a_blank_line_before_it_but_not_after() -> None:
    assert kinds("John walks.\nINT. HOUSE - DAY\n\nINT. HALL - DAY\nJohn enters.") == [
        ("action", "John walks.\nINT. HOUSE - DAY"),
        ("scene_heading", "INT. HALL - DAY"),
        ("action", "John enters."),
    ]


# --- action -------------------------------------------------------------------------------------------------------


def test_action_keeps_line_breaks_and_indentation_and_tabs_become_four_spaces() -> None:
    parsed = elements("He reads:\n\n    Scott --\n\tRM 412\nDone.")
    assert [e.text for e in parsed] == ["He reads:", "    Scott --\n    RM 412\nDone."]
    assert [e.line for e in parsed] == [1, 3]


def test_forced_action() -> None:
    parsed = elements("!SCANNING THE AISLES...\nWhere is that pit boss?")
    assert [(e.type, e.text, e.forced) for e in parsed] == [
        (T.ACTION, "SCANNING THE AISLES...\nWhere is that pit boss?", True)
    ]


# --- characters, dialogue, parentheticals -------------------------------------------------------------------------


def test_character_cue_with_extensions_and_contd() -> None:
    parsed = elements("STEEL (V.O.) (CONT'D)\nHello.\n\nHANS (on the radio)\nWhat?\n\nMOM (CONT’D)\nDinner!")
    assert [(e.type, e.text, e.extension) for e in parsed if e.type is T.CHARACTER] == [
        (T.CHARACTER, "STEEL", "V.O."),
        (T.CHARACTER, "HANS", "on the radio"),
        (T.CHARACTER, "MOM", None),
    ]


def test_forced_cue_may_be_mixed_case_and_a_cue_must_start_with_a_letter() -> None:
    assert kinds("@McCLANE\nYippee.\n\n10 SECONDS LATER\nBoom.\n\n@3CPO\nBeep.") == [
        ("character", "McCLANE"),
        ("dialogue", "Yippee."),
        ("action", "10 SECONDS LATER\nBoom."),
        ("character", "3CPO"),
        ("dialogue", "Beep."),
    ]


def test_names_without_letter_case_need_a_forced_cue() -> None:
    """Chinese has no upper case: only '@' makes a speaker, or every two-line action paragraph would be one."""
    assert kinds("INT. 咖啡馆 - 夜\n\n林走进房间。\n她坐下。\n\n@林 (V.O.)\n你来了。") == [
        ("scene_heading", "INT. 咖啡馆 - 夜"),
        ("action", "林走进房间。\n她坐下。"),
        ("character", "林"),
        ("dialogue", "你来了。"),
    ]
    assert kinds("JIM😆\nBye!")[0] == ("character", "JIM😆")


def test_a_cue_needs_dialogue_right_under_it() -> None:
    assert kinds("BOB\n\nThis is action.") == [("action", "BOB"), ("action", "This is action.")]


def test_dialogue_parentheticals_and_the_two_space_line() -> None:
    text = "DEALER\n(flat)\nTen.\nFour.\n  \nHit or stand?\n(beat)\n(smiling,\nslowly)\n(laughs) Fine."
    assert kinds(text) == [
        ("character", "DEALER"),
        ("parenthetical", "(flat)"),
        ("dialogue", "Ten.\nFour.\n\nHit or stand?"),
        ("parenthetical", "(beat)"),
        ("parenthetical", "(smiling, slowly)"),
        ("dialogue", "(laughs) Fine."),
    ]


def test_dual_dialogue_marks_both_speeches() -> None:
    parsed = elements("The men look at each other.\n\nSTEEL\nScrew retirement.\n\nBRICK ^\n(agreeing)\nScrew it.")
    assert [(e.type.value, e.dual) for e in parsed] == [
        ("action", False),
        ("character", True),
        ("dialogue", True),
        ("character", True),
        ("parenthetical", True),
        ("dialogue", True),
    ]
    assert parsed[3].text == "BRICK"


def test_dual_caret_after_action_has_no_partner() -> None:
    parsed = elements("Action.\n\nBRICK ^\nAlone.")
    assert [(e.type.value, e.dual) for e in parsed] == [("action", False), ("character", True), ("dialogue", True)]


def test_lyrics_inside_and_outside_dialogue() -> None:
    assert kinds("LIN\nListen.\n~Fly me to the moon\n~Let me play\n\n~Among the stars\nShe stops.") == [
        ("character", "LIN"),
        ("dialogue", "Listen."),
        ("lyrics", "Fly me to the moon\nLet me play"),
        ("lyrics", "Among the stars"),
        ("action", "She stops."),
    ]


# --- transitions, centered, sections, synopses, page breaks -------------------------------------------------------


def test_transitions() -> None:
    assert kinds("CUT TO:\n\n    DISSOLVE TO:\n\n> Burn to pink.\n\nboop TO:\n\nSMASH CUT TO:\nmore text") == [
        ("transition", "CUT TO:"),
        ("transition", "DISSOLVE TO:"),
        ("transition", "Burn to pink."),
        ("action", "boop TO:"),
        ("action", "SMASH CUT TO:\nmore text"),  # not a cue either: a cue never ends in TO:
    ]
    assert elements("> FADE OUT.")[0].forced


def test_centered_lines_form_one_element() -> None:
    assert kinds("> BRICK BRADDOCK <\n>& DICK STEEL IN<\n\n>**THE END**<") == [
        ("centered", "BRICK BRADDOCK\n& DICK STEEL IN"),
        ("centered", "THE END"),
    ]
    assert elements(">**THE END**<")[0].raw == "**THE END**"


def test_sections_synopses_and_page_breaks() -> None:
    parsed = elements("# Episode 1: Pilot\n= Lin meets Marco.\n## Act One\n\n===\n\n====")
    assert [(e.type, e.text, e.depth) for e in parsed] == [
        (T.SECTION, "Episode 1: Pilot", 1),
        (T.SYNOPSIS, "Lin meets Marco.", 0),
        (T.SECTION, "Act One", 2),
        (T.PAGE_BREAK, "", 0),
        (T.PAGE_BREAK, "", 0),
    ]


# --- notes and boneyards ------------------------------------------------------------------------------------------


def test_inline_notes_are_collected_and_removed() -> None:
    parsed = elements("Before [[one]]after [[two\nlines]]end.\n\nLIN\nHi.[[louder?]]")
    assert [(e.text, e.notes) for e in parsed] == [
        ("Before after end.", ["one", "two\nlines"]),
        ("LIN", []),
        ("Hi.", ["louder?"]),
    ]


def test_a_note_alone_on_its_line_is_a_note_element() -> None:
    parsed = elements("INT. HOUSE - DAY\n[[check the location]]\n\n[[Whole\nparagraph]]\n\nJohn enters.\n[[here?]]")
    assert [(e.type, e.text, e.notes) for e in parsed] == [
        (T.SCENE_HEADING, "INT. HOUSE - DAY", []),
        (T.NOTE, "check the location", []),
        (T.NOTE, "Whole\nparagraph", []),
        (T.ACTION, "John enters.", ["here?"]),
    ]


def test_a_note_cannot_cross_a_blank_line_but_can_cross_a_two_space_line() -> None:
    assert kinds("This is not [[\na note\n\nat all]]") == [("action", "This is not [[\na note"), ("action", "at all]]")]
    assert elements("Yes [[a\n  \nnote]] here.")[0].notes == ["a\n  \nnote"]


def test_fountain_tools_notes_file_element_by_element() -> None:
    """Our reading of the file whose fountain-tools dump we xfail (see test_fixtures_wildwinter.py)."""
    text = (FIXTURES / "wildwinter-fountain-tools" / "tests" / "Notes.fountain").read_text(encoding="utf-8")
    parsed = parse_fountain(text)
    assert [(e.type.value, e.text[:30], e.notes, e.line) for e in parsed.elements] == [
        ("scene_heading", "INT. TRAILER HOME - DAY", [], 1),
        ("action", "This is the home of THE BOY BA", ["Or did we think of actual names for these guys?"], 3),
        ("note", "It was supposed to be Vietname", [], 5),
        ("character", "JACK", [], 7),
        ("parenthetical", "(in Vietnamese, subtitled)", [], 8),
        ("dialogue", "Did you know Brick and Steel a", [], 9),
        (
            "action",
            "His hand is an inch from the r",
            ["This section needs work.\nEither that, or I need coffee.\n  \nDefinitely coffee."],
            11,
        ),
        ("action", "Testing a note without spaces[", [], 16),
        ("action", "Definitely shouldn't. Because ", [], 19),
    ]
    assert parsed.elements[6].text.endswith("suspicious for some reason. He looks around. Phone ringing.")


def test_boneyard_is_removed_and_line_numbers_stay_true() -> None:
    parsed = elements("CUT TO:\n/*\nINT. GARAGE - DAY\n\nCut scene.\n*/\nEXT. MANSION - DAY\n\nKeep /* this */me.")
    assert [(e.type.value, e.text, e.line) for e in parsed] == [
        ("transition", "CUT TO:", 1),
        ("scene_heading", "EXT. MANSION - DAY", 7),
        ("action", "Keep me.", 9),
    ]


def test_unclosed_boneyard_stays_literal() -> None:
    assert kinds("Math: 2 /* 3\n\nMore.") == [("action", "Math: 2 /* 3"), ("action", "More.")]


# --- emphasis -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("*italic* and **bold** and ***both*** and _under_", "italic and bold and both and under"),
        ("_Steel's face FILLS the *Leupold Mark 4* scope_.", "Steel's face FILLS the Leupold Mark 4 scope."),
        ("Code: **\\*9765\\***", "Code: *9765*"),
        ("He dialed *69 and then *23.", "He dialed *69 and then *23."),
        ("snake_case_name stays", "snake_case_name stays"),
        ("*no\nacross lines*", "*no\nacross lines*"),
        ("A \\_literal\\_ underscore", "A _literal_ underscore"),
    ],
)
def test_plain_text_drops_emphasis_markers(raw: str, plain: str) -> None:
    assert plain_text(raw) == plain


def test_emphasis_runs_nest() -> None:
    assert emphasis_runs("a **b *c* d** e") == [
        Run("a "),
        Run("b ", bold=True),
        Run("c", bold=True, italic=True),
        Run(" d", bold=True),
        Run(" e"),
    ]


def test_elements_keep_raw_markers_and_plain_text() -> None:
    element = elements("DAN\n_Permanently_.")[1]
    assert (element.raw, element.text) == ("_Permanently_.", "Permanently.")


# --- title page, encodings, whole files ---------------------------------------------------------------------------


def test_title_page_keys_and_multiline_values() -> None:
    parsed = parse_fountain(
        "Title:\n\t_**BRICK & STEEL**_\n\t_**FULL RETIRED**_\nDRAFT DATE: 1/20/2012\nContact:\n    Next Level\n"
        "    Solvang, CA\n\nEXT. PATIO - DAY\n\nSun."
    )
    assert parsed.title_page == {
        "Title": "_**BRICK & STEEL**_\n_**FULL RETIRED**_",
        "Draft date": "1/20/2012",
        "Contact": "Next Level\nSolvang, CA",
    }
    assert [(e.text, e.line) for e in parsed.elements] == [("EXT. PATIO - DAY", 9), ("Sun.", 11)]


def test_no_title_page_unless_the_script_starts_with_a_key() -> None:
    assert parse_fountain("CUT TO:\n\nINT. HOUSE - DAY").title_page == {}
    assert parse_fountain("INT. HOUSE: DAY\n\nAction.").title_page == {}
    assert parse_fountain("\n\nTitle: Late\n\nINT. X - DAY").title_page == {"Title": "Late"}
    opening = parse_fountain("He reads the sign:\n\n    KEEP OUT")
    assert (opening.title_page, opening.elements[0].text) == ({}, "He reads the sign:")


def test_crlf_cr_and_byte_order_mark() -> None:
    expected = [("scene_heading", "INT. HOUSE - DAY"), ("action", "Quiet.")]
    assert kinds("\ufeffINT. HOUSE - DAY\r\n\r\nQuiet.\r\n") == expected
    assert kinds("INT. HOUSE - DAY\r\rQuiet.") == expected


def test_empty_and_blank_input_give_no_elements() -> None:
    assert parse_fountain("").elements == []
    assert parse_fountain("\n  \n\t\n").elements == []


def test_split_cue() -> None:
    assert split_cue("LIN (V.O.) (CONT'D)") == ("LIN", "V.O.")
    assert split_cue("LIN (O.S.) (ON PHONE)") == ("LIN", "O.S., ON PHONE")
    assert split_cue("DR. WU") == ("DR. WU", None)


def test_a_35_scene_script_parses_in_milliseconds() -> None:
    source = (FIXTURES / "screenplain" / "examples" / "Brick-and-Steel.fountain").read_text(encoding="utf-8")
    title, body = source.split("\n\n", 1)
    text = title + "\n\n" + "\n\n".join([body] * 5)  # 40 scenes, ~430 elements
    assert sum(e.type is T.SCENE_HEADING for e in parse_fountain(text).elements) == 40
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        parse_fountain(text)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05, f"parsing took {min(timings) * 1000:.1f} ms"  # ~3 ms here; generous for shared CPUs
