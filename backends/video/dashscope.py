"""Alibaba Model Studio (DashScope) video synthesis: HappyHorse and Wan.

Contract (video-apis.md §7): ``POST /api/v1/services/aigc/video-generation/video-synthesis`` with a bearer key and
the required header ``X-DashScope-Async: enable`` → ``{output:{task_id, task_status}}``; poll
``GET /api/v1/tasks/{task_id}`` for ``task_status`` PENDING → RUNNING → SUCCEEDED (``output.video_url``) |
FAILED / CANCELED / UNKNOWN (``output.code`` / ``output.message``). Failures such as ``DataInspectionFailed`` are
content-safety refusals.

Two parameter dialects, chosen by the catalog's ``api_style``:
- ``resolution_ratio`` (HappyHorse, Wan 2.7): ``parameters.resolution`` "720P" + ``ratio`` "9:16"; a reference
  frame goes in ``input.media`` as ``{type:"first_frame", url}``.
- ``size`` (Wan ≤ 2.6): text-to-video takes ``parameters.size`` "720*1280"; image-to-video takes ``input.img_url``
  and ``parameters.resolution`` (the aspect follows the image).
Images are inline data URLs. ``prompt_extend`` is off by default (catalog): the prompt already carries the bible.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, dig

DASHSCOPE_BASE_URL = "https://dashscope-intl.aliyuncs.com"
SUBMIT_PATH = "/api/v1/services/aigc/video-generation/video-synthesis"


class DashScopeBackend(HttpVideoBackend):
    provider = "dashscope"
    default_base_url = DASHSCOPE_BASE_URL
    key_hint = "REELCREW_BACKENDS__DASHSCOPE_API_KEY (the key, host and model must share one region)"
    rejection_markers: ClassVar[tuple[str, ...]] = ("DataInspectionFailed", "IPInfringementSuspect", "data_inspection")

    def __init__(self, entry: ModelEntry, api_key: SecretStr, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}"}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    def body(self, spec: Prepared) -> dict[str, Any]:
        inputs: dict[str, Any] = {"prompt": spec.prompt}
        if spec.negative_prompt:
            inputs["negative_prompt"] = spec.negative_prompt
        parameters: dict[str, Any] = {"duration": int(spec.duration_s), **self.entry.provider_params}
        if spec.seed is not None:
            parameters["seed"] = spec.seed
        resolution = spec.resolution.upper()
        if self.entry.api_style == "size":
            if spec.images:
                inputs["img_url"] = spec.images[0].data_url
                parameters["resolution"] = resolution
            else:
                parameters["size"] = f"{spec.width}*{spec.height}"
        else:
            parameters["resolution"] = resolution
            if spec.images:
                inputs["media"] = [{"type": "first_frame", "url": spec.images[0].data_url}]
            else:
                parameters["ratio"] = spec.aspect_ratio
        return {"model": spec.provider_model, "input": inputs, "parameters": parameters}

    async def submit(self, http: Http, spec: Prepared) -> Job:
        reply = await http.json(
            "POST", SUBMIT_PATH, json=self.body(spec), headers={"X-DashScope-Async": "enable"}, what="submit"
        )
        task_id = dig(reply, "output", "task_id")
        if not task_id:
            raise self.unexpected("submit", reply)
        return Job(id=str(task_id))

    async def poll(self, http: Http, job: Job) -> JobStatus:
        reply = await http.json("GET", f"/api/v1/tasks/{job.id}", what="poll")
        output = reply.get("output") or {}
        status = output.get("task_status")
        if status == "SUCCEEDED":
            url = output.get("video_url")
            return JobStatus("succeeded", video_url=url) if url else JobStatus("failed", message="no video_url")
        if status in ("FAILED", "CANCELED", "UNKNOWN"):
            return self.failed(str(output.get("message") or status), str(output.get("code") or ""))
        return JobStatus("running")
