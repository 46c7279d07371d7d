"""Shot generation: framework overhead per shot, and parallel efficiency of the executor.

1. Overhead: route + compose the bible prompt + cache key + executor round trip + cache write + decision log,
   with a zero-latency backend, per shot; and LangGraph's per-shot fan-out (Send, SQLite checkpoints) on its own.
   Baseline in the same run: calling the zero-latency backend directly. Target: under 5 ms per shot.
2. Parallel efficiency: 240 shots, backend latency fixed at 200 ms, 8 workers; wall time against the ideal
   240 / 8 × 0.2 s = 6 s. Target: within 10%.

Run: .venv/bin/python benchmarks/bench_generation.py
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from agents.router import RouterAgent
from domain.bibles import Bibles, SceneBible
from domain.production import GenerationRequest, GenerationResult
from domain.screenplay import Scene, shot_id
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from graph.state import merge
from tools.context import ToolContext


class FixedLatencyBackend:
    """A provider that answers after ``latency_s`` with a few bytes: isolates everything around the call."""

    name = "bench"

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s

    async def generate(self, request: GenerationRequest, target: Path) -> GenerationResult:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        target.write_bytes(b"clip")
        return GenerationResult(clip=str(target), model=request.model, seed=request.seed, cost_usd=0.0)


def storyboard(shots: int) -> Storyboard:
    types = [ShotType.MS, ShotType.CU, ShotType.OTS, ShotType.LS, ShotType.MCU]
    scenes = []
    for s in range(shots // 6 + 1):
        scene = Scene(id=f"E01-S{s + 1:03d}", episode=1, number=s + 1, heading="INT. ROOM - DAY", location_id="room",
                      location_name="ROOM")  # fmt: skip
        board = [
            Shot(id=shot_id(1, s + 1, i + 1), episode=1, scene_id=scene.id, index=i + 1, location_id="room",
                 shot_type=types[i % len(types)], description=f"She turns to window {s * 6 + i}.", duration_s=4)
            for i in range(6) if s * 6 + i < shots
        ]  # fmt: skip
        scenes.append(SceneBoard(scene=scene, shots=board))
    bibles = Bibles(locations={"room": SceneBible(location_id="room", name="Room", lighting_palette="soft daylight")})
    return Storyboard(title="bench", episodes=[EpisodeBoard(number=1, scenes=scenes)], bibles=bibles)


def context(out: Path, board: Storyboard, latency_s: float, workers: int) -> ToolContext:
    config = Config.model_validate({"run": {"workers": workers}})
    ctx = ToolContext.create(config, out)
    ctx.project.storyboard = board
    backend = FixedLatencyBackend(latency_s)
    for family in ("seedance-2.0-fast", "kling-v3-std", "veo-3.1-fast", "happyhorse-1.1-720p"):
        ctx.services[f"video:{family}"] = backend
    return ctx


def overhead(n: int = 200) -> tuple[float, float, float]:
    board = storyboard(n)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = context(Path(tmp), board, 0.0, 1)
        agent = RouterAgent(ctx)
        shots = board.shots()
        agent.generate(shots[0], attempt=1, base_seed=0)  # warm up imports and the executor
        started = time.perf_counter()
        for shot in shots[1:]:
            agent.generate(shot, attempt=1, base_seed=0)
        framework = (time.perf_counter() - started) / (len(shots) - 1)
        backend = FixedLatencyBackend(0.0)
        request = GenerationRequest(shot=shots[0], context=board.context_for(shots[0]), model="seedance-2.0-fast",
                                    prompt="x", duration_s=4)  # fmt: skip
        started = time.perf_counter()
        for i in range(len(shots)):
            asyncio.run(backend.generate(request, Path(tmp) / f"direct{i}.mp4"))
        bare = (time.perf_counter() - started) / len(shots)
        ctx.services["executor"].shutdown()
    return framework, bare, fan_out(n)


class _Fan(TypedDict, total=False):
    ids: list[str]
    done: Annotated[dict[str, Any], merge]


def fan_out(n: int) -> float:
    """LangGraph's own cost per Send task (with SQLite checkpoints), the graph's fan-out mechanism alone."""
    g = StateGraph(_Fan)
    g.add_node("start", lambda s: {})
    g.add_node("shot", lambda s: {"done": {s["id"]: True}})  # type: ignore[typeddict-item]
    g.add_edge(START, "start")
    g.add_conditional_edges("start", lambda s: [Send("shot", {"id": i}) for i in s["ids"]], ["shot"])
    g.add_edge("shot", END)
    with tempfile.TemporaryDirectory() as tmp:
        saver = SqliteSaver(sqlite3.connect(Path(tmp) / "c.sqlite", check_same_thread=False))
        graph = g.compile(checkpointer=saver)
        started = time.perf_counter()
        graph.invoke({"ids": [f"s{i}" for i in range(n)]}, {"configurable": {"thread_id": "b"}, "max_concurrency": 16})
        return (time.perf_counter() - started) / n


def parallel(shots: int = 240, latency_s: float = 0.2, workers: int = 8) -> tuple[float, float]:
    board = storyboard(shots)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = context(Path(tmp), board, latency_s, workers)
        agent = RouterAgent(ctx)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:  # LangGraph runs each Send task in a thread like this
            list(pool.map(lambda shot: agent.generate(shot, attempt=1, base_seed=0), board.shots()))
        wall = time.perf_counter() - started
        ctx.services["executor"].shutdown()
    return wall, shots / workers * latency_s


def main() -> None:
    framework, bare, fan = overhead()
    print(f"framework overhead per shot (router, prompt, cache, executor, log): {framework * 1000:.2f} ms")
    print(f"LangGraph fan-out per shot (Send + SQLite checkpoint):             {fan * 1000:.2f} ms")
    print(f"baseline, calling the zero-latency backend directly:               {bare * 1000:.2f} ms")
    total = framework + fan
    print(f"total overhead {total * 1000:.2f} ms per shot (target < 5 ms): {'OK' if total < 0.005 else 'MISSED'}; "
          f"ratio to the bare call {total / bare:.1f}x")  # fmt: skip
    wall, ideal = parallel()
    print(f"240 shots x 200 ms on 8 workers: {wall:.2f} s wall, ideal {ideal:.2f} s, "
          f"efficiency {ideal / wall:.1%} (within 10%: {'OK' if wall <= ideal * 1.1 else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
