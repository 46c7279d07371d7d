"""Per-agent LLM token and cost accounting for one run, reported in the run manifest.

Token counts come from what the provider reports on each reply (``usage_metadata``, or the raw
``token_usage`` / Ollama counters in ``response_metadata``); nothing is re-tokenised locally, so no
tokenizer files are ever downloaded. Cost is tokens times the configured ``[llm] price_per_1k_*``.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel

from domain.settings import LLMSettings
from tools.context import ToolContext


class AgentUsage(BaseModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def tokens_of(message: Any) -> tuple[int, int]:
    """(input, output) tokens a provider reported for one reply; (0, 0) when it reported nothing."""
    usage = getattr(message, "usage_metadata", None)
    if usage:
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    meta = getattr(message, "response_metadata", None) or {}
    raw = meta.get("token_usage") or meta.get("usage") or {}
    if raw:
        return int(raw.get("prompt_tokens") or raw.get("input_tokens") or 0), int(
            raw.get("completion_tokens") or raw.get("output_tokens") or 0
        )
    return int(meta.get("prompt_eval_count") or 0), int(meta.get("eval_count") or 0)


class UsageLedger:
    """Thread-safe running totals per agent; agents of parallel graph branches share one ledger."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._by_agent: dict[str, AgentUsage] = {}

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens / 1000 * self.settings.price_per_1k_input
            + output_tokens / 1000 * self.settings.price_per_1k_output
        )

    def record(self, agent: str, input_tokens: int, output_tokens: int) -> None:
        """Count one model call."""
        cost = self.cost(input_tokens, output_tokens)
        with self._lock:
            entry = self._by_agent.setdefault(agent, AgentUsage())
            entry.calls += 1
            entry.input_tokens += input_tokens
            entry.output_tokens += output_tokens
            entry.cost_usd += cost

    def record_reply(self, agent: str, message: Any) -> None:
        """Count one model reply by the usage the provider reported on it."""
        self.record(agent, *tokens_of(message))

    def summary(self) -> dict[str, dict[str, Any]]:
        """``{agent: {calls, input_tokens, output_tokens, cost_usd}}``, as the run manifest stores it."""
        with self._lock:
            return {
                agent: {**usage.model_dump(), "cost_usd": round(usage.cost_usd, 6)}
                for agent, usage in sorted(self._by_agent.items())
            }

    def total_cost_usd(self) -> float:
        with self._lock:
            return round(sum(usage.cost_usd for usage in self._by_agent.values()), 6)


def usage_ledger(ctx: ToolContext) -> UsageLedger:
    """The run's one ledger (``ctx.service("llm_usage")``)."""
    ledger: UsageLedger = ctx.service("llm_usage", lambda c: UsageLedger(c.config.llm))
    return ledger
