"""ByteDance Seedance through the BytePlus ModelArk tasks API (Volcengine Ark works the same with its own host).

Contract (video-apis.md §3): ``POST /contents/generations/tasks`` (base ends in ``/api/v3``), bearer key, body
``{model, content:[{type:"text"}, {type:"image_url", image_url:{url}, role}], ratio, resolution, duration (int),
seed, ...}`` → ``{id}``; poll ``GET /contents/generations/tasks/{id}`` for ``status`` queued → running →
succeeded (``content.video_url``) | failed (``error.code`` / ``error.message``) | cancelled. Reference frames
go inline as data URLs with the catalog's role (``reference_image`` for 2.0: keeps the character, not the pose).
There is no negative-prompt field. Codes with "Sensitive" in them are content-safety refusals.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, dig

ARK_BASE_URL = "https://ark.ap-southeast.bytepluses.com/api/v3"


class SeedanceBackend(HttpVideoBackend):
    provider = "seedance"
    default_base_url = ARK_BASE_URL
    key_hint = "REELCREW_BACKENDS__ARK_API_KEY"
    rejection_markers: ClassVar[tuple[str, ...]] = ("SensitiveContent", "Sensitive", "PolicyViolation")

    def __init__(self, entry: ModelEntry, api_key: SecretStr, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}"}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    def body(self, spec: Prepared) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": spec.prompt}]
        role = self.entry.reference_role
        content += [{"type": "image_url", "image_url": {"url": i.data_url}, "role": role} for i in spec.images]
        body: dict[str, Any] = {
            "model": spec.provider_model,
            "content": content,
            "ratio": spec.aspect_ratio,
            "resolution": spec.resolution,
            "duration": int(spec.duration_s),
            **self.entry.provider_params,
        }
        if spec.seed is not None:
            body["seed"] = spec.seed
        return body

    async def submit(self, http: Http, spec: Prepared) -> Job:
        reply = await http.json("POST", "/contents/generations/tasks", json=self.body(spec), what="submit")
        if not reply.get("id"):
            raise self.unexpected("submit", reply)
        return Job(id=str(reply["id"]))

    async def poll(self, http: Http, job: Job) -> JobStatus:
        task = await http.json("GET", f"/contents/generations/tasks/{job.id}", what="poll")
        status = task.get("status")
        if status == "succeeded":
            url = dig(task, "content", "video_url")
            return JobStatus("succeeded", video_url=url) if url else JobStatus("failed", message="no video_url")
        if status in ("failed", "cancelled"):
            code = str(dig(task, "error", "code") or status)
            return self.failed(str(dig(task, "error", "message") or ""), code)
        return JobStatus("running")
