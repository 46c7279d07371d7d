"""The one context object every tool gets: configuration, the output folder, and the services of this run.

Services are built on first use from the configuration, or injected (tests inject fakes of the outside world,
never of our own code). Tools write only inside ``out``; ``ctx.path()`` refuses anything else.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.errors import ToolError
from domain.settings import Config
from domain.storyboard import Storyboard
from tools.decision_log import DecisionLog

if TYPE_CHECKING:
    from domain.production import ShotRecord


@dataclass
class ProjectState:
    """The production as tools see it during one node: the storyboard (with bibles) and the shot records."""

    storyboard: Storyboard = field(default_factory=Storyboard)
    records: dict[str, ShotRecord] = field(default_factory=dict)


@dataclass
class ToolContext:
    config: Config
    out: Path
    decisions: DecisionLog = field(default_factory=lambda: DecisionLog(None))
    project: ProjectState = field(default_factory=ProjectState)
    services: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def create(cls, config: Config, out: Path, **services: Any) -> ToolContext:
        out = out.resolve()
        return cls(config=config, out=out, decisions=DecisionLog(out / "decisions.jsonl"), services=dict(services))

    def path(self, relative: str | Path) -> Path:
        """A path inside OUT; anything that would escape it is refused."""
        candidate = (self.out / relative).resolve()
        if candidate != self.out and self.out not in candidate.parents:
            raise ToolError(f"path {str(relative)!r} is outside the production folder {self.out}")
        return candidate

    def append_jsonl(self, relative: str, record: dict[str, Any]) -> None:
        """Append one JSON line to a log inside OUT; one writer at a time, so lines never interleave."""
        line = json.dumps(record, sort_keys=True, default=str)
        target = self.path(relative)
        with self._lock, target.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def service(self, name: str, factory: Any) -> Any:
        """The named service, built once by ``factory(self)`` unless it was injected."""
        with self._lock:
            if name not in self.services:
                self.services[name] = factory(self)
            return self.services[name]


def chroma_client(ctx: ToolContext) -> Any:
    """The run's one Chroma client (embedded in OUT/chroma, or a server), shared by bibles and frames."""
    from backends.chroma import open_client

    return ctx.service("chroma", lambda c: open_client(c.config.store, c.out))
