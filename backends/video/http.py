"""The submit → poll → download loop every hosted video API shares, written once.

An adapter subclasses ``HttpVideoBackend`` and fills in four small pieces: ``auth_headers`` (how to sign a
call), ``submit`` (map the request to the provider's body, return a ``Job``), ``poll`` (read one status response
into a ``JobStatus``) and, where the provider has its own error envelope, ``classify``. Everything else lives here:
retries with exponential backoff on 429 / 5xx / transport errors (honouring ``Retry-After``), the poll loop with its
timeout, content-policy rejections as final ``ContentRejected`` errors, the download, the atomic write, the cost.

Two seams keep tests instant and offline: pass an ``httpx.AsyncClient`` built on ``httpx.MockTransport`` and a
no-op ``sleep``. Time spent waiting is counted from the sleeps requested (and the wall clock, whichever is larger),
so a fake provider that never finishes times out after ``timeout_s / poll_interval_s`` polls without real waiting.

Keys are ``SecretStr`` and are unwrapped only while building headers; every message that leaves this module goes
through ``_redact`` first, so a provider echoing a key back cannot leak it into an exception or a log.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx

from backends.catalog import Mode, ModelEntry
from domain.errors import BackendError, ConfigError, ContentRejected, RateLimited
from domain.files import atomic_path
from domain.production import GenerationRequest, GenerationResult

log = logging.getLogger("reelcrew.backends.video")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
_GENERIC_REJECTIONS = ("content policy", "safety", "moderation", "nsfw", "sensitive content", "inappropriate")


@dataclass(frozen=True)
class PollPolicy:
    """How patiently to wait: poll cadence, total cap, retries per HTTP call and their backoff."""

    poll_interval_s: float = 5.0
    timeout_s: float = 900.0
    max_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_max_s: float = 300.0


@dataclass(frozen=True)
class Image:
    """A reference frame read from disk, ready to inline in a JSON body."""

    path: str
    mime: str
    b64: str

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self.b64}"


@dataclass(frozen=True)
class Prepared:
    """The request fitted to this model: snapped duration, supported resolution, truncated prompt, images."""

    request: GenerationRequest
    mode: Mode
    provider_model: str
    prompt: str
    negative_prompt: str
    duration_s: float
    resolution: str
    aspect_ratio: str
    seed: int | None
    images: list[Image]
    width: int
    height: int


@dataclass
class Job:
    """A submitted job: its id and whatever the adapter needs to poll it (e.g. fal's status URL)."""

    id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobStatus:
    state: Literal["running", "succeeded", "failed", "rejected"]
    video_url: str | None = None
    video_bytes: bytes | None = None
    message: str = ""


@dataclass(frozen=True)
class Verdict:
    """What to do with one HTTP response."""

    kind: Literal["ok", "retry", "rate_limited", "reauth", "reject", "fail"]
    message: str = ""


class HttpVideoBackend:
    """Base of the hosted-API adapters. Subclasses set the class constants and the four hooks."""

    provider: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    key_hint: ClassVar[str] = ""
    rejection_markers: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        entry: ModelEntry,
        *,
        base_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
        policy: PollPolicy | None = None,
    ) -> None:
        self.entry = entry
        self.name = f"{self.provider}:{entry.id}"
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.policy = policy or PollPolicy()
        self._client = client
        self._sleep: Sleep = sleep or asyncio.sleep
        self._clock: Clock = clock or time.monotonic

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.entry.id!r}, base_url={self.base_url!r})"

    # ------------------------------------------------------------------ hooks for adapters

    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    async def submit(self, http: Http, spec: Prepared) -> Job:
        raise NotImplementedError

    async def poll(self, http: Http, job: Job) -> JobStatus:
        raise NotImplementedError

    def download_headers(self, url: str) -> dict[str, str]:
        """Headers for fetching the result; none by default (result URLs are pre-signed)."""
        return {}

    def secrets(self) -> list[str]:
        """Every secret string this adapter holds, for redaction."""
        return []

    def refresh_auth(self) -> None:
        """Called once when the provider says the credentials expired; override where that can be fixed."""

    def classify(self, response: httpx.Response) -> Verdict:
        """Map an HTTP response to ok / retry / reject / fail; adapters with an error envelope extend this."""
        if response.is_success:
            return Verdict("ok")
        message = error_text(response)
        if response.status_code == 429:
            return Verdict("rate_limited", f"rate limited (HTTP 429): {message}")
        if response.status_code >= 500 or response.status_code == 408:
            return Verdict("retry", f"server error (HTTP {response.status_code}): {message}")
        if self.is_rejection(message):
            return Verdict("reject", f"content policy rejected the request: {message}")
        if response.status_code in (401, 403):
            return Verdict(
                "fail", f"authentication failed (HTTP {response.status_code}): {message}. Check {self.key_hint}."
            )
        return Verdict("fail", f"request refused (HTTP {response.status_code}): {message}")

    def is_rejection(self, *texts: str) -> bool:
        """True when a provider message or code is a content-safety refusal (final, never retried)."""
        haystack = " ".join(texts).lower()
        return any(m.lower() in haystack for m in (*self.rejection_markers, *_GENERIC_REJECTIONS))

    def failed(self, message: str, code: str = "") -> JobStatus:
        """A terminal failure status, marked as a rejection when the code or message says so."""
        text = f"{code}: {message}" if code else message
        state: Literal["rejected", "failed"] = "rejected" if self.is_rejection(code, message) else "failed"
        return JobStatus(state, message=text or "no reason given")

    def unexpected(self, what: str, body: Any) -> BackendError:
        """An error for a response that lacks what the contract promised (e.g. no job id)."""
        text = f"{what}: unexpected response from the provider: {str(body)[:300]}"
        return BackendError(self.name, self._redact(text))

    # ------------------------------------------------------------------ the shared loop

    async def generate(self, request: GenerationRequest, target: Path) -> GenerationResult:
        """Submit, poll until done, download to ``target`` atomically; cost and latency from the catalog and clock."""
        spec = self.prepare(request)
        started = self._clock()
        async with self._http() as http:
            job = await self.submit(http, spec)
            log.info("%s: submitted job %s (%s, %.0f s)", self.name, job.id, spec.mode, spec.duration_s)
            status = await self._wait(http, job)
            await self._save(http, status, job, target)
        return GenerationResult(
            clip=str(target),
            model=self.entry.id,
            seed=request.seed,
            cost_usd=self.entry.price(spec.duration_s, spec.resolution),
            latency_s=round(self._clock() - started, 3),
            provider_job_id=job.id,
            width=spec.width,
            height=spec.height,
            duration_s=spec.duration_s,
            meta={
                "provider": self.provider,
                "provider_model": spec.provider_model,
                "mode": spec.mode,
                "requested_duration_s": request.duration_s,
                "resolution": spec.resolution,
                "seed_sent": spec.seed is not None,
                "prompt_truncated": spec.prompt != request.prompt.strip(),
                "reference_images": len(spec.images),
            },
        )

    def prepare(self, request: GenerationRequest) -> Prepared:
        """Fit the request to this model, refusing what it cannot do with a message that says what to change."""
        e = self.entry
        if request.model != e.id:
            raise ConfigError(f"{self.name} was asked for model {request.model!r}; build a backend for that model")
        if request.aspect_ratio not in e.aspect_ratios:
            note = f" {e.portrait_note}" if e.portrait_note else ""
            raise ConfigError(
                f"{e.id} cannot make {request.aspect_ratio} clips (it offers {', '.join(e.aspect_ratios)}).{note} "
                "Route the shot to another model."
            )
        frames = request.reference_frames[: e.max_reference_images] if "i2v" in e.modes else []
        mode: Mode = "i2v" if frames else "t2v"
        if mode == "t2v" and "t2v" not in e.modes:
            raise ConfigError(
                f"{e.id} only does image-to-video and shot {request.shot.id} has no reference frame; "
                "lock a reference frame first or route the shot to another model."
            )
        resolution = e.output_resolution(request.resolution)
        width, height = e.dimensions(resolution, request.aspect_ratio)
        return Prepared(
            request=request,
            mode=mode,
            provider_model=e.model_for(mode),
            prompt=e.truncate_prompt(request.prompt),
            negative_prompt=request.negative_prompt.strip() if e.supports_negative_prompt else "",
            duration_s=e.snap_duration(request.duration_s),
            resolution=resolution,
            aspect_ratio=request.aspect_ratio,
            seed=request.seed if e.supports_seed else None,
            images=[self._read_image(p) for p in frames],
            width=width,
            height=height,
        )

    async def _wait(self, http: Http, job: Job) -> JobStatus:
        waited = 0.0
        started = self._clock()
        while True:
            status = await self.poll(http, job)
            if status.state == "succeeded":
                return status
            if status.state == "rejected":
                raise ContentRejected(
                    self.name,
                    self._redact(
                        f"job {job.id} refused by the content policy: {status.message}. "
                        "Rephrase the prompt or change the reference frame; retrying as-is will not help."
                    ),
                )
            if status.state == "failed":
                raise BackendError(self.name, self._redact(f"job {job.id} failed: {status.message}"))
            elapsed = max(waited, self._clock() - started)
            if elapsed >= self.policy.timeout_s:
                raise BackendError(
                    self.name,
                    f"timed out after {self.policy.timeout_s:.0f} s waiting for job id {job.id}; it may still finish "
                    f"on the provider's side. Raise [backends] timeout_s or try again later.",
                    retryable=True,
                )
            await self._sleep(self.policy.poll_interval_s)
            waited += self.policy.poll_interval_s

    async def _save(self, http: Http, status: JobStatus, job: Job, target: Path) -> None:
        data = status.video_bytes
        if data is None:
            if not status.video_url:
                raise BackendError(self.name, f"job {job.id} finished without a video URL")
            response = await http.send(
                "GET", status.video_url, headers=self.download_headers(status.video_url), auth=False, what="download"
            )
            data = response.content
        if not data:
            raise BackendError(self.name, f"job {job.id} returned an empty video", retryable=True)
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)

    @asynccontextmanager
    async def _http(self) -> AsyncIterator[Http]:
        if self._client is not None:
            yield Http(self, self._client)
            return
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=15.0)) as client:
            yield Http(self, client)

    def _read_image(self, path: str) -> Image:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise BackendError(self.name, f"cannot read reference frame {p}: {exc.strerror}") from None
        return Image(str(p), _MIME.get(p.suffix.lower(), "image/png"), base64.b64encode(raw).decode("ascii"))

    def _redact(self, text: str) -> str:
        for secret in self.secrets():
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and (after := retry_after(response)) is not None:
            return min(after, self.policy.retry_after_max_s)
        return min(self.policy.backoff_max_s, self.policy.backoff_base_s * 2**attempt)


class Http:
    """One call's HTTP helper: signs, retries and classifies every request an adapter makes."""

    def __init__(self, backend: HttpVideoBackend, client: httpx.AsyncClient) -> None:
        self.backend = backend
        self.client = client

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.backend.base_url}{path}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        what: str = "request",
    ) -> httpx.Response:
        """Send with retries: 429 / 5xx / transport errors back off and retry; rejections and 4xx raise at once."""
        b = self.backend
        url = self.url(path)
        attempt = 0
        reauthed = False
        while True:
            sent = {**(b.auth_headers() if auth else {}), **(headers or {})}
            try:
                response = await self.client.request(method, url, json=json, headers=sent)
            except httpx.TransportError as exc:
                if attempt >= b.policy.max_retries:
                    raise BackendError(
                        b.name,
                        f"{what}: could not reach {httpx.URL(url).host} ({type(exc).__name__}) after "
                        f"{attempt + 1} tries; check the network or [backends] base_urls.",
                        retryable=True,
                    ) from None
                delay = b._backoff(attempt, None)
                log.warning("%s: %s transport error (%s); retry in %.1f s", b.name, what, type(exc).__name__, delay)
                await b._sleep(delay)
                attempt += 1
                continue
            if not auth and response.status_code in (401, 403, 404, 410):
                raise BackendError(
                    b.name,
                    f"{what}: the result URL answered HTTP {response.status_code}; result links expire "
                    "(24 h to 30 days by provider), so generate the shot again.",
                )
            verdict = b.classify(response)
            if verdict.kind == "ok":
                return response
            message = b._redact(f"{what}: {verdict.message}")
            if verdict.kind in ("retry", "rate_limited"):
                if attempt >= b.policy.max_retries:
                    tail = f" (gave up after {attempt + 1} tries)"
                    if verdict.kind == "rate_limited":
                        raise RateLimited(b.name, message + tail + "; lower run.workers or try again later.")
                    raise BackendError(b.name, message + tail, retryable=True)
                delay = b._backoff(attempt, response)
                log.warning("%s: %s; retry in %.1f s", b.name, message, delay)
                await b._sleep(delay)
                attempt += 1
                continue
            if verdict.kind == "reauth" and not reauthed:
                b.refresh_auth()
                reauthed = True
                continue
            if verdict.kind == "reject":
                raise ContentRejected(b.name, message + ". Rephrase the prompt; retrying as-is will not help.")
            raise BackendError(b.name, message)

    async def json(self, method: str, path: str, *, what: str, **kwargs: Any) -> dict[str, Any]:
        """``send`` and parse a JSON object, failing clearly when the provider answers something else."""
        response = await self.send(method, path, what=what, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise BackendError(self.backend.name, f"{what}: expected a JSON object, got {response.text[:200]!r}")
        return body


def error_text(response: httpx.Response) -> str:
    """The provider's own words for an error, from the usual JSON shapes or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300].strip() or response.reason_phrase
    if isinstance(body, dict):
        parts: list[str] = []
        for key in ("code", "failureCode", "error_type"):
            if isinstance(body.get(key), str | int) and body.get(key) not in ("", 0):
                parts.append(str(body[key]))
        err = body.get("error")
        if isinstance(err, dict):
            parts += [str(err[k]) for k in ("code", "status", "message") if err.get(k)]
        elif isinstance(err, str):
            parts.append(err)
        for key in ("message", "msg", "detail", "failure"):
            if isinstance(body.get(key), str):
                parts.append(body[key])
        if parts:
            return ": ".join(dict.fromkeys(parts))[:500]
    return str(body)[:300]


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if there is one."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def dig(body: Any, *keys: str | int) -> Any:
    """``body[k1][k2]...`` or None when any step is missing: provider responses are sparse."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(body, list) or len(body) <= key:
                return None
        elif not isinstance(body, dict):
            return None
        body = body[key] if isinstance(key, int) else body.get(key)
    return body


def mapped_inputs(entry: ModelEntry, spec: Prepared) -> dict[str, Any]:
    """A model's input JSON from the catalog's ``inputs`` name map (fal and Replicate models differ per model)."""
    ours: dict[str, Any] = {
        "prompt": spec.prompt,
        "negative_prompt": spec.negative_prompt or None,
        "aspect_ratio": entry.provider_value("aspect_ratio", spec.aspect_ratio),
        "duration": entry.format_duration(spec.duration_s),
        "resolution": entry.provider_value("resolution", spec.resolution),
        "seed": spec.seed,
        "image": spec.images[0].data_url if spec.images else None,
    }
    inputs = {name: ours[field] for field, name in entry.inputs.items() if ours.get(field) is not None}
    return {**inputs, **entry.provider_params}
