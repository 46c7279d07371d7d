"""The bundled two-episode drama, produced end to end on previz (what `make demo` does, at a small size)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backends.media import probe
from reelcrew import runner
from tests.graph.support import ROOT, SMALL, finish

pytestmark = pytest.mark.slow


def test_the_example_becomes_two_finished_episodes(tmp_path: Path) -> None:
    out = tmp_path / "neon-vows"
    outcome = finish(out, runner.produce([ROOT / "examples" / "neon-vows"], out, **SMALL))
    assert outcome.status == "complete"
    manifest = json.loads((out / "manifest.json").read_text())
    figures = manifest["figures"]
    assert figures["shots"] >= 60 and figures["approved"] == figures["shots"]
    assert figures["first_pass_approval_rate"] >= 0.8
    for number in ("1", "2"):
        cut = manifest["episodes"][number]
        episode_shots = [s for s in manifest["shots"] if s.startswith(f"E0{number}-")]
        assert cut["shots"] == len(episode_shots)
        info = probe(Path(cut["video"]))
        assert info.height / info.width == pytest.approx(16 / 9, abs=0.01)
        assert info.duration_s == pytest.approx(cut["duration_s"], abs=0.1)
    assert (out / "storyboard.html").read_text().count("<article") == figures["shots"]
