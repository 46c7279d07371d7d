"""What an agent is: a name, an allow-list of tools, a prompt file, and a policy that decides which tools to call.

Each agent module subclasses ``Agent`` and writes its rules policy as plain methods that call tools through
``self.call``; the allow-list is enforced and every call lands in the decision log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from domain.decisions import AgentName, Decision, PolicyName
from tools.context import ToolContext
from tools.registry import ToolCaller

T = TypeVar("T", bound=BaseModel)


class Agent:
    name: ClassVar[AgentName]
    tools: ClassVar[tuple[str, ...]]
    prompt: ClassVar[str]

    def __init__(self, ctx: ToolContext, policy: PolicyName | None = None) -> None:
        self.ctx = ctx
        self.policy: PolicyName = policy or ctx.config.llm.for_agent(self.name).policy
        self.caller = ToolCaller(ctx, self.name, self.tools, policy="rules")

    def call(self, tool: str, args: BaseModel | dict[str, Any], *, reason: str = "", subject: str = "") -> Any:
        """Call one of this agent's tools; returns the tool's typed result."""
        return self.caller.call(tool, args, reason=reason, subject=subject)

    def decide(
        self,
        task: str,
        inputs: Mapping[str, Any],
        output_model: type[T],
        rules: Callable[[], T],
        *,
        subject: str = "",
    ) -> T:
        """Do ``task`` with this agent's policy: ``rules()`` as it is, or the LLM loop over the same tools.

        ``inputs`` is the production data the LLM works on (shown to it as data, never as instructions);
        ``output_model`` is the typed answer both policies return. The LLM falls back to ``rules()`` after
        two failed attempts, so a flaky model slows a run down but never stops it.
        """
        if self.policy != "llm":
            return rules()
        from agents.llm import run_llm_task  # imported here so rules-only runs never load the LLM stack

        return run_llm_task(self, task, inputs, output_model, rules, subject=subject)

    def decide_checked(
        self,
        task: str,
        inputs: Mapping[str, Any],
        output_model: type[T],
        rules: Callable[[], T],
        check: Callable[[T], str | None],
        *,
        subject: str = "",
    ) -> T:
        """``decide``, with ``check`` guarding what an LLM answered: an answer that breaks a rule of the production
        (an unknown model, an approval of a failed shot, a file that is not there) is replaced by the rules
        policy's answer, and the refusal is logged as a fallback decision."""
        answer = self.decide(task, inputs, output_model, rules, subject=subject)
        if self.policy != "llm":
            return answer
        problem = check(answer)
        if problem is None:
            return answer
        self.ctx.decisions.record(
            Decision(
                agent=self.name,
                policy="fallback",
                tool=task,
                arguments={"answer": answer.model_dump(mode="json")},
                reason=f"LLM answer refused: {problem}",
                subject=subject,
                ok=False,
            )
        )
        return rules()
