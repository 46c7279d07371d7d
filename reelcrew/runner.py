"""Running productions: start, resume, review. The CLI and the Python API are thin layers over this.

A production folder OUT holds everything: ``run.json`` (what was asked, never secrets), the SQLite checkpoints,
the cache, the decision log and the outputs. ``resume`` rebuilds the same graph from ``run.json`` and continues
the same thread, so a crash, a budget stop or a review pause all end the same way: ``reelcrew resume OUT``.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command
from pydantic import BaseModel, Field, ValidationError

from domain.errors import BudgetExceeded, ConfigError
from domain.files import write_json
from domain.loader import load_script
from domain.production import ShotRecord
from domain.storyboard import Storyboard
from graph.build import build_graph
from graph.checkpoint import open_checkpointer
from graph.state import EpisodeProgress, Phase, ProductionContext, ReviewDecision, ReviewItem
from reelcrew.config import Settings, load_settings
from tools.artifacts import RunFigures, figures
from tools.contact_sheet import write_contact_sheet
from tools.context import ToolContext
from tools.router import ledger
from tools.routing import CostEstimate

Status = Literal["complete", "paused_for_review", "stopped_budget", "estimated"]
RUN_FILE = "run.json"


class RunSpec(BaseModel):
    """What was asked for a production; enough to rebuild its graph on resume. Holds no secrets."""

    scripts: list[str]
    thread_id: str = Field(
        default_factory=lambda: f"production-{uuid.uuid4().hex[:12]}",
        description="the production's own checkpoint thread: productions sharing a Postgres never meet",
    )
    config_file: str | None = None
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    dry_run: bool = False


class RunOutcome(BaseModel):
    status: Status
    out: str
    figures: RunFigures = Field(default_factory=RunFigures)
    estimate: CostEstimate | None = None
    review: list[ReviewItem] = Field(default_factory=list)
    message: str = ""
    elapsed_s: float = 0.0


Listener = Callable[[str, dict[str, Any]], None]


def produce(
    scripts: Sequence[Path | str],
    out: Path | str,
    *,
    config_file: Path | None = None,
    dry_run: bool = False,
    listener: Listener | None = None,
    **overrides: dict[str, Any],
) -> RunOutcome:
    """Produce a drama from ``scripts`` into ``out``.

    ``overrides`` are config sections merged over the file and the environment, e.g. ``run={"quality": "draft"}``.
    """
    out = Path(out)
    screenplay = load_script(list(scripts))  # a broken script stops here, before anything is written to OUT
    spec = RunSpec(
        scripts=[str(Path(s).resolve()) for s in scripts],
        config_file=str(config_file.resolve()) if config_file else None,
        overrides={k: v for k, v in overrides.items() if v},
        dry_run=dry_run,
    )
    if (out / RUN_FILE).is_file():  # the same folder is the same production: it keeps its checkpoint thread
        spec.thread_id = _spec(out).thread_id
    settings = _settings(spec)
    missing = sorted(set(settings.run.episodes or []) - {e.number for e in screenplay.episodes})
    if missing:
        have = ", ".join(str(e.number) for e in screenplay.episodes)
        raise ConfigError(f"no episode {', '.join(map(str, missing))} in {screenplay.title!r}; it has episodes {have}")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / RUN_FILE, spec)
    return _run(spec, settings, out, {"scripts": spec.scripts, "dry_run": dry_run}, listener)


def resume(out: Path | str, *, listener: Listener | None = None, **overrides: dict[str, Any]) -> RunOutcome:
    """Continue a production where it stopped (crash, budget cap, review pause)."""
    out = Path(out)
    spec = _spec(out)
    for section, values in overrides.items():
        if values:
            spec.overrides.setdefault(section, {}).update(values)
    write_json(out / RUN_FILE, spec)
    return _run(spec, _settings(spec), out, None, listener)


def pending_review(out: Path | str) -> list[ReviewItem]:
    """The flagged shots a paused production waits on."""
    out = Path(out)
    spec = _spec(out)
    settings = _settings(spec)
    with open_checkpointer(settings.checkpoint, out) as saver:
        graph = build_graph(settings, checkpointer=saver)
        snapshot = graph.get_state({"configurable": {"thread_id": spec.thread_id}})
        return _review_items(snapshot)


def submit_review(
    out: Path | str, decisions: dict[str, dict[str, str]], *, listener: Listener | None = None
) -> RunOutcome:
    """Answer the review pause (shot id → {action: approve|reject|regenerate, prompt}) and continue the run.

    The answers are checked first: a wrong one is refused with what is wrong, before it reaches the checkpoint
    (where it would fail every later resume)."""
    out = Path(out)
    spec = _spec(out)
    waiting = {item.shot_id for item in pending_review(out)}
    if not waiting:
        raise ConfigError(f"{out}: no shot is waiting for review")
    problems = [f"{shot_id}: not waiting for review" for shot_id in decisions if shot_id not in waiting]
    for shot_id, answer in decisions.items():
        try:
            ReviewDecision.model_validate(answer)
        except ValidationError as exc:
            problems += [f"{shot_id}: {e['msg']}" for e in exc.errors(include_url=False)]
    if problems:
        shots = ", ".join(sorted(waiting))
        raise ConfigError(
            "review answers refused: " + "; ".join(problems) + f". Waiting: {shots}; each answer is "
            '{"action": "approve" | "reject" | "regenerate", "prompt": "new description (regenerate only)"}'
        )
    return _run(spec, _settings(spec), out, Command(resume=decisions), listener)


class ProductionView(BaseModel):
    """A finished or paused production as the chat and the review see it."""

    model_config = {"arbitrary_types_allowed": True}

    out: str
    storyboard: Storyboard
    records: dict[str, ShotRecord]
    status: str = ""


def load_production(out: Path | str) -> ProductionView:
    """The production's current storyboard (with bibles) and shot records, read from its checkpoint."""
    out = Path(out)
    spec = _spec(out)
    settings = _settings(spec)
    with open_checkpointer(settings.checkpoint, out) as saver:
        values = build_graph(settings, checkpointer=saver).get_state(_thread(spec)).values
    if "storyboard" not in values:
        raise ConfigError(f"{out}: this production has no storyboard yet; run `reelcrew resume {out}` first")
    return ProductionView(
        out=str(out),
        storyboard=values["storyboard"],
        records=values.get("records") or {},
        status=values.get("status", ""),
    )


def redo(
    out: Path | str,
    storyboard: Storyboard,
    shots: Sequence[str],
    *,
    restore: Mapping[str, ShotRecord] | None = None,
    listener: Listener | None = None,
) -> RunOutcome:
    """Adopt an edited storyboard and redo exactly ``shots``: they regenerate (the cache serves any clip that was
    made before with the same inputs), pass the gates again, and their episodes are mixed and exported again.
    A shot in ``restore`` (an undo) takes that record back as it was instead of generating. Every other shot keeps
    its approved clip; untouched episodes keep their cut."""
    out = Path(out)
    spec = _spec(out)
    settings = _settings(spec)
    redo_ids = set(shots)
    with open_checkpointer(settings.checkpoint, out) as saver:
        graph = build_graph(settings, checkpointer=saver)
        values = graph.get_state(_thread(spec)).values
        old = values.get("records") or {}
        current = {s.id for s in storyboard.shots()}
        removed = [k for k in old if k not in current]
        # An episode is cut again when a shot of it is redone or was removed by the edit.
        episodes = {s.episode for s in storyboard.shots() if s.id in redo_ids} | {int(k[1:3]) for k in removed}
        records: dict[str, ShotRecord | None] = dict.fromkeys(removed)
        for shot in storyboard.shots():
            if restore and shot.id in restore:
                records[shot.id] = restore[shot.id]
            elif shot.id in redo_ids or shot.id not in old:
                records[shot.id] = ShotRecord(shot_id=shot.id)
        progress = {n: p.model_copy() for n, p in (values.get("progress") or {}).items()}
        for number in episodes:
            progress[number] = EpisodeProgress(phase=Phase.GENERATING, qa_rounds=progress[number].qa_rounds)
        cuts: dict[str, Any] = {str(n): None for n in episodes}
        update = {
            "storyboard": storyboard,
            "records": records,
            "progress": progress,
            "cuts": cuts,
            "status": "producing",
        }
        graph.update_state(_thread(spec), update, as_node="estimate_cost")
    return _run(spec, settings, out, None, listener)


def _thread(spec: RunSpec) -> dict[str, Any]:
    return {"configurable": {"thread_id": spec.thread_id}}


def storyboard(scripts: Sequence[Path | str] | Path | str, out: Path | str | None = None) -> Storyboard:
    """Script → bibles → storyboard, offline, through the same graph (it stops after planning)."""
    paths = [scripts] if isinstance(scripts, str | Path) else list(scripts)
    load_script(paths)  # a broken script stops here, before anything is written to OUT
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(out) if out is not None else Path(tmp)
        settings = load_settings(checkpoint={"backend": "memory"})
        ctx = ToolContext.create(settings, target, read_grants=paths)  # tools read the scripts given, and OUT
        graph = build_graph(settings)
        state = graph.invoke(
            {"scripts": [str(Path(p).resolve()) for p in paths]},
            context=ProductionContext(out=str(target), tools=ctx),
            interrupt_after=["plan_storyboard"],
        )
        board: Storyboard = state["storyboard"]
        if out is not None:
            write_contact_sheet(board, {}, target)
        return board


def _run(spec: RunSpec, settings: Settings, out: Path, payload: Any, listener: Listener | None) -> RunOutcome:
    started = time.perf_counter()
    ctx = ToolContext.create(settings, out, read_grants=spec.scripts)  # tools read the scripts given, and OUT
    config = {"configurable": {"thread_id": spec.thread_id}, "max_concurrency": max(settings.run.workers * 2, 8)}
    try:
        with open_checkpointer(settings.checkpoint, out) as saver:
            graph = build_graph(settings, checkpointer=saver)
            context = ProductionContext(out=str(out), tools=ctx)
            try:
                for update in graph.stream(payload, config, context=context, stream_mode="updates", subgraphs=True):
                    if listener is not None:
                        _, data = update
                        for node, value in data.items():
                            listener(node, value if isinstance(value, dict) else {})
            except BudgetExceeded as exc:
                return _outcome(graph, config, ctx, started, "stopped_budget", str(exc))
            snapshot = graph.get_state(config)
            if snapshot.next and _review_items(snapshot):
                return _outcome(graph, config, ctx, started, "paused_for_review", "flagged shots wait for review")
            status: Status = "estimated" if snapshot.values.get("status") == "estimated" else "complete"
            return _outcome(graph, config, ctx, started, status, "")
    finally:
        executor = ctx.services.get("executor")
        if executor is not None:
            executor.shutdown()


def _outcome(
    graph: Any, config: dict[str, Any], ctx: ToolContext, started: float, status: Status, message: str
) -> RunOutcome:
    values = graph.get_state(config).values
    figs = figures(
        values.get("records") or {}, values.get("redos") or {}, ledger(ctx).spent_usd, values.get("history") or {}
    )
    return RunOutcome(
        status=status,
        out=str(ctx.out),
        figures=figs,
        estimate=values.get("estimate"),
        review=_review_items(graph.get_state(config)) if status == "paused_for_review" else [],
        message=message,
        elapsed_s=round(time.perf_counter() - started, 3),
    )


def _review_items(snapshot: Any) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    for task in snapshot.tasks:
        for pending in task.interrupts:
            value = pending.value if isinstance(pending.value, dict) else {}
            items += [ReviewItem.model_validate(item) for item in value.get("flagged", [])]
    return items


def _spec(out: Path) -> RunSpec:
    path = out / RUN_FILE
    if not path.is_file():
        raise ConfigError(f"{out}: not a reelcrew production folder (no {RUN_FILE}); start one with `reelcrew produce`")
    return RunSpec.model_validate_json(path.read_text())


def _settings(spec: RunSpec) -> Settings:
    return load_settings(Path(spec.config_file) if spec.config_file else None, **spec.overrides)
