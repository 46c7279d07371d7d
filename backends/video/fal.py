"""fal.ai's queue API: any video app on fal, its inputs described by the catalog entry.

Contract (video-apis.md §9): ``Authorization: Key <FAL_KEY>``; ``POST https://queue.fal.run/{app}`` with the app's
input JSON → ``{request_id, status_url, response_url}``; ``GET status_url`` → ``IN_QUEUE`` | ``IN_PROGRESS`` |
``COMPLETED`` (a failed run is ``COMPLETED`` with ``error``); ``GET response_url`` → ``{"video": {"url"}}``.
We follow the URLs fal returns rather than rebuilding them (apps with sub-paths use a shorter status path).
Error responses carry ``x-fal-error-type``; content-policy types are refusals.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, Verdict, dig, mapped_inputs

FAL_QUEUE_URL = "https://queue.fal.run"


class FalBackend(HttpVideoBackend):
    provider = "fal"
    default_base_url = FAL_QUEUE_URL
    key_hint = "REELCREW_BACKENDS__FAL_KEY"
    rejection_markers: ClassVar[tuple[str, ...]] = ("content_policy_violation", "content_policy", "nsfw")

    def __init__(self, entry: ModelEntry, api_key: SecretStr, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self._key.get_secret_value()}"}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    def classify(self, response: httpx.Response) -> Verdict:
        error_type = response.headers.get("x-fal-error-type", "")
        verdict = super().classify(response)
        if verdict.kind == "fail" and self.is_rejection(error_type):
            return Verdict("reject", f"{error_type}: {verdict.message}")
        return verdict

    async def submit(self, http: Http, spec: Prepared) -> Job:
        reply = await http.json("POST", f"/{spec.provider_model}", json=mapped_inputs(self.entry, spec), what="submit")
        if not (reply.get("request_id") and reply.get("status_url") and reply.get("response_url")):
            raise self.unexpected("submit", reply)
        return Job(id=str(reply["request_id"]), data={"status": reply["status_url"], "result": reply["response_url"]})

    async def poll(self, http: Http, job: Job) -> JobStatus:
        status = await http.json("GET", job.data["status"], what="poll")
        if status.get("status") != "COMPLETED":
            return JobStatus("running")
        if status.get("error"):
            return self.failed(str(status["error"]), str(status.get("error_type") or ""))
        result = await http.json("GET", job.data["result"], what="result")
        url = dig(result, "video", "url")
        return JobStatus("succeeded", video_url=url) if url else self.failed(f"no video in result: {str(result)[:200]}")
