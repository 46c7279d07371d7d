"""Fixtures for the end-to-end production tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graph.support import SMALL_TOML


@pytest.fixture
def small_config(tmp_path: Path) -> Path:
    path = tmp_path / "reelcrew.toml"
    path.write_text(SMALL_TOML)
    return path
