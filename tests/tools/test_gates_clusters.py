"""Failure clusters: independent failures are not one, a failing scene is, a shared cause is."""

from __future__ import annotations

from pathlib import Path

from domain.production import GateResult, ShotAttempt, ShotRecord
from domain.settings import Config, GateSettings
from tools.context import ToolContext
from tools.gates.clusters import detect_cluster
from tools.qa import DetectClusterArgs, detect_failure_cluster

SCENE = "E01-S004"


def gate(name: str, passed: bool, **details: object) -> GateResult:
    reasons = {"character": "character_drift", "lighting": "lighting_drift", "artifacts": "black_frames"}
    return GateResult(gate=name, passed=passed, reason=None if passed else reasons[name], details=dict(details))  # type: ignore[arg-type]


def record(index: int, *failed: str, error: str | None = None, failing: tuple[str, ...] = ("mei",)) -> ShotRecord:
    gates = [
        gate("character", "character" not in failed, failing=list(failing) if "character" in failed else []),
        gate("lighting", "lighting" not in failed, location_id="diner"),
        gate("artifacts", "artifacts" not in failed),
    ]
    attempt = ShotAttempt(attempt=1, model="m", prompt="p", seed=1, gates=[] if error else gates, error=error)
    return ShotRecord(shot_id=f"{SCENE}-SH{index:02d}", attempts=[attempt])


def test_independent_failures_are_not_a_cluster() -> None:
    records = [record(1, "character"), record(2, "lighting"), record(3, "artifacts")] + [
        record(i) for i in range(4, 11)
    ]
    assert detect_cluster(SCENE, records, GateSettings()) is None
    # two failures with the same cause are still too few to call a cluster
    assert detect_cluster(SCENE, [record(1, "character"), record(2, "character"), record(3)], GateSettings()) is None


def test_most_first_attempts_failing_is_a_cluster() -> None:
    records = [record(1, "character"), record(2, "lighting"), record(3, "artifacts"), record(4, "character"), record(5)]
    cluster = detect_cluster(SCENE, records, GateSettings())
    assert cluster is not None and cluster.kind == "most_first_attempts_failed"
    assert cluster.cause == "most first attempts failed"
    assert cluster.shots == [f"{SCENE}-SH0{i}" for i in range(1, 5)] and cluster.fail_fraction == 0.8
    assert cluster.dominant_reason == "character_drift"


def test_failures_sharing_one_cause_are_a_cluster_naming_who_is_at_fault() -> None:
    records = [record(i, "character", failing=("mei",)) for i in range(1, 4)]
    records += [record(4, "character", "lighting", failing=("mei", "jun"))] + [record(i) for i in range(5, 11)]
    cluster = detect_cluster(SCENE, records, GateSettings())
    assert cluster is not None and cluster.kind == "shared_cause" and cluster.cause == "failures share one cause"
    assert cluster.fail_fraction == 0.4 and cluster.same_cause_fraction == 1.0
    assert cluster.dominant_reason == "character_drift" and cluster.characters == ["mei"]
    assert cluster.locations == []


def test_generation_errors_count_and_later_attempts_do_not() -> None:
    records = [record(i, error="backend_error: timeout") for i in range(1, 4)] + [record(4)]
    cluster = detect_cluster(SCENE, records, GateSettings())
    assert cluster is not None and cluster.dominant_reason == "backend_error: timeout"
    retried = record(5, "lighting")
    retried.attempts.append(retried.attempts[0].model_copy(update={"attempt": 2}))
    assert detect_cluster(SCENE, [retried, record(6), record(7)], GateSettings()) is None


def test_the_tool_reads_the_scene_records_of_the_run(tmp_path: Path) -> None:
    ctx = ToolContext.create(Config(), tmp_path)
    for r in [record(1, "character", "lighting"), record(2, "lighting"), record(3, "lighting"), record(4)]:
        ctx.project.records[r.shot_id] = r
    ctx.project.records["E01-S005-SH01"] = record(1, "character").model_copy(update={"shot_id": "E01-S005-SH01"})
    result = detect_failure_cluster(ctx, DetectClusterArgs(scene_id=SCENE))
    assert result.shots_considered == 4
    assert result.cluster is not None and result.cluster.locations == ["diner"]
    assert "at fault: diner" in result.summary
