"""Runway: version header, pixel ratios, image-to-video only for gen4_turbo."""

from __future__ import annotations

from pathlib import Path

import pytest

from backends.catalog import ModelCatalog
from backends.video import make_backend
from domain.errors import ConfigError

from .fakes import FakeRunway, LoopContract, Sleeps, make_request


class TestRunwayGen45Loop(LoopContract):
    fake = FakeRunway
    model = "runway-gen4.5"


class TestRunwayGen4TurboLoop(LoopContract):
    fake = FakeRunway
    model = "runway-gen4-turbo"
    needs_reference = True


async def test_gen4_turbo_image_to_video_body(tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes) -> None:
    ref = tmp_path / "ref.jpg"
    ref.write_bytes(png_bytes)
    fake = FakeRunway(mp4_bytes, running=0)
    backend = make_backend(
        "runway-gen4-turbo", ModelCatalog.load(), fake.settings(), client=fake.client(), sleep=Sleeps()
    )
    assert backend is not None
    result = await backend.generate(make_request("runway-gen4-turbo", refs=[ref], seed=99), tmp_path / "a.mp4")
    body = fake.bodies[0]
    assert fake.submits()[0].url.path == "/v1/image_to_video"
    assert body["model"] == "gen4_turbo" and body["ratio"] == "720:1280"
    assert body["duration"] == 5 and body["seed"] == 99
    assert body["promptImage"].startswith("data:image/jpeg;base64,")
    assert "negativePrompt" not in body
    assert result.cost_usd == pytest.approx(5 * 0.05)


async def test_gen4_turbo_without_a_reference_frame_is_refused_before_any_call(
    tmp_path: Path, mp4_bytes: bytes
) -> None:
    fake = FakeRunway(mp4_bytes)
    backend = make_backend("runway-gen4-turbo", ModelCatalog.load(), fake.settings(), client=fake.client())
    assert backend is not None
    with pytest.raises(ConfigError, match="only does image-to-video"):
        await backend.generate(make_request("runway-gen4-turbo"), tmp_path / "a.mp4")
    assert fake.requests == []


async def test_gen45_text_to_video(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeRunway(mp4_bytes, running=0)
    backend = make_backend("runway-gen4.5", ModelCatalog.load(), fake.settings(), client=fake.client(), sleep=Sleeps())
    assert backend is not None
    await backend.generate(make_request("runway-gen4.5", aspect="16:9", duration=2.5), tmp_path / "a.mp4")
    assert fake.submits()[0].url.path == "/v1/text_to_video"
    assert fake.bodies[0]["ratio"] == "1280:720" and fake.bodies[0]["duration"] == 3
    assert "promptImage" not in fake.bodies[0]
