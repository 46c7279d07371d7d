"""The QA agent's rules policy: artifact gate with rescale, the retry verdict, clusters and review flags."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from agents.qa import QAAgent
from backends.media import probe
from domain.production import GateResult, ShotAttempt, ShotRecord
from domain.settings import Config
from domain.shot import Shot, ShotType
from tools.context import ToolContext
from tools.gates.synthetic import Figure, Scene, moved, paint, write_figure_clip

W, H = 180, 320
SCENE = Scene((Figure("mei"),))
SHOT = Shot(id="E01-S002-SH01", episode=1, scene_id="E01-S002", index=1, location_id="diner", shot_type=ShotType.CU)


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext.create(Config(), tmp_path)


def frames(width: int, height: int) -> list[np.ndarray]:
    return [paint(moved(SCENE, 0.005 * i), width, height, seed=i) for i in range(12)]


def passed(*names: str) -> list[GateResult]:
    return [GateResult(gate=n, passed=True) for n in names]  # type: ignore[arg-type]


def attempt(n: int, gates: list[GateResult], error: str | None = None) -> ShotAttempt:
    return ShotAttempt(
        attempt=n, model="seedance-2.0-fast", prompt="p", seed=n, clip=f"c{n}.mp4", gates=gates, error=error
    )


DRIFT = GateResult(
    gate="character",
    passed=False,
    score=0.71,
    threshold=0.9,
    reason="character_drift",
    details={"characters": {"mei": 0.71}, "failing": ["mei"]},
)
DARK = GateResult(
    gate="lighting",
    passed=False,
    reason="lighting_drift",
    details={"measured_k": 6100.0, "target_k": 3200, "failed": ["temperature"]},
)


def test_a_small_clip_is_upscaled_and_passes_with_the_new_clip(ctx: ToolContext) -> None:
    small = write_figure_clip(
        SCENE, ctx.out / "clips" / "small.mp4", frames=frames(W // 2, H // 2), width=W // 2, height=H // 2
    )
    gate = QAAgent(ctx).check_artifacts(SHOT, small, W, H)
    assert gate.passed and gate.fixed == "upscale" and gate.details["from_size"] == [W // 2, H // 2]
    info = probe(Path(gate.details["clip"]))
    assert (info.width, info.height) == (W, H)
    assert [d.tool for d in ctx.decisions.memory] == ["check_artifacts", "upscale_clip", "check_artifacts"]


def test_a_black_clip_fails_without_a_pointless_rescale(ctx: ToolContext) -> None:
    dark = [np.zeros((H, W, 3), dtype=np.uint8)] * 12
    clip = write_figure_clip(SCENE, ctx.out / "clips" / "dark.mp4", frames=dark, width=W, height=H)
    gate = QAAgent(ctx).check_artifacts(SHOT, clip, W, H)
    assert not gate.passed and gate.reason == "black_frames" and gate.fixed is None
    assert [d.tool for d in ctx.decisions.memory] == ["check_artifacts"]


def test_a_shot_is_approved_only_when_every_gate_passed(ctx: ToolContext) -> None:
    qa = QAAgent(ctx)
    ok = ShotRecord(shot_id=SHOT.id, attempts=[attempt(1, passed("character", "lighting", "artifacts"))])
    assert qa.verdict(ok, 3) == ("approve", "")
    one_bad = ShotRecord(shot_id=SHOT.id, attempts=[attempt(1, [*passed("character", "lighting"), DARK])])
    assert qa.verdict(one_bad, 3)[0] == "regenerate"
    unjudged = ShotRecord(shot_id=SHOT.id, attempts=[attempt(1, [])])
    assert qa.verdict(unjudged, 3)[0] == "regenerate"
    assert qa.verdict(ShotRecord(shot_id=SHOT.id), 3) == ("regenerate", "")


def test_regeneration_notes_name_the_failed_gates_and_ask_for_the_references(ctx: ToolContext) -> None:
    record = ShotRecord(shot_id=SHOT.id, attempts=[attempt(1, [DRIFT, DARK, *passed("artifacts")])])
    action, note = QAAgent(ctx).verdict(record, 3)
    assert action == "regenerate"
    assert "character, lighting gates" in note and "mei (0.71 < 0.90)" in note
    assert "6100.0 K" in note and "3200 K" in note and note.endswith("Match the reference frames.")
    errored = ShotRecord(shot_id=SHOT.id, attempts=[attempt(1, [], error="backend_error: timeout")])
    assert "backend_error: timeout" in QAAgent(ctx).verdict(errored, 3)[1]


def test_after_the_last_attempt_the_shot_is_flagged_with_its_reasons(ctx: ToolContext) -> None:
    qa = QAAgent(ctx)
    record = ShotRecord(
        shot_id=SHOT.id,
        attempts=[attempt(1, [DRIFT]), attempt(2, [DARK]), attempt(3, [DRIFT, *passed("lighting")])],
    )
    action, note = qa.verdict(record, 3)
    assert action == "flag" and "character_drift" in note and "lighting_drift" in note
    assert qa.verdict(record, 4)[0] == "regenerate"
    ctx.project.records[SHOT.id] = record
    item = qa.flag(SHOT, record.attempts[-1].reasons, note)
    saved = json.loads(Path(item.path).read_text())
    assert saved["reasons"] == ["character_drift"] and saved["attempts"] == 3 and saved["clips"][-1] == "c3.mp4"
    assert ctx.project.records[SHOT.id].status == "flagged" and ctx.project.records[SHOT.id].approved_by == ""


def test_clusters_are_found_per_scene(ctx: ToolContext) -> None:
    def rec(scene: str, i: int, gates: list[GateResult]) -> ShotRecord:
        return ShotRecord(shot_id=f"{scene}-SH{i:02d}", attempts=[attempt(1, gates)])

    failing = [rec("E01-S002", i, [DRIFT]) for i in range(1, 4)] + [rec("E01-S002", 4, passed("character"))]
    healthy = [rec("E01-S003", i, passed("character")) for i in range(1, 4)] + [rec("E01-S003", 4, [DARK])]
    clusters = QAAgent(ctx).clusters({"E01-S002": failing, "E01-S003": healthy})
    assert [c.scene_id for c in clusters] == ["E01-S002"]
    assert clusters[0].characters == ["mei"] and clusters[0].kind == "most_first_attempts_failed"


def test_the_base_policy_switch_still_works_for_tasks(ctx: ToolContext) -> None:
    class Answer(BaseModel):
        ok: bool

    assert QAAgent(ctx).decide("review_scene", {}, Answer, lambda: Answer(ok=True)) == Answer(ok=True)


def test_an_llm_verdict_can_never_approve_a_failed_shot(tmp_path: Path) -> None:
    from tests.agents.test_llm_policy import answer, scripted

    failed = ShotAttempt(
        attempt=1,
        model="m",
        prompt="p",
        seed=1,
        gates=[GateResult(gate="character", passed=False, reason="character_drift")],
    )
    record = ShotRecord(shot_id="E01-S001-SH01", attempts=[failed])
    ctx = ToolContext.create(
        Config(), tmp_path, **{"llm:qa": scripted(answer({"action": "approve", "note": "looks fine"}))}
    )
    qa = QAAgent(ctx, policy="llm")
    action, note = qa.verdict(record, 3)
    assert action == "regenerate" and "character" in note.lower()
    refused = [d for d in ctx.decisions.memory if d.policy == "fallback" and d.tool == "verdict"]
    assert refused and "approved a shot" in refused[-1].reason


def test_an_llm_verdict_may_word_the_correction(tmp_path: Path) -> None:
    from tests.agents.test_llm_policy import answer, scripted

    failed = ShotAttempt(
        attempt=1,
        model="m",
        prompt="p",
        seed=1,
        gates=[GateResult(gate="lighting", passed=False, reason="lighting_drift")],
    )
    record = ShotRecord(shot_id="E01-S001-SH01", attempts=[failed])
    reply = {"action": "regenerate", "note": "Keep the warm 3000K practicals; no daylight."}
    ctx = ToolContext.create(Config(), tmp_path, **{"llm:qa": scripted(answer(reply))})
    assert QAAgent(ctx, policy="llm").verdict(record, 3) == ("regenerate", reply["note"])


def test_the_continuity_agents_wording_reaches_the_next_prompt() -> None:
    from agents.qa import correction_note

    worded = "Lin's coat came out green: keep it charcoal, belted, collar up."
    gate = DRIFT.model_copy(update={"details": {**DRIFT.details, "correction_note": worded}})
    attempt = ShotAttempt(attempt=1, model="previz", prompt="p", seed=1, clip="c.mp4", gates=[gate])

    note = correction_note(attempt)

    assert worded in note and "Character drift" in note  # the wording, and the measurements under it
    assert worded not in correction_note(attempt.model_copy(update={"gates": [DRIFT]}))
