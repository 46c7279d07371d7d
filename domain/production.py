"""What happens to a shot once it leaves the storyboard: the request, the clip, the gates, the verdict."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.bibles import Appearance, Outfit, SceneBible
from domain.shot import Shot


class CharacterLook(BaseModel):
    """The slice of a character bible a single shot needs."""

    character_id: str
    name: str
    appearance: Appearance = Field(default_factory=Appearance)
    outfit: Outfit | None = None


class ShotContext(BaseModel):
    """The bible entries relevant to one shot; prompts and the previz renderer draw only from this."""

    characters: list[CharacterLook] = Field(default_factory=list)
    location: SceneBible


class GenerationRequest(BaseModel):
    """One call to a video model. Its cache key is (model, prompt, references, seed, parameters)."""

    shot: Shot
    context: ShotContext
    model: str = Field(description="catalog model id, e.g. 'seedance-2.0-fast'")
    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    attempt: int = 1
    duration_s: float
    aspect_ratio: str = "9:16"
    resolution: str = "720p"
    width: int = 720
    height: int = 1280
    reference_frames: list[str] = Field(default_factory=list, description="paths of approved frames sent as images")

    def params(self) -> dict[str, Any]:
        """The parameters that change the output, for the cache key."""
        return {
            "duration_s": self.duration_s,
            "aspect_ratio": self.aspect_ratio,
            "resolution": self.resolution,
            "width": self.width,
            "height": self.height,
            "negative_prompt": self.negative_prompt,
        }


class GenerationResult(BaseModel):
    clip: str = Field(description="path of the mp4")
    model: str
    seed: int
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False
    provider_job_id: str = ""
    width: int = 0
    height: int = 0
    duration_s: float = 0.0
    meta: dict[str, Any] = Field(default_factory=dict, description="renderer side data, e.g. previz figure boxes")


GateName = Literal["character", "lighting", "artifacts"]


class GateResult(BaseModel):
    gate: GateName
    passed: bool
    score: float = 0.0
    threshold: float = 0.0
    reason: str | None = Field(default=None, description="e.g. character_drift, lighting_drift, black_frames")
    fixed: str | None = Field(default=None, description="the correction that made it pass, e.g. color_grade, upscale")
    details: dict[str, Any] = Field(default_factory=dict)


class ShotAttempt(BaseModel):
    attempt: int
    model: str
    prompt: str
    seed: int
    clip: str = ""
    cost_usd: float = 0.0
    cached: bool = False
    gates: list[GateResult] = Field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.gates) and all(g.passed for g in self.gates)

    @property
    def reasons(self) -> list[str]:
        found = [g.reason for g in self.gates if not g.passed and g.reason]
        return found + ([self.error] if self.error else [])


ShotStatus = Literal["pending", "checked", "approved", "regenerate", "flagged", "rejected"]


class ShotRecord(BaseModel):
    shot_id: str
    status: ShotStatus = "pending"
    attempts: list[ShotAttempt] = Field(default_factory=list)
    final_clip: str = ""
    approved_by: Literal["gates", "human", ""] = ""
    review_reasons: list[str] = Field(default_factory=list)
    correction: str = Field(default="", description="the correction note for the next attempt")
