"""Simulated model behaviour for the previz renderer (clearly a simulation; see ``data/profiles.toml``).

A profile says how often a "model" drifts a character, drifts the light or breaks a clip, and how long it takes.
Which faults a clip gets is decided from hash(seed, shot id, attempt, model) alone, so a rerun reproduces them
and the next attempt rolls again. The faults are then applied to the pixels by the renderer, and listed in the
clip's side file as ground truth for the evals.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backends.previz.figures import cast_for
from backends.previz.palette import stable_rng
from domain.errors import ConfigError
from domain.production import GenerationRequest

PROFILES_PATH = Path(__file__).parent / "data" / "profiles.toml"
DEFAULT_PROFILE = "clean"
DRIFT_RANGE_K = (2000.0, 12000.0)
"""Where a drifted light may land: below 2000 K the light has no blue left to measure."""

ArtifactKind = Literal["black_frames", "frozen", "flicker", "blockiness", "low_resolution"]
FaultKind = Literal[
    "character_drift", "lighting_drift", "black_frames", "frozen", "flicker", "blockiness", "low_resolution"
]
ARTIFACT_KINDS: tuple[ArtifactKind, ...] = get_args(ArtifactKind)


class SimulationProfile(BaseModel):
    """How a simulated model misbehaves. Probabilities are per clip."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    latency_s: float = Field(default=0.0, ge=0.0)
    p_character_drift: float = Field(default=0.0, ge=0.0, le=1.0)
    p_lighting_drift: float = Field(default=0.0, ge=0.0, le=1.0)
    p_artifacts: float = Field(default=0.0, ge=0.0, le=1.0)
    artifact_kinds: tuple[ArtifactKind, ...] = Field(default=ARTIFACT_KINDS, min_length=1)


class Fault(BaseModel):
    """One injected fault, as applied; the fields that apply to its kind are set."""

    model_config = ConfigDict(frozen=True)

    kind: FaultKind
    character_id: str | None = Field(default=None, description="character_drift: whose look changed")
    kelvin_from: float | None = Field(default=None, description="lighting_drift: the location's temperature")
    kelvin_to: float | None = Field(default=None, description="lighting_drift: the temperature rendered")
    start: float | None = Field(default=None, description="black_frames: first black instant, fraction of the clip")
    end: float | None = Field(default=None, description="black_frames: last black instant, fraction of the clip")
    strength: float | None = Field(
        default=None, description="flicker: brightness swing; blockiness: block size / width; low_resolution: scale"
    )
    seed: int = 0

    @property
    def shift_k(self) -> float:
        return (self.kelvin_to or 0.0) - (self.kelvin_from or 0.0)


@cache
def load_profiles(path: Path = PROFILES_PATH) -> dict[str, SimulationProfile]:
    """Every profile in ``path`` by name."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the previz simulation profiles ({exc})") from exc
    try:
        return {name: SimulationProfile(name=name, **entry) for name, entry in raw.get("profiles", {}).items()}
    except ValidationError as exc:
        raise ConfigError(f"{path}: a previz simulation profile is invalid: {exc}") from exc


def get_profile(name: str) -> SimulationProfile:
    """A profile by name, or a ConfigError that lists the ones there are."""
    profiles = load_profiles()
    if name not in profiles:
        known = ", ".join(sorted(profiles))
        raise ConfigError(
            f"unknown previz simulation profile {name!r}; known profiles: {known}. "
            "Fix [backends.simulation] in reelcrew.toml."
        )
    return profiles[name]


def fault_rng_parts(request: GenerationRequest) -> tuple[object, ...]:
    return ("faults", request.seed, request.shot.id, request.attempt, request.model)


def decide_faults(request: GenerationRequest, profile: SimulationProfile) -> list[Fault]:
    """The faults this request gets under ``profile``: a pure function of (seed, shot id, attempt, model).

    The three dice are always thrown in the same order, so raising a probability only ever adds faults.
    """
    rng = stable_rng(*fault_rng_parts(request))
    roll_character, roll_light, roll_artifact = rng.random(), rng.random(), rng.random()
    detail_seed = rng.randrange(1 << 31)
    faults: list[Fault] = []
    detail = stable_rng("fault-detail", detail_seed)
    drawn = cast_for(request.shot).drawn
    if roll_character < profile.p_character_drift and drawn:
        faults.append(Fault(kind="character_drift", character_id=detail.choice(drawn), seed=detail.randrange(1 << 31)))
    if roll_light < profile.p_lighting_drift:
        base = float(request.context.location.color_temperature_k)
        shift = detail.uniform(2000.0, 3000.0) * (1 if detail.random() < 0.5 else -1)
        if not DRIFT_RANGE_K[0] <= base + shift <= DRIFT_RANGE_K[1]:
            shift = -shift
        faults.append(Fault(kind="lighting_drift", kelvin_from=base, kelvin_to=round(base + shift), seed=detail_seed))
    if roll_artifact < profile.p_artifacts:
        kind = detail.choice(profile.artifact_kinds)
        if kind == "black_frames":
            start = detail.uniform(0.2, 0.42)
            end = min(max(start + detail.uniform(0.3, 0.45), 0.6), 0.9)
            faults.append(Fault(kind=kind, start=round(start, 3), end=round(end, 3)))
        elif kind == "flicker":
            faults.append(Fault(kind=kind, strength=round(detail.uniform(0.16, 0.26), 3)))
        elif kind == "blockiness":
            faults.append(Fault(kind=kind, strength=round(detail.uniform(1 / 40, 1 / 28), 4)))
        elif kind == "low_resolution":
            faults.append(Fault(kind=kind, strength=detail.choice([0.5, 0.4])))
        else:
            faults.append(Fault(kind=kind))
    return faults
