"""The small pieces the suites are built from: drift scores from gate results, the QA notation, sampling."""

from __future__ import annotations

import pytest

from domain.production import GateResult
from evals.suites.base import round_robin
from evals.suites.continuity import UNMEASURED, detected, drift_score
from evals.suites.qa import make_attempt, normalise_action, outcome_at, right_action


class TestDriftScores:
    def test_character_score_is_dissimilarity(self) -> None:
        gate = GateResult(gate="character", passed=False, score=0.7, threshold=0.9, reason="character_drift")
        assert drift_score(gate) == pytest.approx(0.3)
        assert detected(gate)

    def test_lighting_uses_the_measurement_before_a_colour_grade(self) -> None:
        graded = GateResult(
            gate="lighting",
            passed=True,
            score=50.0,
            threshold=900.0,
            fixed="color_grade",
            details={
                "measured_k": 3850,
                "target_k": 3800,
                "similarity": 0.99,
                "similarity_threshold": 0.85,
                "before": {"measured_k": 6500, "target_k": 3800, "similarity": 0.95, "similarity_threshold": 0.85},
            },
        )
        assert drift_score(graded) == pytest.approx(2700 / 900)
        assert detected(graded)

    def test_lighting_similarity_counts_when_it_is_the_worse_part(self) -> None:
        gate = GateResult(
            gate="lighting",
            passed=False,
            score=90.0,
            threshold=900.0,
            reason="lighting_drift",
            details={"measured_k": 3890, "target_k": 3800, "similarity": 0.70, "similarity_threshold": 0.85},
        )
        assert drift_score(gate) == pytest.approx(0.30 / 0.15)

    def test_unmeasurable_light(self) -> None:
        gate = GateResult(
            gate="lighting", passed=False, score=-1.0, threshold=900.0, details={"measured_k": None, "target_k": 3800}
        )
        assert drift_score(gate) == UNMEASURED

    def test_artifacts_score_is_the_verdict(self) -> None:
        fixed = GateResult(gate="artifacts", passed=True, score=1.0, threshold=1.3, fixed="upscale")
        clean = GateResult(gate="artifacts", passed=True, score=1.0, threshold=1.3)
        assert (drift_score(fixed), drift_score(clean)) == (1.0, 0.0)


class TestQANotation:
    def test_attempts_from_the_short_notation(self) -> None:
        clean = make_attempt(1, "pass")
        assert clean.passed and [g.gate for g in clean.gates] == ["character", "lighting", "artifacts"]
        two = make_attempt(2, "character_drift+lighting_drift")
        assert not two.passed and sorted(two.reasons) == ["character_drift", "lighting_drift"]
        fixed = make_attempt(1, "lighting_drift/fixed")
        assert fixed.passed and fixed.gates[1].fixed == "color_grade"
        refused = make_attempt(3, "error:ContentRejected")
        assert not refused.passed and refused.error == "backend_error: ContentRejected"
        with pytest.raises(ValueError, match="unknown failure"):
            make_attempt(1, "melted")

    def test_the_right_action_and_repeats(self) -> None:
        assert right_action(make_attempt(1, "pass"), 3) == "approve"
        assert right_action(make_attempt(2, "black_frames"), 3) == "regenerate"
        assert right_action(make_attempt(3, "black_frames"), 3) == "flag"
        assert outcome_at(["character_drift"], 3) == "character_drift"

    def test_decide_answers_are_normalised(self) -> None:
        assert normalise_action(("regenerate", "fix the hair")) == ("regenerate", "fix the hair")
        assert normalise_action("approved")[0] == "approve"
        with pytest.raises(ValueError, match="expected approve"):
            normalise_action(("shrug", ""))


def test_round_robin_keeps_every_group_and_the_order() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert round_robin(items, lambda s: s[0], 4) == ["a1", "a2", "b1", "c1"]
    assert round_robin(items, lambda s: s[0], None) == items
