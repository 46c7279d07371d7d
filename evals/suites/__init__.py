"""The eval suites, by name. Each is a module with ``run(ctx: SuiteContext) -> SuiteResult``.

Suites import the agents they exercise inside ``run``, so a missing part skips its suite instead of
breaking the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from evals.models import SuiteResult
from evals.suites.base import SuiteContext, SuiteSkipped

SUITES: tuple[str, ...] = ("script", "routing", "continuity", "qa")

__all__ = ["SUITES", "SuiteContext", "SuiteSkipped", "load_suite"]


def load_suite(name: str) -> Callable[[SuiteContext], SuiteResult]:
    """The ``run`` function of suite ``name``."""
    if name not in SUITES:
        raise KeyError(name)
    module = importlib.import_module(f"evals.suites.{name}")
    run: Callable[[SuiteContext], SuiteResult] = module.run
    return run
