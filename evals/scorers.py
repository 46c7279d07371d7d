"""Scorers: pure functions from (gold, predicted) to numbers, each small enough to check by hand.

Nothing here knows about agents, files or the harness; the suites turn what an agent did into the plain
sequences these functions take. Conventions: a *positive* is the thing a gate should catch (drift, a defect);
a higher score means "more likely positive"; an empty denominator scores 1.0 when there was nothing to get
wrong and 0.0 otherwise, so an empty prediction never looks perfect against a non-empty gold set.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

# ---------------------------------------------------------------- sets (scenes, characters, locations)


class SetScore(BaseModel):
    """Precision, recall and F1 of a predicted (multi)set against a gold one."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    missing: list[str] = Field(default_factory=list, description="gold items not predicted")
    extra: list[str] = Field(default_factory=list, description="predicted items not in gold")


def _ratio(num: int, den: int, *, empty: float) -> float:
    return num / den if den else empty


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def set_prf(gold: Iterable[str], predicted: Iterable[str], *, ignore: Iterable[str] = ()) -> SetScore:
    """Multiset precision/recall/F1: a heading that occurs twice must be found twice.

    ``ignore`` lists items that are neither right nor wrong (ambiguous gold, e.g. a forced heading that is not
    really a place); they are dropped from both sides.
    """
    skip = set(ignore)
    g = Counter(x for x in gold if x not in skip)
    p = Counter(x for x in predicted if x not in skip)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    precision = _ratio(tp, tp + fp, empty=1.0 if fn == 0 else 0.0)
    recall = _ratio(tp, tp + fn, empty=1.0 if fp == 0 else 0.0)
    return SetScore(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        tp=tp,
        fp=fp,
        fn=fn,
        missing=sorted((g - p).elements()),
        extra=sorted((p - g).elements()),
    )


# ---------------------------------------------------------------- dialogue attribution

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str) -> str:
    """Lower-case letters and digits only, so emphasis markers, punctuation and line breaks do not matter."""
    return _NON_ALNUM.sub("", text.lower())


class AttributionScore(BaseModel):
    accuracy: float = Field(description="gold lines found and given to the right speaker / gold lines")
    correct: int
    total: int
    unmatched: int = Field(description="gold lines whose text was not found in the prediction at all")
    errors: list[str] = Field(default_factory=list, description="'gold -> predicted: text' for each wrong line")


def _same_line(gold_key: str, predicted_text: str, key_chars: int) -> bool:
    if not gold_key or not predicted_text:
        return False
    return predicted_text.startswith(gold_key[:key_chars]) or gold_key.startswith(predicted_text[:key_chars])


def dialogue_attribution(
    gold: Sequence[tuple[str, str]],
    predicted: Sequence[tuple[str, str]],
    *,
    aliases: Mapping[str, str] | None = None,
    key_chars: int = 24,
) -> AttributionScore:
    """Share of gold speeches attributed to the right speaker.

    Both sides are ``(speaker_id, text)`` in script order. Lines are matched by the start of their normalised
    text, walking forward in order (so "To retirement." said twice matches twice), which tolerates a parser
    that splits a speech at a mid-speech parenthetical or merges it. ``aliases`` maps predicted ids to gold ids
    (``brick-braddock`` → ``brick``). A gold line with no matching text counts as wrong.
    """
    alias = dict(aliases or {})
    pred = [(alias.get(s, s), normalize_text(t)) for s, t in predicted]
    cursor = 0
    correct = unmatched = 0
    errors: list[str] = []
    for speaker, text in gold:
        key = normalize_text(text)
        found = next((i for i in range(cursor, len(pred)) if _same_line(key, pred[i][1], key_chars)), None)
        if found is None:
            unmatched += 1
            errors.append(f"{speaker} -> (missing): {text[:40]}")
            continue
        cursor = found + 1
        if pred[found][0] == speaker:
            correct += 1
        else:
            errors.append(f"{speaker} -> {pred[found][0]}: {text[:40]}")
    total = len(gold)
    return AttributionScore(
        accuracy=_ratio(correct, total, empty=1.0), correct=correct, total=total, unmatched=unmatched, errors=errors
    )


# ---------------------------------------------------------------- label agreement (shot types, routing)


def accuracy(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of positions where the labels agree; the sequences must be aligned."""
    _same_length(gold, predicted)
    return _ratio(sum(g == p for g, p in zip(gold, predicted, strict=True)), len(gold), empty=1.0)


def cohen_kappa(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Agreement beyond chance: (p_o - p_e) / (1 - p_e).

    When chance agreement is already total (both raters used one and the same label throughout) kappa is
    undefined; we return 1.0 for perfect observed agreement and 0.0 otherwise.
    """
    _same_length(gold, predicted)
    n = len(gold)
    if n == 0:
        return 1.0
    observed = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    gold_counts, pred_counts = Counter(gold), Counter(predicted)
    expected = sum(gold_counts[k] * pred_counts[k] for k in gold_counts) / (n * n)
    if math.isclose(expected, 1.0):
        return 1.0 if math.isclose(observed, 1.0) else 0.0
    return (observed - expected) / (1 - expected)


class Agreement(BaseModel):
    accuracy: float
    kappa: float
    n: int


def agreement(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> Agreement:
    """Accuracy and Cohen's kappa together: accuracy alone flatters a rater who always says 'MS'."""
    return Agreement(accuracy=accuracy(gold, predicted), kappa=cohen_kappa(gold, predicted), n=len(gold))


class Confusion(BaseModel):
    """Rows are gold labels, columns predicted labels, both in ``labels`` order."""

    labels: list[str]
    matrix: list[list[int]]

    def count(self, gold: str, predicted: str) -> int:
        return self.matrix[self.labels.index(gold)][self.labels.index(predicted)]


def confusion_matrix(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> Confusion:
    """Counts of (gold, predicted) pairs; labels not given up front are appended in sorted order."""
    _same_length(gold, predicted)
    order = list(labels or [])
    order += sorted({*gold, *predicted} - set(order))
    index = {label: i for i, label in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return Confusion(labels=order, matrix=matrix)


def _same_length(a: Sequence[object], b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise ValueError(f"gold has {len(a)} labels but the prediction has {len(b)}; align them first")


# ---------------------------------------------------------------- cost


class CostComparison(BaseModel):
    routed_usd: float
    baseline_usd: float
    savings_ratio: float = Field(description="1 - routed / baseline; 0.6 means 60% cheaper than the baseline")


def cost_vs_baseline(routed_costs: Iterable[float], baseline_costs: Iterable[float]) -> CostComparison:
    """What the routed plan costs against sending every shot to the baseline model (all-Veo)."""
    routed, baseline = float(sum(routed_costs)), float(sum(baseline_costs))
    savings = 1 - routed / baseline if baseline else 0.0
    return CostComparison(routed_usd=routed, baseline_usd=baseline, savings_ratio=savings)


def expected_cost_per_approved(total_cost_usd: float, shots: int, first_pass_rate: float) -> float:
    """Expected spend per approved shot: cost per attempt / first-pass approval.

    A rejected attempt is paid for and tried again, so with independent attempts the expected number of
    attempts per approved shot is 1/p. A cheap model that fails half the time costs twice its price.
    """
    if shots <= 0:
        raise ValueError("expected cost per approved shot needs at least one shot")
    if not 0 < first_pass_rate <= 1:
        return math.inf
    return total_cost_usd / shots / first_pass_rate


# ---------------------------------------------------------------- binary detection (gates)


class BinaryScore(BaseModel):
    """A detector at one threshold: positives are scores >= threshold."""

    threshold: float
    precision: float
    recall: float
    f1: float
    tpr: float
    fpr: float
    tp: int
    fp: int
    fn: int
    tn: int


def _check_binary(scores: Sequence[float], labels: Sequence[bool]) -> None:
    _same_length(scores, labels)
    if any(math.isnan(s) for s in scores):
        raise ValueError("scores contain NaN; a gate returned no usable score")


def binary_score(predicted: Sequence[bool], labels: Sequence[bool], *, threshold: float = math.nan) -> BinaryScore:
    """Confusion counts and rates of boolean predictions (e.g. a gate's own pass/fail) against labels."""
    _same_length(predicted, labels)
    tp = sum(p and y for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, labels, strict=True))
    fn = sum(not p and y for p, y in zip(predicted, labels, strict=True))
    tn = len(labels) - tp - fp - fn
    precision = _ratio(tp, tp + fp, empty=1.0 if fn == 0 else 0.0)
    recall = _ratio(tp, tp + fn, empty=1.0)
    return BinaryScore(
        threshold=threshold,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        tpr=recall,
        fpr=_ratio(fp, fp + tn, empty=0.0),
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
    )


def precision_recall_at(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> BinaryScore:
    """The detector "score >= threshold means positive", scored against the labels."""
    _check_binary(scores, labels)
    return binary_score([s >= threshold for s in scores], labels, threshold=threshold)


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve from ranks (Mann–Whitney U); tied scores share their average rank.

    Equals the chance that a random positive outscores a random negative, ties counting one half.
    """
    _check_binary(scores, labels)
    n_pos = sum(bool(y) for y in labels)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"ROC-AUC needs both classes; got {n_pos} positives and {n_neg} negatives")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average = (i + j) / 2 + 1  # ranks are 1-based
        for k in range(i, j + 1):
            ranks[order[k]] = average
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


class RocCurve(BaseModel):
    fpr: list[float]
    tpr: list[float]
    thresholds: list[float] = Field(description="the threshold giving each point; +inf for the (0, 0) corner")


def roc_curve(scores: Sequence[float], labels: Sequence[bool]) -> RocCurve:
    """ROC points at every distinct score, from (0, 0) to (1, 1); tied scores move diagonally together."""
    _check_binary(scores, labels)
    n_pos = sum(bool(y) for y in labels)
    n_neg = len(labels) - n_pos
    fpr, tpr, thresholds = [0.0], [0.0], [math.inf]
    for t in sorted(set(scores), reverse=True):
        point = precision_recall_at(scores, labels, t)
        fpr.append(_ratio(point.fp, n_neg, empty=0.0))
        tpr.append(_ratio(point.tp, n_pos, empty=0.0))
        thresholds.append(t)
    return RocCurve(fpr=fpr, tpr=tpr, thresholds=thresholds)


CalibrationTarget = Literal["f1", "youden"] | float


class Threshold(BaseModel):
    """A chosen threshold and how the detector does there."""

    threshold: float
    target: str = Field(description="'f1', 'youden' or 'precision>=0.95'")
    value: float = Field(description="the optimised quantity at the threshold (recall, for a precision target)")
    precision: float
    recall: float
    f1: float
    fpr: float
    n_pos: int
    n_neg: int
    feasible: bool = Field(default=True, description="False when no threshold reaches the precision asked for")


def calibrate(scores: Sequence[float], labels: Sequence[bool], target: CalibrationTarget = "f1") -> Threshold:
    """Choose the threshold on ``scores`` (positive when score >= threshold) that best meets ``target``.

    ``"f1"`` maximises F1; ``"youden"`` maximises TPR − FPR; a float ``p`` maximises recall among thresholds
    whose precision is at least ``p`` (the usual rule for a gate that must not let drift through while not
    crying wolf on everything). Candidate thresholds sit midway between neighbouring distinct scores, so the
    chosen value does not sit exactly on one training example. Ties in the objective go to the higher
    threshold (fewer alarms).
    """
    _check_binary(scores, labels)
    n_pos = sum(bool(y) for y in labels)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"calibration needs both classes; got {n_pos} positives and {n_neg} negatives")
    distinct = sorted(set(scores), reverse=True)
    candidates = [(hi + lo) / 2 for hi, lo in itertools.pairwise(distinct)]
    candidates = [distinct[0], *candidates, distinct[-1]]
    min_precision = float(target) if not isinstance(target, str) else None
    label = f"precision>={min_precision:g}" if min_precision is not None else str(target)
    if isinstance(target, str) and target not in ("f1", "youden"):
        raise ValueError(f"unknown calibration target {target!r}; use 'f1', 'youden' or a minimum precision")

    def objective(point: BinaryScore) -> float:
        if min_precision is not None:
            return point.recall if point.precision >= min_precision else -math.inf
        return point.f1 if target == "f1" else point.tpr - point.fpr

    best = max(
        (precision_recall_at(scores, labels, t) for t in candidates),
        key=lambda p: (objective(p), p.threshold),
    )
    feasible = objective(best) > -math.inf
    if not feasible:  # nothing reaches the precision: report the most precise threshold, flagged
        best = max((precision_recall_at(scores, labels, t) for t in candidates), key=lambda p: (p.precision, p.recall))
    return Threshold(
        threshold=best.threshold,
        target=label,
        value=objective(best) if feasible else best.recall,
        precision=best.precision,
        recall=best.recall,
        f1=best.f1,
        fpr=best.fpr,
        n_pos=n_pos,
        n_neg=n_neg,
        feasible=feasible,
    )


# ---------------------------------------------------------------- QA decisions


class ShotOutcome(BaseModel):
    """What happened to one shot: the first attempt's verdict, where it ended, and whether it truly drifted."""

    shot_id: str
    first_pass: bool = Field(description="every gate passed on attempt 1")
    final_status: Literal["approved", "flagged", "rejected", "regenerate", "pending"]
    drift_in_final: bool = Field(description="ground truth: the clip it ended with has drift or a defect")


class QAScore(BaseModel):
    first_pass_approval: float
    drift_in_approved: int = Field(description="approved shots that truly drift; the target is 0")
    human_review_rate: float
    redo_accuracy: float = Field(description="scenes where the storyboard-redo call matched the label")
    redo_precision: float
    redo_recall: float
    shots: int
    scenes: int


def qa_metrics(outcomes: Sequence[ShotOutcome], redo_gold: Sequence[bool], redo_predicted: Sequence[bool]) -> QAScore:
    """The QA gate as a whole: how much passes first time, what slips through, what goes to a human."""
    n = len(outcomes)
    redo = binary_score(redo_predicted, redo_gold)
    return QAScore(
        first_pass_approval=_ratio(sum(o.first_pass for o in outcomes), n, empty=1.0),
        drift_in_approved=sum(o.final_status == "approved" and o.drift_in_final for o in outcomes),
        human_review_rate=_ratio(sum(o.final_status == "flagged" for o in outcomes), n, empty=0.0),
        redo_accuracy=accuracy(redo_gold, redo_predicted),
        redo_precision=redo.precision,
        redo_recall=redo.recall,
        shots=n,
        scenes=len(redo_gold),
    )
