"""The command line as a user meets it: real subprocesses, exit codes, messages, and nothing half-written."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "neon-vows"
TINY = ROOT / "tests" / "fixtures" / "scripts" / "two-nights.fountain"


def reelcrew(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelcrew", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_storyboard_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "board"
    done = reelcrew("storyboard", str(EXAMPLE), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 episode(s)" in done.stdout
    for name in ("storyboard.json", "shotlist.csv", "storyboard.md", "storyboard.html", "storyboard.png"):
        assert (out / name).is_file(), name
    assert (out / "bibles" / "characters" / "lin.json").is_file()
    header = (out / "shotlist.csv").read_text().splitlines()[0]
    assert header.startswith("id,episode,scene,shot_type,angle,lens_mm,movement,lighting,duration_s")


BAD_INPUTS = {
    "empty.fountain": (b"", "empty"),
    "binary.fountain": (b"\x00\x01\x02PNG\x00\x00" * 20, "binary"),
    "latin1.fountain": ("INT. CAFÉ - DAY\n\nRené sits.\n".encode("latin-1"), "UTF-8"),
    "noscene.fountain": (b"Just some words.\n\nMore words.\n", "scene heading"),
    "broken.fdx": (b"<FinalDraft><Content><Paragraph Type='Action'><Text>Hi", "XML"),
    "script.docx": (b"PK\x03\x04 not a script", "export the script as fountain"),
}


@pytest.mark.parametrize("command", ["storyboard", "produce"])
@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_named_and_writes_nothing(name: str, command: str, tmp_path: Path) -> None:
    data, words = BAD_INPUTS[name]
    script = tmp_path / name
    script.write_bytes(data)
    out = tmp_path / "out"
    done = reelcrew(command, str(script), "-o", str(out))
    assert done.returncode == 2
    assert name in done.stderr and words.lower() in done.stderr.lower(), done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_missing_file_and_bad_config(tmp_path: Path) -> None:
    done = reelcrew("produce", str(tmp_path / "nope.fountain"), "-o", str(tmp_path / "out"), "--dry-run")
    assert done.returncode == 2 and "nope.fountain" in done.stderr
    config = tmp_path / "reelcrew.toml"
    config.write_text("[run]\nworkers = 'many'\n")
    done = reelcrew("produce", str(EXAMPLE), "-o", str(tmp_path / "out"), "--dry-run", "-c", str(config))
    assert done.returncode == 2 and "run.workers" in done.stderr


def test_dry_run_prints_the_estimate(tmp_path: Path) -> None:
    done = reelcrew("produce", str(EXAMPLE), "-o", str(tmp_path / "out"), "--dry-run", "--quality", "draft")
    assert done.returncode == 0, done.stderr
    assert "estimate: $" in done.stdout and "saving" in done.stdout
    assert not (tmp_path / "out" / "calls.jsonl").exists()
    # Nothing was generated: no approval, attempt, drift or review figures, only what was priced.
    for figure in ("first-pass", "attempts per shot", "drift rate", "human reviews"):
        assert figure not in done.stdout, figure


def _config(tmp_path: Path, more: str = "") -> Path:
    config = tmp_path / "reelcrew.toml"
    config.write_text("[run]\nwidth = 144\nheight = 256\nworkers = 4\n\n[export]\nwidth = 144\nheight = 256\n" + more)
    return config


def test_produce_reports_each_episode_and_the_run_figures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = reelcrew("produce", str(TINY), "-o", str(out), "-c", str(_config(tmp_path)))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    # Each episode's bar counts that episode's attempts (every generation, those before a storyboard redo too).
    for number in ("01", "02"):
        made = sum(
            len(s["attempts"]) + len(s["earlier_attempts"])
            for k, s in manifest["shots"].items()
            if k.startswith(f"E{number}-")
        )
        bars = re.findall(rf"episode {number}\s+attempts (\d+)", done.stderr)
        assert bars and int(bars[-1]) == made, (number, made, done.stderr)
    # And a line per shot attempt once QA ruled on it: its number, model, spend, and for the last, QA's verdict.
    for shot_id, shot in manifest["shots"].items():
        for attempt in shot["attempts"]:
            line = rf"{shot_id}\s+attempt {attempt['attempt']}\s+{re.escape(attempt['model'])}\s+\$\d+\.\d\d\s"
            assert re.search(line, done.stderr), (shot_id, attempt["attempt"])
        verdict = {"approved": "approved", "flagged": "flagged for review"}[shot["status"]]
        assert re.search(rf"{shot_id}\s+attempt {shot['attempts'][-1]['attempt']}\s.*{verdict}", done.stderr)
    # The summary shows what the manifest's figures hold: attempts per shot, drift rate per gate, human reviews.
    figures = manifest["figures"]
    summary = done.stdout
    assert re.search(
        rf"attempts per shot\W+{figures['attempts_per_shot']:.2f} \({figures['attempts']} attempts", summary
    )
    for gate, rate in figures["drift_rate"].items():
        assert re.search(rf"drift rate per gate\W+.*{gate} {rate:.0%}", summary), gate
    assert re.search(rf"human reviews\W+{figures['human_reviews']}\b", summary)
    assert re.search(rf"first-pass approval\W+{figures['first_pass_approval_rate']:.0%}", summary)


def test_budget_stop_names_the_production_folder(tmp_path: Path) -> None:
    out = tmp_path / "my out"
    config = _config(tmp_path, "\n[backends]\nsimulate_billing = true\n")
    done = reelcrew("produce", str(TINY), "-o", str(out), "-c", str(config), "--budget", "1")
    assert done.returncode == 0, done.stderr
    assert "budget cap $1.00 reached" in done.stderr
    assert f"reelcrew resume {shlex.quote(str(out))} --budget" in done.stderr, done.stderr
    assert "resume OUT" not in done.stderr


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    done = reelcrew("init", str(tmp_path / "reelcrew.toml"))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "reelcrew.toml").read_text()
    assert "[router]" in text and "# workers = 8" in text
    setting = re.compile(r"^# (\w+) = (?!\.\.\.)")
    uncommented = "\n".join(line[2:] if setting.match(line) else line for line in text.splitlines())
    (tmp_path / "all.toml").write_text(uncommented)
    sys.path.insert(0, str(ROOT))
    from reelcrew.config import load_settings

    assert load_settings(tmp_path / "all.toml").run.workers == 8


def test_tools_and_graph_commands() -> None:
    tools = reelcrew("tools")
    assert tools.returncode == 0 and "generate_clip" in tools.stdout and "edit_bible" in tools.stdout
    graph = reelcrew("graph", "--mermaid")
    assert graph.returncode == 0 and graph.stdout.startswith("---") and "redo_storyboard" in graph.stdout


def test_eval_routing_suite_writes_a_report(tmp_path: Path) -> None:
    done = reelcrew("eval", "--suite", "routing", "-o", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert "savings_vs_all_veo" in done.stdout
    html = (tmp_path / "report" / "report.html").read_text()
    assert "routing" in html and "data:image/png;base64," in html
