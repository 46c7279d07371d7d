"""The bibles: what stays true about a character or a place across every shot.

Video models remember nothing between calls; these records are the memory, appended to every prompt.
A field the script did not give is filled with a sensible default and its name listed in ``defaults``,
so a producer can see at a glance what was invented and what was written.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Appearance(BaseModel):
    face: str = ""
    hair: str = ""
    build: str = ""
    age_range: str = ""
    skin_tone: str = ""
    distinguishing: list[str] = Field(default_factory=list)


class Outfit(BaseModel):
    """What a character wears from ``from_scene`` on, until a later entry replaces it."""

    from_scene: str = Field(description="scene id where this outfit starts, e.g. 'E01-S001'")
    description: str
    colors: list[str] = Field(default_factory=list, description="colour names, main garment first")
    source: Literal["script", "default", "director"] = "script"


class VoiceProfile(BaseModel):
    gender: Literal["female", "male", "neutral"] = "neutral"
    age_range: str = ""
    pitch: int = Field(default=50, ge=0, le=99, description="0 low .. 99 high")
    rate_wpm: int = Field(default=165, ge=80, le=400)
    style: str = ""
    accent: str = "en-us"


class ReferenceFrame(BaseModel):
    """An approved frame locked as the look to hold a character or a location to."""

    path: str
    shot_id: str
    embedding_id: str = ""


class CharacterBible(BaseModel):
    character_id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(default="", description="the script's introduction of the character")
    appearance: Appearance = Field(default_factory=Appearance)
    wardrobe: list[Outfit] = Field(default_factory=list)
    voice_profile: VoiceProfile = Field(default_factory=VoiceProfile)
    emotional_range: list[str] = Field(default_factory=list)
    reference_frames: list[ReferenceFrame] = Field(default_factory=list)
    speaking: bool = True
    scenes: list[str] = Field(default_factory=list)
    defaults: list[str] = Field(default_factory=list, description="fields filled by default, not from the script")

    def outfit_for(self, scene: str) -> Outfit | None:
        """The outfit worn in ``scene``: the last entry that starts at or before it."""
        current = None
        for outfit in sorted(self.wardrobe, key=lambda o: o.from_scene):
            if outfit.from_scene <= scene:
                current = outfit
        return current or (self.wardrobe[0] if self.wardrobe else None)


class LightingVariant(BaseModel):
    """A location's light at a time of day other than its main one.

    A kitchen at night and the same kitchen in the morning are lit differently: one light per location would
    render the morning as night and hold it to the night's colour temperature. The place, its description and
    its camera style stay the location's; only the light changes with the hour.
    """

    time_of_day: str = Field(description="as the scene headings say, e.g. 'DAY'")
    lighting_palette: str = ""
    color_temperature_k: int = Field(default=5600, ge=1500, le=12000)
    key_colors: list[str] = Field(default_factory=list)
    scenes: list[str] = Field(default_factory=list, description="the scenes at this location lit this way")


LIGHTING_FIELDS = ("time_of_day", "lighting_palette", "color_temperature_k", "key_colors")
"""The fields of a location's light: what a ``LightingVariant`` holds for its scenes."""


def scene_of_shot(shot_id: str) -> str:
    """The scene id of a shot id ('E01-S003-SH02' -> 'E01-S003'); ids are built in ``domain.screenplay``."""
    return "-".join(shot_id.split("-")[:2])


class SceneBible(BaseModel):
    """A location's look: its light and how the camera treats it.

    The light fields are the location's main light (its most frequent time of day); scenes set at another time
    of day are lit by one of ``lighting_variants``. ``for_scene`` gives the location as lit in one scene, which
    is what every shot is drawn and judged against.
    """

    location_id: str
    name: str
    int_ext: str = ""
    time_of_day: str = ""
    description: str = ""
    lighting_palette: str = ""
    color_temperature_k: int = Field(default=5600, ge=1500, le=12000)
    key_colors: list[str] = Field(default_factory=list)
    camera_style: str = ""
    approved_frames: list[ReferenceFrame] = Field(default_factory=list)
    scenes: list[str] = Field(default_factory=list)
    defaults: list[str] = Field(default_factory=list)
    lighting_variants: list[LightingVariant] = Field(
        default_factory=list,
        description="the light at each other time of day the script sets scenes here; the fields above light the rest",
    )

    def variant_for(self, scene: str) -> LightingVariant | None:
        """The lighting variant of ``scene``; None when the scene has the main light."""
        return next((v for v in self.lighting_variants if scene in v.scenes), None)

    def for_scene(self, scene: str) -> SceneBible:
        """This location as it is lit in ``scene``: the light of that scene's time of day, and only the approved
        frames of scenes lit the same way (a night frame is no evidence of what the morning looks like).

        Returns ``self`` when the location has one light, so callers that hold on to it keep editing the bible.
        """
        if not self.lighting_variants:
            return self
        variant = self.variant_for(scene)
        frames = [f for f in self.approved_frames if self.variant_for(scene_of_shot(f.shot_id)) is variant]
        update: dict[str, object] = {"approved_frames": frames}
        if variant is not None:
            update |= {
                "time_of_day": variant.time_of_day,
                "lighting_palette": variant.lighting_palette,
                "color_temperature_k": variant.color_temperature_k,
                "key_colors": list(variant.key_colors),
            }
        return self.model_copy(update=update)


class Bibles(BaseModel):
    characters: dict[str, CharacterBible] = Field(default_factory=dict)
    locations: dict[str, SceneBible] = Field(default_factory=dict)
