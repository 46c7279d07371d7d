"""Google Veo 3.1 through the Gemini Developer API (default) or Vertex AI (``VeoVertexBackend``).

Gemini API (video-apis.md §1a): ``POST /v1beta/models/{model}:predictLongRunning`` with ``x-goog-api-key``; poll
``GET /v1beta/{operation name}``; the clip is at ``response.generateVideoResponse.generatedSamples[].video.uri`` and
is fetched with the same key header. ``durationSeconds`` is an int; the Gemini API refuses ``seed``, so none is
sent. Reference frames go as the first frame ``image`` because reference-image mode allows neither 9:16 nor
anything but 8 s. Filtered output (``raiMediaFilteredCount`` / ``raiMediaFilteredReasons``) is a ContentRejected.

Vertex AI (§1b), used only when built explicitly: OAuth bearer token, project and location; poll with
``POST …:fetchPredictOperation {"operationName": …}``; a ``seed`` is allowed; videos come back inline as
``response.videos[].bytesBase64Encoded`` (we do not set ``storageUri``, so nothing lands in GCS).
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from backends.catalog import ModelEntry
from backends.video.http import Http, HttpVideoBackend, Job, JobStatus, Prepared, dig
from domain.production import GenerationRequest

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"


class VeoBackend(HttpVideoBackend):
    """Veo on the Gemini Developer API."""

    provider = "gemini"
    default_base_url = GEMINI_BASE_URL
    key_hint = "REELCREW_BACKENDS__GEMINI_API_KEY"
    rejection_markers: ClassVar[tuple[str, ...]] = ("raiMediaFiltered", "usage guidelines", "responsible ai")

    def __init__(self, entry: ModelEntry, api_key: SecretStr, **kwargs: Any) -> None:
        super().__init__(entry, **kwargs)
        self._key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._key.get_secret_value()}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    def download_headers(self, url: str) -> dict[str, str]:
        """The file URI needs the key, but only ever send it to the API's own host."""
        same_host = httpx.URL(url).host == httpx.URL(self.base_url).host
        return self.auth_headers() if same_host else {}

    def body(self, spec: Prepared) -> dict[str, Any]:
        instance: dict[str, Any] = {"prompt": spec.prompt}
        if spec.images:
            image = spec.images[0]
            instance["image"] = {"bytesBase64Encoded": image.b64, "mimeType": image.mime}
        parameters: dict[str, Any] = {
            "aspectRatio": spec.aspect_ratio,
            "resolution": spec.resolution,
            "durationSeconds": int(spec.duration_s),
            "sampleCount": 1,
            **self.entry.provider_params,
        }
        if spec.negative_prompt:
            parameters["negativePrompt"] = spec.negative_prompt
        return {"instances": [instance], "parameters": parameters}

    async def submit(self, http: Http, spec: Prepared) -> Job:
        op = await http.json(
            "POST", f"/v1beta/models/{spec.provider_model}:predictLongRunning", json=self.body(spec), what="submit"
        )
        if not op.get("name"):
            raise self.unexpected("submit", op)
        return Job(id=str(op["name"]), data={"op": op})

    async def poll(self, http: Http, job: Job) -> JobStatus:
        op = job.data.pop("op", None) or await http.json("GET", f"/v1beta/{job.id}", what="poll")
        return self.read_operation(op)

    def read_operation(self, op: dict[str, Any]) -> JobStatus:
        if not op.get("done"):
            return JobStatus("running")
        if isinstance(op.get("error"), dict):
            err = op["error"]
            return self.failed(str(err.get("message", "")), str(err.get("status", err.get("code", ""))))
        response = op.get("response") or {}
        result = response.get("generateVideoResponse", response)
        video = dig(result, "generatedSamples", 0, "video") or {}
        if video.get("uri"):
            return JobStatus("succeeded", video_url=video["uri"])
        if video.get("encodedVideo"):
            return JobStatus("succeeded", video_bytes=base64.b64decode(video["encodedVideo"]))
        if result.get("raiMediaFilteredCount"):
            reasons = "; ".join(result.get("raiMediaFilteredReasons") or []) or "no reason given"
            return JobStatus("rejected", message=f"output filtered by Veo's safety filters ({reasons})")
        return JobStatus("failed", message="operation finished without a video")


class VeoVertexBackend(VeoBackend):
    """Veo on Vertex AI: bearer token (e.g. ``gcloud auth print-access-token``), project and location.

    ``make_backend`` picks it for Veo models when ``vertex_access_token`` and ``vertex_project`` are configured.
    The token is short-lived: pass a fresh one per run. ``model`` overrides the catalog's Gemini model id
    (Vertex GA ids look
    like ``veo-3.1-generate-001``).
    """

    provider = "vertex"
    key_hint = "the Vertex access token (gcloud auth print-access-token)"

    def __init__(
        self,
        entry: ModelEntry,
        access_token: SecretStr,
        *,
        project: str,
        location: str = "us-central1",
        model: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("base_url", f"https://{location}-aiplatform.googleapis.com")
        super().__init__(entry, access_token, **kwargs)
        model_id = model or entry.provider_model
        self.model_path = f"/v1/projects/{project}/locations/{location}/publishers/google/models/{model_id}"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}"}

    def prepare(self, request: GenerationRequest) -> Prepared:
        """As on the Gemini API, plus the seed, which Vertex accepts."""
        return replace(super().prepare(request), seed=request.seed)

    def body(self, spec: Prepared) -> dict[str, Any]:
        body = super().body(spec)
        body["parameters"]["seed"] = spec.seed
        return body

    async def submit(self, http: Http, spec: Prepared) -> Job:
        op = await http.json("POST", f"{self.model_path}:predictLongRunning", json=self.body(spec), what="submit")
        if not op.get("name"):
            raise self.unexpected("submit", op)
        return Job(id=str(op["name"]))

    async def poll(self, http: Http, job: Job) -> JobStatus:
        op = await http.json(
            "POST", f"{self.model_path}:fetchPredictOperation", json={"operationName": job.id}, what="poll"
        )
        if op.get("done") and not op.get("error"):
            videos = dig(op, "response", "videos") or []
            if videos and videos[0].get("bytesBase64Encoded"):
                return JobStatus("succeeded", video_bytes=base64.b64decode(videos[0]["bytesBase64Encoded"]))
            if videos and videos[0].get("gcsUri"):
                return JobStatus("failed", message=f"video went to {videos[0]['gcsUri']}; unset storageUri")
            if dig(op, "response", "raiMediaFilteredCount"):
                reasons = "; ".join(dig(op, "response", "raiMediaFilteredReasons") or []) or "no reason given"
                return JobStatus("rejected", message=f"output filtered by Veo's safety filters ({reasons})")
        return self.read_operation(op)
