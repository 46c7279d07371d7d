"""What every suite gets (``SuiteContext``) and how it says it cannot run yet (``SuiteSkipped``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from domain.settings import Config, PolicyKind
from evals.datasets import Manifest, dataset_dir, manifest
from tools.context import ToolContext

T = TypeVar("T")


class SuiteSkipped(Exception):
    """A suite that cannot run here (a part it exercises is not installed); the report lists the reason."""


@dataclass
class SuiteContext:
    """One suite's run: the eval config (policy applied, previz only), its own output folder, its dataset."""

    config: Config
    policy: PolicyKind
    out_dir: Path
    cache_dir: Path
    datasets_root: Path | None = None
    sample: int | None = None
    services: dict[str, Any] = field(default_factory=dict)
    """Injected into every tool context, e.g. a scripted chat model as ``llm:router`` for the llm policy."""

    def dataset(self, name: str) -> Path:
        return dataset_dir(name, self.datasets_root)

    def manifest(self, name: str) -> Manifest:
        return manifest(name, self.datasets_root)

    def tool_context(self, name: str) -> ToolContext:
        """A fresh production folder inside the suite's output, so each case logs its own decisions. Its tools may
        also read the suite's clip cache (rendered clips live there, outside the case's folder)."""
        return ToolContext.create(self.config, self.out_dir / name, read_grants=[self.cache_dir], **self.services)


def round_robin(items: Sequence[T], key: Callable[[T], str], limit: int | None) -> list[T]:
    """At most ``limit`` items, taken in turn from each group so a sample keeps every kind of case."""
    if limit is None or limit >= len(items):
        return list(items)
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    picked: list[T] = []
    while len(picked) < limit:
        for group in groups.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    order = {id(item): i for i, item in enumerate(items)}
    return sorted(picked, key=lambda item: order[id(item)])
