"""Every benchmark still runs, at a tiny size: their figures are measured by `make bench`, not here, but a change
that breaks one (a new rule a benchmark's setup does not follow) must fail the suite, not wait for the next
person who measures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SMALL = {
    "bench_storyboard.py": [],
    "bench_generation.py": [],
    "bench_previz.py": ["--shots", "1", "--width", "144", "--height", "256", "--seconds", "1"],
    "bench_gates.py": ["--frames", "4", "--store", "200", "--skip-open-clip"],
    "bench_export.py": ["--minutes", "0.1", "--width", "144", "--height", "256", "--clip-width", "144",
                        "--clip-height", "256"],
}  # fmt: skip


def test_every_benchmark_is_covered() -> None:
    assert sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py")) == sorted(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_benchmark_runs_and_prints_its_figures(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *SMALL[name]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"\d+(\.\d+)?\s*(ms|s|x|frames/s|shots/s)\b", done.stdout), "a benchmark prints its figures"
