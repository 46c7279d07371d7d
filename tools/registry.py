"""The one registry of typed tools, and the caller that lets an agent use only the tools it is allowed.

A tool is a plain function ``fn(ctx: ToolContext, args: SomeArgs) -> SomeResult`` with pydantic models on
both sides and a docstring written for the LLM that will read it as the tool's description. ``@tool`` checks
that shape at import time, so a tool without types or a docstring cannot be registered.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.decisions import AgentName, Decision, PolicyName
from domain.errors import ReelcrewError, ToolError, ToolNotAllowed

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from tools.context import ToolContext

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    agent: AgentName
    fn: Callable[..., BaseModel]
    args_model: type[BaseModel]
    result_model: type[BaseModel]
    description: str
    costs_money: bool = False

    def run(self, ctx: ToolContext, args: BaseModel | dict[str, Any]) -> BaseModel:
        parsed = args if isinstance(args, self.args_model) else self.args_model.model_validate(args)
        return self.fn(ctx, parsed)


_REGISTRY: dict[str, ToolSpec] = {}


def tool(agent: AgentName, *, costs_money: bool = False) -> Callable[[Callable[[Any, A], R]], Callable[[Any, A], R]]:
    """Register ``fn`` as a tool owned by ``agent``."""

    def register(fn: Callable[[Any, A], R]) -> Callable[[Any, A], R]:
        hints = typing.get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2 or params[1] not in hints or "return" not in hints:
            raise TypeError(f"tool {fn.__name__}: expected fn(ctx, args: Model) -> Model with type hints")
        args_model, result_model = hints[params[1]], hints["return"]
        if not (issubclass(args_model, BaseModel) and issubclass(result_model, BaseModel)):
            raise TypeError(f"tool {fn.__name__}: arguments and result must be pydantic models")
        doc = inspect.getdoc(fn)
        if not doc:
            raise TypeError(f"tool {fn.__name__}: a tool needs a docstring; the LLM reads it as the description")
        if fn.__name__ in _REGISTRY:
            raise TypeError(f"tool {fn.__name__} registered twice")
        _REGISTRY[fn.__name__] = ToolSpec(fn.__name__, agent, fn, args_model, result_model, doc, costs_money)
        return fn

    return register


def all_tools() -> dict[str, ToolSpec]:
    """Every registered tool, by name, in registration order."""
    import tools.catalog  # noqa: F401  (imports every tool module so the registry is complete)

    return dict(_REGISTRY)


def get_tool(name: str) -> ToolSpec:
    tools_by_name = all_tools()
    if name not in tools_by_name:
        raise ToolError(f"unknown tool {name!r}; known tools: {', '.join(sorted(tools_by_name))}")
    return tools_by_name[name]


def tools_of(agent: AgentName) -> list[ToolSpec]:
    return [spec for spec in all_tools().values() if spec.agent == agent]


class ToolCaller:
    """How an agent's policy calls tools: allow-list enforced, arguments validated, every call logged."""

    def __init__(self, ctx: ToolContext, agent: AgentName, allowed: Iterable[str], policy: PolicyName = "rules"):
        self.ctx = ctx
        self.agent = agent
        self.allowed = frozenset(allowed)
        self.policy = policy

    def spec(self, name: str) -> ToolSpec:
        if name not in self.allowed:
            raise ToolNotAllowed(
                f"agent {self.agent!r} may not call {name!r}; its tools are: {', '.join(sorted(self.allowed))}"
            )
        return get_tool(name)

    def call(self, name: str, args: BaseModel | dict[str, Any], *, reason: str = "", subject: str = "") -> BaseModel:
        """Run one tool and log the decision; a failure is logged too, then re-raised as a ToolError."""
        spec = self.spec(name)
        arguments = args.model_dump(mode="json") if isinstance(args, BaseModel) else dict(args)
        try:
            result = spec.run(self.ctx, args)
        except ValidationError as exc:
            self._log(name, arguments, {"error": str(exc)}, reason, subject, ok=False)
            raise ToolError(f"{name}: invalid arguments: {exc}") from exc
        except ReelcrewError as exc:
            self._log(name, arguments, {"error": str(exc)}, reason, subject, ok=False)
            raise
        self._log(name, arguments, _summary(result), reason, subject, ok=True)
        return result

    def _log(
        self, tool_name: str, arguments: dict[str, Any], result: dict[str, Any], reason: str, subject: str, *, ok: bool
    ) -> None:
        self.ctx.decisions.record(
            Decision(
                agent=self.agent,
                policy=self.policy,
                tool=tool_name,
                arguments=arguments,
                result=result,
                reason=reason,
                subject=subject,
                ok=ok,
            )
        )


def _summary(result: BaseModel, limit: int = 4000) -> dict[str, Any]:
    """The result as logged: whole if small, otherwise its scalar fields only."""
    data = result.model_dump(mode="json")
    if len(str(data)) <= limit:
        return data
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None}


def as_langchain_tools(caller: ToolCaller) -> list[StructuredTool]:
    """The agent's allowed tools as LangChain tools, each calling through ``caller`` (so allow-list and log hold)."""
    from langchain_core.tools import StructuredTool

    def bind(spec: ToolSpec) -> StructuredTool:
        def run(**kwargs: Any) -> str:
            return caller.call(spec.name, kwargs, reason="llm tool call").model_dump_json()

        return StructuredTool.from_function(
            func=run, name=spec.name, description=spec.description, args_schema=spec.args_model
        )

    return [bind(get_tool(name)) for name in sorted(caller.allowed)]
