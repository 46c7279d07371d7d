"""Bible extraction regressions, through the storyboard runner and the public extraction functions:

- a location keeps one light per time of day (a kitchen at night and in the morning are lit differently), and
  the prompt, the previz renderer and the lighting gate all see the light of the shot's own scene;
- a location's description is not a character's introduction;
- 'her' as an object ('holds the key out to her.') does not make the sentence's subject female.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backends.previz.lighting import set_light
from domain.bibles import SceneBible
from domain.loader import load_script
from domain.screenplay import Beat, DialogueLine, Episode, Scene, Screenplay
from domain.settings import Config
from domain.shot import Shot
from domain.storyboard import Storyboard
from reelcrew import runner
from tools import bible_extraction as bx
from tools.character import EditBibleArgs, edit_bible
from tools.context import ToolContext
from tools.continuity import (
    ColorGradeArgs,
    EmbedFramesArgs,
    LightingCheckArgs,
    SampleFramesArgs,
    check_lighting,
    correct_color_grade,
    embed_frames,
    sample_frames,
)
from tools.gates.synthetic import Figure, Set, write_figure_clip
from tools.gates.synthetic import Scene as Shown
from tools.prompt_composer import compose

TWO_NIGHTS = Path(__file__).resolve().parents[1] / "fixtures" / "scripts" / "two-nights.fountain"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("two-nights")


@pytest.fixture(scope="module")
def board(out: Path) -> Storyboard:
    return runner.storyboard(TWO_NIGHTS, out)


def scene_shots(board: Storyboard, scene_id: str) -> list[Shot]:
    return board.scene_board(scene_id).shots


# --- 1. one light per time of day ------------------------------------------------------------------------------------


def test_the_morning_kitchen_is_lit_as_day_and_the_night_kitchen_as_night(board: Storyboard, out: Path) -> None:
    kitchen = board.bibles.locations["kitchen"]
    assert kitchen.time_of_day == "NIGHT" and kitchen.color_temperature_k == 3000
    assert [(v.time_of_day, v.scenes) for v in kitchen.lighting_variants] == [("DAY", ["E02-S001"])]
    stored = json.loads((out / "bibles" / "locations" / "kitchen.json").read_text())
    assert stored["lighting_variants"][0]["color_temperature_k"] == 5200  # one bible per location, both lights in it

    for shot in scene_shots(board, "E02-S001"):
        assert "5200K" in shot.lighting and "night" not in shot.lighting.lower()
        lit = board.context_for(shot).location
        assert (lit.time_of_day, lit.color_temperature_k) == ("DAY", 5200)
        prompt = compose(shot, board.context_for(shot), max_chars=4000)
        assert "Lighting: daylight" in prompt and "night" not in prompt.lower()
        light = set_light(lit)  # what the previz renderer draws
        assert light.period == "day" and light.kelvin == 5200
    for shot in scene_shots(board, "E01-S001"):
        assert "3000K" in shot.lighting
        light = set_light(board.context_for(shot).location)
        assert light.period == "night" and light.kelvin == 3000


def test_a_location_with_one_time_of_day_has_no_variants(board: Storyboard) -> None:
    rooftop = board.bibles.locations["rooftop"]
    assert rooftop.lighting_variants == []
    shot = scene_shots(board, "E01-S002")[0]
    assert board.context_for(shot).location is rooftop  # the bible itself, as before


def test_edits_and_tightening_reach_the_light_of_the_scene_they_name(board: Storyboard) -> None:
    kitchen = board.bibles.locations["kitchen"]
    cooler, change = bx.edit_location(kitchen, "lighting", "cold morning window light 6000K", from_scene="E02-S001")
    assert cooler.for_scene("E02-S001").color_temperature_k == 6000 and "day" in change
    assert cooler.for_scene("E01-S001").color_temperature_k == 3000  # the night is untouched
    warmer, _ = bx.edit_location(kitchen, "color_temperature_k", "2700")
    assert warmer.for_scene("E01-S001").color_temperature_k == 2700
    assert warmer.for_scene("E02-S001").color_temperature_k == 5200
    with pytest.raises(ValueError, match="not set at Kitchen"):
        bx.edit_location(kitchen, "lighting", "x 3000K", from_scene="E01-S002")
    edits = bx.tighten_location(kitchen, ["lighting_drift"])
    day = [e for e in edits if e.field == "lighting_palette" and e.from_scene == "E02-S001"]
    night = [e for e in edits if e.field == "lighting_palette" and e.from_scene is None]
    assert "constant 5200K" in day[0].value and "constant 3000K" in night[0].value


def test_editing_one_times_light_updates_only_its_shots(tmp_path: Path, board: Storyboard) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    ctx.project.storyboard = board.model_copy(deep=True)
    result = edit_bible(
        ctx,
        EditBibleArgs(
            kind="location", id="kitchen", field="lighting_palette", value="overcast 6200K", from_scene="E02-S001"
        ),
    )
    assert result.location is not None and result.location.color_temperature_k == 3000
    storyboard = ctx.project.storyboard
    assert all("6200K" in s.lighting for s in scene_shots(storyboard, "E02-S001"))
    assert all("3000K" in s.lighting for s in scene_shots(storyboard, "E01-S001"))


# the lighting gate: night frames are no evidence of the morning

MEI = Figure("mei")
NIGHT_SET = Set(kelvin=3000, wall=(0.55, 0.4, 0.25))
DAY_SET = Set(kelvin=5200)


def _frames(ctx: ToolContext, shown: Shown, name: str, shot_id: str) -> list[str]:
    clip = write_figure_clip(shown, ctx.out / "clips" / f"{name}.mp4")
    return [f.path for f in sample_frames(ctx, SampleFramesArgs(clip=str(clip), shot_id=shot_id)).frames]


def test_the_lighting_gate_compares_a_day_shot_only_with_day_frames(tmp_path: Path) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    ctx.project.storyboard.bibles.locations["kitchen"] = bx.scene_bible(
        bx.ScriptIndex(load_script(TWO_NIGHTS)), "kitchen"
    )
    night = _frames(ctx, Shown((MEI,), NIGHT_SET), "night", "E01-S001-SH01")
    embed_frames(ctx, EmbedFramesArgs(shot_id="E01-S001-SH01", frames=night, approved=True, location_id="kitchen"))

    day = _frames(ctx, Shown((MEI,), DAY_SET), "day", "E02-S001-SH01")
    args = LightingCheckArgs(shot_id="E02-S001-SH01", frames=day, location_id="kitchen")
    day_gate = check_lighting(ctx, args).gate
    assert day_gate.passed, day_gate.details  # held to the day's 5200 K, and not to the night's frames
    assert day_gate.details["target_k"] == 5200 and day_gate.details["similarity"] is None
    explicit = check_lighting(ctx, args.model_copy(update={"target_k": 5200})).gate  # as the agent calls it
    assert explicit.passed and explicit.details["similarity"] is None

    later = _frames(ctx, Shown((MEI,), NIGHT_SET), "night2", "E01-S001-SH02")
    night_gate = check_lighting(ctx, LightingCheckArgs(shot_id="E01-S001-SH02", frames=later, location_id="kitchen"))
    assert night_gate.gate.passed and night_gate.gate.details["similarity"] is not None  # night frames still count

    cold_day = write_figure_clip(Shown((MEI,), Set(kelvin=8000)), ctx.out / "clips" / "cold-day.mp4")
    grade = correct_color_grade(ctx, ColorGradeArgs(shot_id="E02-S001-SH02", clip=str(cold_day), location_id="kitchen"))
    assert grade.method == "white_balance" and grade.target_k == 5200  # not matched to the night's look

    kitchen = ctx.project.storyboard.bibles.locations["kitchen"]
    assert [f.shot_id for f in kitchen.for_scene("E01-S001").approved_frames] == ["E01-S001-SH01"]
    assert kitchen.for_scene("E02-S001").approved_frames == []  # no night frame is sent as the day's reference


def _one_scene(location: str, beats: list[Beat]) -> Screenplay:
    """A one-scene screenplay set in ``location`` by day, with ``beats``."""
    scene = Scene(
        id="E01-S001",
        episode=1,
        number=1,
        heading=f"INT. {location.upper()} - DAY",
        location_id=location,
        location_name=location.upper(),
        int_ext="INT",
        time_of_day="DAY",
        beats=beats,
    )
    return Screenplay(episodes=[Episode(number=1, scenes=[scene])])


# --- 2. the location's description -----------------------------------------------------------------------------------


def test_a_location_description_is_not_a_character_introduction(board: Storyboard) -> None:
    kitchen = board.bibles.locations["kitchen"].description
    assert kitchen and not bx.INTRO_PATTERN.search(kitchen) and "tired eyes" not in kitchen
    beats = [
        Beat(index=0, kind="action", text="TESS (35), severe ponytail, in a crisp white blouse, waits."),
        Beat(index=1, kind="action", text="JUN HAN (30s, tailored black suit) signs papers. Rain streaks the glass."),
        Beat(index=2, kind="action", text="Rows of empty desks under flat light."),
    ]
    bible = bx.scene_bible(bx.ScriptIndex(_one_scene("office", beats)), "office")
    assert bible.description == "Rain streaks the glass."


# --- 3. gender from pronouns ------------------------------------------------------------------------------------------


def test_her_as_an_object_does_not_make_ben_female(board: Storyboard, out: Path) -> None:
    assert board.bibles.characters["ben"].voice_profile.gender != "female"
    stored = json.loads((out / "bibles" / "characters" / "ben.json").read_text())
    assert stored["voice_profile"]["gender"] != "female"
    assert board.bibles.characters["maya"].voice_profile.gender == "female"


@pytest.mark.parametrize(
    "sentence",
    [
        "Ben holds the key out to her.",
        "Ben hands it to her, then leaves.",
        "Ben hugs her tight.",
        "Ben looks at her — and says nothing.",
        "Ben gives her the key.",
    ],
)
def test_an_object_her_never_votes_for_the_subject(sentence: str) -> None:
    beats = [
        Beat(index=0, kind="action", text=sentence),
        Beat(index=1, kind="dialogue", text="Take it.", dialogue=DialogueLine(character="ben", text="Take it.")),
    ]
    bible = bx.extract_bibles(_one_scene("room", beats)).characters["ben"]
    assert bible.voice_profile.gender == "neutral" and "voice_profile.gender" in bible.defaults


def test_a_possessive_her_still_counts() -> None:
    beats = [
        Beat(index=0, kind="action", text="Ana drops her keys on the table."),
        Beat(index=1, kind="dialogue", text="Home.", dialogue=DialogueLine(character="ana", text="Home.")),
    ]
    bibles = bx.extract_bibles(_one_scene("room", beats))
    assert bibles.characters["ana"].voice_profile.gender == "female"


def test_scene_bible_round_trips_with_its_variants(board: Storyboard) -> None:
    kitchen = board.bibles.locations["kitchen"]
    assert SceneBible.model_validate_json(kitchen.model_dump_json()) == kitchen
