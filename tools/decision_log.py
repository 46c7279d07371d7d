"""The decision log: every tool call an agent made, as typed JSON lines in ``OUT/decisions.jsonl``.

Appends are line-atomic under a lock; a decision re-made after a crash carries the same content id, so it is
written once per process and readers dedupe across processes with ``read_decisions``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from domain.decisions import Decision


class DecisionLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self.memory: list[Decision] = []

    def record(self, decision: Decision) -> None:
        with self._lock:
            if decision.id in self._seen:
                return
            self._seen.add(decision.id)
            self.memory.append(decision)
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(decision.model_dump_json() + "\n")


def read_decisions(path: Path) -> list[Decision]:
    """Every decision in the log once, in first-written order."""
    seen: set[str] = set()
    decisions: list[Decision] = []
    if not path.exists():
        return decisions
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        decision = Decision.model_validate_json(line)
        if decision.id not in seen:
            seen.add(decision.id)
            decisions.append(decision)
    return decisions
