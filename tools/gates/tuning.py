"""The gates' tuning data (``thresholds.toml``): artifact thresholds, framing groups, character views, lighting
evidence."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _data() -> dict[str, Any]:
    with (Path(__file__).with_name("thresholds.toml")).open("rb") as fh:
        return tomllib.load(fh)


def section(name: str) -> dict[str, Any]:
    """One table of ``thresholds.toml``."""
    return dict(_data()[name])


def framing_of(shot_type: str | None) -> str:
    """The framing group of a shot type ("CU" → "face"); "" when unknown, which compares across all groups."""
    if not shot_type:
        return ""
    for group, types in section("framing").items():
        if isinstance(types, list) and group != "cross_framing_embedders" and shot_type.upper() in types:
            return group
    return ""


def holds_across_framings(embedder_kind: str) -> bool:
    return embedder_kind in section("framing").get("cross_framing_embedders", [])


VIEW_PREFIX = "view:"
"""References of a view are stored under ``view:<name>`` (framing groups under their plain name)."""


@dataclass(frozen=True)
class View:
    """A part of a figure judged on its own (see ``[character.views]`` in thresholds.toml)."""

    name: str
    window: tuple[float, float, float, float]
    min_height: float
    look: str = "outfit"
    """What the view's references are kept per: "outfit" (it shows the clothes) or "head" (it does not)."""

    @property
    def key(self) -> str:
        return VIEW_PREFIX + self.name


@cache
def views() -> tuple[View, ...]:
    """The views a figure with a known extent is judged on."""
    found = section("character").get("views", {})
    return tuple(
        View(
            name,
            (float(v["window"][0]), float(v["window"][1]), float(v["window"][2]), float(v["window"][3])),
            float(v["min_height"]),
            str(v.get("look", "outfit")),
        )
        for name, v in found.items()
    )


def view_named(key: str) -> View | None:
    """The view stored under ``key`` ("view:face"), or None for a framing group."""
    return next((v for v in views() if v.key == key), None)
