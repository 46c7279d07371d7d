"""A shot: the unit the storyboard plans, the router routes, a model generates and the gates judge."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from domain.screenplay import DialogueLine


class ShotType(StrEnum):
    """Framing, widest last: ECU is an eye, ELS a city."""

    ECU = "ECU"
    CU = "CU"
    MCU = "MCU"
    MS = "MS"
    MLS = "MLS"
    LS = "LS"
    ELS = "ELS"
    OTS = "OTS"
    POV = "POV"
    INSERT = "INSERT"


class CameraAngle(StrEnum):
    EYE_LEVEL = "eye-level"
    HIGH = "high"
    LOW = "low"
    OVERHEAD = "overhead"
    DUTCH = "dutch"


class Movement(StrEnum):
    STATIC = "static"
    PAN = "pan"
    TILT = "tilt"
    PUSH_IN = "push-in"
    PULL_OUT = "pull-out"
    DOLLY = "dolly"
    TRACKING = "tracking"
    HANDHELD = "handheld"
    CRANE = "crane"


class Shot(BaseModel):
    """One planned shot. ``id`` is stable (``E01-S007-SH03``) so caches, reviews and chat edits can name it."""

    id: str
    episode: int
    scene_id: str
    index: int = Field(description="1-based position in its scene")
    location_id: str
    shot_type: ShotType
    camera_angle: CameraAngle = CameraAngle.EYE_LEVEL
    lens_mm: int = Field(default=35, ge=8, le=300)
    movement: Movement = Movement.STATIC
    lighting: str = ""
    duration_s: float = Field(default=3.0, gt=0, le=60)
    characters: list[str] = Field(default_factory=list, description="character ids in frame")
    dialogue: list[DialogueLine] = Field(default_factory=list)
    emotional_intensity: float = Field(default=0.0, ge=0.0, le=1.0)
    has_physics_elements: bool = False
    physics_elements: list[str] = Field(default_factory=list, description="e.g. water, fight, crowd")
    cinematic_priority: bool = False
    description: str = ""
    props: list[str] = Field(default_factory=list)
    beat_indices: list[int] = Field(default_factory=list, description="which scene beats this shot covers")
    model_override: str | None = Field(default=None, description="a model id the user pinned for this shot")
    revision: int = Field(default=0, description="bumped when the storyboard for its scene is redone")
    take: int = Field(default=0, ge=0, description="bumped by a director's 'regenerate' note: a new take, a new seed")
