"""The one context object every tool gets: configuration, the output folder, and the services of this run.

Services are built on first use from the configuration, or injected (tests inject fakes of the outside world,
never of our own code). Tools write only inside ``out``; ``ctx.path()`` refuses anything else. Tools read only
inside ``out`` and the files and folders the run granted (``ctx.grant_read``: the scripts the user passed, an
eval's clip cache); every path argument a tool reads goes through ``ctx.readable()``, which refuses anything else,
so a model that read untrusted script text cannot make a tool read an arbitrary file.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.errors import ToolError
from domain.screenplay import slugify
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
    read_grants: set[Path] = field(default_factory=set)
    """Files and folders (resolved) tools may read besides OUT; a folder grants everything under it."""
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def create(
        cls, config: Config, out: Path, *, read_grants: Iterable[str | Path] = (), **services: Any
    ) -> ToolContext:
        out = out.resolve()
        ctx = cls(config=config, out=out, decisions=DecisionLog(out / "decisions.jsonl"), services=dict(services))
        ctx.grant_read(*read_grants)
        return ctx

    def path(self, relative: str | Path) -> Path:
        """A path inside OUT; anything that would escape it is refused."""
        candidate = (self.out / relative).resolve()
        if not _within(candidate, self.out):
            raise ToolError(f"path {str(relative)!r} is outside the production folder {self.out}")
        return candidate

    def grant_read(self, *paths: str | Path) -> None:
        """Let tools read these files or folders besides OUT (a folder: everything under it).

        Only the run grants, from what its user passed (the script files, an eval's clip cache); never a tool, and
        never from a model's arguments. A grant is resolved now, so a symlink grants its target."""
        with self._lock:
            self.read_grants.update(Path(p).expanduser().resolve() for p in paths)

    def readable(self, path: str | Path) -> Path:
        """The resolved path a tool may read: inside OUT (a relative path is taken from OUT) or a granted file or
        folder. Symlinks are followed before the check, so one cannot lead out; anything else is refused."""
        raw = Path(path).expanduser()
        candidate = (raw if raw.is_absolute() else self.out / raw).resolve()
        with self._lock:
            grants = sorted(self.read_grants)
        if _within(candidate, self.out) or any(_within(candidate, grant) for grant in grants):
            return candidate
        via = "" if str(candidate) == str(path) else f" (it resolves to {candidate})"
        allowed = ", ".join(str(g) for g in grants) or "none"
        raise ToolError(
            f"path {str(path)!r}{via} may not be read: tools read only inside the production folder {self.out} "
            f"and the files and folders granted to this run ({allowed})"
        )

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


def _within(candidate: Path, root: Path) -> bool:
    """Whether the resolved ``candidate`` is ``root`` or lies under it."""
    return candidate == root or root in candidate.parents


def store_project(ctx: ToolContext) -> str:
    """The prefix of this production's Chroma collections: none in its own embedded store, and on a shared server
    one per production folder, so two productions' bibles and frames never mix."""
    if ctx.config.store.chroma_mode != "server":
        return ""
    return f"{slugify(ctx.out.name)[:40]}-{hashlib.sha256(str(ctx.out).encode()).hexdigest()[:8]}"


def chroma_client(ctx: ToolContext) -> Any:
    """The run's one Chroma client (embedded in OUT/chroma, or a server), shared by bibles and frames."""
    from backends.chroma import open_client

    return ctx.service("chroma", lambda c: open_client(c.config.store, c.out))
