"""The video-model catalog: what each model id accepts, what it costs, and how a request is fitted to it.

The numbers live in ``backends/data/catalog.toml`` (data, with a cited source per entry); this module only reads
them and does the small arithmetic every caller needs: snapping a shot's length to a duration the model allows,
pricing a clip, picking the resolution class, and cutting a prompt to the provider's limit at a natural boundary.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.errors import ConfigError

DEFAULT_PATH = Path(__file__).parent / "data" / "catalog.toml"

Mode = Literal["t2v", "i2v"]
OurField = Literal["prompt", "negative_prompt", "aspect_ratio", "duration", "resolution", "seed", "image"]

_SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080, "4k": 2160}


class DurationRange(BaseModel):
    """Any whole step between ``min`` and ``max`` seconds (e.g. Kling v3: 3–15 s)."""

    model_config = ConfigDict(extra="forbid")

    min: float = Field(gt=0)
    max: float = Field(gt=0)
    step: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> DurationRange:
        if self.max < self.min:
            raise ValueError(f"duration range max {self.max} is below min {self.min}")
        return self


class ModelEntry(BaseModel):
    """One routable model id; see the field notes at the top of catalog.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    family: str
    provider: str
    provider_model: str
    provider_model_i2v: str | None = None
    api_style: str = ""
    modes: list[Mode]
    durations: list[float] | DurationRange
    aspect_ratios: list[str]
    portrait_note: str = ""
    resolutions: list[str]
    price_usd_per_s: dict[str, float]
    typical_latency_s: float = Field(gt=0)
    max_prompt_chars: int = Field(gt=0)
    max_reference_images: int = Field(ge=0)
    reference_role: Literal["first_frame", "reference_image"] = "first_frame"
    supports_seed: bool
    supports_negative_prompt: bool = True
    duration_format: Literal["int", "str", "{s}s"] = "int"
    provider_params: dict[str, Any] = Field(default_factory=dict)
    provider_values: dict[str, dict[str, str]] = Field(default_factory=dict)
    inputs: dict[OurField, str] = Field(default_factory=dict)
    source: str
    as_of: date

    @model_validator(mode="after")
    def _consistent(self) -> ModelEntry:
        if not self.modes:
            raise ValueError("needs at least one mode")
        if isinstance(self.durations, list) and not self.durations:
            raise ValueError("needs at least one duration")
        if "9:16" not in self.aspect_ratios and not self.portrait_note:
            raise ValueError("lacks 9:16: add it to aspect_ratios or say why in portrait_note")
        unknown = [r for r in self.resolutions if r not in _SHORT_SIDE]
        if unknown:
            raise ValueError(f"unknown resolutions {unknown}; use {sorted(_SHORT_SIDE)}")
        unpriced = [r for r in self.resolutions if self.price_usd_per_s.get(r, 0) <= 0]
        if unpriced:
            raise ValueError(f"needs a positive price_usd_per_s for {unpriced}")
        if not self.source.strip() or not re.search(r"\[[RSU]\b", self.source):
            raise ValueError("source must cite video-apis.md with an [R], [S] or [U] mark")
        return self

    # ------------------------------------------------------------------ durations

    def allowed_durations(self) -> list[float]:
        """Every duration the model accepts, shortest first."""
        if isinstance(self.durations, DurationRange):
            r = self.durations
            count = math.floor((r.max - r.min) / r.step + 1e-9) + 1
            return [round(r.min + i * r.step, 6) for i in range(count)]
        return sorted(self.durations)

    def snap_duration(self, seconds: float) -> float:
        """The smallest allowed duration ≥ ``seconds``, else the longest: the edit trims, it cannot stretch."""
        allowed = self.allowed_durations()
        for d in allowed:
            if d >= seconds - 1e-6:
                return d
        return allowed[-1]

    def format_duration(self, seconds: float) -> int | str:
        """The snapped duration as the provider spells it (int, "5", or "8s")."""
        whole = round(self.snap_duration(seconds))
        if self.duration_format == "str":
            return str(whole)
        if self.duration_format == "{s}s":
            return f"{whole}s"
        return whole

    # ------------------------------------------------------------------ resolution and price

    def output_resolution(self, requested: str) -> str:
        """``requested`` if the model offers it, else the nearest it does (ties go up)."""
        if requested in self.resolutions:
            return requested
        want = _SHORT_SIDE.get(requested, 720)
        return min(self.resolutions, key=lambda r: (abs(_SHORT_SIDE[r] - want), -_SHORT_SIDE[r]))

    def resolution_for(self, width: int, height: int) -> str:
        """The resolution class ("720p"/"1080p") for a frame size, fitted to what this model offers."""
        wanted = "1080p" if min(width, height) > 720 else "720p"
        return self.output_resolution(wanted)

    def dimensions(self, resolution: str, aspect_ratio: str) -> tuple[int, int]:
        """Pixel size of the output, e.g. ("720p", "9:16") -> (720, 1280)."""
        short = _SHORT_SIDE[self.output_resolution(resolution)]
        w_ratio, h_ratio = (float(x) for x in aspect_ratio.split(":"))
        if w_ratio <= h_ratio:
            return short, int(round(short * h_ratio / w_ratio / 2) * 2)
        return int(round(short * w_ratio / h_ratio / 2) * 2), short

    def price(self, duration_s: float, resolution: str) -> float:
        """USD for one clip: the per-second rate × the duration actually generated (after snapping)."""
        rate = self.price_usd_per_s[self.output_resolution(resolution)]
        return round(rate * self.snap_duration(duration_s), 6)

    # ------------------------------------------------------------------ prompts and provider spellings

    def truncate_prompt(self, prompt: str) -> str:
        """Fit ``prompt`` into ``max_prompt_chars``, cutting at a sentence, else a clause, else a word boundary.

        Prompts put the shot first and bible detail after, so dropping the tail loses the least.
        """
        limit = self.max_prompt_chars
        text = prompt.strip()
        if len(text) <= limit:
            return text
        head = text[:limit]
        for pattern in (r"[.!?](?=\s)|\n", r"[,;:—–](?=\s)", r"\s"):
            ends = [m.end() for m in re.finditer(pattern, head + " ")]
            ends = [e for e in ends if e <= limit]
            if ends and ends[-1] >= limit // 2:
                return head[: ends[-1]].rstrip(" ,;:—–")
        return head.rstrip()

    def provider_value(self, field: str, ours: str) -> str:
        """How the provider spells our value for ``field`` (identity unless provider_values says otherwise)."""
        return self.provider_values.get(field, {}).get(ours, ours)

    def model_for(self, mode: Mode) -> str:
        """The provider model id for text- or image-to-video."""
        return (self.provider_model_i2v or self.provider_model) if mode == "i2v" else self.provider_model


class ModelCatalog(BaseModel):
    """Every routable model, by id."""

    models: dict[str, ModelEntry]

    @classmethod
    def load(cls, path: Path | str | None = None) -> ModelCatalog:
        """Read a catalog TOML (the packaged one by default); cached per path, so call it freely."""
        return _load(str(Path(path).resolve()) if path is not None else str(DEFAULT_PATH))

    def get(self, model_id: str) -> ModelEntry:
        try:
            return self.models[model_id]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise ConfigError(
                f"unknown video model {model_id!r}. Known models: {known}. "
                "Fix the id in reelcrew.toml ([router.tiers] or [router.overrides]) or the shot's model override."
            ) from None

    def entries(self) -> list[ModelEntry]:
        return list(self.models.values())

    def family(self, name: str) -> list[ModelEntry]:
        """All models of one routing family (e.g. every Kling tier)."""
        return [e for e in self.models.values() if e.family == name]


@cache
def _load(path: str) -> ModelCatalog:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"model catalog not found at {path}; pass an existing catalog.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"model catalog {path} is not valid TOML: {exc}") from None
    tables = raw.get("models")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"model catalog {path} has no [models.<id>] tables")
    models: dict[str, ModelEntry] = {}
    for model_id, fields in tables.items():
        try:
            models[model_id] = ModelEntry(id=model_id, **fields)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"model catalog {path}, entry {model_id!r}: {problems}") from None
    return ModelCatalog(models=models)


load = ModelCatalog.load
