"""The chat model factory, exercised through the real ChatOpenAI against a local OpenAI-compatible fake."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field, SecretStr

from backends.llm import make_chat_model, model_name
from domain.errors import ConfigError
from domain.settings import AgentLLMSettings, LLMSettings

SECRET = "sk-test-do-not-log-1234"


class RouteArgs(BaseModel):
    shot_id: str = Field(description="the shot to route, e.g. E01-S001-SH01")
    quality: str = "standard"


class FakeOpenAI:
    """A local OpenAI-compatible server: records requests, answers one tool call, then text, with usage."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_7",
                        "type": "function",
                        "function": {"name": "route_shot", "arguments": '{"shot_id": "E01-S001-SH01"}'},
                    }
                ],
            }
        else:
            message = {"role": "assistant", "content": "done"}
        return httpx.Response(
            200,
            json={
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": "served-model",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15},
            },
        )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def test_no_endpoint_configured_says_how_to_configure_one() -> None:
    with pytest.raises(ConfigError) as caught:
        make_chat_model(LLMSettings(), "script")
    message = str(caught.value)
    assert "[llm] base_url" in message and "REELCREW_LLM__BASE_URL" in message and "'script'" in message


def test_each_agent_may_use_its_own_model() -> None:
    settings = LLMSettings(model="gpt-4o-mini", agents={"qa": AgentLLMSettings(policy="llm", model="qwen2.5:7b")})
    assert model_name(settings, "qa") == "qwen2.5:7b"
    assert model_name(settings, "script") == "gpt-4o-mini"


def test_a_tool_call_round_trip_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://wrong.example/v1")
    monkeypatch.setenv("OPENAI_API_BASE", "http://wrong.example/v1")
    server = FakeOpenAI()
    settings = LLMSettings(
        base_url="http://localhost:11434/v1",
        api_key=SecretStr(SECRET),
        model="llama3.1:8b",
        temperature=0.3,
        agents={"router": AgentLLMSettings(policy="llm", model="qwen2.5:14b")},
    )
    model = make_chat_model(settings, "router", http_client=server.client())
    route_shot = StructuredTool.from_function(
        func=lambda **kwargs: "ok",
        name="route_shot",
        description="Pick the video model for one shot.",
        args_schema=RouteArgs,
    )

    reply = model.bind_tools([route_shot]).invoke([HumanMessage("route E01-S001-SH01")])

    (request,) = server.requests
    assert str(request.url) == "http://localhost:11434/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    body = json.loads(request.content)
    assert body["model"] == "qwen2.5:14b" and body["temperature"] == 0.3
    (tool,) = body["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "route_shot"
    assert tool["function"]["description"] == "Pick the video model for one shot."
    parameters = tool["function"]["parameters"]
    assert parameters["required"] == ["shot_id"]
    assert parameters["properties"]["shot_id"]["description"].startswith("the shot to route")
    assert reply.tool_calls == [
        {"name": "route_shot", "args": {"shot_id": "E01-S001-SH01"}, "id": "call_7", "type": "tool_call"}
    ]
    assert reply.usage_metadata is not None
    assert (reply.usage_metadata["input_tokens"], reply.usage_metadata["output_tokens"]) == (11, 4)


def test_a_local_server_needs_no_key_and_openai_needs_no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://wrong.example/v1")  # the environment must not redirect a run
    local = FakeOpenAI()
    make_chat_model(LLMSettings(base_url="http://127.0.0.1:1234/v1"), "qa", http_client=local.client()).invoke("hi")
    assert str(local.requests[0].url) == "http://127.0.0.1:1234/v1/chat/completions"
    assert local.requests[0].headers["authorization"] == "Bearer not-needed"

    openai = FakeOpenAI()
    make_chat_model(LLMSettings(api_key=SecretStr(SECRET)), "qa", http_client=openai.client()).invoke("hi")
    assert str(openai.requests[0].url) == "https://api.openai.com/v1/chat/completions"
    assert json.loads(openai.requests[0].content)["model"] == "gpt-4o-mini"


def test_the_api_key_is_never_shown() -> None:
    model = make_chat_model(LLMSettings(api_key=SecretStr(SECRET)), "audio")
    assert SECRET not in repr(model) and SECRET not in str(model)
    assert SECRET not in json.dumps(model.model_dump(), default=str)
