"""The chat model behind every LLM policy: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp, LM Studio).

One factory, configured only from ``LLMSettings`` (never from the environment directly), with the HTTP clients
injectable so tests answer with an ``httpx.MockTransport`` instead of the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

from domain.errors import ConfigError
from domain.settings import LLMSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers accept any key but the OpenAI client insists on one; this placeholder is not a secret.
LOCAL_SERVER_KEY = "not-needed"
TIMEOUT_S = 120.0
MAX_RETRIES = 2

HOW_TO_CONFIGURE = (
    "set [llm] base_url (and api_key if the server needs one) in reelcrew.toml, or the environment variables "
    "REELCREW_LLM__BASE_URL / REELCREW_LLM__API_KEY; e.g. base_url = 'http://localhost:11434/v1' for Ollama, "
    "or only api_key for OpenAI itself. Or keep the agents on policy = 'rules'."
)


def model_name(settings: LLMSettings, agent: str) -> str:
    """The model an agent talks to: its own ``[llm.agents.<agent>] model`` if set, else ``[llm] model``."""
    return settings.for_agent(agent).model or settings.model


def make_chat_model(
    settings: LLMSettings,
    agent: str,
    *,
    http_client: httpx.Client | None = None,
    http_async_client: httpx.AsyncClient | None = None,
) -> BaseChatModel:
    """A ``ChatOpenAI`` for ``agent``, speaking Chat Completions so every OpenAI-compatible server works.

    Base URL and key are always passed explicitly, so ``OPENAI_*`` variables in the environment cannot
    silently redirect a run. Raises ``ConfigError`` when no endpoint is configured at all.
    """
    from langchain_openai import ChatOpenAI

    if not settings.base_url and settings.api_key is None:
        raise ConfigError(
            f"agent {agent!r} is set to the llm policy but no LLM endpoint is configured: {HOW_TO_CONFIGURE}"
        )
    api_key = settings.api_key if settings.api_key is not None else SecretStr(LOCAL_SERVER_KEY)
    return ChatOpenAI(
        model=model_name(settings, agent),
        base_url=settings.base_url or OPENAI_BASE_URL,
        api_key=api_key,
        temperature=settings.temperature,
        timeout=TIMEOUT_S,
        max_retries=MAX_RETRIES,
        use_responses_api=False,
        http_client=http_client,
        http_async_client=http_async_client,
    )
