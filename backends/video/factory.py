"""Build the adapter for a model id, or say there is none so the caller falls back to the previz renderer.

A real adapter is returned only when ``[backends] video = "auto"`` and the provider's key is set; keys come from
``BackendSettings`` (file or environment), never from here. ``base_urls[provider]`` overrides a provider's host
(a regional endpoint, a proxy, a local fake).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import SecretStr

from backends.catalog import ModelCatalog, ModelEntry
from backends.video.base import VideoBackend
from backends.video.dashscope import DashScopeBackend
from backends.video.fal import FalBackend
from backends.video.http import HttpVideoBackend, PollPolicy, Sleep
from backends.video.kling import KlingBackend
from backends.video.replicate import ReplicateBackend
from backends.video.runway import RunwayBackend
from backends.video.seedance import SeedanceBackend
from backends.video.veo import VeoBackend, VeoVertexBackend
from domain.errors import ConfigError
from domain.settings import BackendSettings

_Builder = Callable[[ModelEntry, BackendSettings, dict[str, object]], HttpVideoBackend | None]


def _one_key(cls: type, field: str) -> _Builder:
    def build(entry: ModelEntry, s: BackendSettings, kw: dict[str, object]) -> HttpVideoBackend | None:
        key: SecretStr | None = getattr(s, field)
        return cls(entry, key, **kw) if key is not None and key.get_secret_value() else None

    return build


def _kling(entry: ModelEntry, s: BackendSettings, kw: dict[str, object]) -> HttpVideoBackend | None:
    ak, sk = s.kling_access_key, s.kling_secret_key
    if ak is None or sk is None or not ak.get_secret_value() or not sk.get_secret_value():
        return None
    return KlingBackend(entry, ak, sk, **kw)  # type: ignore[arg-type]


def _veo(entry: ModelEntry, s: BackendSettings, kw: dict[str, object]) -> HttpVideoBackend | None:
    """Vertex AI when a token and project are configured (it takes a seed), else the Gemini API key."""
    token = s.vertex_access_token
    if token is not None and token.get_secret_value() and s.vertex_project:
        kw = {**kw, "base_url": s.base_urls.get("vertex")}
        if kw["base_url"] is None:
            del kw["base_url"]
        return VeoVertexBackend(entry, token, project=s.vertex_project, location=s.vertex_location, **kw)  # type: ignore[arg-type]
    return _one_key(VeoBackend, "gemini_api_key")(entry, s, kw)


BUILDERS: dict[str, _Builder] = {
    "gemini": _veo,
    "kling": _kling,
    "seedance": _one_key(SeedanceBackend, "ark_api_key"),
    "dashscope": _one_key(DashScopeBackend, "dashscope_api_key"),
    "runway": _one_key(RunwayBackend, "runway_api_key"),
    "fal": _one_key(FalBackend, "fal_key"),
    "replicate": _one_key(ReplicateBackend, "replicate_api_token"),
}


def make_backend(
    model_id: str,
    catalog: ModelCatalog,
    settings: BackendSettings,
    *,
    client: httpx.AsyncClient | None = None,
    sleep: Sleep | None = None,
) -> VideoBackend | None:
    """The real adapter for ``model_id`` when its provider's key is configured, else None (use previz)."""
    entry = catalog.get(model_id)
    if settings.video == "previz":
        return None
    builder = BUILDERS.get(entry.provider)
    if builder is None:
        raise ConfigError(
            f"catalog entry {model_id!r} names provider {entry.provider!r}, which has no adapter; "
            f"use one of {', '.join(sorted(BUILDERS))}."
        )
    policy = PollPolicy(
        poll_interval_s=settings.poll_interval_s, timeout_s=settings.timeout_s, max_retries=settings.max_retries
    )
    kwargs: dict[str, object] = {
        "base_url": settings.base_urls.get(entry.provider),
        "client": client,
        "sleep": sleep,
        "policy": policy,
    }
    return builder(entry, settings, kwargs)


def provider_configured(model_id: str, catalog: ModelCatalog, settings: BackendSettings) -> bool:
    """Whether ``make_backend`` would return a real adapter (cheap: builds nothing that talks to the network)."""
    return make_backend(model_id, catalog, settings) is not None
