"""Test guards: nothing here may reach a hub or a paid API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
for key in list(os.environ):
    if key.startswith("REELCREW_"):
        del os.environ[key]


@pytest.fixture
def fixtures_dir() -> Path:
    return ROOT / "tests" / "fixtures"


@pytest.fixture
def example_dir() -> Path:
    return ROOT / "examples" / "neon-vows"
