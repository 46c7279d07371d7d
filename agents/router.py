"""The Router agent: sends each shot to the model that suits it, writes its prompt, and has it generated.

Rules policy: the routing rules in config pick the model; the prompt carries the bibles; regenerations add a
correction note and the reference frames, and move to a new seed so the cache does not hand back the failed clip.
"""

from __future__ import annotations

from typing import ClassVar

from agents.base import Agent
from domain.decisions import AgentName
from domain.errors import ConfigError
from domain.production import GenerationResult, ShotAttempt
from domain.shot import Shot
from tools.router import ComposedPrompt, catalog
from tools.routing import CostEstimate, RouteDecision

SEED_STRIDE = 1009  # a prime, so attempt seeds of neighbouring shots never collide
REVISION_STRIDE = 7919  # a storyboard redo of the scene moves every shot to new seeds
TAKE_STRIDE = 104729  # a director's "regenerate" (a new take) moves the shot to new seeds; take 0 keeps the old ones


def attempt_seed(shot: Shot, attempt: int, base_seed: int) -> int:
    """The seed of one attempt of one shot; the chat predicts cache hits with the same formula."""
    return base_seed + (attempt - 1) * SEED_STRIDE + shot.revision * REVISION_STRIDE + shot.take * TAKE_STRIDE


class RouterAgent(Agent):
    name: ClassVar[AgentName] = "router"
    tools: ClassVar[tuple[str, ...]] = ("route_shot", "compose_prompt", "estimate_cost", "generate_clip")
    prompt: ClassVar[str] = "router.yaml"

    def route(self, shot: Shot) -> RouteDecision:
        """The model for ``shot``: the routing rules, or an LLM that may weigh the shot differently but must name
        a model the catalogue has (it reads the rules' proposal through route_shot)."""

        def rules() -> RouteDecision:
            decision: RouteDecision = self.call(
                "route_shot", {"shot_id": shot.id}, reason="routing rules from config", subject=shot.id
            )
            return decision

        def check(decision: RouteDecision) -> str | None:
            if decision.shot_id != shot.id:
                return f"answered for {decision.shot_id}, asked about {shot.id}"
            try:
                entry = catalog(self.ctx).get(decision.model)
            except ConfigError as exc:
                return str(exc)
            return None if entry.family == decision.family else f"{decision.model} is not a {decision.family} model"

        return self.decide_checked(
            "route", {"shot": shot.model_dump(mode="json")}, RouteDecision, rules, check, subject=shot.id
        )

    def estimate(self, episodes: list[int] | None = None) -> CostEstimate:
        result: CostEstimate = self.call("estimate_cost", {"episodes": episodes}, reason="price before spending")
        return result

    def generate(self, shot: Shot, *, attempt: int, base_seed: int, correction: str = "") -> ShotAttempt:
        """Route, compose and generate one attempt of one shot; a new attempt gets a new seed."""
        decision = self.route(shot)
        composed: ComposedPrompt = self.call(
            "compose_prompt",
            {"shot_id": shot.id, "model": decision.model, "correction": correction},
            reason="bible entries appended to every prompt" + ("; correction for a retry" if correction else ""),
            subject=shot.id,
        )
        seed = attempt_seed(shot, attempt, base_seed)
        result: GenerationResult = self.call(
            "generate_clip",
            {
                "shot_id": shot.id,
                "model": decision.model,
                "prompt": composed.prompt,
                "negative_prompt": composed.negative_prompt,
                "seed": seed,
                "attempt": attempt,
                "reference_frames": composed.reference_frames,
            },
            reason=f"attempt {attempt} on {decision.model} ({decision.rule})",
            subject=shot.id,
        )
        return ShotAttempt(
            attempt=attempt,
            model=result.model,
            prompt=composed.prompt,
            seed=seed,
            clip=result.clip,
            cost_usd=result.cost_usd,
            cached=result.cached,
        )
