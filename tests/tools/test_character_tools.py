"""The Character agent's five tools through the registry, with the bibles in a real embedded Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import ToolError
from domain.settings import Config
from tools.character import bible_store
from tools.context import ToolContext
from tools.registry import ToolCaller, tools_of

CHARACTER_TOOLS = ["extract_characters", "build_character_bible", "build_scene_bible", "edit_bible", "search_bibles"]


@pytest.fixture
def caller(tmp_path: Path, example_dir: Path) -> ToolCaller:
    ctx = ToolContext.create(Config(), tmp_path / "out", read_grants=[example_dir])
    ToolCaller(ctx, "script", ["parse_script", "plan_shots"]).call("parse_script", {"paths": [str(example_dir)]})
    return ToolCaller(ctx, "character", CHARACTER_TOOLS)


def test_the_character_agent_owns_exactly_its_five_tools() -> None:
    assert [spec.name for spec in tools_of("character")] == CHARACTER_TOOLS


def test_extract_then_build_every_bible_and_search_by_meaning(caller: ToolCaller) -> None:
    found = caller.call("extract_characters", {})
    ids = [c.character_id for c in found.characters]
    assert set(ids) == {"lin", "kai", "juno", "maya", "hale", "tess", "dex", "ross"}
    speaking = caller.call("extract_characters", {"include_non_speaking": False})
    assert "tess" not in [c.character_id for c in speaking.characters]
    for character_id in ids:
        caller.call("build_character_bible", {"character_id": character_id})
    for location_id in found.locations:
        caller.call("build_scene_bible", {"location_id": location_id})
    bibles = caller.ctx.project.storyboard.bibles
    assert set(bibles.characters) == set(ids) and len(bibles.locations) == 9
    assert bible_store(caller.ctx).count() == 17

    hits = caller.call("search_bibles", {"query": "the location with warm evening light"}).hits
    assert hits[0].id == "riverside-promenade" and hits[0].kind == "location"
    people = caller.call("search_bibles", {"query": "the woman with curly red hair", "kind": "character"}).hits
    assert people[0].id == "maya"


def test_build_refuses_names_the_script_does_not_have(caller: ToolCaller) -> None:
    with pytest.raises(ToolError, match="no character 'zed'"):
        caller.call("build_character_bible", {"character_id": "zed"})
    with pytest.raises(ToolError, match="no location 'moon'"):
        caller.call("build_scene_bible", {"location_id": "moon"})


def test_edit_bible_wardrobe_note_and_location_light(caller: ToolCaller) -> None:
    caller.call("build_character_bible", {"character_id": "ross"})
    result = caller.call(
        "edit_bible", {"kind": "character", "id": "ross", "field": "wardrobe", "value": "jacket red from episode 2"}
    )
    outfit = result.character.outfit_for("E02-S004")
    assert outfit.from_scene == "E02-S001" and outfit.colors == ["red"]
    assert bible_store(caller.ctx).get_character("ross") == result.character

    caller.call("build_scene_bible", {"location_id": "rooftop-bar"})
    planner = ToolCaller(caller.ctx, "script", ["plan_shots"])
    planner.call("plan_shots", {"scene_id": "E01-S001"})
    lit = caller.call(
        "edit_bible",
        {"kind": "location", "id": "rooftop-bar", "field": "lighting_palette", "value": "amber string lights, 2700K"},
    )
    assert lit.location.color_temperature_k == 2700 and lit.shots_updated > 0
    assert all("2700K" in s.lighting for s in caller.ctx.project.storyboard.scene_board("E01-S001").shots)
    with pytest.raises(ToolError, match="no editable field"):
        caller.call("edit_bible", {"kind": "location", "id": "rooftop-bar", "field": "smell", "value": "rain"})
    with pytest.raises(ToolError, match="no character bible 'zed'"):
        caller.call("edit_bible", {"kind": "character", "id": "zed", "field": "hair", "value": "red"})


def test_edit_bible_takes_several_changes_at_once(caller: ToolCaller) -> None:
    """The chat's shape: a whole wardrobe computed from a scoped note, and plain fields alongside."""
    caller.call("build_character_bible", {"character_id": "lin"})
    wardrobe = [
        {"from_scene": "E01-S001", "description": "charcoal trench coat over a white silk blouse"},
        {"from_scene": "E02-S001", "description": "red trench coat", "colors": ["red"]},
    ]
    result = caller.call(
        "edit_bible", {"kind": "character", "id": "lin", "changes": {"wardrobe": wardrobe, "build": "slim"}}
    )
    lin = result.character
    assert [o.from_scene for o in lin.wardrobe] == ["E01-S001", "E02-S001"]
    assert lin.wardrobe[0].colors == ["charcoal", "white"] and lin.appearance.build == "slim"
    assert "wardrobe" not in lin.defaults and "appearance.build" not in lin.defaults
    with pytest.raises(ToolError, match="invalid arguments"):
        caller.call("edit_bible", {"kind": "character", "id": "lin"})
    with pytest.raises(ToolError, match="no scene E09-S001"):
        bad = [{"from_scene": "E09-S001", "description": "a cape"}]
        caller.call("edit_bible", {"kind": "character", "id": "lin", "changes": {"wardrobe": bad}})


def test_search_indexes_bibles_built_elsewhere(caller: ToolCaller) -> None:
    caller.call("build_scene_bible", {"location_id": "harbour-pier", "store": False})
    assert bible_store(caller.ctx).count() == 0
    hits = caller.call("search_bibles", {"query": "dawn by the water", "kind": "location"}).hits
    assert hits[0].id == "harbour-pier"
