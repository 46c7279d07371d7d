"""The routing rules and the cost arithmetic behind route_shot and estimate_cost.

Rules are data (``RouterSettings.rules``): the first whose condition holds picks a model family, the quality dial
picks the tier within it, and a model the user pinned for a shot wins over both.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from backends.catalog import ModelCatalog
from domain.settings import Quality, RouterSettings, RouteWhen, RunSettings
from domain.shot import Shot


class RouteDecision(BaseModel):
    shot_id: str
    model: str
    family: str
    rule: str = Field(description="the rule that matched, 'default' or 'override'")
    reason: str
    duration_s: float = Field(description="the duration the model will be asked for (snapped to what it allows)")
    est_cost_usd: float


def _holds(when: RouteWhen, shot: Shot) -> bool:
    if when.shot_types is not None and shot.shot_type.value not in when.shot_types:
        return False
    if when.min_emotional_intensity is not None and shot.emotional_intensity <= when.min_emotional_intensity:
        return False
    if when.has_physics_elements is not None and shot.has_physics_elements != when.has_physics_elements:
        return False
    return not (when.cinematic_priority is not None and shot.cinematic_priority != when.cinematic_priority)


def _explain(rule: str, shot: Shot) -> str:
    if rule == "default":
        return "everyday coverage: fastest and cheapest tier"
    facts = [f"{shot.shot_type.value}", f"emotional intensity {shot.emotional_intensity:.2f}"]
    if shot.has_physics_elements:
        facts.append("physics: " + ", ".join(shot.physics_elements or ["yes"]))
    if shot.cinematic_priority:
        facts.append("cinematic priority")
    return f"rule {rule}: " + "; ".join(facts)


def model_for(family: str, quality: Quality, router: RouterSettings) -> str:
    tiers = router.tiers.get(family)
    if not tiers or quality not in tiers:
        from domain.errors import ConfigError

        raise ConfigError(f"router.tiers has no {quality!r} model for family {family!r}")
    return tiers[quality]


def route(shot: Shot, router: RouterSettings, run: RunSettings, catalog: ModelCatalog) -> RouteDecision:
    """Pick a model for one shot; deterministic and explainable."""
    pinned = router.overrides.get(shot.id) or shot.model_override
    if pinned:
        entry = catalog.get(pinned)
        rule, family, model, reason = "override", entry.family, pinned, f"pinned by the user to {pinned}"
    else:
        rule, family = "default", router.default_family
        for candidate in router.rules:
            if _holds(candidate.when, shot):
                rule, family = candidate.name, candidate.family
                break
        model = model_for(family, run.quality, router)
        entry = catalog.get(model)
        reason = _explain(rule, shot)
    duration = entry.snap_duration(shot.duration_s)
    resolution = entry.resolution_for(run.width, run.height)
    return RouteDecision(
        shot_id=shot.id,
        model=model,
        family=family,
        rule=rule,
        reason=reason,
        duration_s=duration,
        est_cost_usd=round(entry.price(duration, resolution), 4),
    )


class CostEstimate(BaseModel):
    total_usd: float
    baseline_usd: float = Field(description="the same shots all sent to the baseline model")
    baseline_model: str
    savings_ratio: float = Field(description="1 - total / baseline; 0.6 means 60% cheaper")
    per_episode: dict[str, float] = Field(default_factory=dict)
    per_scene: dict[str, float] = Field(default_factory=dict)
    per_shot: dict[str, float] = Field(default_factory=dict)
    per_model: dict[str, float] = Field(default_factory=dict)
    shots: int = 0
    seconds: float = 0.0


def estimate(
    decisions: list[RouteDecision], shots: list[Shot], router: RouterSettings, run: RunSettings, catalog: ModelCatalog
) -> CostEstimate:
    """Cost per shot, scene, episode and model, and the ratio against routing everything to the baseline."""
    by_id = {shot.id: shot for shot in shots}
    baseline = catalog.get(router.baseline_model)
    base_res = baseline.resolution_for(run.width, run.height)
    per_episode: dict[str, float] = defaultdict(float)
    per_scene: dict[str, float] = defaultdict(float)
    per_model: dict[str, float] = defaultdict(float)
    total = baseline_total = seconds = 0.0
    for decision in decisions:
        shot = by_id[decision.shot_id]
        total += decision.est_cost_usd
        seconds += decision.duration_s
        per_episode[f"E{shot.episode:02d}"] += decision.est_cost_usd
        per_scene[shot.scene_id] += decision.est_cost_usd
        per_model[decision.model] += decision.est_cost_usd
        baseline_total += baseline.price(baseline.snap_duration(shot.duration_s), base_res)
    return CostEstimate(
        total_usd=round(total, 4),
        baseline_usd=round(baseline_total, 4),
        baseline_model=router.baseline_model,
        savings_ratio=round(1 - total / baseline_total, 4) if baseline_total else 0.0,
        per_episode={k: round(v, 4) for k, v in per_episode.items()},
        per_scene={k: round(v, 4) for k, v in per_scene.items()},
        per_shot={d.shot_id: d.est_cost_usd for d in decisions},
        per_model={k: round(v, 4) for k, v in per_model.items()},
        shots=len(decisions),
        seconds=round(seconds, 3),
    )
