"""Local fakes of the hosted video APIs, following the documented contracts in video-apis.md.

Each fake is an ``httpx.MockTransport`` handler that checks what a real provider would reject (method, path, auth
header, field types), then plays a scripted job: queued → running → a terminal state, with the clip served from a
fake CDN (or, for Veo, from the API host behind the key). Scripts inject 429 / 5xx / transport failures, policy
refusals at submit or at the end, jobs that never finish, and errors that echo the caller's credentials.

``LoopContract`` holds the scenarios every adapter must pass; each provider's test module subclasses it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx
import jwt
import pytest

from backends.catalog import ModelCatalog
from backends.video import make_backend
from backends.video.http import HttpVideoBackend
from domain.bibles import SceneBible
from domain.errors import BackendError, ContentRejected, RateLimited
from domain.production import GenerationRequest, ShotContext
from domain.settings import BackendSettings
from domain.shot import Shot, ShotType

Outcome = Literal["succeed", "fail", "reject", "reject_submit", "bad_request", "never"]
CDN = "https://cdn.fake.test/out/clip.mp4"
KEY = "sk-live-SECRET-0123456789abcdef"
KLING_SECRET = "kling-secret-key-DO-NOT-LEAK-0123456789"


class Sleeps:
    """A no-op ``sleep`` that remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_request(
    model: str,
    *,
    duration: float = 4.2,
    aspect: str = "9:16",
    resolution: str = "720p",
    seed: int = 7,
    negative: str = "blurry, extra fingers",
    refs: Sequence[Path] = (),
    prompt: str = "Close-up: Mara turns to the window, rain on the glass. Warm 3200K practicals.",
) -> GenerationRequest:
    shot = Shot(id="E01-S001-SH01", episode=1, scene_id="E01-S001", index=1, location_id="loft", shot_type=ShotType.CU)
    return GenerationRequest(
        shot=shot,
        context=ShotContext(location=SceneBible(location_id="loft", name="Loft")),
        model=model,
        prompt=prompt,
        negative_prompt=negative,
        seed=seed,
        duration_s=duration,
        aspect_ratio=aspect,
        resolution=resolution,
        reference_frames=[str(p) for p in refs],
    )


class FakeProvider:
    """Shared script runner; subclasses describe one provider's routes and JSON shapes."""

    provider: ClassVar[str]
    base_url: ClassVar[str]

    def __init__(
        self,
        video: bytes,
        *,
        outcome: Outcome = "succeed",
        running: int = 2,
        submit_errors: Sequence[int | str] = (),
        poll_errors: Sequence[int | str] = (),
        retry_after: str | None = None,
        echo_key: bool = False,
    ) -> None:
        self.video = video
        self.outcome = outcome
        self.running = running
        self.submit_errors = list(submit_errors)
        self.poll_errors = list(poll_errors)
        self.retry_after = retry_after
        self.echo_key = echo_key
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self.polls = 0

    # -- what the test harness needs

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def settings(self, **overrides: Any) -> BackendSettings:
        values: dict[str, Any] = {
            "base_urls": {self.provider: self.base_url},
            "poll_interval_s": 5.0,
            "timeout_s": 60.0,
            "max_retries": 3,
            **self.keys(),
        }
        return BackendSettings(**{**values, **overrides})

    def keys(self) -> dict[str, str]:
        raise NotImplementedError

    def submits(self) -> list[httpx.Request]:
        return [r for r in self.requests if self.route(r) == "submit"]

    def downloads(self) -> list[httpx.Request]:
        return [r for r in self.requests if self.route(r) == "download"]

    # -- the handler

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        kind = self.route(request)
        assert kind is not None, f"{self.provider} fake: no route for {request.method} {request.url}"
        if kind == "download":
            self.check_download(request)
            return httpx.Response(200, content=self.video, headers={"content-type": "video/mp4"})
        self.check_auth(request)
        if kind == "submit":
            if self.submit_errors:
                return self.failure(self.submit_errors.pop(0), request)
            body = json.loads(request.content)
            self.check_body(body, request)
            self.bodies.append(body)
            if self.outcome == "reject_submit":
                return self.echo(self.refusal())
            if self.outcome == "bad_request":
                return self.echo(self.bad_request(request))
            return self.accepted(body)
        if self.poll_errors:
            return self.failure(self.poll_errors.pop(0), request)
        return self.poll_reply(kind, request)

    def poll_reply(self, kind: str, request: httpx.Request) -> httpx.Response:
        self.polls += 1
        if self.outcome == "never" or self.polls <= self.running:
            return self.status("queued" if self.polls == 1 else "running")
        return self.status(self.outcome)

    def failure(self, what: int | str, request: httpx.Request) -> httpx.Response:
        if what == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        status = int(what)
        headers = {"Retry-After": self.retry_after} if (status == 429 and self.retry_after) else {}
        response = self.error(status)
        return self.echo(httpx.Response(status, json=json.loads(response.content), headers=headers))

    def echo(self, response: httpx.Response) -> httpx.Response:
        """Providers sometimes quote the request back: put the credential into the error text."""
        if not self.echo_key:
            return response
        body = json.loads(response.content)
        secret = self.requests[-1].headers.get("authorization") or self.requests[-1].headers.get("x-goog-api-key")
        text = json.dumps(body).replace("__ECHO__", f"bad credential {secret} / {KEY}")
        return httpx.Response(response.status_code, content=text.encode(), headers=response.headers)

    def check_download(self, request: httpx.Request) -> None:
        assert "authorization" not in request.headers, "credentials sent to the CDN"

    # -- per provider

    def route(self, request: httpx.Request) -> str | None:
        if str(request.url) == CDN:
            return "download"
        return None

    def check_auth(self, request: httpx.Request) -> None:
        raise NotImplementedError

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        raise NotImplementedError

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        raise NotImplementedError

    def status(self, state: str) -> httpx.Response:
        raise NotImplementedError

    def error(self, status: int) -> httpx.Response:
        raise NotImplementedError

    def refusal(self) -> httpx.Response:
        raise NotImplementedError

    def bad_request(self, request: httpx.Request) -> httpx.Response:
        return self.error(400)


# ---------------------------------------------------------------------------------------------------- Veo


class FakeGemini(FakeProvider):
    provider = "gemini"
    base_url = "https://generativelanguage.fake.test"
    op = "models/veo/operations/op-123"

    def keys(self) -> dict[str, str]:
        return {"gemini_api_key": KEY}

    def route(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if request.method == "POST" and path.startswith("/v1beta/models/") and path.endswith(":predictLongRunning"):
            return "submit"
        if request.method == "GET" and path == f"/v1beta/{self.op}":
            return "poll"
        if request.method == "GET" and path == "/v1beta/files/clip:download":
            return "download"
        return None

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers.get("x-goog-api-key") == KEY

    def check_download(self, request: httpx.Request) -> None:
        assert request.headers.get("x-goog-api-key") == KEY, "the Gemini file URI needs the key header"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        params = body["parameters"]
        assert isinstance(body["instances"][0]["prompt"], str)
        assert isinstance(params["durationSeconds"], int) and params["durationSeconds"] in (4, 6, 8)
        assert params["aspectRatio"] in ("9:16", "16:9")
        assert "seed" not in params, "the Gemini API rejects seed"

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"name": self.op})

    def status(self, state: str) -> httpx.Response:
        if state in ("queued", "running"):
            return httpx.Response(200, json={"name": self.op, "done": False})
        if state == "succeed":
            uri = f"{self.base_url}/v1beta/files/clip:download?alt=media"
            sample = {"video": {"uri": uri}}
            return httpx.Response(
                200,
                json={
                    "name": self.op,
                    "done": True,
                    "response": {"generateVideoResponse": {"generatedSamples": [sample]}},
                },
            )
        if state == "reject":
            filtered = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": ["violates the safety policy"]}
            return httpx.Response(
                200, json={"name": self.op, "done": True, "response": {"generateVideoResponse": filtered}}
            )
        return httpx.Response(200, json={"name": self.op, "done": True, "error": {"code": 13, "message": "internal"}})

    def error(self, status: int) -> httpx.Response:
        name = {429: "RESOURCE_EXHAUSTED", 400: "INVALID_ARGUMENT"}.get(status, "UNAVAILABLE")
        return httpx.Response(status, json={"error": {"code": status, "message": "try later __ECHO__", "status": name}})

    def refusal(self) -> httpx.Response:
        message = "The prompt could not be submitted: it violates Gemini API usage guidelines. __ECHO__"
        return httpx.Response(400, json={"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}})


# ---------------------------------------------------------------------------------------------------- Kling


class FakeKling(FakeProvider):
    provider = "kling"
    base_url = "https://kling.fake.test"

    def __init__(self, video: bytes, **kwargs: Any) -> None:
        super().__init__(video, **kwargs)
        self.tokens: list[str] = []
        self.expire_first_token = False
        self.codes = {429: 1302, 400: 1201}

    def keys(self) -> dict[str, str]:
        return {"kling_access_key": KEY, "kling_secret_key": KLING_SECRET}

    def route(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if request.method == "POST" and path in ("/v1/videos/text2video", "/v1/videos/image2video"):
            return "submit"
        if request.method == "GET" and path.startswith(("/v1/videos/text2video/", "/v1/videos/image2video/")):
            return "poll"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        scheme, token = request.headers["authorization"].split(" ", 1)
        assert scheme == "Bearer"
        # The signature must verify; the times are checked as a span because tests pin the clock.
        claims = jwt.decode(
            token, KLING_SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False}
        )
        assert claims["iss"] == KEY
        assert claims["exp"] - claims["nbf"] == 1805
        assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
        self.tokens.append(token)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.expire_first_token and self.route(request) == "submit" and len(self.submits()) == 0:
            self.requests.append(request)
            return httpx.Response(401, json={"code": 1004, "message": "token expired", "request_id": "r"})
        return super().handle(request)

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert isinstance(body["duration"], str), "Kling wants the duration as a string"
        assert body["model_name"].startswith("kling-")
        assert body["mode"] in ("std", "pro")
        assert "seed" not in body
        if request.url.path.endswith("image2video"):
            assert not body["image"].startswith("data:"), "Kling wants raw base64"

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(
            200, json={"code": 0, "message": "SUCCEED", "data": {"task_id": "kt-1", "task_status": "submitted"}}
        )

    def status(self, state: str) -> httpx.Response:
        data: dict[str, Any] = {"task_id": "kt-1"}
        if state in ("queued", "running"):
            data["task_status"] = "submitted" if state == "queued" else "processing"
        elif state == "succeed":
            data.update(task_status="succeed", task_result={"videos": [{"id": "v", "url": CDN, "duration": "5"}]})
        elif state == "reject":
            data.update(task_status="failed", task_status_msg="Failure to pass the risk control system")
        else:
            data.update(task_status="failed", task_status_msg="internal error, please retry")
        return httpx.Response(200, json={"code": 0, "message": "SUCCEED", "data": data})

    def error(self, status: int) -> httpx.Response:
        code = self.codes.get(status, 5000)
        return httpx.Response(status, json={"code": code, "message": "limit __ECHO__", "request_id": "r"})

    def refusal(self) -> httpx.Response:
        return httpx.Response(400, json={"code": 1301, "message": "prompt triggers content policy __ECHO__"})


# ---------------------------------------------------------------------------------------------------- Seedance


class FakeArk(FakeProvider):
    provider = "seedance"
    base_url = "https://ark.fake.test/api/v3"
    tasks = "/api/v3/contents/generations/tasks"

    def keys(self) -> dict[str, str]:
        return {"ark_api_key": KEY}

    def route(self, request: httpx.Request) -> str | None:
        if request.method == "POST" and request.url.path == self.tasks:
            return "submit"
        if request.method == "GET" and request.url.path == f"{self.tasks}/cgt-1":
            return "poll"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {KEY}"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert isinstance(body["duration"], int)
        assert body["content"][0]["type"] == "text"
        for part in body["content"][1:]:
            assert part["type"] == "image_url" and part["image_url"]["url"].startswith("data:image/")
            assert part["role"] in ("first_frame", "last_frame", "reference_image")

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"id": "cgt-1"})

    def status(self, state: str) -> httpx.Response:
        task: dict[str, Any] = {"id": "cgt-1", "model": "seedance"}
        if state in ("queued", "running"):
            task["status"] = state
        elif state == "succeed":
            task.update(status="succeeded", content={"video_url": CDN})
        elif state == "reject":
            task.update(status="failed", error={"code": "OutputVideoSensitiveContentDetected", "message": "flagged"})
        else:
            task.update(status="failed", error={"code": "InternalServiceError", "message": "try again"})
        return httpx.Response(200, json=task)

    def error(self, status: int) -> httpx.Response:
        code = {429: "RateLimitExceeded", 400: "InvalidParameter"}.get(status, "InternalServiceError")
        return httpx.Response(status, json={"error": {"code": code, "message": "slow down __ECHO__"}})

    def refusal(self) -> httpx.Response:
        error = {"code": "InputTextSensitiveContentDetected", "message": "The request failed __ECHO__"}
        return httpx.Response(400, json={"error": error})


# ---------------------------------------------------------------------------------------------------- DashScope


class FakeDashScope(FakeProvider):
    provider = "dashscope"
    base_url = "https://dashscope.fake.test"

    def keys(self) -> dict[str, str]:
        return {"dashscope_api_key": KEY}

    def route(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if request.method == "POST" and path == "/api/v1/services/aigc/video-generation/video-synthesis":
            return "submit"
        if request.method == "GET" and path == "/api/v1/tasks/ds-1":
            return "poll"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        if self.route(request) == "submit":
            assert request.headers.get("x-dashscope-async") == "enable", "current user api does not support sync calls"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert isinstance(body["parameters"]["duration"], int)
        assert isinstance(body["input"]["prompt"], str)
        if "seed" in body["parameters"]:
            assert 0 <= body["parameters"]["seed"] <= 2147483647

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"request_id": "r", "output": {"task_id": "ds-1", "task_status": "PENDING"}})

    def status(self, state: str) -> httpx.Response:
        output: dict[str, Any] = {"task_id": "ds-1"}
        if state in ("queued", "running"):
            output["task_status"] = "PENDING" if state == "queued" else "RUNNING"
        elif state == "succeed":
            output.update(task_status="SUCCEEDED", video_url=CDN)
        elif state == "reject":
            output.update(task_status="FAILED", code="DataInspectionFailed", message="Output may contain inappropriate")
        else:
            output.update(task_status="FAILED", code="InternalError", message="internal error")
        return httpx.Response(200, json={"request_id": "r", "output": output})

    def error(self, status: int) -> httpx.Response:
        code = {429: "Throttling.RateQuota", 400: "InvalidParameter"}.get(status, "InternalError")
        return httpx.Response(status, json={"request_id": "r", "code": code, "message": "quota __ECHO__"})

    def refusal(self) -> httpx.Response:
        body = {"request_id": "r", "code": "DataInspectionFailed", "message": "Input may be inappropriate __ECHO__"}
        return httpx.Response(400, json=body)


# ---------------------------------------------------------------------------------------------------- Runway


class FakeRunway(FakeProvider):
    provider = "runway"
    base_url = "https://runway.fake.test"

    def keys(self) -> dict[str, str]:
        return {"runway_api_key": KEY}

    def route(self, request: httpx.Request) -> str | None:
        if request.method == "POST" and request.url.path in ("/v1/image_to_video", "/v1/text_to_video"):
            return "submit"
        if request.method == "GET" and request.url.path == "/v1/tasks/rw-1":
            return "poll"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.headers.get("x-runway-version") == "2024-11-06"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert isinstance(body["duration"], int)
        assert ":" in body["ratio"] and all(part.isdigit() for part in body["ratio"].split(":"))
        assert isinstance(body["promptText"], str)
        if request.url.path == "/v1/image_to_video":
            assert body["promptImage"].startswith("data:image/")

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"id": "rw-1"})

    def status(self, state: str) -> httpx.Response:
        task: dict[str, Any] = {"id": "rw-1"}
        if state in ("queued", "running"):
            task["status"] = "PENDING" if state == "queued" else "RUNNING"
        elif state == "succeed":
            task.update(status="SUCCEEDED", output=[CDN])
        elif state == "reject":
            task.update(status="FAILED", failure="Prompt flagged", failureCode="SAFETY.INPUT.TEXT")
        else:
            task.update(status="FAILED", failure="Internal error", failureCode="INTERNAL")
        return httpx.Response(200, json=task)

    def error(self, status: int) -> httpx.Response:
        return httpx.Response(status, json={"error": "daily limit reached __ECHO__"})

    def refusal(self) -> httpx.Response:
        return httpx.Response(400, json={"error": "SAFETY.INPUT.TEXT: prompt rejected __ECHO__"})


# ---------------------------------------------------------------------------------------------------- fal


class FakeFal(FakeProvider):
    provider = "fal"
    base_url = "https://queue.fal.fake.test"

    def keys(self) -> dict[str, str]:
        return {"fal_key": KEY}

    def route(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if request.method == "GET" and path == "/fal-ai/veo3/requests/req-1/status":
            return "poll"
        if request.method == "GET" and path == "/fal-ai/veo3/requests/req-1":
            return "result"
        if request.method == "POST" and "/requests/" not in path and path.count("/") >= 2:
            return "submit"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Key {KEY}"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert isinstance(body["prompt"], str)

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        base = f"{self.base_url}/fal-ai/veo3/requests/req-1"
        return httpx.Response(200, json={"request_id": "req-1", "status_url": f"{base}/status", "response_url": base})

    def poll_reply(self, kind: str, request: httpx.Request) -> httpx.Response:
        if kind == "result":
            return httpx.Response(200, json={"video": {"url": CDN}})
        return super().poll_reply(kind, request)

    def status(self, state: str) -> httpx.Response:
        if state in ("queued", "running"):
            return httpx.Response(200, json={"status": "IN_QUEUE" if state == "queued" else "IN_PROGRESS"})
        if state == "succeed":
            return httpx.Response(200, json={"status": "COMPLETED", "metrics": {}})
        if state == "reject":
            body = {
                "status": "COMPLETED",
                "error": "flagged by the safety checker",
                "error_type": "content_policy_violation",
            }
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"status": "COMPLETED", "error": "runner crashed", "error_type": "internal"})

    def error(self, status: int) -> httpx.Response:
        return httpx.Response(status, json={"detail": "busy __ECHO__"})

    def refusal(self) -> httpx.Response:
        return httpx.Response(
            422, json={"detail": "input refused __ECHO__"}, headers={"x-fal-error-type": "content_policy_violation"}
        )


# ---------------------------------------------------------------------------------------------------- Replicate


class FakeReplicate(FakeProvider):
    provider = "replicate"
    base_url = "https://replicate.fake.test"

    def keys(self) -> dict[str, str]:
        return {"replicate_api_token": KEY}

    def route(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if request.method == "POST" and path.startswith("/v1/models/") and path.endswith("/predictions"):
            return "submit"
        if request.method == "GET" and path == "/v1/predictions/p-1":
            return "poll"
        return super().route(request)

    def check_auth(self, request: httpx.Request) -> None:
        assert request.headers["authorization"] == f"Bearer {KEY}"

    def check_body(self, body: dict[str, Any], request: httpx.Request) -> None:
        assert set(body) == {"input"}
        assert isinstance(body["input"]["prompt"], str)

    def accepted(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(201, json={"id": "p-1", "status": "starting", "input": body["input"]})

    def status(self, state: str) -> httpx.Response:
        if state in ("queued", "running"):
            return httpx.Response(200, json={"id": "p-1", "status": "starting" if state == "queued" else "processing"})
        if state == "succeed":
            return httpx.Response(200, json={"id": "p-1", "status": "succeeded", "output": CDN})
        if state == "reject":
            body = {"id": "p-1", "status": "failed", "error": "NSFW content detected. Try a different prompt."}
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"id": "p-1", "status": "failed", "error": "CUDA out of memory"})

    def error(self, status: int) -> httpx.Response:
        return httpx.Response(
            status, json={"title": "Too many requests", "detail": "throttled __ECHO__", "status": status}
        )

    def refusal(self) -> httpx.Response:
        return httpx.Response(422, json={"detail": "The input was flagged as sensitive (E005) __ECHO__"})


# ---------------------------------------------------------------------------------------------------- the contract


class LoopContract:
    """Scenarios every adapter must pass. Subclasses set ``fake``, ``model`` and, if needed, ``aspect``/``refs``."""

    fake: ClassVar[type[FakeProvider]]
    model: ClassVar[str]
    aspect: ClassVar[str] = "9:16"
    needs_reference: ClassVar[bool] = False

    @pytest.fixture
    def frame(self, tmp_path: Path, png_bytes: bytes) -> Path:
        path = tmp_path / "ref.png"
        path.write_bytes(png_bytes)
        return path

    def build(self, fake: FakeProvider, sleeps: Sleeps, **settings: Any) -> HttpVideoBackend:
        backend = make_backend(
            self.model, ModelCatalog.load(), fake.settings(**settings), client=fake.client(), sleep=sleeps
        )
        assert isinstance(backend, HttpVideoBackend)
        return backend

    def request(self, frame: Path) -> GenerationRequest:
        return make_request(self.model, aspect=self.aspect, refs=[frame] if self.needs_reference else [])

    async def test_success_with_polling(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, running=2), Sleeps()
        backend = self.build(fake, sleeps)
        target = tmp_path / "clips" / "shot.mp4"
        result = await backend.generate(self.request(frame), target)

        assert target.read_bytes() == mp4_bytes
        assert not list(target.parent.glob(".*")), "no temp file left beside the clip"
        assert result.clip == str(target) and result.model == self.model and result.provider_job_id
        entry = ModelCatalog.load().get(self.model)
        assert result.duration_s == entry.snap_duration(4.2)
        assert result.cost_usd == pytest.approx(entry.price(result.duration_s, "720p")) and result.cost_usd > 0
        assert len(fake.submits()) == 1 and len(fake.downloads()) == 1
        assert sleeps.delays and set(sleeps.delays) == {5.0}, "polls wait poll_interval_s and nothing else"

    async def test_429_then_success_respects_retry_after(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, submit_errors=[429], retry_after="7"), Sleeps()
        await self.build(fake, sleeps).generate(self.request(frame), tmp_path / "a.mp4")
        assert len(fake.submits()) == 2
        assert sleeps.delays[0] == 7.0

    async def test_429_until_retries_run_out(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, submit_errors=[429] * 10), Sleeps()
        with pytest.raises(RateLimited) as caught:
            await self.build(fake, sleeps, max_retries=2).generate(self.request(frame), tmp_path / "a.mp4")
        assert caught.value.retryable
        assert len(fake.submits()) == 3
        assert sleeps.delays == [1.0, 2.0], "exponential backoff without Retry-After"
        assert not (tmp_path / "a.mp4").exists()

    async def test_5xx_and_transport_errors_are_retried(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake = self.fake(mp4_bytes, submit_errors=[500, "connect"], poll_errors=[503])
        sleeps = Sleeps()
        await self.build(fake, sleeps).generate(self.request(frame), tmp_path / "a.mp4")
        assert len(fake.submits()) == 3
        assert sleeps.delays[:2] == [1.0, 2.0]
        assert (tmp_path / "a.mp4").exists()

    async def test_policy_rejection_at_submit_is_final(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, outcome="reject_submit"), Sleeps()
        with pytest.raises(ContentRejected) as caught:
            await self.build(fake, sleeps).generate(self.request(frame), tmp_path / "a.mp4")
        assert not caught.value.retryable
        assert len(fake.requests) == 1 and sleeps.delays == [], "a refusal is never retried"

    async def test_policy_rejection_of_the_output_is_final(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, outcome="reject", running=1), Sleeps()
        with pytest.raises(ContentRejected) as caught:
            await self.build(fake, sleeps).generate(self.request(frame), tmp_path / "a.mp4")
        assert "Rephrase" in str(caught.value)
        assert len(fake.submits()) == 1 and fake.downloads() == []
        assert not (tmp_path / "a.mp4").exists()

    async def test_job_failure_is_a_backend_error(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake = self.fake(mp4_bytes, outcome="fail", running=0)
        with pytest.raises(BackendError) as caught:
            await self.build(fake, Sleeps()).generate(self.request(frame), tmp_path / "a.mp4")
        assert not isinstance(caught.value, ContentRejected)
        assert "failed" in str(caught.value)

    async def test_timeout_names_the_job(self, tmp_path: Path, mp4_bytes: bytes, frame: Path) -> None:
        fake, sleeps = self.fake(mp4_bytes, outcome="never"), Sleeps()
        with pytest.raises(BackendError) as caught:
            await self.build(fake, sleeps, timeout_s=30.0).generate(self.request(frame), tmp_path / "a.mp4")
        message = str(caught.value)
        assert "timed out after 30 s" in message and "job id" in message
        assert sleeps.delays == [5.0] * 6, "no wall time: the wait is counted from the sleeps requested"

    async def test_key_never_in_errors_reprs_or_logs(
        self, tmp_path: Path, mp4_bytes: bytes, frame: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        fake = self.fake(mp4_bytes, outcome="bad_request", submit_errors=[429], echo_key=True)
        backend = self.build(fake, Sleeps())
        with pytest.raises(BackendError) as caught:
            await backend.generate(self.request(frame), tmp_path / "a.mp4")
        secrets = [KEY, KLING_SECRET, *getattr(fake, "tokens", [])]
        texts = [str(caught.value), repr(caught.value), caught.value.problem, repr(backend), caplog.text]
        texts.append(repr(fake.settings()))
        for text in texts:
            for secret in secrets:
                assert secret not in text
        assert "***" in str(caught.value), "the echoed credential was redacted, not dropped silently"
