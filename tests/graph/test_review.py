"""Human review through `reelcrew review`: wrong answers are refused before they reach the checkpoint, and a
regeneration with an edited description really regenerates the shot with that description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.errors import ConfigError
from reelcrew import runner
from reelcrew.cli import app
from tests.graph.support import SMALL, TINY, model_calls
from tools.decision_log import read_decisions

pytestmark = pytest.mark.slow

BROKEN = {**SMALL, "backends": {"simulation": {"*": "black_frames"}}}  # every take fails: every shot is flagged


def test_wrong_answers_are_refused_and_the_pause_survives(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = runner.produce([TINY], out, **BROKEN)
    assert outcome.status == "paused_for_review"
    waiting = [item.shot_id for item in runner.pending_review(out)]
    cli = CliRunner()

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({waiting[0]: {"action": "yes"}, "E09-S001-SH01": {"action": "approve"}}))
    refused = cli.invoke(app, ["review", str(out), "--decisions", str(bad)])
    assert isinstance(refused.exception, ConfigError)
    message = str(refused.exception)
    assert waiting[0] in message and "E09-S001-SH01: not waiting for review" in message and "approve" in message

    broken_json = tmp_path / "broken.json"
    broken_json.write_text("{not json")
    unreadable = cli.invoke(app, ["review", str(out), "--decisions", str(broken_json)])
    assert isinstance(unreadable.exception, ConfigError) and "broken.json" in str(unreadable.exception)

    assert [item.shot_id for item in runner.pending_review(out)] == waiting  # nothing reached the checkpoint
    done = runner.submit_review(out, {shot_id: {"action": "reject"} for shot_id in waiting})
    assert done.status == "complete"


def test_regenerate_with_an_edited_description(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.produce([TINY], out, **BROKEN)
    first, *rest = [item.shot_id for item in runner.pending_review(out)]
    calls = len(model_calls(out))
    answers = tmp_path / "answers.json"
    edited = "Maya alone at the window, rain on the glass."
    answers.write_text(
        json.dumps({first: {"action": "regenerate", "prompt": edited}} | {s: {"action": "reject"} for s in rest})
    )

    done = CliRunner().invoke(app, ["review", str(out), "--decisions", str(answers)])

    assert done.exception is None, done.output
    new = model_calls(out)[calls:]
    assert [c["shot_id"] for c in new] == [first]  # only the regenerated shot was generated again
    production = runner.load_production(out)
    assert production.storyboard.shot(first).description == edited
    assert edited in production.records[first].attempts[-1].prompt
    assert "A reviewer turned down the last take" in production.records[first].attempts[-1].prompt
    assert production.records[first].status == "flagged"  # every take still fails: back to the human
    reviewed = [d for d in read_decisions(out / "decisions.jsonl") if d.policy == "human"]
    assert {(d.subject, d.arguments["action"]) for d in reviewed} == {(first, "regenerate")} | {
        (s, "reject") for s in rest
    }
    assert [item.shot_id for item in runner.pending_review(out)] == [first]
