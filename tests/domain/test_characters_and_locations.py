"""Character and Location: the script's people and places as typed domain records."""

from __future__ import annotations

from pathlib import Path

from domain.loader import load_script
from domain.screenplay import Location

TWO_NIGHTS = Path(__file__).resolve().parents[1] / "fixtures" / "scripts" / "two-nights.fountain"


def test_a_location_gathers_its_scenes_and_its_times_of_day() -> None:
    screenplay = load_script(TWO_NIGHTS)
    places = {place.location_id: place for place in screenplay.locations()}
    kitchen = places["kitchen"]
    assert isinstance(kitchen, Location)
    kitchen_scenes = [s.id for s in screenplay.scenes() if s.location_id == "kitchen"]
    assert kitchen.scenes == kitchen_scenes and len(kitchen_scenes) >= 2
    assert kitchen.times_of_day[:2] == ["NIGHT", "DAY"] and kitchen.int_ext == ["INT"]
    assert list(places) == list(dict.fromkeys(s.location_id for s in screenplay.scenes()))  # first appearance


def test_characters_come_back_as_domain_records_from_the_character_tool(tmp_path: Path) -> None:
    from domain.screenplay import Character
    from domain.settings import Config
    from tools.context import ToolContext
    from tools.registry import ToolCaller

    ctx = ToolContext.create(Config(), tmp_path / "out", read_grants=[TWO_NIGHTS])
    ToolCaller(ctx, "script", ["parse_script"]).call("parse_script", {"paths": [str(TWO_NIGHTS)]})
    found = ToolCaller(ctx, "character", ["extract_characters"]).call("extract_characters", {})
    assert found.characters and all(isinstance(c, Character) for c in found.characters)  # type: ignore[attr-defined]
    assert {c.character_id for c in found.characters} >= {"maya", "ben"}  # type: ignore[attr-defined]
