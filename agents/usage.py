"""Per-agent LLM token and cost accounting for a production, reported in the run manifest.

Token counts come from what the provider reports on each reply (``usage_metadata``, or the raw
``token_usage`` / Ollama counters in ``response_metadata``); nothing is re-tokenised locally, so no
tokenizer files are ever downloaded. Cost is tokens times the configured ``[llm] price_per_1k_*``.

A run's ledger is persisted in ``OUT/llm_usage.json``: every call is added to the file under a lock (a thread
lock within the process, an advisory file lock across processes) and the file is replaced atomically, so the
totals survive a crash, a budget stop, a review pause and a resume, and every process of a production adds to
the same counts. ``summary()`` reads the file, so the manifest shows every call of every process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.files import write_json
from domain.settings import LLMSettings
from tools.context import ToolContext

try:  # POSIX; elsewhere the thread lock alone guards the file (one process at a time)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

USAGE_FILE = "llm_usage.json"
log = logging.getLogger(__name__)


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
    """Thread-safe running totals per agent; agents of parallel graph branches share one ledger.

    With a ``path`` the totals live in that file (``OUT/llm_usage.json``) and are shared by every ledger, in any
    process, opened on it; without one they are kept in memory for this ledger only.
    """

    def __init__(self, settings: LLMSettings, path: Path | None = None) -> None:
        self.settings = settings
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._by_agent: dict[str, AgentUsage] = {}

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens / 1000 * self.settings.price_per_1k_input
            + output_tokens / 1000 * self.settings.price_per_1k_output
        )

    def record(self, agent: str, input_tokens: int, output_tokens: int) -> None:
        """Count one model call (and, with a file, add it to the file before returning)."""
        cost = self.cost(input_tokens, output_tokens)
        with self._lock, self._file_lock():
            totals = self._load() if self.path is not None else self._by_agent
            entry = totals.setdefault(agent, AgentUsage())
            entry.calls += 1
            entry.input_tokens += input_tokens
            entry.output_tokens += output_tokens
            entry.cost_usd += cost
            if self.path is not None:
                self._save(totals)
            self._by_agent = totals

    def record_reply(self, agent: str, message: Any) -> None:
        """Count one model reply by the usage the provider reported on it."""
        self.record(agent, *tokens_of(message))

    def summary(self) -> dict[str, dict[str, Any]]:
        """``{agent: {calls, input_tokens, output_tokens, cost_usd}}``, as the run manifest stores it."""
        with self._lock:
            totals = self._read_totals()
            return {
                agent: {**usage.model_dump(), "cost_usd": round(usage.cost_usd, 6)}
                for agent, usage in sorted(totals.items())
            }

    def total_cost_usd(self) -> float:
        with self._lock:
            return round(sum(usage.cost_usd for usage in self._read_totals().values()), 6)

    # ---------------------------------------------------------------- the file

    def _read_totals(self) -> dict[str, AgentUsage]:
        """The current totals: the file's (written atomically, so a plain read never sees half of it)."""
        if self.path is None:
            return self._by_agent
        self._by_agent = self._load(repair=False)
        return self._by_agent

    def _load(self, *, repair: bool = True) -> dict[str, AgentUsage]:
        """The totals in the file ({} before the first call). An unreadable file is never overwritten: a writer
        (``repair``, holding the file lock) moves it aside and counts on from zero; a reader only warns."""
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {agent: AgentUsage.model_validate(u) for agent, u in (data.get("agents") or {}).items()}
        except FileNotFoundError:
            return {}
        except (ValueError, AttributeError, ValidationError) as exc:
            if not repair:
                log.warning("%s could not be read (%s); LLM usage is not counted from it", self.path, exc)
                return {}
            kept = self.path.with_name(f"{self.path.name}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%S%f}")
            os.replace(self.path, kept)
            log.warning(
                "%s could not be read (%s); kept it as %s and started a new LLM usage ledger", self.path, exc, kept
            )
            return {}

    def _save(self, totals: dict[str, AgentUsage]) -> None:
        assert self.path is not None
        write_json(
            self.path,
            {
                "version": 1,
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "agents": {agent: usage.model_dump() for agent, usage in sorted(totals.items())},
            },
        )

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold the cross-process lock of the ledger file (a no-op without a file)."""
        if self.path is None or fcntl is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(f".{self.path.name}.lock").open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def usage_ledger(ctx: ToolContext) -> UsageLedger:
    """The run's one ledger (``ctx.service("llm_usage")``), kept in ``OUT/llm_usage.json``."""
    ledger: UsageLedger = ctx.service("llm_usage", lambda c: UsageLedger(c.config.llm, c.path(USAGE_FILE)))
    return ledger
