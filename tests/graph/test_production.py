"""The whole pipeline through the graph: produce, review pause and resume, budget stop and resume, dry run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from backends.media import probe
from reelcrew import runner
from tests.graph.support import SMALL, TINY, finish, model_calls

pytestmark = pytest.mark.slow


def test_produce_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = finish(out, runner.produce([TINY], out, **SMALL))
    assert outcome.status == "complete"
    for name in ("storyboard.json", "shotlist.csv", "storyboard.md", "storyboard.html", "storyboard.png",
                 "manifest.json", "decisions.jsonl", "estimate.json", "bibles/characters/maya.json",
                 "bibles/locations/kitchen.json"):  # fmt: skip
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["episodes"]) == {"1", "2"}
    for cut in manifest["episodes"].values():
        info = probe(Path(cut["video"]))
        assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "aac", 144, 256)
        assert Path(cut["srt"]).is_file() and Path(cut["vtt"]).is_file() and Path(cut["otio"]).is_file()
        assert -15.0 <= cut["loudness"]["integrated_lufs"] <= -13.0
    figures = manifest["figures"]
    assert figures["shots"] == len(manifest["shots"]) and figures["approved"] + figures["rejected"] == figures["shots"]
    for shot_id, record in manifest["shots"].items():
        assert record["status"] == "approved"
        assert Path(record["final_clip"]).name == f"{shot_id}.mp4"
        assert record["attempts"][-1]["model"]  # routed
    decisions = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
    assert {d["agent"] for d in decisions} >= {"script", "character", "router", "continuity", "qa", "audio"}
    # The files people open hold the reference and approved frames QA locked, as the storyboard does.
    bibles = json.loads((out / "storyboard.json").read_text())["bibles"]
    assert all(bibles["characters"][c]["reference_frames"] for c in ("maya", "ben"))
    assert all(loc["approved_frames"] for loc in bibles["locations"].values())
    for kind, entries in bibles.items():
        for entry_id, entry in entries.items():
            assert json.loads((out / "bibles" / kind / f"{entry_id}.json").read_text()) == entry, entry_id


def test_rerun_pays_nothing_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    finish(first, runner.produce([TINY], first, **SMALL))
    calls = model_calls(first)
    assert calls and len({c["key"] for c in calls}) == len(calls)
    # The same production again in the same folder: every clip comes from the cache.
    finish(first, runner.produce([TINY], first, **SMALL))
    assert model_calls(first) == calls
    del second


def test_dry_run_spends_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = runner.produce([TINY], out, dry_run=True, **SMALL)
    assert outcome.status == "estimated"
    assert outcome.estimate is not None and outcome.estimate.total_usd > 0
    assert 0 < outcome.estimate.savings_ratio < 1
    assert model_calls(out) == [] and not (out / "episodes").exists()


def test_budget_cap_stops_before_overspend_then_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    billed = {**SMALL, "backends": {"simulate_billing": True}}
    estimate = runner.produce([TINY], tmp_path / "estimate", dry_run=True, **billed).estimate
    assert estimate is not None
    cap = round(estimate.total_usd / 3, 2)
    stopped = runner.produce([TINY], out, **{**billed, "run": {**SMALL["run"], "budget_usd": cap}})
    assert stopped.status == "stopped_budget" and "resume" in stopped.message
    spent = sum(c["cost_usd"] for c in model_calls(out))
    assert 0 < spent <= cap + 1e-9
    made = {c["key"] for c in model_calls(out)}
    done = finish(out, runner.resume(out, run={"budget_usd": estimate.total_usd * 5}))
    assert done.status == "complete"
    keys = [c["key"] for c in model_calls(out)]
    assert len(keys) == len(set(keys)) and made <= set(keys)  # nothing made before the stop was paid for again


def test_review_pause_reject_and_regenerate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    broken = {**SMALL, "backends": {"simulation": {"*": "black_frames"}}}
    outcome = runner.produce([TINY], out, **broken)
    assert outcome.status == "paused_for_review" and outcome.review
    # Every clip is broken: each shot is generated max_attempts (3) times in all, a storyboard redo included.
    per_shot = Counter(c["shot_id"] for c in model_calls(out))
    assert set(per_shot.values()) == {3}
    assert outcome.figures.attempts == sum(per_shot.values()) and outcome.figures.first_pass_approved == 0
    items = runner.pending_review(out)
    assert [i.shot_id for i in items] == [i.shot_id for i in outcome.review]
    assert all(i.reasons for i in items)
    assert all(i.frames and all(Path(f).is_file() for f in i.frames) for i in items)
    first, *rest = items
    answers = {first.shot_id: {"action": "reject"}} | {i.shot_id: {"action": "approve"} for i in rest}
    done = runner.submit_review(out, answers)
    assert done.status == "complete"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["shots"][first.shot_id]["status"] == "rejected"
    assert all(manifest["shots"][i.shot_id]["approved_by"] == "human" for i in rest)
    assert manifest["figures"]["human_reviews"] == len(items)
    # Every attempt of every scene failed: each scene big enough to cluster was re-boarded exactly once.
    redos = manifest["storyboard_redos"]
    assert redos and set(redos.values()) == {1}
    assert manifest["figures"]["storyboard_redos"] == len(redos)
    # The attempts made before the redo stay in the shots' records and in the figures.
    earlier = {k: len(s["earlier_attempts"]) for k, s in manifest["shots"].items() if s["earlier_attempts"]}
    assert {k[:8] for k in earlier} == set(redos) and set(earlier.values()) == {1}
    every = {k: s["earlier_attempts"] + s["attempts"] for k, s in manifest["shots"].items()}
    every |= {k: s["earlier_attempts"] for k, s in manifest["removed_shots"].items()}
    assert {k: len(v) for k, v in every.items()} == dict(per_shot)
    figures = manifest["figures"]
    assert figures["attempts"] == len(model_calls(out)) and figures["retries"] == figures["attempts"] - len(every)
    assert figures["drift_rate"]["artifacts"] == 1.0
