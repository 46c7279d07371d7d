"""Replicate predictions: per-model inputs, value maps (720p → 768p), Prefer: wait, and a model without 9:16."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from backends.catalog import ModelCatalog
from backends.video.replicate import ReplicateBackend
from domain.errors import ConfigError

from .fakes import KEY, FakeReplicate, LoopContract, Sleeps, make_request


class TestReplicateLoop(LoopContract):
    fake = FakeReplicate
    model = "replicate-hailuo-2.3"
    aspect = "16:9"


def backend(fake: FakeReplicate, prefer_wait_s: int = 0) -> ReplicateBackend:
    entry = ModelCatalog.load().get("replicate-hailuo-2.3")
    return ReplicateBackend(
        entry, SecretStr(KEY), prefer_wait_s=prefer_wait_s, base_url=fake.base_url, client=fake.client(), sleep=Sleeps()
    )


async def test_inputs_follow_the_model_schema(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeReplicate(mp4_bytes, running=1)
    result = await backend(fake).generate(make_request("replicate-hailuo-2.3", aspect="16:9"), tmp_path / "a.mp4")
    assert fake.submits()[0].url.path == "/v1/models/minimax/hailuo-2.3/predictions"
    assert fake.bodies[0] == {"input": {"prompt": make_request("x").prompt, "duration": 6, "resolution": "768p"}}
    assert "prefer" not in fake.submits()[0].headers
    assert result.cost_usd == pytest.approx(6 * 0.047) and result.meta["seed_sent"] is False


async def test_prefer_wait_and_first_frame(tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes) -> None:
    ref = tmp_path / "ref.webp"
    ref.write_bytes(png_bytes)
    fake = FakeReplicate(mp4_bytes, running=0)
    request = make_request("replicate-hailuo-2.3", aspect="16:9", refs=[ref], duration=8)
    await backend(fake, prefer_wait_s=30).generate(request, tmp_path / "a.mp4")
    assert fake.submits()[0].headers["prefer"] == "wait=30"
    assert fake.bodies[0]["input"]["first_frame_image"].startswith("data:image/webp;base64,")
    assert fake.bodies[0]["input"]["duration"] == 10


async def test_portrait_is_refused_with_the_catalog_note(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeReplicate(mp4_bytes)
    with pytest.raises(ConfigError, match=r"cannot make 9:16 clips.*landscape"):
        await backend(fake).generate(make_request("replicate-hailuo-2.3"), tmp_path / "a.mp4")
    assert fake.requests == []
