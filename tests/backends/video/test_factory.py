"""make_backend: a real adapter only where a key is configured, previz (None) otherwise; base URL overrides."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from pydantic import SecretStr

import backends.video as video
from backends.catalog import ModelCatalog
from backends.video import HttpVideoBackend, VideoBackend, make_backend, provider_configured
from backends.video.dashscope import DashScopeBackend
from backends.video.fal import FalBackend
from backends.video.http import error_text, retry_after
from backends.video.kling import KlingBackend
from backends.video.replicate import ReplicateBackend
from backends.video.runway import RunwayBackend
from backends.video.seedance import SeedanceBackend
from backends.video.veo import VeoBackend
from domain.settings import BackendSettings

CATALOG = ModelCatalog.load()
ALL_KEYS = BackendSettings(
    gemini_api_key=SecretStr("g"),
    kling_access_key=SecretStr("ka"),
    kling_secret_key=SecretStr("ks"),
    ark_api_key=SecretStr("a"),
    dashscope_api_key=SecretStr("d"),
    runway_api_key=SecretStr("r"),
    fal_key=SecretStr("f"),
    replicate_api_token=SecretStr("t"),
)
CLASSES = {
    "gemini": VeoBackend,
    "kling": KlingBackend,
    "seedance": SeedanceBackend,
    "dashscope": DashScopeBackend,
    "runway": RunwayBackend,
    "fal": FalBackend,
    "replicate": ReplicateBackend,
}


def test_public_names() -> None:
    assert sorted(video.__all__) == [
        "HttpVideoBackend",
        "PollPolicy",
        "VideoBackend",
        "make_backend",
        "provider_configured",
    ]


@pytest.mark.parametrize("entry", CATALOG.entries(), ids=lambda e: e.id)
def test_no_key_means_previz(entry) -> None:  # type: ignore[no-untyped-def]
    assert make_backend(entry.id, CATALOG, BackendSettings()) is None
    assert not provider_configured(entry.id, CATALOG, BackendSettings())


@pytest.mark.parametrize("entry", CATALOG.entries(), ids=lambda e: e.id)
def test_a_key_gives_the_provider_adapter(entry) -> None:  # type: ignore[no-untyped-def]
    backend = make_backend(entry.id, CATALOG, ALL_KEYS)
    assert isinstance(backend, CLASSES[entry.provider])
    assert isinstance(backend, VideoBackend)
    assert backend.name == f"{entry.provider}:{entry.id}"


def test_previz_mode_wins_over_keys() -> None:
    settings = ALL_KEYS.model_copy(update={"video": "previz"})
    assert make_backend("veo-3.1", CATALOG, settings) is None


def test_kling_needs_both_keys() -> None:
    assert make_backend("kling-v3-std", CATALOG, BackendSettings(kling_access_key=SecretStr("a"))) is None
    assert make_backend("kling-v3-std", CATALOG, BackendSettings(kling_secret_key=SecretStr("s"))) is None


def test_empty_key_counts_as_missing() -> None:
    assert make_backend("seedance-2.0", CATALOG, BackendSettings(ark_api_key=SecretStr(""))) is None


def test_base_url_and_policy_come_from_settings() -> None:
    settings = ALL_KEYS.model_copy(
        update={"base_urls": {"seedance": "https://ark.cn-beijing.volces.com/api/v3/"}, "timeout_s": 42.0}
    )
    backend = make_backend("seedance-2.0", CATALOG, settings)
    assert isinstance(backend, HttpVideoBackend)
    assert backend.base_url == "https://ark.cn-beijing.volces.com/api/v3"
    assert backend.policy.timeout_s == 42.0 and backend.policy.poll_interval_s == 5.0
    default = make_backend("seedance-2.0", CATALOG, ALL_KEYS)
    assert isinstance(default, HttpVideoBackend) and default.base_url.startswith("https://ark.ap-southeast")


def test_unknown_model_is_a_config_error() -> None:
    with pytest.raises(Exception, match="unknown video model"):
        make_backend("sora-2", CATALOG, ALL_KEYS)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "12"})) == 12.0
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after(httpx.Response(429, headers={"Retry-After": later})) or 0) <= 31
    assert retry_after(httpx.Response(429)) is None
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_error_text_reads_the_common_shapes() -> None:
    assert error_text(httpx.Response(400, json={"error": {"code": "X", "message": "bad"}})) == "X: bad"
    assert error_text(httpx.Response(400, json={"code": 1301, "message": "policy"})) == "1301: policy"
    assert error_text(httpx.Response(502, text="<html>Bad gateway</html>")) == "<html>Bad gateway</html>"


def test_vertex_configured_means_vertex_for_veo() -> None:
    from backends.video.veo import VeoVertexBackend

    settings = BackendSettings(
        gemini_api_key=SecretStr("g"), vertex_access_token=SecretStr("tok"), vertex_project="my-proj"
    )
    backend = make_backend("veo-3.1", CATALOG, settings)
    assert isinstance(backend, VeoVertexBackend)
    assert "my-proj" in backend.model_path and "us-central1" in backend.model_path
    assert isinstance(make_backend("veo-3.1", CATALOG, BackendSettings(gemini_api_key=SecretStr("g"))), VeoBackend)
    assert not isinstance(
        make_backend("veo-3.1", CATALOG, BackendSettings(gemini_api_key=SecretStr("g"))), VeoVertexBackend
    )
