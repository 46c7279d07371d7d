"""From parsed elements to episodes, scenes and beats."""

from __future__ import annotations

import pytest

from domain.errors import ScriptError
from domain.fountain import parse_fountain
from domain.screenplay import Screenplay
from domain.structure import character_id, episode_marker, read_heading, structure

SERIES = """Title: _**Neon Vows**_
Author: A. Writer

# Episode 1: The Ring

INT. ROOFTOP BAR - NIGHT #1#

= Lin waits for Marco.

Neon hums. LIN (28) checks her phone.

LIN (V.O.) (CONT'D)
He said nine.

MARCO (O.S.)
(breathless)
Sorry! Sorry.
(beat)
Traffic.

CUT TO:

EXT. PIER -- DAWN

Fog over the water.

LIN
Stay.

MARCO ^
Go.

~Fly me to the moon

> FADE OUT.

# Episode 2: After

INT./EXT. CAR - MOVING - DAY

LIN
(nods)

Rain on the windscreen.

INT. CAR - CONTINUOUS

LIN
~Let me play among the stars
"""


@pytest.fixture(scope="module")
def series() -> Screenplay:
    return structure([parse_fountain(SERIES, source="neon.fountain")])


def test_episodes_come_from_episode_sections(series: Screenplay) -> None:
    assert series.title == "Neon Vows"
    assert series.sources == ["neon.fountain"]
    assert series.title_page["Author"] == "A. Writer"
    assert [(e.number, e.title, [s.id for s in e.scenes]) for e in series.episodes] == [
        (1, "The Ring", ["E01-S001", "E01-S002"]),
        (2, "After", ["E02-S001", "E02-S002"]),
    ]


def test_scene_heading_parts(series: Screenplay) -> None:
    scenes = series.scenes()
    assert [(s.int_ext, s.location_id, s.location_name, s.time_of_day, s.script_number) for s in scenes] == [
        ("INT", "rooftop-bar", "ROOFTOP BAR", "NIGHT", "1"),
        ("EXT", "pier", "PIER", "DAWN", None),
        ("INT/EXT", "car", "CAR", "DAY", None),
        ("INT", "car", "CAR", "DAY", None),  # CONTINUOUS keeps the time of day of the scene before
    ]
    assert scenes[0].heading == "INT. ROOFTOP BAR - NIGHT"
    assert scenes[0].synopsis == "Lin waits for Marco."


def test_beats_carry_speeches_with_their_parentheticals(series: Screenplay) -> None:
    bar = series.scenes()[0]
    assert [(b.index, b.kind, b.text) for b in bar.beats] == [
        (0, "action", "Neon hums. LIN (28) checks her phone."),
        (1, "dialogue", "He said nine."),
        (2, "dialogue", "Sorry! Sorry."),
        (3, "dialogue", "Traffic."),
    ]
    lines = [b.dialogue for b in bar.beats if b.dialogue]
    assert [(d.character, d.extension, d.parenthetical, d.dual) for d in lines] == [
        ("lin", "V.O.", None, False),
        ("marco", "O.S.", "breathless", False),
        ("marco", "O.S.", "beat", False),
    ]
    assert bar.speaking_characters == ["lin", "marco"]
    assert bar.transition_out == "CUT TO:"


def test_dual_dialogue_lyrics_and_a_forced_transition_out(series: Screenplay) -> None:
    pier = series.scenes()[1]
    assert [(b.kind, b.text, b.dialogue.dual if b.dialogue else None) for b in pier.beats] == [
        ("action", "Fog over the water.", None),
        ("dialogue", "Stay.", True),
        ("dialogue", "Go.", True),
        ("lyrics", "Fly me to the moon", None),
    ]
    assert pier.transition_out == "FADE OUT."


def test_wordless_parenthetical_becomes_action_and_sung_lines_keep_their_singer(series: Screenplay) -> None:
    car, car_again = series.scenes()[2:]
    assert [(b.kind, b.text) for b in car.beats] == [("action", "LIN (nods)"), ("action", "Rain on the windscreen.")]
    assert [(b.kind, b.text, b.dialogue.character if b.dialogue else None) for b in car_again.beats] == [
        ("lyrics", "Let me play among the stars", "lin")
    ]


def test_a_transition_inside_a_scene_stays_a_beat() -> None:
    screenplay = structure([parse_fountain("INT. A - DAY\n\nOne.\n\nCUT TO:\n\nTwo.")])
    scene = screenplay.scenes()[0]
    assert [(b.kind, b.text) for b in scene.beats] == [
        ("action", "One."),
        ("transition", "CUT TO:"),
        ("action", "Two."),
    ]
    assert scene.transition_out is None


def test_one_file_without_sections_is_episode_one() -> None:
    screenplay = structure([parse_fountain("FADE IN:\n\nINT. A - DAY\n\nHi.\n\n# Act Two\n\nEXT. B - NIGHT\n\nBye.")])
    assert screenplay.title == "Untitled"
    assert [(e.number, e.title, len(e.scenes)) for e in screenplay.episodes] == [(1, "", 2)]


def test_several_files_are_one_episode_each_and_numbering_continues() -> None:
    first = parse_fountain("Title: Pilot\n\nINT. A - DAY\n\nOne.", source="ep1.fountain")
    second = parse_fountain(
        "# Episode 2: Two\n\nINT. B - DAY\n\nTwo.\n\n# Episode 3\n\nINT. C - DAY\n\nThree.", source="ep2.fountain"
    )
    third = parse_fountain("EXT. D - NIGHT\n\nFour.", source="ep3.fountain")
    screenplay = structure([first, second, third])
    assert screenplay.title == "Pilot"
    assert screenplay.sources == ["ep1.fountain", "ep2.fountain", "ep3.fountain"]
    assert [(e.number, e.title, [s.id for s in e.scenes]) for e in screenplay.episodes] == [
        (1, "Pilot", ["E01-S001"]),
        (2, "Two", ["E02-S001"]),
        (3, "", ["E03-S001"]),
        (4, "", ["E04-S001"]),
    ]


def test_a_cold_open_before_the_first_episode_section_joins_that_episode() -> None:
    screenplay = structure([parse_fountain("INT. A - DAY\n\nTeaser.\n\n# Episode 1\n\nINT. B - DAY\n\nMain.")])
    assert [[s.location_id for s in e.scenes] for e in screenplay.episodes] == [["a", "b"]]


def test_episode_numbers_must_increase() -> None:
    first = parse_fountain("# Episode 1\n\nINT. A - DAY\n\nOne.", source="a.fountain")
    again = parse_fountain("# Episode 1\n\nINT. B - DAY\n\nTwo.", source="b.fountain")
    with pytest.raises(ScriptError, match=r"b.fountain: line 1: episode 1 comes after episode 1; episode numbers"):
        structure([first, again])


def test_an_episode_without_scenes_is_an_error() -> None:
    parsed = parse_fountain("# Episode 1\n\nINT. A - DAY\n\nOne.\n\n# Episode 2\n\nTo be written.", source="s.fountain")
    with pytest.raises(ScriptError, match=r"s.fountain: line 7: episode 2 has no scene"):
        structure([parsed])


def test_nothing_to_structure() -> None:
    with pytest.raises(ScriptError, match="no script given"):
        structure([])


@pytest.mark.parametrize(
    ("heading", "parts"),
    [
        ("INT. ROOFTOP BAR - NIGHT", ("INT", "ROOFTOP BAR", "NIGHT")),
        ("EXT. PIER -- DAWN", ("EXT", "PIER", "DAWN")),
        ("INT./EXT. CAR - MOVING - DAY", ("INT/EXT", "CAR", "DAY")),
        ("I/E VAN - NIGHT (RAIN)", ("INT/EXT", "VAN", "NIGHT")),
        ("EST. CITY SKYLINE — SUNSET", ("EXT", "CITY SKYLINE", "SUNSET")),
        ("INT. HOUSE - KITCHEN - LATE NIGHT", ("INT", "HOUSE - KITCHEN", "LATE NIGHT")),
        ("EXT. MARY-JANE'S YARD", ("EXT", "MARY-JANE'S YARD", "")),
        ("SNIPER SCOPE POV", ("", "SNIPER SCOPE POV", "")),
    ],
)
def test_read_heading(heading: str, parts: tuple[str, str, str]) -> None:
    result = read_heading(heading)
    assert (result.int_ext, result.location, result.time_of_day) == parts


def test_episode_marker_and_character_id() -> None:
    assert episode_marker("Episode 2: The Ring") == (2, "The Ring")
    assert episode_marker("EPISODE 10 - Finale") == (10, "Finale")
    assert episode_marker("episode3") == (3, "")
    assert episode_marker("Act One") is None
    assert character_id("LIN (V.O.) (CONT'D)") == "lin"
    assert character_id("DR. WU") == "dr-wu"
