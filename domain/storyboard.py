"""The storyboard: episodes → scenes → shots, with the bibles the shots are drawn against."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.bibles import Bibles, SceneBible
from domain.production import CharacterLook, ShotContext
from domain.screenplay import Scene
from domain.shot import Shot


class SceneBoard(BaseModel):
    scene: Scene
    shots: list[Shot] = Field(default_factory=list)
    revision: int = Field(default=0, description="how many times this scene's storyboard was redone")


class EpisodeBoard(BaseModel):
    number: int
    title: str = ""
    scenes: list[SceneBoard] = Field(default_factory=list)

    def shots(self) -> list[Shot]:
        return [shot for board in self.scenes for shot in board.shots]


class Storyboard(BaseModel):
    title: str = "Untitled"
    episodes: list[EpisodeBoard] = Field(default_factory=list)
    bibles: Bibles = Field(default_factory=Bibles)

    def shots(self) -> list[Shot]:
        """Every shot in script order."""
        return [shot for episode in self.episodes for shot in episode.shots()]

    def shot(self, shot_id: str) -> Shot:
        for shot in self.shots():
            if shot.id == shot_id:
                return shot
        raise KeyError(f"no shot {shot_id!r} in the storyboard")

    def scene_board(self, scene_id: str) -> SceneBoard:
        for episode in self.episodes:
            for board in episode.scenes:
                if board.scene.id == scene_id:
                    return board
        raise KeyError(f"no scene {scene_id!r} in the storyboard")

    def episode(self, number: int) -> EpisodeBoard:
        for episode in self.episodes:
            if episode.number == number:
                return episode
        raise KeyError(f"no episode {number} in the storyboard")

    def context_for(self, shot: Shot) -> ShotContext:
        """The bible slice one shot needs: its characters' looks in this scene, and its location as lit in this
        scene (the light of the scene's time of day), so prompts, renderers and gates all see the same light."""
        looks = []
        for character_id in shot.characters:
            bible = self.bibles.characters.get(character_id)
            if bible is None:
                looks.append(CharacterLook(character_id=character_id, name=character_id.upper()))
                continue
            looks.append(
                CharacterLook(
                    character_id=character_id,
                    name=bible.name,
                    appearance=bible.appearance,
                    outfit=bible.outfit_for(shot.scene_id),
                )
            )
        place = self.bibles.locations.get(shot.location_id)
        location = (
            place.for_scene(shot.scene_id)
            if place is not None
            else SceneBible(location_id=shot.location_id, name=shot.location_id.replace("-", " ").title())
        )
        return ShotContext(characters=looks, location=location)
