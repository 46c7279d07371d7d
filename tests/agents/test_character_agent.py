"""The Character agent's rules policy: bibles for everyone (stored in Chroma), and tightening after failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.character import CharacterAgent
from backends.bible_store import BibleStore
from backends.chroma import open_client
from domain.errors import ToolNotAllowed
from domain.loader import load_script
from domain.screenplay import Screenplay
from domain.settings import Config
from tools.context import ToolContext


@pytest.fixture(scope="module")
def screenplay(example_dir_module: Path) -> Screenplay:
    return load_script(example_dir_module)


@pytest.fixture(scope="module")
def example_dir_module() -> Path:
    return Path(__file__).resolve().parents[2] / "examples" / "neon-vows"


def test_build_bibles_for_every_character_and_location_and_store_them(tmp_path: Path, screenplay: Screenplay) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    bibles = CharacterAgent(ctx).build_bibles(screenplay)
    assert len(bibles.characters) == 8 and len(bibles.locations) == 9
    assert bibles is ctx.project.storyboard.bibles
    built = [d.subject for d in ctx.decisions.memory if d.tool == "build_character_bible"]
    assert sorted(built) == sorted(bibles.characters)
    stored = BibleStore(open_client(ctx.config.store, ctx.out)).all()  # a second client on the same folder
    assert stored == bibles


def test_fix_entries_tightens_and_records_what_changed(tmp_path: Path, screenplay: Screenplay) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    agent = CharacterAgent(ctx)
    agent.build_bibles(screenplay)
    bibles = agent.fix_entries(["lin", "nobody"], ["rooftop-bar"], ["character_drift", "lighting_drift"])
    lin = bibles.characters["lin"]
    assert lin.wardrobe[0].description == "charcoal grey trench coat over a white silk blouse"
    assert lin.wardrobe[0].source == "script"  # same outfit, clearer words
    assert lin.appearance.age_range == "28 years old, late 20s"
    assert "constant 4100K key light" in bibles.locations["rooftop-bar"].lighting_palette
    assert any("charcoal grey" in change for change in agent.last_changes)
    assert any("still default" in change for change in agent.last_changes)
    edits = [d for d in ctx.decisions.memory if d.tool == "edit_bible"]
    assert {d.subject for d in edits} == {"lin", "rooftop-bar"}
    assert all("character_drift" in d.reason for d in edits)


def test_the_character_agent_cannot_plan_shots(tmp_path: Path) -> None:
    agent = CharacterAgent(ToolContext.create(Config(), tmp_path))
    with pytest.raises(ToolNotAllowed):
        agent.call("plan_shots", {"scene_id": "E01-S001"})
