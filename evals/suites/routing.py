"""Routing suite: does the Router send each labelled shot where a careful producer would, and what does it save?

Every shot goes through ``RouterAgent.route`` in a real tool context (so the decision is logged like in a
production); the suite scores the returned families against the labels, checks each one was logged with a
reason, and prices the plan from the dataset's price table of the day against sending everything to the
baseline model (all-Veo).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from domain.errors import ConfigError, ReelcrewError
from domain.screenplay import Scene, shot_id
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from evals import scorers
from evals.datasets import load_yaml
from evals.models import Bars, Matrix, Metric, SuiteResult, Table
from evals.suites.base import SuiteContext, round_robin
from tools.decision_log import read_decisions

FAMILIES = ["happyhorse", "kling", "veo", "seedance"]


class LabelledShot(BaseModel):
    id: str
    category: str
    family: str
    why: str
    acceptable: list[str] = Field(default_factory=list)
    shot_type: ShotType
    emotional_intensity: float = 0.0
    duration_s: float = 3.0
    characters: list[str] = Field(default_factory=list)
    has_physics_elements: bool = False
    physics_elements: list[str] = Field(default_factory=list)
    cinematic_priority: bool = False
    description: str = ""

    def to_shot(self, index: int) -> Shot:
        return Shot(
            id=shot_id(1, 1, index),
            episode=1,
            scene_id="E01-S001",
            index=index,
            location_id="eval-set",
            shot_type=self.shot_type,
            duration_s=self.duration_s,
            characters=self.characters,
            emotional_intensity=self.emotional_intensity,
            has_physics_elements=self.has_physics_elements,
            physics_elements=self.physics_elements,
            cinematic_priority=self.cinematic_priority,
            description=self.description,
        )


class PriceEntry(BaseModel):
    family: str
    per_second: dict[str, float]
    durations: list[float] | dict[str, float]
    source: str

    def billed_seconds(self, seconds: float) -> float:
        """The smallest length the model can be asked for that covers ``seconds`` (else its longest)."""
        if isinstance(self.durations, dict):
            low, high = self.durations["min"], self.durations["max"]
            return float(min(max(low, -(-seconds // 1)), high))
        allowed = sorted(self.durations)
        return float(next((d for d in allowed if d >= seconds - 1e-6), allowed[-1]))

    def cost(self, seconds: float, resolution: str) -> float:
        rate = self.per_second.get(resolution) or self.per_second[sorted(self.per_second)[0]]
        return rate * self.billed_seconds(seconds)


class PriceTable(BaseModel):
    as_of: str
    currency: str = "USD"
    source: str = ""
    models: dict[str, PriceEntry]

    def entry(self, model: str) -> PriceEntry:
        if model not in self.models:
            raise ConfigError(
                f"the routing price table has no price for {model!r}; add it to evals/datasets/routing/prices.yaml"
            )
        return self.models[model]


def load_shots(ctx: SuiteContext) -> list[LabelledShot]:
    data = load_yaml(ctx.dataset("routing") / "shots.yaml")
    shots = [LabelledShot.model_validate(item) for item in data["shots"]]
    return round_robin(shots, lambda s: s.category, ctx.sample)


def load_prices(ctx: SuiteContext) -> PriceTable:
    return PriceTable.model_validate(load_yaml(ctx.dataset("routing") / "prices.yaml"))


def storyboard_of(shots: list[Shot]) -> Storyboard:
    """One episode, one scene holding every eval shot: the router only needs to find them by id."""
    scene = Scene(
        id="E01-S001",
        episode=1,
        number=1,
        heading="INT. EVAL SET - DAY",
        location_id="eval-set",
        location_name="EVAL SET",
    )
    board = SceneBoard(scene=scene, shots=shots)
    return Storyboard(title="routing eval", episodes=[EpisodeBoard(number=1, scenes=[board])])


def resolution_of(width: int, height: int) -> str:
    return "1080p" if min(width, height) > 720 else "720p"


def run(ctx: SuiteContext) -> SuiteResult:
    from agents.router import RouterAgent

    manifest = ctx.manifest("routing")
    labelled = load_shots(ctx)
    prices = load_prices(ctx)
    shots = [item.to_shot(i) for i, item in enumerate(labelled, start=1)]
    tool_ctx = ctx.tool_context("production")
    tool_ctx.project.storyboard = storyboard_of(shots)
    agent = RouterAgent(tool_ctx)

    predicted: list[str] = []
    decisions: list[Any] = []
    failures: list[str] = []
    for item, shot in zip(labelled, shots, strict=True):
        try:
            decision = agent.route(shot)
        except ReelcrewError as exc:
            failures.append(f"{item.id}: {exc}")
            decisions.append(None)
            predicted.append("(failed)")
            continue
        decisions.append(decision)
        predicted.append(decision.family)

    gold = [item.family for item in labelled]
    agreement = scorers.agreement(gold, predicted)
    acceptable = sum(p == item.family or p in item.acceptable for p, item in zip(predicted, labelled, strict=True))
    confusion = scorers.confusion_matrix(gold, predicted, labels=FAMILIES)

    # Cost, from the price table of the day.
    resolution = resolution_of(ctx.config.run.width, ctx.config.run.height)
    baseline_entry = prices.entry(ctx.config.router.baseline_model)
    baseline_costs = [baseline_entry.cost(shot.duration_s, resolution) for shot in shots]
    routed_costs: list[float] = []
    agree = priced = 0
    for shot, decision in zip(shots, decisions, strict=True):
        if decision is None:
            routed_costs.append(baseline_entry.cost(shot.duration_s, resolution))  # a failed route is not a saving
            continue
        if decision.model in prices.models:
            table_cost = prices.models[decision.model].cost(shot.duration_s, resolution)
            priced += 1
            agree += abs(table_cost - decision.est_cost_usd) <= 0.05 * max(table_cost, 1e-9)
            routed_costs.append(table_cost)
        else:
            routed_costs.append(decision.est_cost_usd)
    cost = scorers.cost_vs_baseline(routed_costs, baseline_costs)
    first_pass = float(manifest.extra.get("first_pass_approval", 0.94))
    by_family: dict[str, float] = manifest.extra.get("first_pass_by_family") or {}
    expected_routed = _expected_per_approved(predicted, routed_costs, first_pass, by_family)
    expected_veo = scorers.expected_cost_per_approved(cost.baseline_usd, len(shots), by_family.get("veo", first_pass))

    logged = _logged(tool_ctx.out / "decisions.jsonl", shots)

    metrics = [
        Metric(
            name="accuracy",
            value=agreement.accuracy,
            threshold=0.85,
            description="routed family equals the producer's label",
        ),
        Metric(
            name="acceptable_rate",
            value=acceptable / len(labelled),
            threshold=0.95,
            description="routed family is the label or one the producer accepts",
        ),
        Metric(name="kappa", value=agreement.kappa, threshold=0.75, description="Cohen's kappa against the labels"),
        Metric(
            name="savings_vs_all_veo",
            value=cost.savings_ratio,
            threshold=0.5,
            description=f"1 - routed cost / all-{ctx.config.router.baseline_model} cost (reference claims ~0.6)",
        ),
        Metric(
            name="routed_cost_usd",
            value=round(cost.routed_usd, 4),
            higher_is_better=False,
            unit="USD",
            description=f"the routed plan at {resolution}, price table of {prices.as_of}",
        ),
        Metric(
            name="all_veo_cost_usd",
            value=round(cost.baseline_usd, 4),
            higher_is_better=None,
            unit="USD",
            description=f"every shot on {ctx.config.router.baseline_model}",
        ),
        Metric(
            name="expected_cost_per_approved_usd",
            value=round(expected_routed, 4),
            higher_is_better=False,
            unit="USD",
            description=f"cost per shot / first-pass approval ({first_pass:g} assumed)",
        ),
        Metric(
            name="all_veo_expected_cost_per_approved_usd",
            value=round(expected_veo, 4),
            higher_is_better=None,
            unit="USD",
            description="the same for the all-Veo plan",
        ),
        Metric(
            name="estimate_agreement",
            value=agree / priced if priced else 0.0,
            higher_is_better=None,
            description="router cost estimates within 5% of the price table (low: prices drifted)",
        ),
        Metric(
            name="decisions_logged",
            value=logged,
            threshold=1.0,
            description="routed shots with a logged route_shot decision carrying a reason",
        ),
    ]
    return SuiteResult(
        name="routing",
        dataset="routing",
        dataset_version=manifest.version,
        metrics=metrics,
        matrices=[Matrix(title="routing confusion matrix", labels=confusion.labels, rows=confusion.matrix)],
        bars=[_cost_bars(labelled, predicted, routed_costs, baseline_costs)],
        tables=[_per_category(labelled, predicted), _mistakes(labelled, predicted, decisions)],
        notes=[*failures, f"prices: {prices.source}, as of {prices.as_of}"],
    )


def _expected_per_approved(
    families: list[str], costs: list[float], default_rate: float, by_family: dict[str, float]
) -> float:
    """Sum over shots of cost / that family's first-pass rate, per shot."""
    total = sum(cost / by_family.get(family, default_rate) for family, cost in zip(families, costs, strict=True))
    return total / len(costs)


def _logged(path: Any, shots: list[Shot]) -> float:
    found = {
        d.subject for d in read_decisions(path) if d.tool == "route_shot" and d.ok and d.reason.strip() and d.subject
    }
    return sum(shot.id in found for shot in shots) / len(shots)


def _cost_bars(labelled: list[LabelledShot], predicted: list[str], routed: list[float], veo: list[float]) -> Bars:
    routed_by: dict[str, float] = defaultdict(float)
    veo_by: dict[str, float] = defaultdict(float)
    for item, r, v in zip(labelled, routed, veo, strict=True):
        routed_by[item.category] += r
        veo_by[item.category] += v
    cats = list(dict.fromkeys(item.category for item in labelled))
    return Bars(
        title="cost by shot category: routed vs all-Veo",
        labels=[*cats, "total"],
        series={
            "routed": [round(routed_by[c], 2) for c in cats] + [round(sum(routed), 2)],
            "all-Veo": [round(veo_by[c], 2) for c in cats] + [round(sum(veo), 2)],
        },
        unit="USD",
    )


def _per_category(labelled: list[LabelledShot], predicted: list[str]) -> Table:
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for item, p in zip(labelled, predicted, strict=True):
        total[item.category] += 1
        right[item.category] += p == item.family
    rows: list[list[Any]] = [[c, total[c], right[c], round(right[c] / total[c], 3)] for c in total]
    return Table(title="accuracy by category", columns=["category", "shots", "correct", "accuracy"], rows=rows)


def _mistakes(labelled: list[LabelledShot], predicted: list[str], decisions: list[Any]) -> Table:
    rows: list[list[Any]] = []
    for item, p, d in zip(labelled, predicted, decisions, strict=True):
        if p != item.family:
            rows.append([item.id, item.family, p, d.rule if d else "", item.why])
    return Table(
        title="disagreements with the labels", columns=["shot", "label", "routed", "rule", "producer's why"], rows=rows
    )
