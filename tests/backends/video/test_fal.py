"""fal queue: Key auth, inputs from the catalog's name map, following status and response URLs."""

from __future__ import annotations

from pathlib import Path

from backends.catalog import ModelCatalog
from backends.video import make_backend
from domain.production import GenerationResult

from .fakes import FakeFal, LoopContract, Sleeps, make_request


class TestFalLoop(LoopContract):
    fake = FakeFal
    model = "fal-veo3-fast"


async def run(fake: FakeFal, model: str, tmp_path: Path, refs: list[Path] | None = None) -> GenerationResult:
    backend = make_backend(model, ModelCatalog.load(), fake.settings(), client=fake.client(), sleep=Sleeps())
    assert backend is not None
    return await backend.generate(make_request(model, refs=refs or []), tmp_path / "a.mp4")


async def test_veo3_fast_inputs(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeFal(mp4_bytes, running=1)
    await run(fake, "fal-veo3-fast", tmp_path)
    assert fake.submits()[0].url.path == "/fal-ai/veo3/fast"
    assert fake.bodies[0] == {
        "prompt": make_request("x").prompt,
        "negative_prompt": "blurry, extra fingers",
        "aspect_ratio": "9:16",
        "duration": "6s",
        "resolution": "720p",
        "seed": 7,
        "generate_audio": False,
    }
    paths = [r.url.path for r in fake.requests]
    assert "/fal-ai/veo3/requests/req-1/status" in paths and "/fal-ai/veo3/requests/req-1" in paths


async def test_image_to_video_uses_the_i2v_app(tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(png_bytes)
    fake = FakeFal(mp4_bytes, running=0)
    await run(fake, "fal-happyhorse-1.1", tmp_path, [ref])
    assert fake.submits()[0].url.path == "/alibaba/happy-horse/v1.1/image-to-video"
    assert fake.bodies[0]["image_url"].startswith("data:image/png;base64,")
    assert fake.bodies[0]["duration"] == 5, "this app takes an int"
