"""End-to-end production helpers: a tiny script, small frames, finishing a run, comparing two runs."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

from reelcrew import runner

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "scripts" / "two-nights.fountain"
SMALL: dict[str, dict[str, Any]] = {
    "run": {"width": 144, "height": 256, "workers": 4, "seed": 7},
    "export": {"width": 144, "height": 256},
}
SMALL_TOML = """
[run]
width = 144
height = 256
workers = 4

[export]
width = 144
height = 256
"""


def finish(out: Path, outcome: runner.RunOutcome | None = None) -> runner.RunOutcome:
    """Drive a production to the end, answering any review pause by approving what was flagged."""
    outcome = outcome or runner.resume(out)
    for _ in range(5):
        if outcome.status != "paused_for_review":
            return outcome
        outcome = runner.submit_review(out, {item.shot_id: {"action": "approve"} for item in outcome.review})
    raise AssertionError(f"{out}: still paused after 5 reviews")


def fingerprint(out: Path) -> dict[str, Any]:
    """What must be equal between two runs with the same seed: every shot's decisions and every final cut."""
    manifest = json.loads((out / "manifest.json").read_text())
    shots = {
        shot_id: [
            (a["model"], a["prompt"], a["seed"], [(g["gate"], g["passed"]) for g in a["gates"]]) for a in r["attempts"]
        ]
        + [r["status"]]
        for shot_id, r in manifest["shots"].items()
    }
    finals = {
        p.parent.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("episodes/*/final.mp4"))
    }
    return {"shots": shots, "finals": finals}


def model_calls(out: Path) -> list[dict[str, Any]]:
    path = out / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def free_port() -> int:
    """A TCP port nobody listens on now, on loopback: for the servers a test starts (LangGraph, Chroma, Postgres)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
