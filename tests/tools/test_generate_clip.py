"""generate_clip: the cache serves repeats, identical shots share one call, the budget refuses before spending."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from domain.bibles import Bibles, SceneBible
from domain.errors import BudgetExceeded
from domain.production import GenerationRequest, GenerationResult
from domain.screenplay import Scene
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.context import ToolContext
from tools.router import GenerateClipArgs, generate_clip


class CountingProvider:
    """A stand-in for a paid provider: counts calls, bills like one."""

    name = "fake-provider"

    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, request: GenerationRequest, target: Path) -> GenerationResult:
        self.calls += 1
        await asyncio.sleep(0.05)
        target.write_bytes(f"clip {request.seed}".encode())
        return GenerationResult(clip=str(target), model=request.model, seed=request.seed, cost_usd=0.6)


def make_ctx(tmp_path: Path, budget: float | None = None) -> tuple[ToolContext, CountingProvider]:
    scene = Scene(
        id="E01-S001", episode=1, number=1, heading="INT. ROOM - DAY", location_id="room", location_name="ROOM"
    )
    shots = [
        Shot(id=f"E01-S001-SH0{i}", episode=1, scene_id=scene.id, index=i, location_id="room",
             shot_type=ShotType.INSERT, description="The ring on the table.", duration_s=4)
        for i in (1, 2)
    ]  # fmt: skip
    board = Storyboard(
        episodes=[EpisodeBoard(number=1, scenes=[SceneBoard(scene=scene, shots=shots)])],
        bibles=Bibles(locations={"room": SceneBible(location_id="room", name="Room")}),
    )
    ctx = ToolContext.create(Config.model_validate({"run": {"budget_usd": budget, "workers": 4}}), tmp_path)
    ctx.project.storyboard = board
    provider = CountingProvider()
    ctx.services["video:seedance-2.0-fast"] = provider
    return ctx, provider


def args(shot: str, seed: int = 1) -> GenerateClipArgs:
    return GenerateClipArgs(shot_id=shot, model="seedance-2.0-fast", prompt="A ring on a table.", seed=seed)


def test_rerun_is_a_cache_hit(tmp_path: Path) -> None:
    ctx, provider = make_ctx(tmp_path)
    first = generate_clip(ctx, args("E01-S001-SH01"))
    again = generate_clip(ctx, args("E01-S001-SH01"))
    assert provider.calls == 1 and again.cached and again.cost_usd == 0 and again.clip == first.clip
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 1


def test_identical_shots_in_parallel_share_one_call(tmp_path: Path) -> None:
    ctx, provider = make_ctx(tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda s: generate_clip(ctx, args(s)), ["E01-S001-SH01", "E01-S001-SH02"]))
    assert provider.calls == 1
    assert results[0].clip == results[1].clip and Path(results[0].clip).read_bytes() == b"clip 1"


def test_budget_refuses_before_the_call(tmp_path: Path) -> None:
    ctx, provider = make_ctx(tmp_path, budget=1.0)
    generate_clip(ctx, args("E01-S001-SH01", seed=1))  # 0.6 of 1.0
    with pytest.raises(BudgetExceeded):
        generate_clip(ctx, args("E01-S001-SH01", seed=2))  # would reach 1.2
    assert provider.calls == 1
