"""Scene segmentation and character extraction scored by precision, recall and F1, on a hand-made case."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from domain.settings import Config
from evals.harness import run_eval
from evals.report import summary_table

# Four scenes in the script; the gold has three, two of them in the script (ATTIC is missing, GARAGE and
# BEDROOM are extra): scene precision 2/4, recall 2/3. Three speakers (MAYA, JIN, LEO); the gold has four
# characters, two of them speaking here (VANCE and NORA are missing, LEO is extra): precision 2/3, recall 2/4.
SCRIPT = """Title: Tiny

INT. KITCHEN - DAY

Maya pours coffee.

MAYA
Morning.

JIN
You're up early.

EXT. GARDEN - DAY

Jin waters the roses.

JIN
They need rain.

INT. GARAGE - NIGHT

Leo tinkers with a bike.

LEO
Almost done.

INT. BEDROOM - NIGHT

Maya reads by the lamp.
"""

GOLD = """title: Tiny
episodes: 1
characters:
  - {id: maya}
  - {id: jin}
  - {id: vance}
  - {id: nora}
scenes:
  - {heading: "INT. KITCHEN - DAY", location: KITCHEN, lines: [[maya, "Morning."], [jin, "You're up early."]]}
  - {heading: "EXT. GARDEN - DAY", location: GARDEN, lines: [[jin, "They need rain."]]}
  - {heading: "INT. ATTIC - NIGHT", location: ATTIC}
"""

MANIFEST = """name: script
version: "test-1"
extra:
  scripts:
    - {name: tiny, files: [tiny.fountain], gold: tiny.gold.yaml}
"""


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    folder = tmp_path / "datasets" / "script"
    folder.mkdir(parents=True)
    (folder / "tiny.fountain").write_text(SCRIPT, encoding="utf-8")
    (folder / "tiny.gold.yaml").write_text(GOLD, encoding="utf-8")
    (folder / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    return folder.parent


def test_precision_recall_and_f1_with_known_answers(tmp_path: Path, datasets: Path) -> None:
    report = run_eval(["script"], "rules", Config(), tmp_path / "out", datasets_root=datasets, strict=True)
    suite = report.suite("script")
    assert suite is not None
    values = {m.name: m.value for m in suite.metrics}
    assert values["scene_precision"] == pytest.approx(2 / 4)
    assert values["scene_recall"] == pytest.approx(2 / 3)
    assert values["scene_f1"] == pytest.approx(2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3))
    assert values["character_precision"] == pytest.approx(2 / 3)
    assert values["character_recall"] == pytest.approx(2 / 4)
    assert values["character_f1"] == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert "(2 of 4)" in next(m.description for m in suite.metrics if m.name == "scene_precision")
    assert "shot_type_accuracy" not in values  # nothing labelled, nothing scored (and the report still renders)

    per_script = next(t for t in suite.tables if t.title == "per script")
    row = dict(zip(per_script.columns, per_script.rows[0], strict=True))
    assert row["scenes (gold/found)"] == "3/4" and row["characters (gold/found)"] == "4/3"
    assert (row["scene P"], row["scene R"], row["scene F1"]) == (0.5, 0.667, 0.571)
    assert (row["character P"], row["character R"], row["character F1"]) == (0.667, 0.5, 0.571)
    assert "missing scene: tiny:intatticnight" in suite.notes and "extra character: tiny:leo" in suite.notes

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for name in ("scene_precision", "scene_recall", "character_precision", "character_recall", "scene P"):
        assert name in html
    console = Console(width=160, record=True)
    console.print(summary_table(report))
    text = console.export_text()
    assert "scene_precision" in text and "0.500" in text and "character_recall" in text
