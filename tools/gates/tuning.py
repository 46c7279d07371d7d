"""The gates' tuning data (``thresholds.toml``): artifact thresholds, framing groups, lighting evidence."""

from __future__ import annotations

import tomllib
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
