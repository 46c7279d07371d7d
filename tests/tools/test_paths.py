"""Reads are confined like writes: a tool reads only inside OUT and what the run granted (``ctx.readable``).

Every kind of path a tool takes (a script, a clip, a frame) is refused when it lies outside OUT and outside every
grant, through the real registry, the real tools and the real LLM loop; the granted script and OUT still work.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, Field

from agents.llm import run_llm_task
from agents.qa import QAAgent
from agents.script import ScriptAgent
from domain.bibles import SceneBible
from domain.errors import ToolError
from domain.settings import Config, LLMSettings
from evals.suites.base import SuiteContext
from graph.build import build_graph
from graph.state import ProductionContext
from reelcrew import runner
from reelcrew.config import load_settings
from tools.context import ToolContext
from tools.gates.synthetic import Figure, Scene, Set, write_figure_clip
from tools.registry import ToolCaller, get_tool

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "scripts" / "two-nights.fountain"
SHOT = "E01-S001-SH01"
REFUSED = "may not be read"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """OUT with a real clip and its sampled frames; a granted script; and, outside both, copies of all three."""
    out = tmp_path / "out"
    clip = write_figure_clip(Scene((Figure("mei"),), Set(kelvin=3200)), out / "clips" / "take.mp4")
    ctx = ToolContext.create(Config(), out)
    frames = ToolCaller(ctx, "continuity", ["sample_frames"]).call(
        "sample_frames", {"clip": str(clip), "shot_id": SHOT}
    )
    frame = Path(frames.frames[0].path)  # type: ignore[attr-defined]
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    script = Path(shutil.copy(TINY, scripts / "granted.fountain"))
    outside = tmp_path / "outside"
    shutil.copytree(frame.parent, outside / "frames")
    shutil.copy(clip, outside / "clip.mp4")
    shutil.copy(TINY, outside / "secret.fountain")
    shutil.copy(TINY, scripts / "sibling.fountain")  # next to the granted file, but not granted itself
    return {
        "out": out,
        "clip": clip,
        "frame": frame,
        "script": script,
        "sibling": scripts / "sibling.fountain",
        "outside_clip": outside / "clip.mp4",
        "outside_frame": outside / "frames" / frame.name,
        "outside_script": outside / "secret.fountain",
    }


def make_ctx(world: dict[str, Path], **services: Any) -> ToolContext:
    ctx = ToolContext.create(
        Config(llm=LLMSettings(max_steps=4)), world["out"], read_grants=[world["script"]], **services
    )
    ctx.project.storyboard.bibles.locations["diner"] = SceneBible(
        location_id="diner", name="Diner", color_temperature_k=3200
    )
    return ctx


def written(out: Path) -> set[Path]:
    """The files in OUT but its logs and its frame store's database (opened before a path is checked)."""
    return {p for p in out.rglob("*") if p.is_file() and p.name != "decisions.jsonl" and "chroma" not in p.parts}


# --- the one check: ctx.readable ----------------------------------------------------------------------------


def test_readable_takes_out_relative_paths_and_grants(world: dict[str, Path], tmp_path: Path) -> None:
    ctx = make_ctx(world)
    out = world["out"].resolve()
    assert ctx.readable("clips/take.mp4") == out / "clips" / "take.mp4"
    assert ctx.readable(str(world["clip"])) == world["clip"].resolve()
    assert ctx.readable(world["script"]) == world["script"].resolve()
    ctx.grant_read(tmp_path / "outside")  # a granted folder: everything under it
    assert ctx.readable(world["outside_clip"]) == world["outside_clip"].resolve()
    assert ctx.readable(world["outside_frame"]) == world["outside_frame"].resolve()


@pytest.mark.parametrize(
    "escape", ["../outside/clip.mp4", "clips/../../outside/clip.mp4", "~/.ssh/id_rsa", "/etc/passwd"]
)
def test_readable_refuses_what_lies_outside_out_and_the_grants(world: dict[str, Path], escape: str) -> None:
    ctx = make_ctx(world)
    with pytest.raises(ToolError, match=REFUSED) as refused:
        ctx.readable(escape)
    message = str(refused.value)
    assert repr(escape) in message  # names the path it refused ...
    assert str(ctx.out) in message and str(world["script"].resolve()) in message  # ... and what may be read


def test_a_granted_file_grants_only_itself(world: dict[str, Path]) -> None:
    ctx = make_ctx(world)
    with pytest.raises(ToolError, match=REFUSED):
        ctx.readable(world["sibling"])
    with pytest.raises(ToolError, match=REFUSED):
        ctx.readable(world["script"].parent)


def test_a_symlink_cannot_lead_out(world: dict[str, Path], tmp_path: Path) -> None:
    ctx = make_ctx(world)
    link = world["out"] / "clips" / "link.mp4"
    link.symlink_to(world["outside_clip"])
    folder_link = world["out"] / "elsewhere"
    folder_link.symlink_to(tmp_path / "outside", target_is_directory=True)
    for path in (link, "clips/link.mp4", folder_link / "clip.mp4", "elsewhere/frames"):
        with pytest.raises(ToolError, match=f"resolves to .*outside.* {REFUSED}"):
            ctx.readable(path)
    # nor out of a granted folder
    granted = tmp_path / "cache"
    granted.mkdir()
    (granted / "clip.mp4").symlink_to(world["outside_clip"])
    ctx.grant_read(granted)
    with pytest.raises(ToolError, match=REFUSED):
        ctx.readable(granted / "clip.mp4")
    # a symlink that stays inside OUT is fine
    inside = world["out"] / "clips" / "same.mp4"
    inside.symlink_to(world["clip"])
    assert ctx.readable(inside) == world["clip"].resolve()


# --- every tool that reads a path goes through it -----------------------------------------------------------


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(tool, which path lies outside, arguments): every path-taking tool, each path argument it reads."""
    return [
        ("parse_script", "outside_script", {"paths": ["{outside_script}"]}),
        ("parse_script", "outside_script", {"paths": ["{script}", "{outside_script}"]}),
        ("sample_frames", "outside_clip", {"clip": "{outside_clip}", "shot_id": SHOT}),
        ("correct_color_grade", "outside_clip", {"clip": "{outside_clip}", "shot_id": SHOT, "target_k": 3200}),
        (
            "correct_color_grade",
            "outside_frame",
            {"clip": "{clip}", "shot_id": SHOT, "target_k": 3200, "frames": ["{outside_frame}"]},
        ),
        ("embed_frames", "outside_frame", {"shot_id": SHOT, "frames": ["{frame}", "{outside_frame}"]}),
        ("check_character_continuity", "outside_frame", {"shot_id": SHOT, "frames": ["{outside_frame}"]}),
        ("check_lighting", "outside_frame", {"shot_id": SHOT, "frames": ["{outside_frame}"], "location_id": "diner"}),
        ("lock_reference_frame", "outside_frame", {"character_id": "mei", "shot_id": SHOT, "frame": "{outside_frame}"}),
        (
            "lock_reference_frame",
            "outside_frame",
            {
                "character_id": "mei",
                "shot_id": SHOT,
                "frame": "{frame}",
                "candidates": [{"shot_id": "E01-S001-SH02", "frame": "{outside_frame}"}],
            },
        ),
        ("check_artifacts", "outside_clip", {"clip": "{outside_clip}"}),
        ("upscale_clip", "outside_clip", {"clip": "{outside_clip}", "shot_id": SHOT, "width": 360, "height": 640}),
        ("export_episode", "outside_clip", {"episode": 1, "clips": {SHOT: "{outside_clip}"}}),
    ]


def _fill(value: Any, world: dict[str, Path]) -> Any:
    if isinstance(value, str):
        return value.format(**{k: str(v) for k, v in world.items()})
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("name", "bad", "arguments"), _cases(), ids=lambda v: v if isinstance(v, str) else None)
def test_each_path_taking_tool_refuses_a_path_outside(
    world: dict[str, Path], name: str, bad: str, arguments: dict[str, Any]
) -> None:
    ctx = make_ctx(world)
    spec = get_tool(name)
    caller = ToolCaller(ctx, spec.agent, [name])
    before = written(world["out"])
    with pytest.raises(ToolError, match=REFUSED) as refused:
        caller.call(name, _fill(arguments, world))
    assert str(world[bad]) in str(refused.value)
    assert written(world["out"]) == before  # nothing was made from it
    logged = ctx.decisions.memory[-1]
    assert (logged.tool, logged.ok) == (name, False) and REFUSED in logged.result["error"]
    if name == "parse_script":
        assert not ctx.project.storyboard.episodes  # the secret script never reached the storyboard


def test_the_same_tools_read_out_and_the_grants(world: dict[str, Path], tmp_path: Path) -> None:
    ctx = make_ctx(world)
    script = ToolCaller(ctx, "script", ["parse_script"]).call("parse_script", {"paths": [str(world["script"])]})
    assert script.scene_count > 0  # type: ignore[attr-defined]
    inside = world["out"] / "scripts" / "copy.fountain"
    inside.parent.mkdir()
    shutil.copy(TINY, inside)
    relative = ToolCaller(ctx, "script", ["parse_script"]).call("parse_script", {"paths": ["scripts/copy.fountain"]})
    assert relative.scene_count == script.scene_count  # type: ignore[attr-defined]
    qa = ToolCaller(ctx, "qa", ["check_artifacts"])
    for clip in ("clips/take.mp4", str(world["clip"])):
        assert qa.call("check_artifacts", {"clip": clip}).gate.details is not None  # type: ignore[attr-defined]
    continuity = ToolCaller(ctx, "continuity", ["check_lighting", "sample_frames"])
    frames = [str(world["frame"]), "frames/" + str(world["frame"].relative_to(world["out"] / "frames"))]
    lit = continuity.call("check_lighting", {"shot_id": SHOT, "frames": frames, "location_id": "diner"})
    assert lit.gate.passed  # type: ignore[attr-defined]
    ctx.grant_read(tmp_path / "outside")  # what an eval grants: its clip cache
    sampled = continuity.call("sample_frames", {"clip": str(world["outside_clip"]), "shot_id": "E01-S001-SH03"})
    assert all(ctx.out in Path(f.path).parents for f in sampled.frames)  # type: ignore[attr-defined]


def test_an_eval_suite_context_grants_its_clip_cache(tmp_path: Path) -> None:
    suite = SuiteContext(config=Config(), policy="rules", out_dir=tmp_path / "eval", cache_dir=tmp_path / "cache")
    ctx = suite.tool_context("case-1")
    assert ctx.readable(tmp_path / "cache" / "ab" / "clip.mp4") == (tmp_path / "cache" / "ab" / "clip.mp4").resolve()
    with pytest.raises(ToolError, match=REFUSED):
        ctx.readable(tmp_path / "eval" / "case-2" / "clip.mp4")  # another case's folder is not this one's


# --- a model that asks for such a path gets a tool error back, not a crash ------------------------------------


class _Scripted(GenericFakeChatModel):
    """Answers with the scripted replies in order; records what it was sent."""

    messages: Iterator[Any]
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> _Scripted:  # type: ignore[override]
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=next(self.messages))])


class _Done(BaseModel):
    ok: bool


@pytest.mark.parametrize(
    ("agent_cls", "task", "tool", "bad", "arguments"),
    [
        (ScriptAgent, "plan_scene", "parse_script", "outside_script", {"paths": ["{outside_script}"]}),
        (QAAgent, "check_clip", "check_artifacts", "outside_clip", {"clip": "{outside_clip}"}),
    ],
)
def test_an_llm_asking_for_an_outside_path_gets_a_tool_error(
    world: dict[str, Path],
    agent_cls: type[ScriptAgent | QAAgent],
    task: str,
    tool: str,
    bad: str,
    arguments: dict[str, Any],
) -> None:
    turn = AIMessage(content="", tool_calls=[{"name": tool, "args": _fill(arguments, world), "id": "c1"}])
    model = _Scripted(messages=iter([turn, AIMessage(content='{"ok": true}')]))
    agent = agent_cls(make_ctx(world, **{f"llm:{agent_cls.name}": model}), policy="llm")
    fallback: list[bool] = []

    answer = run_llm_task(agent, task, {"shot": SHOT}, _Done, lambda: fallback.append(True) or _Done(ok=False))

    assert answer == _Done(ok=True) and not fallback  # the loop went on: the model answered after the error
    reply = model.seen[1][-1]
    assert isinstance(reply, ToolMessage) and reply.status == "error" and reply.tool_call_id == "c1"
    assert REFUSED in str(reply.content) and str(world[bad]) in str(reply.content)
    refused = [d for d in agent.ctx.decisions.memory if not d.ok]
    assert [(d.tool, d.policy) for d in refused] == [(tool, "llm")]


# --- the run grants the scripts it was given ----------------------------------------------------------------


def test_the_storyboard_api_reads_a_script_outside_out(tmp_path: Path) -> None:
    board = runner.storyboard(TINY, tmp_path / "out")
    assert board.shots() and TINY.parent not in (tmp_path / "out").parents


def test_a_graph_run_without_a_tool_context_grants_its_scripts(tmp_path: Path) -> None:
    """As ``langgraph dev`` runs it: the parse node builds the context and grants the run's input scripts."""
    settings = load_settings(checkpoint={"backend": "memory"})
    state = build_graph(settings).invoke(
        {"scripts": [str(TINY)]},
        context=ProductionContext(out=str(tmp_path / "out")),
        interrupt_after=["plan_storyboard"],
    )
    assert state["storyboard"].shots()
