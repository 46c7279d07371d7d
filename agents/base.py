"""What an agent is: a name, an allow-list of tools, a prompt file, and a policy that decides which tools to call.

Each agent module subclasses ``Agent`` and writes its rules policy as plain methods that call tools through
``self.call``; the allow-list is enforced and every call lands in the decision log.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from domain.decisions import AgentName, PolicyName
from tools.context import ToolContext
from tools.registry import ToolCaller


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
