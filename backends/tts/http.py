"""One POST to a speech provider, retried on 429 and 5xx with backoff; errors that name the fix, never the key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from domain.errors import BackendError, RateLimited


def post_for_audio(
    client: httpx.Client,
    url: str,
    *,
    backend: str,
    key_setting: str,
    secret: SecretStr,
    headers: dict[str, str],
    json: dict[str, Any],
    params: dict[str, str] | None = None,
    max_retries: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """The response body of a successful POST. Transient failures are retried ``max_retries`` times.

    ``key_setting`` names the setting that holds the key (e.g. ``audio.openai_api_key``) so a rejected key
    produces a message that says where to fix it; ``secret`` is scrubbed from any text we pass on.
    """
    last: BackendError | None = None
    for attempt in range(max_retries + 1):
        response: httpx.Response | None = None
        try:
            response = client.post(url, headers=headers, json=json, params=params)
        except httpx.TransportError as exc:
            last = BackendError(
                backend, f"could not reach {httpx.URL(url).host} ({type(exc).__name__})", retryable=True
            )
        else:
            status = response.status_code
            if 200 <= status < 300:
                return response.content
            detail = _detail(response, secret)
            if status == 429:
                last = RateLimited(backend, f"rate limited (HTTP 429) after {attempt + 1} tries: {detail}")
            elif status >= 500:
                last = BackendError(backend, f"server error HTTP {status}: {detail}", retryable=True)
            elif status in (401, 403):
                raise BackendError(backend, f"the API key was rejected (HTTP {status}); check {key_setting}")
            else:
                raise BackendError(backend, f"request refused (HTTP {status}): {detail}")
        if attempt < max_retries:
            sleep(_backoff(attempt, response))
    assert last is not None
    raise last


def _backoff(attempt: int, response: httpx.Response | None) -> float:
    """Honour Retry-After when the provider sends it; otherwise 1, 2, 4, 8 ... seconds, capped at 30."""
    if response is not None:
        retry_after = response.headers.get("retry-after")
        if retry_after:
            try:
                return min(float(retry_after), 60.0)
            except ValueError:
                pass
    return float(min(2**attempt, 30))


def _detail(response: httpx.Response, secret: SecretStr) -> str:
    """The provider's own error message, short, with the key scrubbed in case it was echoed back."""
    try:
        body = response.json()
        message = body.get("error", body.get("detail", body)) if isinstance(body, dict) else body
        if isinstance(message, dict):
            message = message.get("message", message)
        text = str(message)
    except ValueError:
        text = response.text
    key = secret.get_secret_value()
    if key:
        text = text.replace(key, "***")
    return text.strip()[:300] or response.reason_phrase
