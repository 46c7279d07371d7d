"""Runway's API: ``image_to_video`` / ``text_to_video`` tasks.

Contract (video-apis.md §4): bearer key plus the required ``X-Runway-Version: 2024-11-06``; camelCase bodies
(``model``, ``promptText``, ``promptImage`` as a data URI, ``ratio`` in pixels such as "720:1280" for 9:16 (from the
catalog's provider_values), ``duration`` int, ``seed``) → ``{id}``; poll ``GET /v1/tasks/{id}`` for ``status``
PENDING / THROTTLED / RUNNING → SUCCEEDED (``output[0]``) | FAILED (``failure``, ``failureCode``) | CANCELLED.
``failureCode`` ``SAFETY.*`` is a content-safety refusal (input refusals are not refunded).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared

RUNWAY_BASE_URL = "https://api.dev.runwayml.com"
RUNWAY_VERSION = "2024-11-06"


class RunwayBackend(HttpVideoBackend):
    provider = "runway"
    default_base_url = RUNWAY_BASE_URL
    key_hint = "REELCREW_BACKENDS__RUNWAY_API_KEY"
    rejection_markers: ClassVar[tuple[str, ...]] = ("SAFETY.",)

    def __init__(self, entry: ModelEntry, api_key: SecretStr, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}", "X-Runway-Version": RUNWAY_VERSION}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    def body(self, spec: Prepared) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": spec.provider_model,
            "promptText": spec.prompt,
            "ratio": self.entry.provider_value("aspect_ratio", spec.aspect_ratio),
            "duration": int(spec.duration_s),
            **self.entry.provider_params,
        }
        if spec.images:
            body["promptImage"] = spec.images[0].data_url
        if spec.seed is not None:
            body["seed"] = spec.seed
        if spec.negative_prompt:
            body["negativePrompt"] = spec.negative_prompt
        return body

    async def submit(self, http: Http, spec: Prepared) -> Job:
        path = "/v1/image_to_video" if spec.mode == "i2v" else "/v1/text_to_video"
        reply = await http.json("POST", path, json=self.body(spec), what="submit")
        if not reply.get("id"):
            raise self.unexpected("submit", reply)
        return Job(id=str(reply["id"]))

    async def poll(self, http: Http, job: Job) -> JobStatus:
        task = await http.json("GET", f"/v1/tasks/{job.id}", what="poll")
        status = task.get("status")
        if status == "SUCCEEDED":
            output = task.get("output") or []
            return JobStatus("succeeded", video_url=output[0]) if output else JobStatus("failed", message="no output")
        if status in ("FAILED", "CANCELLED"):
            return self.failed(str(task.get("failure") or status), str(task.get("failureCode") or ""))
        return JobStatus("running")
