"""A decision: one tool call an agent chose to make, and why. The eval harness scores these."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

AgentName = Literal["script", "character", "router", "continuity", "qa", "audio", "director"]
PolicyName = Literal["rules", "llm", "fallback", "human"]


class Decision(BaseModel):
    """``id`` is a content hash, so a node re-run after a crash logs the same decision under the same id."""

    id: str = ""
    agent: AgentName
    policy: PolicyName
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    subject: str = Field(default="", description="what the decision is about: a shot, scene, character or episode id")
    ok: bool = True

    def model_post_init(self, __context: Any) -> None:
        if not self.id:
            key = json.dumps(
                [self.agent, self.policy, self.tool, self.arguments, self.subject], sort_keys=True, default=str
            )
            self.id = hashlib.sha256(key.encode()).hexdigest()[:16]
