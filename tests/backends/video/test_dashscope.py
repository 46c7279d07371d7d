"""DashScope: HappyHorse (resolution + ratio, media items) and Wan 2.6 (size / img_url), async header."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from backends.catalog import ModelCatalog
from backends.video import make_backend
from domain.production import GenerationResult

from .fakes import FakeDashScope, LoopContract, Sleeps, make_request


class TestHappyHorseLoop(LoopContract):
    fake = FakeDashScope
    model = "happyhorse-1.1-720p"


class TestWanLoop(LoopContract):
    fake = FakeDashScope
    model = "wan-2.6-720p"


async def run(fake: FakeDashScope, model: str, tmp_path: Path, refs: list[Path] | None = None) -> GenerationResult:
    backend = make_backend(model, ModelCatalog.load(), fake.settings(), client=fake.client(), sleep=Sleeps())
    assert backend is not None
    return await backend.generate(make_request(model, refs=refs or []), tmp_path / "a.mp4")


@pytest.fixture
def ref(tmp_path: Path, png_bytes: bytes) -> Path:
    path = tmp_path / "ref.png"
    path.write_bytes(png_bytes)
    return path


async def test_happyhorse_t2v_uses_resolution_and_ratio(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeDashScope(mp4_bytes, running=0)
    result = await run(fake, "happyhorse-1.1-1080p", tmp_path)
    body = fake.bodies[0]
    assert body["model"] == "happyhorse-1.1-t2v"
    assert body["input"] == {"prompt": make_request("x").prompt, "negative_prompt": "blurry, extra fingers"}
    assert body["parameters"] == {
        "resolution": "1080P",
        "ratio": "9:16",
        "duration": 5,
        "seed": 7,
        "prompt_extend": False,
        "watermark": False,
    }
    assert result.cost_usd == pytest.approx(5 * 0.18)


async def test_happyhorse_i2v_sends_a_first_frame_media_item(
    tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes, ref: Path
) -> None:
    fake = FakeDashScope(mp4_bytes, running=0)
    await run(fake, "happyhorse-1.1-720p", tmp_path, [ref])
    body = fake.bodies[0]
    assert body["model"] == "happyhorse-1.1-i2v"
    assert body["input"]["media"] == [
        {"type": "first_frame", "url": "data:image/png;base64," + base64.b64encode(png_bytes).decode()}
    ]
    assert "ratio" not in body["parameters"] and body["parameters"]["resolution"] == "720P"


async def test_wan_t2v_uses_size(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeDashScope(mp4_bytes, running=0)
    await run(fake, "wan-2.6-720p", tmp_path)
    params = fake.bodies[0]["parameters"]
    assert fake.bodies[0]["model"] == "wan2.6-t2v"
    assert params["size"] == "720*1280" and "resolution" not in params and "ratio" not in params
    assert params["duration"] == 5 and params["audio"] is False and params["shot_type"] == "single"


async def test_wan_i2v_uses_img_url_and_resolution(tmp_path: Path, mp4_bytes: bytes, ref: Path) -> None:
    fake = FakeDashScope(mp4_bytes, running=0)
    await run(fake, "wan-2.6-720p", tmp_path, [ref])
    body = fake.bodies[0]
    assert body["model"] == "wan2.6-i2v"
    assert body["input"]["img_url"].startswith("data:image/png;base64,")
    assert body["parameters"]["resolution"] == "720P" and "size" not in body["parameters"]
