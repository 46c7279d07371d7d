"""Continuity suite: do the gates catch labelled drift in previz clips, and leave clean clips alone?

Per setup, the clean reference clip is approved through ``ContinuityAgent.approve`` (which locks the
characters' reference frames and fills the location's pool, as in a production); every case clip is then
judged by ``ContinuityAgent.check`` and ``QAAgent.check_artifacts`` against the real bible. Each gate is
scored as a detector of its own kind of drift: ROC-AUC over a continuous drift score, and precision/recall
at the configured thresholds (the gate's own verdicts). Labelled real frames in ``continuity/real/`` are
scored as well when they are there.

Drift scores, higher meaning "more likely drift":
- character: 1 − the gate's score (the worst character's best cosine similarity to its references);
- lighting: how far past its limits the light was before any colour-grade correction: the larger of the
  kelvin distance over the kelvin threshold and the dissimilarity to the location's approved frames over its
  allowance (1.0 = at the limit, 2.0 = twice the tolerance);
- artifacts: the gate's verdict (1 failed or fixed, 0 clean): its checks are pass/fail by design, so its AUC
  is the balanced accuracy of the verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain.production import GateResult
from evals import scorers
from evals.generate_continuity import GATES, Case, ContinuitySpecs, RenderedSetup, load_specs, render_setups
from evals.models import Curve, Metric, SuiteResult, Table
from evals.suites.base import SuiteContext, round_robin

UNMEASURED = 10.0
"""Lighting drift score of a clip whose light could not be measured (all black): far past any threshold."""


def detected(gate: GateResult) -> bool:
    """The gate caught something: it failed, or it passed only after a correction."""
    return not gate.passed or gate.fixed is not None


def drift_score(gate: GateResult) -> float:
    """The gate's evidence of drift on one clip (see the module docstring)."""
    if gate.gate == "character":
        return 1.0 - gate.score
    if gate.gate == "lighting":
        before = gate.details.get("before")  # a colour-graded result keeps what was measured before the grade
        measured = before if isinstance(before, dict) else gate.details
        kelvin, target = measured.get("measured_k"), measured.get("target_k")
        if kelvin is None or target is None or gate.threshold <= 0:
            return UNMEASURED
        parts = [abs(float(kelvin) - float(target)) / gate.threshold]
        similarity, floor = measured.get("similarity"), measured.get("similarity_threshold")
        if similarity is not None and floor is not None and float(floor) < 1.0:
            parts.append((1.0 - float(similarity)) / (1.0 - float(floor)))
        return max(parts)
    return 1.0 if detected(gate) else 0.0


def select_cases(specs: ContinuitySpecs, sample: int | None) -> set[str]:
    """Case ids to run: all, or a sample that keeps every kind of fault and some clean controls."""
    cases = [case for _, case in specs.cases()]
    return {c.id for c in round_robin(cases, lambda c: c.fault, sample)}


def judge(
    ctx: SuiteContext, rendered: RenderedSetup, width: int, height: int
) -> list[tuple[Case, dict[str, GateResult]]]:
    """Approve the setup's reference clip, then run every gate on each case clip, as the production graph does."""
    from agents.continuity import ContinuityAgent
    from agents.qa import QAAgent

    setup = rendered.setup
    tool_ctx = ctx.tool_context(setup.id)
    tool_ctx.project.storyboard = setup.storyboard()
    continuity, qa = ContinuityAgent(tool_ctx), QAAgent(tool_ctx)
    bible = setup.context()
    continuity.approve(setup.reference_shot(), rendered.reference, bible)
    results: list[tuple[Case, dict[str, GateResult]]] = []
    for case, clip in rendered.cases:
        shot = setup.case_shot(case)
        gates = continuity.check(shot, clip, bible, 1)
        checked = clip
        for gate in gates:  # the artifact gate judges the clip that would be approved (a graded copy)
            if gate.passed and gate.details.get("clip"):
                checked = Path(gate.details["clip"])
        gates.append(qa.check_artifacts(shot, checked, width, height))
        results.append((case, {str(g.gate): g for g in gates}))
    return results


def judge_all(ctx: SuiteContext, specs: ContinuitySpecs) -> list[tuple[Case, dict[str, GateResult]]]:
    """Render (or reuse) the selected clips and judge them all."""
    rendered = render_setups(specs, ctx.cache_dir, only=select_cases(specs, ctx.sample))
    size = (specs.render.width, specs.render.height)
    return [item for setup in rendered for item in judge(ctx, setup, *size)]


def run(ctx: SuiteContext) -> SuiteResult:
    import agents.continuity
    import agents.qa  # noqa: F401

    manifest = ctx.manifest("continuity")
    judged = judge_all(ctx, load_specs(ctx.dataset("continuity")))

    metrics: list[Metric] = []
    curves: list[Curve] = []
    rows: list[list[Any]] = []
    for gate in GATES:
        scored = [(case, results[gate]) for case, results in judged if case.scored(gate)]
        labels = [case.drift.of(gate) for case, _ in scored]
        scores = [drift_score(result) for _, result in scored]
        verdicts = [detected(result) for _, result in scored]
        at_threshold = scorers.binary_score(verdicts, labels)
        if any(labels) and not all(labels):
            auc = scorers.roc_auc(scores, labels)
            roc = scorers.roc_curve(scores, labels)
            curves.append(Curve(name=gate, x=roc.fpr, y=roc.tpr, auc=auc))
            metrics.append(
                Metric(
                    name=f"{gate}_auc",
                    value=auc,
                    threshold=0.9,
                    description=f"ROC-AUC of the {gate} gate's drift score",
                )
            )
        metrics += [
            Metric(
                name=f"{gate}_recall",
                value=at_threshold.recall,
                threshold=0.9,
                description=f"labelled {gate} drift the gate caught at its configured threshold",
            ),
            Metric(
                name=f"{gate}_precision",
                value=at_threshold.precision,
                threshold=0.8,
                description=f"{gate} alarms that were real drift",
            ),
        ]
        rows.append(
            [
                gate,
                sum(labels),
                len(labels) - sum(labels),
                at_threshold.tp,
                at_threshold.fp,
                at_threshold.fn,
                round(at_threshold.recall, 3),
                round(at_threshold.precision, 3),
            ]
        )

    missed = [case.id for case, results in judged if case.drift.any and not any(detected(g) for g in results.values())]
    false_alarms = [
        case.id for case, results in judged if not case.drift.any and any(detected(g) for g in results.values())
    ]
    metrics += [
        Metric(
            name="drift_passed",
            value=float(len(missed)),
            threshold=0.0,
            higher_is_better=False,
            unit="count",
            description="drifted clips every gate let through into the approved pool; must be 0",
        ),
        Metric(
            name="clean_flagged",
            value=float(len(false_alarms)),
            higher_is_better=False,
            unit="count",
            description="clean controls some gate stopped (each costs a regeneration)",
        ),
    ]
    metrics += _calibration(judged, ctx)
    notes = [f"missed drift: {', '.join(missed)}"] if missed else []
    notes += [f"clean clips flagged: {', '.join(false_alarms)}"] if false_alarms else []
    real_metrics, real_notes = _real_frames(ctx)
    return SuiteResult(
        name="continuity",
        dataset="continuity",
        dataset_version=manifest.version,
        metrics=metrics + real_metrics,
        curves=curves,
        tables=[
            Table(
                title="gates at their configured thresholds",
                columns=["gate", "drifted", "clean", "caught", "false alarms", "missed", "recall", "precision"],
                rows=rows,
            ),
            Table(
                title="every clip",
                columns=["clip", "fault", *GATES],
                rows=[
                    [case.id, case.fault, *(_cell(results[g], case.drift.of(g), case.scored(g)) for g in GATES)]
                    for case, results in judged
                ],
            ),
        ],
        notes=notes + real_notes,
    )


def _cell(gate: GateResult, drift: bool, scored: bool) -> str:
    verdict = "fixed" if gate.passed and gate.fixed else ("pass" if gate.passed else "FAIL")
    mark = "" if detected(gate) == drift else " ✗"
    if not scored:
        mark = " (not scored)"
    return f"{verdict} {drift_score(gate):.3f}{mark}"


def _calibration(judged: list[tuple[Case, dict[str, GateResult]]], ctx: SuiteContext) -> list[Metric]:
    """The character threshold these labels would choose, beside the configured one (informational)."""
    kept = [(case, results) for case, results in judged if case.scored("character")]
    labels = [case.drift.character for case, _ in kept]
    if not any(labels) or all(labels):
        return []
    scores = [drift_score(results["character"]) for _, results in kept]
    chosen = scorers.calibrate(scores, labels, "f1")
    configured = ctx.config.gates.character_threshold.get(ctx.config.gates.embedder, 0.0)
    return [
        Metric(
            name="character_threshold_calibrated",
            value=round(1.0 - chosen.threshold, 4),
            higher_is_better=None,
            description=f"similarity threshold maximising F1 on these labels (configured: {configured:g})",
        ),
        Metric(
            name="character_f1_calibrated",
            value=chosen.f1,
            higher_is_better=None,
            description="character-gate F1 at the calibrated threshold",
        ),
    ]


def _real_frames(ctx: SuiteContext) -> tuple[list[Metric], list[str]]:
    """Score labelled real frame pairs from ``continuity/real/labels.yaml`` if someone has added them."""
    from evals.calibrate import load_real_pairs, similarity_scores

    folder = ctx.dataset("continuity") / "real"
    pairs = load_real_pairs(folder)
    if not pairs:
        return [], ["no real frames labelled yet (continuity/real/labels.yaml): previz clips only"]
    similarities = similarity_scores(pairs, folder, ctx.config)
    labels = [p.drift for p in pairs]
    if all(labels) or not any(labels):
        return [], [f"continuity/real has {len(pairs)} pairs but only one class; add both drifted and clean pairs"]
    auc = scorers.roc_auc([1 - s for s in similarities], labels)
    return [
        Metric(
            name="real_character_auc",
            value=auc,
            threshold=0.8,
            description=f"ROC-AUC of embedder similarity on {len(pairs)} labelled real frame pairs",
        )
    ], []
