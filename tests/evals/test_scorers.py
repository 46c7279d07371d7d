"""Every scorer on hand-made cases whose answers were worked out on paper."""

from __future__ import annotations

import math
from typing import ClassVar

import pytest

from evals import scorers
from evals.scorers import ShotOutcome


class TestSetPRF:
    def test_overlap(self) -> None:
        s = scorers.set_prf(["a", "b", "c"], ["b", "c", "d"])
        assert (s.tp, s.fp, s.fn) == (2, 1, 1)
        assert s.precision == pytest.approx(2 / 3)
        assert s.recall == pytest.approx(2 / 3)
        assert s.f1 == pytest.approx(2 / 3)
        assert s.missing == ["a"] and s.extra == ["d"]

    def test_multiset_counts_repeats(self) -> None:
        s = scorers.set_prf(["x", "x"], ["x"])
        assert (s.tp, s.fn) == (1, 1)
        assert s.precision == 1.0 and s.recall == 0.5
        assert s.f1 == pytest.approx(2 / 3)

    def test_empty_cases(self) -> None:
        assert scorers.set_prf([], []).f1 == 1.0
        nothing_found = scorers.set_prf(["a"], [])
        assert (nothing_found.precision, nothing_found.recall, nothing_found.f1) == (0.0, 0.0, 0.0)
        all_extra = scorers.set_prf([], ["a"])
        assert all_extra.precision == 0.0 and all_extra.f1 == 0.0

    def test_ignore_drops_items_from_both_sides(self) -> None:
        s = scorers.set_prf(["a", "pov"], ["a", "titles"], ignore=["pov", "titles"])
        assert s.f1 == 1.0


class TestDialogueAttribution:
    def test_counts_right_speakers_in_order(self) -> None:
        gold = [("steel", "To retirement."), ("brick", "To retirement."), ("steel", "Screw it!")]
        pred = [("steel", "To *retirement*."), ("steel", "To retirement."), ("steel", "Screw it")]
        s = scorers.dialogue_attribution(gold, pred)
        assert (s.correct, s.total, s.unmatched) == (2, 3, 0)
        assert s.accuracy == pytest.approx(2 / 3)
        assert s.errors == ["brick -> steel: To retirement."]

    def test_aliases_and_missing_lines(self) -> None:
        gold = [("brick", "Are they cold?"), ("dan", "Then let's retire them.")]
        pred = [("brick-braddock", "Are they cold?")]
        s = scorers.dialogue_attribution(gold, pred, aliases={"brick-braddock": "brick"})
        assert (s.correct, s.unmatched) == (1, 1)
        assert s.accuracy == 0.5

    def test_speech_split_at_a_parenthetical_still_matches(self) -> None:
        gold = [("steel", "They're coming out of the woodwork! No, everybody we've put away!")]
        pred = [("steel", "They're coming out of the woodwork!"), ("steel", "No, everybody we've put away!")]
        assert scorers.dialogue_attribution(gold, pred).accuracy == 1.0

    def test_no_gold_lines_is_perfect(self) -> None:
        assert scorers.dialogue_attribution([], [("a", "hi")]).accuracy == 1.0


class TestAgreement:
    def test_cohen_kappa_textbook_example(self) -> None:
        # 2x2 table: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o = .7, p_e = .5, kappa = .4
        gold = ["y"] * 25 + ["n"] * 25
        pred = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
        assert scorers.cohen_kappa(gold, pred) == pytest.approx(0.4)
        assert scorers.accuracy(gold, pred) == pytest.approx(0.7)

    def test_kappa_extremes(self) -> None:
        assert scorers.cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
        assert scorers.cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
        assert scorers.cohen_kappa(["ms", "ms"], ["ms", "ms"]) == 1.0  # chance agreement total, observed total
        # always answering the majority label: accurate-looking, but no better than chance
        assert scorers.cohen_kappa(["ms", "ms", "ms", "cu"], ["ms"] * 4) == pytest.approx(0.0)

    def test_misaligned_labels_are_refused(self) -> None:
        with pytest.raises(ValueError, match="align"):
            scorers.accuracy(["a"], ["a", "b"])

    def test_confusion_matrix(self) -> None:
        c = scorers.confusion_matrix(
            ["veo", "kling", "veo", "seedance"], ["veo", "veo", "seedance", "seedance"], labels=["veo", "kling"]
        )
        assert c.labels == ["veo", "kling", "seedance"]
        assert c.matrix == [[1, 0, 1], [1, 0, 0], [0, 0, 1]]
        assert c.count("kling", "veo") == 1


class TestCost:
    def test_savings_against_baseline(self) -> None:
        c = scorers.cost_vs_baseline([1.0, 2.0], [4.0, 6.0])
        assert (c.routed_usd, c.baseline_usd) == (3.0, 10.0)
        assert c.savings_ratio == pytest.approx(0.7)

    def test_expected_cost_per_approved_shot(self) -> None:
        assert scorers.expected_cost_per_approved(10.0, 5, 0.5) == pytest.approx(4.0)
        assert scorers.expected_cost_per_approved(10.0, 5, 1.0) == pytest.approx(2.0)
        assert math.isinf(scorers.expected_cost_per_approved(10.0, 5, 0.0))
        with pytest.raises(ValueError):
            scorers.expected_cost_per_approved(1.0, 0, 0.5)


class TestROC:
    SCORES: ClassVar[list[float]] = [0.1, 0.4, 0.35, 0.8]
    LABELS: ClassVar[list[bool]] = [False, False, True, True]

    def test_auc_known_value(self) -> None:
        # pairs (pos, neg): (.35,.1) win, (.35,.4) lose, (.8,.1) win, (.8,.4) win -> 3/4
        assert scorers.roc_auc(self.SCORES, self.LABELS) == pytest.approx(0.75)

    def test_auc_ties_count_half(self) -> None:
        assert scorers.roc_auc([0.5, 0.5], [True, False]) == pytest.approx(0.5)
        assert scorers.roc_auc([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == pytest.approx(0.875)

    def test_auc_perfect_and_inverted(self) -> None:
        assert scorers.roc_auc([0.9, 0.8, 0.2], [True, True, False]) == 1.0
        assert scorers.roc_auc([0.1, 0.2, 0.8], [True, True, False]) == 0.0

    def test_auc_needs_both_classes(self) -> None:
        with pytest.raises(ValueError, match="both classes"):
            scorers.roc_auc([0.1, 0.2], [True, True])

    def test_curve_runs_corner_to_corner(self) -> None:
        curve = scorers.roc_curve(self.SCORES, self.LABELS)
        assert (curve.fpr[0], curve.tpr[0]) == (0.0, 0.0)
        assert (curve.fpr[-1], curve.tpr[-1]) == (1.0, 1.0)
        assert curve.fpr[1:3] == [0.0, 0.5] and curve.tpr[1:3] == [0.5, 0.5]
        # trapezoid area under the points equals the rank AUC
        area = sum(
            (x1 - x0) * (y0 + y1) / 2
            for x0, x1, y0, y1 in zip(curve.fpr, curve.fpr[1:], curve.tpr, curve.tpr[1:], strict=False)
        )
        assert area == pytest.approx(0.75)

    def test_precision_recall_at_threshold(self) -> None:
        s = scorers.precision_recall_at(self.SCORES, self.LABELS, 0.3)
        assert (s.tp, s.fp, s.fn, s.tn) == (2, 1, 0, 1)
        assert s.precision == pytest.approx(2 / 3) and s.recall == 1.0 and s.fpr == 0.5

    def test_nan_scores_are_refused(self) -> None:
        with pytest.raises(ValueError, match="NaN"):
            scorers.roc_auc([math.nan, 0.1], [True, False])


class TestCalibrate:
    def test_separable_scores_get_the_midpoint(self) -> None:
        scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]
        labels = [False, False, False, True, True, True]
        for target in ("f1", "youden", 1.0):
            t = scorers.calibrate(scores, labels, target)
            assert t.threshold == pytest.approx(0.5)
            assert (t.precision, t.recall) == (1.0, 1.0)

    def test_overlapping_scores(self) -> None:
        scores, labels = TestROC.SCORES, TestROC.LABELS
        f1 = scorers.calibrate(scores, labels, "f1")
        assert f1.threshold == pytest.approx(0.225) and f1.value == pytest.approx(0.8)
        youden = scorers.calibrate(scores, labels, "youden")  # ties at J = .5 go to the highest threshold
        assert youden.threshold == pytest.approx(0.8) and youden.value == pytest.approx(0.5)
        strict = scorers.calibrate(scores, labels, 1.0)
        assert strict.threshold == pytest.approx(0.8) and strict.recall == 0.5 and strict.target == "precision>=1"

    def test_unreachable_precision_is_flagged(self) -> None:
        t = scorers.calibrate([0.9, 0.1], [False, True], 0.99)
        assert not t.feasible

    def test_unknown_target(self) -> None:
        with pytest.raises(ValueError, match="unknown calibration target"):
            scorers.calibrate([0.1, 0.9], [False, True], "accuracy")  # type: ignore[arg-type]


class TestQAMetrics:
    def test_known_production(self) -> None:
        outcomes = [
            ShotOutcome(shot_id="a", first_pass=True, final_status="approved", drift_in_final=False),
            ShotOutcome(shot_id="b", first_pass=False, final_status="approved", drift_in_final=False),
            ShotOutcome(shot_id="c", first_pass=False, final_status="flagged", drift_in_final=True),
            ShotOutcome(shot_id="d", first_pass=False, final_status="approved", drift_in_final=True),
        ]
        q = scorers.qa_metrics(outcomes, redo_gold=[True, False, False], redo_predicted=[True, True, False])
        assert q.first_pass_approval == 0.25
        assert q.drift_in_approved == 1  # d was approved while still drifting; c went to a person
        assert q.human_review_rate == 0.25
        assert q.redo_accuracy == pytest.approx(2 / 3)
        assert (q.redo_precision, q.redo_recall) == (0.5, 1.0)
        assert (q.shots, q.scenes) == (4, 3)
