"""Router rules on labelled shots, the quality dial, overrides, and the cost arithmetic."""

from __future__ import annotations

import pytest

from backends.catalog import ModelCatalog
from domain.settings import RouterSettings, RunSettings
from domain.shot import Shot, ShotType
from tools.routing import estimate, route


def make_shot(i: int, shot_type: ShotType, **fields: object) -> Shot:
    return Shot(
        id=f"E01-S001-SH{i:02d}", episode=1, scene_id="E01-S001", index=i, location_id="rooftop",
        shot_type=shot_type, duration_s=fields.pop("duration_s", 4.0), **fields,  # type: ignore[arg-type]
    )  # fmt: skip


LABELLED = [
    (make_shot(1, ShotType.CU, emotional_intensity=0.9), "happyhorse", "emotional_close_up"),
    (make_shot(2, ShotType.CU, emotional_intensity=0.7), "seedance", "default"),  # > 0.7, not >= 0.7
    (make_shot(3, ShotType.MS, has_physics_elements=True, physics_elements=["water"]), "kling", "physics"),
    (make_shot(4, ShotType.ELS, cinematic_priority=True), "veo", "cinematic_establishing"),
    (make_shot(5, ShotType.LS, cinematic_priority=False), "seedance", "default"),
    (make_shot(6, ShotType.OTS, emotional_intensity=0.95), "seedance", "default"),
    (
        make_shot(7, ShotType.ECU, emotional_intensity=0.8, has_physics_elements=True),
        "happyhorse",
        "emotional_close_up",
    ),
]


@pytest.fixture(scope="module")
def catalog() -> ModelCatalog:
    return ModelCatalog.load()


@pytest.mark.parametrize(("shot", "family", "rule"), LABELLED, ids=[s.id for s, _, _ in LABELLED])
def test_rules_route_labelled_shots(shot: Shot, family: str, rule: str, catalog: ModelCatalog) -> None:
    decision = route(shot, RouterSettings(), RunSettings(), catalog)
    assert (decision.family, decision.rule) == (family, rule)
    assert catalog.get(decision.model).family == family


def test_quality_dial_picks_the_tier(catalog: ModelCatalog) -> None:
    shot = make_shot(1, ShotType.ELS, cinematic_priority=True)
    models = {
        q: route(shot, RouterSettings(), RunSettings(quality=q), catalog).model
        for q in ("draft", "standard", "premium")
    }
    assert models == {"draft": "veo-3.1-lite", "standard": "veo-3.1-fast", "premium": "veo-3.1"}


def test_rules_are_config_not_code(catalog: ModelCatalog) -> None:
    router = RouterSettings.model_validate(
        {"rules": [{"name": "all_wides_to_kling", "when": {"shot_types": ["LS"]}, "family": "kling"}]}
    )
    decision = route(make_shot(5, ShotType.LS), router, RunSettings(), catalog)
    assert (decision.family, decision.rule) == ("kling", "all_wides_to_kling")


def test_user_override_wins(catalog: ModelCatalog) -> None:
    shot = make_shot(1, ShotType.CU, emotional_intensity=0.9)
    router = RouterSettings(overrides={shot.id: "kling-v3-pro"})
    decision = route(shot, router, RunSettings(), catalog)
    assert (decision.model, decision.rule) == ("kling-v3-pro", "override")


def test_cost_arithmetic(catalog: ModelCatalog) -> None:
    shots = [s for s, _, _ in LABELLED]
    router, run = RouterSettings(), RunSettings()
    decisions = [route(s, router, run, catalog) for s in shots]
    est = estimate(decisions, shots, router, run, catalog)
    expected = 0.0
    for d in decisions:
        entry = catalog.get(d.model)
        expected += entry.price(entry.snap_duration(4.0), entry.resolution_for(run.width, run.height))
    baseline = catalog.get("veo-3.1")
    expected_base = len(shots) * baseline.price(baseline.snap_duration(4.0), "720p")
    assert est.total_usd == pytest.approx(expected, abs=1e-3)
    assert est.baseline_usd == pytest.approx(expected_base, abs=1e-3)
    assert est.savings_ratio == pytest.approx(1 - expected / expected_base, abs=1e-3)
    assert sum(est.per_shot.values()) == pytest.approx(est.total_usd, abs=1e-3)
    assert est.per_episode == {"E01": pytest.approx(est.total_usd, abs=1e-3)}
    assert 0 < est.savings_ratio < 1
