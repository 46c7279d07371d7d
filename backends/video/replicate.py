"""Replicate's predictions API: any video model on Replicate, its inputs described by the catalog entry.

Contract (video-apis.md §10): bearer token; ``POST /v1/models/{owner}/{name}/predictions {input}`` (with the
optional ``Prefer: wait=N`` the call may come back already finished) → a prediction ``{id, status, output, error}``;
poll ``GET /v1/predictions/{id}`` while ``status`` is starting / processing, until succeeded (``output``: a URL or
a list of URLs) | failed (``error``) | canceled. Replicate reports safety refusals as ``failed`` with an error
mentioning NSFW / sensitive / flagged content.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, mapped_inputs

REPLICATE_BASE_URL = "https://api.replicate.com"


class ReplicateBackend(HttpVideoBackend):
    provider = "replicate"
    default_base_url = REPLICATE_BASE_URL
    key_hint = "REELCREW_BACKENDS__REPLICATE_API_TOKEN"
    rejection_markers: ClassVar[tuple[str, ...]] = ("nsfw", "flagged as sensitive", "E005")

    def __init__(self, entry: ModelEntry, api_token: SecretStr, *, prefer_wait_s: int = 0, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._token = api_token
        self.prefer_wait_s = prefer_wait_s

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"}

    def secrets(self) -> list[str]:
        return [self._token.get_secret_value()]

    async def submit(self, http: Http, spec: Prepared) -> Job:
        headers = {"Prefer": f"wait={self.prefer_wait_s}"} if self.prefer_wait_s > 0 else {}
        reply = await http.json(
            "POST",
            f"/v1/models/{spec.provider_model}/predictions",
            json={"input": mapped_inputs(self.entry, spec)},
            headers=headers,
            what="submit",
        )
        if not reply.get("id"):
            raise self.unexpected("submit", reply)
        return Job(id=str(reply["id"]), data={"prediction": reply})

    async def poll(self, http: Http, job: Job) -> JobStatus:
        prediction = job.data.pop("prediction", None) or await http.json(
            "GET", f"/v1/predictions/{job.id}", what="poll"
        )
        status = prediction.get("status")
        if status == "succeeded":
            output = prediction.get("output")
            url = output[0] if isinstance(output, list) and output else output
            return JobStatus("succeeded", video_url=url) if isinstance(url, str) else self.failed("no output URL")
        if status in ("failed", "canceled"):
            return self.failed(str(prediction.get("error") or status))
        return JobStatus("running")
