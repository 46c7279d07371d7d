"""Kuaishou Kling's official API: JWT auth, text2video / image2video tasks, an error envelope.

Contract (video-apis.md §2): sign an HS256 JWT ``{iss: access_key, exp: now+1800, nbf: now-5}`` with the secret
key and send it as a bearer token, re-signing a minute before it expires. ``POST /v1/videos/{text2video|image2video}``
→ ``{code, message, data:{task_id, task_status}}``; poll ``GET /v1/videos/{kind}/{task_id}`` until ``task_status``
is ``succeed`` (``data.task_result.videos[0].url``) or ``failed`` (``task_status_msg``). ``duration`` is a string
("5", "10"); ``image`` is raw base64 without a ``data:`` prefix; there is no seed field.

Envelope codes: 1004 (token expired) → re-sign once; 1300/1301 (content policy) → ContentRejected;
1302/1303 (rate / concurrency limit) → backoff and retry; 5000–5002 → retry; other non-zero codes → BackendError.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import jwt
from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, Verdict, dig, error_text

KLING_BASE_URL = "https://api-singapore.klingai.com"
TOKEN_TTL_S = 1800
REFRESH_MARGIN_S = 60


class KlingBackend(HttpVideoBackend):
    provider = "kling"
    default_base_url = KLING_BASE_URL
    key_hint = "REELCREW_BACKENDS__KLING_ACCESS_KEY and REELCREW_BACKENDS__KLING_SECRET_KEY"
    rejection_markers: ClassVar[tuple[str, ...]] = ("risk control", "risk-control", "content security")

    def __init__(
        self,
        entry: ModelEntry,
        access_key: SecretStr,
        secret_key: SecretStr,
        *,
        now: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(entry, **kwargs)
        self._access_key = access_key
        self._secret_key = secret_key
        self._now = now
        self._token = ""
        self._token_exp = 0.0

    def token(self) -> str:
        """A valid JWT, re-signed when it is within a minute of expiring (or after a 1004 from the API)."""
        now = self._now()
        if not self._token or now >= self._token_exp - REFRESH_MARGIN_S:
            self._token_exp = now + TOKEN_TTL_S
            payload = {"iss": self._access_key.get_secret_value(), "exp": int(self._token_exp), "nbf": int(now) - 5}
            self._token = jwt.encode(
                payload, self._secret_key.get_secret_value(), algorithm="HS256", headers={"typ": "JWT"}
            )
        return self._token

    def refresh_auth(self) -> None:
        self._token = ""

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def secrets(self) -> list[str]:
        return [self._access_key.get_secret_value(), self._secret_key.get_secret_value(), self._token]

    def classify(self, response: httpx.Response) -> Verdict:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, int) or (code == 0 and response.is_success):
            return super().classify(response)
        message = f"Kling code {code}: {error_text(response)}"
        if code == 1004:
            return Verdict("reauth", message)
        if code in (1300, 1301):
            return Verdict("reject", message)
        if code in (1302, 1303):
            return Verdict("rate_limited", message)
        if 5000 <= code <= 5002:
            return Verdict("retry", message)
        if 1000 <= code <= 1003:
            return Verdict("fail", f"{message}. Check {self.key_hint}.")
        if 1100 <= code <= 1102:
            return Verdict("fail", f"{message}. The Kling account is out of credit or its resource pack is used up.")
        return Verdict("fail", message)

    def body(self, spec: Prepared) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model_name": spec.provider_model,
            "prompt": spec.prompt,
            "aspect_ratio": spec.aspect_ratio,
            "duration": str(int(spec.duration_s)),
            **self.entry.provider_params,
        }
        if spec.negative_prompt:
            body["negative_prompt"] = spec.negative_prompt
        if spec.images:
            body["image"] = spec.images[0].b64
        return body

    async def submit(self, http: Http, spec: Prepared) -> Job:
        kind = "image2video" if spec.mode == "i2v" else "text2video"
        reply = await http.json("POST", f"/v1/videos/{kind}", json=self.body(spec), what="submit")
        task_id = dig(reply, "data", "task_id")
        if not task_id:
            raise self.unexpected("submit", reply)
        return Job(id=str(task_id), data={"kind": kind})

    async def poll(self, http: Http, job: Job) -> JobStatus:
        reply = await http.json("GET", f"/v1/videos/{job.data['kind']}/{job.id}", what="poll")
        data = reply.get("data") or {}
        status = data.get("task_status")
        if status == "succeed":
            url = dig(data, "task_result", "videos", 0, "url")
            return JobStatus("succeeded", video_url=url) if url else JobStatus("failed", message="no video URL")
        if status == "failed":
            return self.failed(str(data.get("task_status_msg") or "no reason given"))
        return JobStatus("running")
