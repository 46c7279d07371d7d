"""Episodes pipeline: episode N+1 generates while episode N is still in QA, audio and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelcrew import runner
from tests.graph.support import SMALL, TINY

pytestmark = pytest.mark.slow


def test_the_next_episode_generates_before_the_previous_one_is_cut(tmp_path: Path) -> None:
    events: list[tuple[str, str]] = []  # (node, what it wrote), in the order the graph streamed them

    def listen(node: str, update: dict[str, Any]) -> None:
        events.extend([(node, shot_id) for shot_id in (update.get("records") or {}) if node == "gates"])
        events.extend([(node, f"cut {number}") for number in (update.get("cuts") or {}) if node == "finish_episode"])

    outcome = runner.produce([TINY], tmp_path / "out", listener=listen, **SMALL)

    assert outcome.status == "complete"
    first_e02 = next(i for i, (node, what) in enumerate(events) if node == "gates" and what.startswith("E02-"))
    cut_one = events.index(("finish_episode", "cut 1"))
    # Episode 2's first shots were judged before episode 1's cut was made: episode 2 started once episode 1 had
    # its first QA round (its references locked), not once episode 1 was finished.
    assert first_e02 < cut_one
