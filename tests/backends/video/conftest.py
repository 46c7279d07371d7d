"""Fixtures for the video adapter tests: a real tiny mp4 for the fakes to serve, and a tiny PNG reference frame."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backends.media import write_clip


@pytest.fixture(scope="session")
def mp4_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    frames = [np.full((112, 64, 3), shade, dtype=np.uint8) for shade in (40, 120, 200)]
    path = write_clip(frames, tmp_path_factory.mktemp("clip") / "tiny.mp4", fps=8, width=64, height=112)
    return Path(path).read_bytes()


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (36, 64), (200, 120, 80)).save(buffer, format="PNG")
    return buffer.getvalue()
