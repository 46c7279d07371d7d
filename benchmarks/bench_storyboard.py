"""Script → bibles → storyboard on a 35-scene episode. Target: under 1 s wall (the closed anchor takes ~4 min).

Prints scenes, shots and seconds for: parsing alone (the baseline measured in this run), the Script and
Character agents' rules policies through their tools (the storyboard itself), and the same through the graph
with the bibles stored in Chroma (what `reelcrew storyboard` runs, without the contact sheet).

Run: .venv/bin/python benchmarks/bench_storyboard.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.character import CharacterAgent  # noqa: E402
from agents.script import ScriptAgent  # noqa: E402
from domain.loader import load_script  # noqa: E402
from domain.settings import Config  # noqa: E402
from graph.build import build_graph  # noqa: E402
from graph.state import ProductionContext  # noqa: E402
from tools.context import ToolContext  # noqa: E402

PLACES = ["ROOFTOP BAR", "PIER", "OFFICE", "CAR", "APARTMENT", "PRECINCT", "CLUB", "HOSPITAL", "ALLEY", "HOTEL LOBBY"]
TIMES = ["NIGHT", "DAY", "DUSK", "DAWN"]


def episode_35(path: Path) -> Path:
    """A 35-scene episode built from the example's scenes, each moved to its own place and time."""
    text = (ROOT / "examples" / "neon-vows" / "neon-vows.fountain").read_text()
    body = text.split("# Episode 2")[0].split("# Episode 1", 1)[1]
    scenes = re.split(r"\n(?=(?:INT|EXT)\. )", body)[1:]
    out = ["Title: Benchmark", "", "# Episode 1: Thirty-five scenes", ""]
    for i in range(35):
        scene = scenes[i % len(scenes)]
        heading, rest = scene.split("\n", 1)
        out.append(
            f"{heading.split('.')[0]}. {PLACES[i % len(PLACES)]} {i // len(PLACES) + 1} - {TIMES[i % 4]}\n{rest}"
        )
    path.write_text("\n".join(out))
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = episode_35(Path(tmp) / "episode.fountain")
        load_script(script)  # warm the parser's caches and imports
        started = time.perf_counter()
        screenplay = load_script(script)
        parse_s = time.perf_counter() - started

        ctx = ToolContext.create(Config(), Path(tmp) / "agents")
        ScriptAgent(ctx).storyboard(screenplay, CharacterAgent(ctx).build_bibles(screenplay))  # warm up
        ctx = ToolContext.create(Config(), Path(tmp) / "agents2")
        started = time.perf_counter()
        bibles = CharacterAgent(ctx).build_bibles(screenplay)
        board = ScriptAgent(ctx).storyboard(screenplay, bibles)
        agents_s = time.perf_counter() - started

        out = Path(tmp) / "graph"
        graph = build_graph(Config())
        started = time.perf_counter()
        graph.invoke(
            {"scripts": [str(script)]},
            context=ProductionContext(out=str(out), tools=ToolContext.create(Config(), out)),
            interrupt_after=["plan_storyboard"],
        )
        graph_s = time.perf_counter() - started

    scenes = sum(len(e.scenes) for e in board.episodes)
    shots = len(board.shots())
    print(f"35-scene episode: {scenes} scenes, {shots} shots, {len(bibles.characters)} characters, "
          f"{len(bibles.locations)} locations")  # fmt: skip
    print(f"parse only (baseline):                      {parse_s:.3f} s")
    print(f"storyboard (Script + Character agents):     {agents_s:.3f} s  ({agents_s / parse_s:.1f}x parse)")
    print(f"through the graph, bibles in Chroma:        {graph_s:.3f} s  ({graph_s / parse_s:.1f}x parse)")
    print(f"target < 1 s: {'OK' if graph_s < 1.0 else 'MISSED'}; the closed anchor: ~240 s per episode "
          f"({240 / graph_s:.0f}x slower)")  # fmt: skip


if __name__ == "__main__":
    main()
