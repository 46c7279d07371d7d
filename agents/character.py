"""The Character agent: keeper of the bibles, the memory that stateless video models lack.

Rules policy: list the characters and locations with ``extract_characters``, build a bible for each with
``build_character_bible`` and ``build_scene_bible`` (stored in Chroma as well as on the storyboard); after a
clustered failure, tighten the entries at fault with ``edit_bible``: explicit colour words, no hedges, the exact
age, one stated colour temperature, a steadier camera after motion artifacts. Nothing is invented: what the
script left to a default stays a default. With the LLM policy the model builds the bibles through the same
tools, and anything it leaves unbuilt is built by the rules.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from agents.base import Agent
from domain.bibles import Bibles
from domain.decisions import AgentName
from domain.screenplay import Screenplay
from tools.bible_extraction import tighten_character, tighten_location
from tools.character import EditBibleResult, ExtractCharactersResult
from tools.shot_planning import storyboard_skeleton


class BiblesBuilt(BaseModel):
    """The answer of the build task: the ids that have a bible."""

    characters: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)


class CharacterAgent(Agent):
    name: ClassVar[AgentName] = "character"
    tools: ClassVar[tuple[str, ...]] = (
        "extract_characters",
        "build_character_bible",
        "build_scene_bible",
        "edit_bible",
        "search_bibles",
    )
    prompt: ClassVar[str] = "character.yaml"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.last_changes: list[str] = []

    def build_bibles(self, screenplay: Screenplay) -> Bibles:
        """A bible for every character and location of ``screenplay``, stored in Chroma and on the storyboard."""
        project = self.ctx.project
        project.storyboard = storyboard_skeleton(screenplay, keep=project.storyboard)
        found: ExtractCharactersResult = self.call(
            "extract_characters", {}, reason="every speaker and every named character introduced in the action"
        )
        wanted = BiblesBuilt(characters=[c.character_id for c in found.characters], locations=list(found.locations))
        self.decide(
            "build_bibles",
            {"characters": [c.model_dump() for c in found.characters], "locations": found.locations},
            BiblesBuilt,
            lambda: self._build(wanted),
        )
        bibles = project.storyboard.bibles
        missing = BiblesBuilt(
            characters=[c for c in wanted.characters if c not in bibles.characters],
            locations=[loc for loc in wanted.locations if loc not in bibles.locations],
        )
        if missing.characters or missing.locations:
            self._build(missing)
        return project.storyboard.bibles

    def _build(self, wanted: BiblesBuilt) -> BiblesBuilt:
        for character_id in wanted.characters:
            self.call(
                "build_character_bible",
                {"character_id": character_id},
                reason="looks, wardrobe per scene, voice and emotional range from the script",
                subject=character_id,
            )
        for location_id in wanted.locations:
            self.call(
                "build_scene_bible",
                {"location_id": location_id},
                reason="lighting palette, colour temperature and camera style from headings and action",
                subject=location_id,
            )
        return wanted

    def fix_entries(self, character_ids: list[str], location_ids: list[str], reasons: list[str]) -> Bibles:
        """Tighten the bible entries blamed for clustered failures; ``last_changes`` says what changed."""
        bibles = self.ctx.project.storyboard.bibles
        why = ", ".join(reasons) or "clustered failures"
        self.last_changes = []
        for character_id in character_ids:
            character = bibles.characters.get(character_id)
            if character is None:
                continue
            for edit in tighten_character(character, reasons):
                self._edit("character", character_id, edit.field, edit.value, edit.from_scene, f"{why}: {edit.why}")
            if any(d.startswith(("appearance", "wardrobe")) for d in bibles.characters[character_id].defaults):
                self.last_changes.append(
                    f"{character_id}: {', '.join(bibles.characters[character_id].defaults)} still default "
                    "(the script does not say); set them with edit_bible to hold the look"
                )
        for location_id in location_ids:
            location = bibles.locations.get(location_id)
            if location is None:
                continue
            for edit in tighten_location(location, reasons):
                self._edit("location", location_id, edit.field, edit.value, edit.from_scene, f"{why}: {edit.why}")
        return self.ctx.project.storyboard.bibles

    def _edit(self, kind: str, bible_id: str, field: str, value: str, from_scene: str | None, reason: str) -> None:
        result: EditBibleResult = self.call(
            "edit_bible",
            {"kind": kind, "id": bible_id, "field": field, "value": value, "from_scene": from_scene},
            reason=reason,
            subject=bible_id,
        )
        self.last_changes.append(result.change)
