"""Bible extraction from the bundled example: who is there, how they look, sound and dress, and how places are lit."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.bibles import Bibles
from domain.loader import load_script
from domain.screenplay import Beat, Episode, Scene, Screenplay
from tools import bible_extraction as bx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neon-vows" / "neon-vows.fountain"


@pytest.fixture(scope="module")
def screenplay() -> Screenplay:
    return load_script(EXAMPLE)


@pytest.fixture(scope="module")
def bibles(screenplay: Screenplay) -> Bibles:
    return bx.extract_bibles(screenplay)


def test_every_named_character_is_found_and_none_invented(screenplay: Screenplay) -> None:
    entries = {e.character_id: e for e in bx.find_characters(bx.ScriptIndex(screenplay))}
    assert set(entries) == {"lin", "kai", "juno", "maya", "hale", "tess", "dex", "ross"}
    assert not entries["tess"].speaking and entries["tess"].age == "35"
    assert all(e.speaking for cid, e in entries.items() if cid != "tess")
    assert entries["hale"].name == "Victor Hale" and "Hale" in entries["hale"].aliases
    assert entries["ross"].name == "Detective Ross" and entries["ross"].aliases == ["Ross"]
    assert entries["lin"].first_scene == "E01-S001" and entries["lin"].intro.startswith("LIN (28), sharp-eyed")
    assert entries["maya"].first_scene == "E01-S002"  # heard on the phone before she is introduced in E02-S001
    assert "E02-S001" not in entries["hale"].scenes  # Hale appears only in a photo in the server room


def test_age_and_looks_are_read_from_the_introduction(bibles: Bibles) -> None:
    lin = bibles.characters["lin"]
    assert lin.appearance.age_range == "late 20s"
    assert lin.appearance.hair == "sleek black bob"
    assert lin.appearance.face == "sharp-eyed"
    kai = bibles.characters["kai"].appearance
    assert kai.build == "tall, broad-shouldered" and "light stubble" in kai.face
    assert bibles.characters["juno"].appearance.distinguishing == ["gold hoop earrings"]
    assert bibles.characters["hale"].appearance.hair == "silver hair slicked back"
    assert bibles.characters["hale"].appearance.age_range == "late 50s"
    assert lin.description.startswith("LIN (28)")


def test_wardrobe_per_scene_with_changes(bibles: Bibles) -> None:
    lin = bibles.characters["lin"]
    assert [o.from_scene for o in lin.wardrobe] == ["E01-S001", "E02-S001", "E02-S005"]
    first, second, _ = lin.wardrobe
    assert first.description == "charcoal trench coat over a white silk blouse"
    assert first.colors == ["charcoal", "white"]
    assert second.description == "black turtleneck and grey cargo pants" and second.colors == ["black", "grey"]
    assert lin.outfit_for("E01-S004") == first
    assert lin.outfit_for("E02-S002") == second
    kai = bibles.characters["kai"]
    assert [(o.from_scene, o.colors[0]) for o in kai.wardrobe] == [("E01-S001", "navy"), ("E02-S003", "grey")]
    assert all(o.source == "script" for o in lin.wardrobe)


def test_gender_from_pronouns_and_voice_from_gender_and_age(bibles: Bibles) -> None:
    genders = {cid: b.voice_profile.gender for cid, b in bibles.characters.items()}
    assert genders == {
        "lin": "female",
        "maya": "female",
        "juno": "female",
        "tess": "female",
        "kai": "male",
        "dex": "male",
        "ross": "male",
        "hale": "male",
    }
    lin, hale = bibles.characters["lin"].voice_profile, bibles.characters["hale"].voice_profile
    assert lin.pitch > hale.pitch and lin.rate_wpm > hale.rate_wpm
    assert "tearful" in lin.style  # from her (laughing, tearful) line
    assert bibles.characters["maya"].emotional_range[0] == "fear"


def test_missing_facts_are_defaults_and_listed(bibles: Bibles) -> None:
    lin = bibles.characters["lin"]
    assert "appearance.build" in lin.defaults and lin.appearance.build == "average build"
    assert "appearance.hair" not in lin.defaults
    tess = bibles.characters["tess"]
    assert tess.emotional_range == ["neutral"] and "emotional_range" in tess.defaults


def test_scene_bibles_light_and_camera(bibles: Bibles) -> None:
    promenade = bibles.locations["riverside-promenade"]
    assert promenade.lighting_palette.startswith("golden hour, warm 3200K, soft shadows")
    assert promenade.color_temperature_k == 3200 and promenade.time_of_day == "SUNSET"
    server = bibles.locations["hale-dynamics-server-room"]
    assert server.color_temperature_k == 6500 and "cold blue" in server.lighting_palette
    rooftop = bibles.locations["rooftop-bar"]
    assert rooftop.camera_style == "handheld, 24mm equivalent, low angles"
    assert {"magenta", "cyan"} <= set(rooftop.key_colors)
    assert rooftop.scenes == ["E01-S001", "E02-S004"]
    office = bibles.locations["hale-dynamics-executive-office"]
    assert office.int_ext == "INT" and "fluorescent" in office.lighting_palette
    assert "camera_style" in office.defaults  # nothing tense or romantic there: the plain default style
    assert bibles.locations["market-street"].lighting_palette.count("neon") == 0  # a neon-green hoodie is no neon light


def test_a_location_the_script_says_little_about_gets_listed_defaults() -> None:
    scene = Scene(id="E01-S001", episode=1, number=1, heading="ROOM", location_id="room", location_name="ROOM")
    scene.beats = [Beat(index=0, kind="action", text="A room.")]
    bible = bx.scene_bible(bx.ScriptIndex(Screenplay(episodes=[Episode(number=1, scenes=[scene])])), "room")
    assert {"int_ext", "time_of_day", "lighting_palette"} <= set(bible.defaults)
    assert bible.int_ext == "INT" and bible.time_of_day == "DAY" and bible.color_temperature_k == 5200


def test_wardrobe_note_from_an_episode_on(bibles: Bibles, screenplay: Screenplay) -> None:
    ids = [s.id for s in screenplay.scenes()]
    ross = bibles.characters["ross"]
    edited, change = bx.edit_character(ross, "wardrobe", "jacket red from episode 2", scene_ids=ids)
    assert [o.from_scene for o in edited.wardrobe] == ["E01-S004", "E02-S001"]
    new = edited.wardrobe[1]
    assert new.description == "worn red leather jacket" and new.colors == ["red"] and new.source == "director"
    assert edited.outfit_for("E01-S005").description == "worn brown leather jacket"
    assert edited.outfit_for("E02-S004") == new
    assert "from E02-S001" in change
    with pytest.raises(ValueError, match="no episode 9"):
        bx.edit_character(ross, "wardrobe", "red coat from episode 9", scene_ids=ids)
    with pytest.raises(ValueError, match="no editable field"):
        bx.edit_character(ross, "shoe_size", "44", scene_ids=ids)


def test_field_edits_clear_the_default_flag(bibles: Bibles) -> None:
    lin = bibles.characters["lin"]
    edited, _ = bx.edit_character(lin, "build", "slim", scene_ids=[])
    assert edited.appearance.build == "slim" and "appearance.build" not in edited.defaults
    louder, _ = bx.edit_character(lin, "pitch", "70", scene_ids=[])
    assert louder.voice_profile.pitch == 70
    with pytest.raises(ValueError, match="invalid"):
        bx.edit_character(lin, "pitch", "900", scene_ids=[])
    warm, _ = bx.edit_location(bibles.locations["rooftop-bar"], "lighting", "amber lanterns, warm 2800K")
    assert warm.color_temperature_k == 2800


def test_tightening_makes_wording_explicit_without_inventing(bibles: Bibles) -> None:
    edits = {e.field: e for e in bx.tighten_character(bibles.characters["lin"], ["character_drift"])}
    assert edits["appearance.age_range"].value == "28 years old, late 20s"
    assert edits["wardrobe"].value == "charcoal grey trench coat over a white silk blouse"
    assert "appearance.build" not in edits  # a default is not filled in by guesswork
    location_edits = {e.field: e for e in bx.tighten_location(bibles.locations["rooftop-bar"], ["lighting_drift"])}
    assert "constant 4100K" in location_edits["lighting_palette"].value
    motion = {e.field: e for e in bx.tighten_location(bibles.locations["rooftop-bar"], ["artifacts"])}
    assert "handheld" not in motion["camera_style"].value


@pytest.mark.parametrize(
    ("current", "note", "outfit"),
    [
        ("yellow raincoat", "raincoat red", "red raincoat"),  # the one garment worn: a colour note, not a new outfit
        ("charcoal trench coat over a white blouse", "coat red", "red trench coat over a white blouse"),
        ("black suit", "suit navy", "navy suit"),
        ("yellow raincoat", "red raincoat and black boots", "red raincoat and black boots"),  # a whole new outfit
        ("grey wool coat", "grey wool coat with a red scarf", "grey wool coat with a red scarf"),
    ],
)
def test_a_wardrobe_note_recolours_the_garment_it_names(current: str, note: str, outfit: str) -> None:
    assert bx.wardrobe_description(current, note) == outfit
