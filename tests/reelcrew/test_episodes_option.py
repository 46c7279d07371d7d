"""`--episodes` picks episodes of the script; one the script does not have is named, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from tests.graph.support import TINY
from tests.reelcrew.test_cli import reelcrew


def test_an_episode_the_script_does_not_have_is_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = reelcrew("produce", str(TINY), "-o", str(out), "--episodes", "2,9", "--dry-run")
    assert done.returncode == 2
    assert "no episode 9 in 'Two Nights'; it has episodes 1, 2" in done.stderr
    assert not out.exists()


def test_the_episodes_asked_for_are_the_ones_priced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = reelcrew("produce", str(TINY), "-o", str(out), "--episodes", "2", "--dry-run")
    assert done.returncode == 0, done.stderr
    estimate = (out / "estimate.json").read_text()
    assert '"E02-' in estimate and '"E01-' not in estimate
