"""Veo on the Gemini API (and Vertex): the shared loop plus Veo's own body and result shapes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from backends.catalog import ModelCatalog
from backends.video.http import PollPolicy
from backends.video.veo import VeoBackend, VeoVertexBackend

from .fakes import CDN, KEY, FakeGemini, LoopContract, Sleeps, make_request


class TestVeoLoop(LoopContract):
    fake = FakeGemini
    model = "veo-3.1-fast"


def backend(fake: FakeGemini, model: str = "veo-3.1-fast") -> VeoBackend:
    entry = ModelCatalog.load().get(model)
    return VeoBackend(entry, SecretStr(KEY), base_url=fake.base_url, client=fake.client(), sleep=Sleeps())


async def test_body_maps_duration_ratio_resolution_and_omits_seed(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeGemini(mp4_bytes, running=0)
    result = await backend(fake).generate(make_request("veo-3.1-fast", duration=4.2), tmp_path / "a.mp4")
    body = fake.bodies[0]
    assert fake.submits()[0].url.path == "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning"
    assert body["parameters"] == {
        "aspectRatio": "9:16",
        "resolution": "720p",
        "durationSeconds": 6,
        "sampleCount": 1,
        "negativePrompt": "blurry, extra fingers",
    }
    assert "image" not in body["instances"][0]
    assert result.duration_s == 6 and result.cost_usd == pytest.approx(0.60)
    assert result.meta["seed_sent"] is False and (result.width, result.height) == (720, 1280)


async def test_reference_frame_is_the_first_frame_image(tmp_path: Path, mp4_bytes: bytes, png_bytes: bytes) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(png_bytes)
    fake = FakeGemini(mp4_bytes, running=0)
    request = make_request("veo-3.1", duration=9, resolution="1080p", refs=[ref, ref])
    result = await backend(fake, "veo-3.1").generate(request, tmp_path / "a.mp4")
    instance = fake.bodies[0]["instances"][0]
    assert instance["image"] == {"bytesBase64Encoded": base64.b64encode(png_bytes).decode(), "mimeType": "image/png"}
    assert fake.bodies[0]["parameters"]["durationSeconds"] == 8, "longer than allowed → the longest"
    assert fake.bodies[0]["parameters"]["resolution"] == "1080p"
    assert result.meta["mode"] == "i2v" and result.meta["reference_images"] == 1
    assert result.cost_usd == pytest.approx(8 * 0.40)


async def test_long_prompt_is_cut_to_the_limit(tmp_path: Path, mp4_bytes: bytes) -> None:
    fake = FakeGemini(mp4_bytes, running=0)
    prompt = "Mara stands in the rain. " * 400
    result = await backend(fake).generate(make_request("veo-3.1-fast", prompt=prompt), tmp_path / "a.mp4")
    sent = fake.bodies[0]["instances"][0]["prompt"]
    assert len(sent) <= 4000 and sent.endswith("rain.")
    assert result.meta["prompt_truncated"] is True


async def test_key_goes_only_to_the_api_host(mp4_bytes: bytes) -> None:
    veo = backend(FakeGemini(mp4_bytes))
    assert veo.download_headers(f"{FakeGemini.base_url}/v1beta/files/x:download") == {"x-goog-api-key": KEY}
    assert veo.download_headers(CDN) == {}


async def test_inline_video_bytes_are_accepted(tmp_path: Path, mp4_bytes: bytes) -> None:
    encoded = base64.b64encode(mp4_bytes).decode()

    def handler(request: httpx.Request) -> httpx.Response:
        sample = {"video": {"encodedVideo": encoded}}
        body = {"name": "op", "done": True, "response": {"generateVideoResponse": {"generatedSamples": [sample]}}}
        return httpx.Response(200, json=body)

    entry = ModelCatalog.load().get("veo-3.1-lite")
    veo = VeoBackend(entry, SecretStr(KEY), client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    await veo.generate(make_request("veo-3.1-lite"), tmp_path / "a.mp4")
    assert (tmp_path / "a.mp4").read_bytes() == mp4_bytes


async def test_vertex_polls_fetch_predict_operation_and_sends_seed(tmp_path: Path, mp4_bytes: bytes) -> None:
    seen: list[tuple[str, str, dict]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer ya29.token"
        body = json.loads(request.content)
        seen.append((request.method, request.url.path, body))
        if request.url.path.endswith(":predictLongRunning"):
            return httpx.Response(200, json={"name": "projects/p/locations/l/operations/9"})
        assert body == {"operationName": "projects/p/locations/l/operations/9"}
        if len(seen) < 3:
            return httpx.Response(200, json={"name": "x", "done": False})
        video = {"bytesBase64Encoded": base64.b64encode(mp4_bytes).decode(), "mimeType": "video/mp4"}
        return httpx.Response(200, json={"name": "x", "done": True, "response": {"videos": [video]}})

    entry = ModelCatalog.load().get("veo-3.1")
    vertex = VeoVertexBackend(
        entry,
        SecretStr("ya29.token"),
        project="p",
        location="us-central1",
        model="veo-3.1-generate-001",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        sleep=Sleeps(),
        policy=PollPolicy(poll_interval_s=1, timeout_s=10),
    )
    result = await vertex.generate(make_request("veo-3.1", seed=42), tmp_path / "a.mp4")
    _, path, body = seen[0]
    model_path = "/v1/projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
    assert path == f"{model_path}:predictLongRunning"
    assert body["parameters"]["seed"] == 42
    assert all(p.endswith(":fetchPredictOperation") and m == "POST" for m, p, _ in seen[1:])
    assert result.meta["seed_sent"] is True
    assert (tmp_path / "a.mp4").read_bytes() == mp4_bytes
