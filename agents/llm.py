"""The LLM policy: a tool-calling loop over an agent's allowed tools that ends in a typed answer.

The model sees only the agent's allow-listed tools; a call to any other name, a call with bad arguments or a
tool that fails comes back to the model as an error message and is logged, nothing else happens. The loop
ends when the model answers with JSON that validates against the task's output model. An attempt that fails
(invalid answer, failed model call, no answer within ``max_steps``) is retried once with the error fed back;
a second failure falls back to the agent's rules policy, and the fallback is logged as a decision.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ValidationError

from agents.prompting import load_prompt, render
from agents.usage import usage_ledger
from backends.llm import make_chat_model
from domain.decisions import Decision, PolicyName
from domain.errors import BudgetExceeded, ConfigError, ReelcrewError
from tools.context import ToolContext
from tools.registry import ToolCaller, as_langchain_tools

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from agents.base import Agent

T = TypeVar("T", bound=BaseModel)

log = logging.getLogger(__name__)

ATTEMPTS = 2  # the first try and one retry with the error fed back; then the rules policy
TOOL_RESULT_LIMIT = 12_000  # characters of a tool result shown to the model
# Errors that stop the run whatever the policy: feeding them back to the model would not help.
RUN_STOPPERS = (BudgetExceeded, ConfigError)


class AttemptFailed(Exception):
    """One attempt ended without a usable answer. ``feedback`` is what the model is told before the retry."""

    def __init__(self, problem: str, feedback: str | None = None) -> None:
        super().__init__(problem)
        self.feedback = feedback


def chat_model(ctx: ToolContext, agent: str) -> BaseChatModel:
    """The agent's chat model, built once per run from ``[llm]`` unless a test or the caller injected one."""
    model: BaseChatModel = ctx.service(f"llm:{agent}", lambda c: make_chat_model(c.config.llm, agent))
    return model


def run_llm_task(
    agent: Agent,
    task: str,
    inputs: Mapping[str, Any],
    output_model: type[T],
    rules: Callable[[], T],
    *,
    subject: str = "",
) -> T:
    """Let the agent's LLM do ``task`` with its tools and return its answer; ``rules()`` if it fails twice."""
    ctx = agent.ctx
    caller = ToolCaller(ctx, agent.name, agent.tools, policy="llm")
    tools = {t.name: t for t in as_langchain_tools(caller)}
    prompt = load_prompt(agent.prompt)
    messages: list[BaseMessage] = render(
        agent.prompt,
        data=inputs,
        task=task,
        tools=sorted(tools),
        output_schema=json.dumps(output_model.model_json_schema(), separators=(",", ":")),
        subject=subject,
    )
    model = chat_model(ctx, agent.name)
    loop = _Loop(
        agent=agent,
        caller=caller,
        tools=tools,
        model=model.bind_tools(list(tools.values())) if tools else model,
        subject=subject,
        messages=messages,
    )
    arguments = {"prompt": prompt.label, "inputs": _fingerprint(inputs)}
    problems: list[str] = []
    for attempt in range(1, ATTEMPTS + 1):
        try:
            answer = loop.attempt(output_model)
        except AttemptFailed as exc:
            problems.append(str(exc))
            log.info("%s/%s: LLM attempt %d failed: %s", agent.name, task, attempt, exc)
            if exc.feedback and attempt < ATTEMPTS:
                messages.append(HumanMessage(exc.feedback))
            continue
        _record(
            agent,
            "llm",
            task,
            arguments,
            _loggable(answer),
            f"answered in {loop.calls} model calls",
            subject,
        )
        return answer
    _record(
        agent,
        "fallback",
        task,
        arguments,
        {"errors": problems},
        f"LLM policy failed {ATTEMPTS} times, used the rules policy: {problems[-1]}",
        subject,
    )
    return rules()


@dataclass
class _Loop:
    """One conversation: model turns and the tool calls they ask for, until an answer or the step limit."""

    agent: Agent
    caller: ToolCaller
    tools: Mapping[str, BaseTool]
    model: Any
    subject: str
    messages: list[BaseMessage]
    calls: int = 0
    secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        key = self.agent.ctx.config.llm.api_key
        if key is not None and key.get_secret_value():
            self.secrets.append(key.get_secret_value())

    def attempt(self, output_model: type[T]) -> T:
        max_steps = self.agent.ctx.config.llm.max_steps
        for _ in range(max_steps):
            reply = self._invoke()
            self.messages.append(reply)
            if not reply.tool_calls and not reply.invalid_tool_calls:
                return self._answer(reply, output_model)
            for call in reply.tool_calls:
                self.messages.append(self._run_tool(call["name"], call["args"], call.get("id") or ""))
            for bad in reply.invalid_tool_calls:
                problem = f"the arguments are not valid JSON: {bad.get('error') or bad.get('args')}"
                self._log_refusal(bad.get("name") or "", {"raw": bad.get("args")}, problem)
                self.messages.append(_error_message(bad.get("id") or "", bad.get("name") or "", problem))
        raise AttemptFailed(
            f"no final answer within {max_steps} steps",
            f"You have used all {max_steps} steps. Stop calling tools and reply now with the final JSON object.",
        )

    def _invoke(self) -> AIMessage:
        try:
            reply = self.model.invoke(self.messages)
        except RUN_STOPPERS:
            raise
        except Exception as exc:
            raise AttemptFailed(f"the model call failed: {self._redact(f'{type(exc).__name__}: {exc}')}") from exc
        self.calls += 1
        usage_ledger(self.agent.ctx).record_reply(self.agent.name, reply)
        if not isinstance(reply, AIMessage):
            raise AttemptFailed(f"the model returned a {type(reply).__name__}, not a message")
        return reply

    def _answer(self, reply: AIMessage, output_model: type[T]) -> T:
        text = _json_text(reply)
        try:
            return output_model.model_validate_json(text)
        except ValidationError as exc:
            problems = _brief(exc)
            raise AttemptFailed(
                f"the answer does not match {output_model.__name__}: {problems}",
                f"Your answer could not be used: {problems}. Reply with exactly one JSON object that matches the "
                "schema, with no other text.",
            ) from exc

    def _run_tool(self, name: str, args: dict[str, Any], call_id: str) -> ToolMessage:
        tool = self.tools.get(name)
        if tool is None:
            try:
                self.caller.spec(name)  # raises ToolNotAllowed, whose message lists the allowed tools
                problem = f"tool {name!r} is not available"
            except ReelcrewError as exc:
                problem = str(exc)
            self._log_refusal(name, args, problem)
            return _error_message(call_id, name, problem)
        try:
            output = tool.invoke(args)
        except RUN_STOPPERS:
            raise
        except ValidationError as exc:  # refused by the tool's argument schema before the caller saw it
            problem = f"{name}: invalid arguments: {_brief(exc)}"
            self._log_refusal(name, args, problem)
            return _error_message(call_id, name, problem)
        except ReelcrewError as exc:  # the caller has logged it already
            return _error_message(call_id, name, str(exc))
        except Exception as exc:
            problem = f"{name} failed: {type(exc).__name__}: {exc}"
            log.warning("%s: %s", self.agent.name, problem)
            self._log_refusal(name, args, problem)
            return _error_message(call_id, name, problem)
        content = output if isinstance(output, str) else json.dumps(output, default=str)
        if len(content) > TOOL_RESULT_LIMIT:
            content = content[:TOOL_RESULT_LIMIT] + f"... [{len(content) - TOOL_RESULT_LIMIT} more characters cut]"
        return ToolMessage(content=content, tool_call_id=call_id, name=name)

    def _log_refusal(self, name: str, args: Any, problem: str) -> None:
        arguments = args if isinstance(args, dict) else {"raw": args}
        _record(
            self.agent, "llm", name or "<unnamed>", arguments, {"error": problem}, "refused", self.subject, ok=False
        )

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text[:500]


def _record(
    agent: Agent,
    policy: PolicyName,
    tool: str,
    arguments: dict[str, Any],
    result: dict[str, Any],
    reason: str,
    subject: str,
    *,
    ok: bool = True,
) -> None:
    agent.ctx.decisions.record(
        Decision(
            agent=agent.name,
            policy=policy,
            tool=tool,
            arguments=arguments,
            result=result,
            reason=reason,
            subject=subject,
            ok=ok,
        )
    )


def _error_message(call_id: str, name: str, problem: str) -> ToolMessage:
    return ToolMessage(content=f"error: {problem}", tool_call_id=call_id, name=name, status="error")


def _brief(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors(include_url=False))


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _json_text(reply: AIMessage) -> str:
    """The JSON in a final reply: the content without code fences or prose around the outermost object."""
    content = reply.content
    if isinstance(content, list):
        content = "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str | dict)
        )
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text


def _loggable(answer: BaseModel, limit: int = 4000) -> dict[str, Any]:
    """The answer as logged: whole if small, otherwise its scalar fields (the full answer is in the state)."""
    data = answer.model_dump(mode="json")
    if len(json.dumps(data)) <= limit:
        return data
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None}


def _fingerprint(inputs: Mapping[str, Any]) -> str:
    """A short hash of the inputs, so two decisions on different inputs get different decision ids."""
    from pydantic_core import to_jsonable_python

    data = json.dumps(to_jsonable_python(inputs, fallback=str), sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:12]
