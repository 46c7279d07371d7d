"""Seedance on BytePlus ModelArk: content parts, int duration, seed, reference images as data URLs."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from backends.catalog import ModelCatalog
from backends.video import make_backend
from domain.errors import BackendError

from .fakes import FakeArk, LoopContract, Sleeps, make_request


class TestSeedanceLoop(LoopContract):
    fake = FakeArk
    model = "seedance-2.0-fast"


async def run(fake: FakeArk, model: str, tmp_path: Path, **request: object):  # type: ignore[no-untyped-def]
    backend = make_backend(model, ModelCatalog.load(), fake.settings(), client=fake.client(), sleep=Sleeps())
    assert backend is not None
    return await backend.generate(make_request(model, **request), tmp_path / "a.mp4")  # type: ignore[arg-type]


async def test_text_to_video_body(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeArk(mp4_bytes, running=0)
    result = await run(fake, "seedance-2.0-mini", tmp_path, duration=4.2, seed=123)
    assert fake.bodies[0] == {
        "model": "dreamina-seedance-2-0-mini",
        "content": [{"type": "text", "text": make_request("x").prompt}],
        "ratio": "9:16",
        "resolution": "720p",
        "duration": 5,
        "seed": 123,
        "watermark": False,
        "generate_audio": False,
    }
    assert "negative_prompt" not in str(fake.bodies[0]), "Seedance has no negative-prompt field"
    assert result.cost_usd == pytest.approx(5 * 0.076)


async def test_reference_frames_go_as_reference_images_up_to_the_limit(
    tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes
) -> None:
    refs = []
    for i in range(11):
        ref = tmp_path / f"ref{i}.png"
        ref.write_bytes(png_bytes)
        refs.append(ref)
    fake = FakeArk(mp4_bytes, running=0)
    result = await run(fake, "seedance-2.0", tmp_path, refs=refs, resolution="1080p", duration=20)
    images = fake.bodies[0]["content"][1:]
    assert len(images) == 9
    assert images[0] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(png_bytes).decode()},
        "role": "reference_image",
    }
    assert fake.bodies[0]["resolution"] == "1080p" and fake.bodies[0]["duration"] == 15
    assert result.cost_usd == pytest.approx(15 * 0.37)


async def test_unsupported_resolution_falls_back_to_what_the_model_offers(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeArk(mp4_bytes, running=0)
    result = await run(fake, "seedance-2.0-fast", tmp_path, resolution="1080p")
    assert fake.bodies[0]["resolution"] == "720p"
    assert result.meta["resolution"] == "720p" and (result.width, result.height) == (720, 1280)


async def test_an_expired_result_link_says_so(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeArk(mp4_bytes, running=0)
    fake.video = b""
    original = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if fake.route(request) == "download":
            fake.requests.append(request)
            return httpx.Response(403, text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message>")
        return original(request)

    fake.handle = handle  # type: ignore[method-assign]
    with pytest.raises(BackendError, match="expire") as caught:
        await run(fake, "seedance-2.0", tmp_path)
    assert "Check" not in str(caught.value), "not blamed on the API key"
    assert len(fake.downloads()) == 1 and not (tmp_path / "a.mp4").exists()
