"""The Router agent under both policies: rules route by config; an LLM may route differently but only to a model
the catalogue has, through the same tools, and a broken answer falls back to the rules (logged)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.router import RouterAgent
from domain.bibles import Bibles, SceneBible
from domain.screenplay import Scene
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tests.agents.test_llm_policy import answer, call, scripted, tool_turn
from tools.context import ToolContext

SHOT = Shot(id="E01-S001-SH01", episode=1, scene_id="E01-S001", index=1, location_id="pier", shot_type=ShotType.MS,
            description="Waves break over the pier as they fight.", has_physics_elements=True,
            physics_elements=["water", "fight"], duration_s=5)  # fmt: skip


def agent(tmp_path: Path, model: Any = None) -> RouterAgent:
    scene = Scene(
        id="E01-S001", episode=1, number=1, heading="EXT. PIER - NIGHT", location_id="pier", location_name="PIER"
    )
    board = Storyboard(
        episodes=[EpisodeBoard(number=1, scenes=[SceneBoard(scene=scene, shots=[SHOT])])],
        bibles=Bibles(locations={"pier": SceneBible(location_id="pier", name="Pier")}),
    )
    services = {"llm:router": model} if model is not None else {}
    config = Config.model_validate({"llm": {"base_url": "http://127.0.0.1:9/v1"}})
    ctx = ToolContext.create(config, tmp_path, **services)
    ctx.project.storyboard = board
    return RouterAgent(ctx, policy="llm" if model is not None else None)


def decision(model: str, family: str, rule: str = "llm") -> dict[str, Any]:
    return {"shot_id": SHOT.id, "model": model, "family": family, "rule": rule, "reason": "the fight needs physics",
            "duration_s": 5, "est_cost_usd": 0.6}  # fmt: skip


def test_rules_policy_routes_physics_to_kling(tmp_path: Path) -> None:
    routed = agent(tmp_path).route(SHOT)
    assert (routed.family, routed.rule) == ("kling", "physics")


def test_llm_policy_routes_through_the_tools(tmp_path: Path) -> None:
    model = scripted(
        tool_turn(call("route_shot", {"shot_id": SHOT.id}, "c1")),
        answer(decision("kling-v3-pro", "kling")),
    )
    router = agent(tmp_path, model)
    routed = router.route(SHOT)
    assert (routed.model, routed.rule) == ("kling-v3-pro", "llm")
    assert "route_shot" in model.bound and "generate_clip" in model.bound
    logged = [(d.policy, d.tool) for d in router.ctx.decisions.memory]
    assert ("llm", "route_shot") in logged and ("llm", "route") in logged


def test_an_llm_answer_naming_an_unknown_model_falls_back_to_the_rules(tmp_path: Path) -> None:
    model = scripted(answer(decision("sora-9-ultra", "sora")))
    router = agent(tmp_path, model)
    routed = router.route(SHOT)
    assert (routed.family, routed.rule) == ("kling", "physics")
    fallbacks = [d for d in router.ctx.decisions.memory if d.policy == "fallback"]
    assert fallbacks and "sora-9-ultra" in fallbacks[-1].reason
