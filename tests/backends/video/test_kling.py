"""Kling: JWT signing and refresh, the code envelope, string durations, raw base64 images."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import SecretStr

from backends.catalog import ModelCatalog
from backends.video.kling import KlingBackend
from domain.errors import BackendError

from .fakes import KEY, KLING_SECRET, FakeKling, LoopContract, Sleeps, make_request


class TestKlingLoop(LoopContract):
    fake = FakeKling
    model = "kling-v3-std"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def backend(fake: FakeKling, model: str, clock: Clock | None = None) -> KlingBackend:
    entry = ModelCatalog.load().get(model)
    return KlingBackend(
        entry,
        SecretStr(KEY),
        SecretStr(KLING_SECRET),
        now=clock or Clock(),
        base_url=fake.base_url,
        client=fake.client(),
        sleep=Sleeps(),
    )


@pytest.mark.parametrize(
    ("model", "seconds", "sent"),
    [
        ("kling-v2.5-turbo-std", 4.2, "5"),
        ("kling-v2.5-turbo-pro", 7, "10"),
        ("kling-v2.5-turbo-std", 14, "10"),
        ("kling-v3-std", 4.2, "5"),
        ("kling-v3-pro", 2.0, "3"),
    ],
)
async def test_duration_is_a_snapped_string(
    tmp_path: Path, mp4_bytes: bytes, model: str, seconds: float, sent: str
) -> None:
    fake = FakeKling(mp4_bytes, running=0)
    await backend(fake, model).generate(make_request(model, duration=seconds), tmp_path / "a.mp4")
    assert fake.bodies[0]["duration"] == sent


async def test_text2video_body(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeKling(mp4_bytes, running=1)
    result = await backend(fake, "kling-v3-pro").generate(make_request("kling-v3-pro"), tmp_path / "a.mp4")
    assert fake.submits()[0].url.path == "/v1/videos/text2video"
    assert fake.bodies[0] == {
        "model_name": "kling-v3",
        "prompt": make_request("kling-v3-pro").prompt,
        "negative_prompt": "blurry, extra fingers",
        "aspect_ratio": "9:16",
        "duration": "5",
        "mode": "pro",
        "sound": "off",
    }
    assert result.cost_usd == pytest.approx(5 * 0.112) and result.meta["seed_sent"] is False
    assert (result.width, result.height) == (1080, 1920)


async def test_image2video_sends_raw_base64(tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(png_bytes)
    fake = FakeKling(mp4_bytes, running=1)
    request = make_request("kling-v2.5-turbo-std", refs=[ref])
    await backend(fake, "kling-v2.5-turbo-std").generate(request, tmp_path / "a.mp4")
    assert fake.submits()[0].url.path == "/v1/videos/image2video"
    assert all(r.url.path.startswith("/v1/videos/image2video/") for r in fake.requests[1:-1])
    assert fake.bodies[0]["image"] == base64.b64encode(png_bytes).decode()
    assert fake.bodies[0]["mode"] == "std" and "sound" not in fake.bodies[0]


async def test_token_is_resigned_before_it_expires(tmp_path: Path, mp4_bytes: bytes) -> None:
    clock = Clock()
    kling = backend(FakeKling(mp4_bytes), "kling-v3-std", clock)
    first = kling.token()
    clock.now += 1000
    assert kling.token() == first, "still well inside its 30 minutes"
    clock.now += 760
    assert kling.token() != first, "re-signed within a minute of expiry"


async def test_expired_token_code_1004_refreshes_once(tmp_path: Path, mp4_bytes: bytes) -> None:
    clock = Clock()
    fake = FakeKling(mp4_bytes, running=0)
    fake.expire_first_token = True
    kling = backend(fake, "kling-v3-std", clock)
    kling.token()
    clock.now += 10  # a re-signed token differs
    await kling.generate(make_request("kling-v3-std"), tmp_path / "a.mp4")
    assert len(fake.submits()) == 2 and (tmp_path / "a.mp4").exists()


async def test_persistent_auth_failure_is_not_looped(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeKling(mp4_bytes, submit_errors=[401, 401, 401])
    fake.codes[401] = 1004
    with pytest.raises(BackendError) as caught:
        await backend(fake, "kling-v3-std").generate(make_request("kling-v3-std"), tmp_path / "a.mp4")
    assert "1004" in str(caught.value)
    assert len(fake.submits()) == 2, "one refresh, then give up"


async def test_concurrency_limit_1303_is_retried(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeKling(mp4_bytes, submit_errors=[429], running=0)
    fake.codes[429] = 1303
    await backend(fake, "kling-v3-std").generate(make_request("kling-v3-std"), tmp_path / "a.mp4")
    assert len(fake.submits()) == 2
