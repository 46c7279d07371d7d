"""Transitions writers type without Fountain's ``>``: ``FADE OUT.``, ``FADE TO BLACK.``, ``CUT TO BLACK.``.

None of the public parser fixtures (tests/fixtures/fountain) has such a bare line, so nothing there contradicts
reading them as transitions; ``FADE IN:`` stays action in Fountain, as screenplain reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.fountain import is_known_transition, parse_fountain
from domain.plaintext import parse_plaintext
from domain.structure import structure

SCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.type.value, e.text) for e in parse_fountain(text).elements]


@pytest.mark.parametrize(
    "line", ["FADE OUT.", "FADE OUT", "FADE TO BLACK.", "CUT TO BLACK.", "CUT TO BLACK", "SMASH TO BLACK.", "IRIS OUT."]
)
def test_a_standalone_bare_transition_is_a_transition(line: str) -> None:
    assert kinds(f"INT. KITCHEN - DAY\n\nMAYA\nSo am I.\n\n{line}\n") == [
        ("scene_heading", "INT. KITCHEN - DAY"),
        ("character", "MAYA"),
        ("dialogue", "So am I."),
        ("transition", line),
    ]
    assert not parse_fountain(line).elements[0].forced


def test_only_a_standalone_upper_case_line_is_a_bare_transition() -> None:
    assert kinds("Fade out.\n\nShe walks. FADE OUT.\n\nFADE OUT SLOWLY.\n\nFADE IN:") == [
        ("action", "Fade out."),
        ("action", "She walks. FADE OUT."),
        ("action", "FADE OUT SLOWLY."),
        ("action", "FADE IN:"),  # screenplain's reading (test_fixtures_screenplain.py); ">FADE IN:" forces it
    ]
    # Under a character cue it is what the character says.
    assert kinds("BEN\nFADE OUT.")[1] == ("dialogue", "FADE OUT.")
    assert is_known_transition("FADE IN:", plain_text_layout=True) and not is_known_transition("FADE IN:")


def test_plain_text_reads_the_same_list() -> None:
    parsed = parse_plaintext("INT. PIER - DAWN\n\nFog.\n\nCUT TO BLACK\n\nEXT. ROAD - DAY\n\nCars.\n\nFADE IN:\n")
    assert [(e.type.value, e.text) for e in parsed.elements if e.type.value == "transition"] == [
        ("transition", "CUT TO BLACK"),
        ("transition", "FADE IN:"),
    ]


def test_a_script_ending_on_a_bare_fade_out_ends_its_last_scene_with_it() -> None:
    for name in ("two-nights.fountain", "spare-key.fountain"):
        screenplay = structure([parse_fountain((SCRIPTS / name).read_text(encoding="utf-8"), source=name)])
        last = screenplay.scenes()[-1]
        assert last.transition_out == "FADE OUT.", name
        assert all("FADE" not in beat.text for beat in last.beats), name
