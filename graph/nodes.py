"""The graph's nodes: each takes the state, asks one agent to act, and returns a partial update.

Nodes are idempotent: they may be re-run after a crash, and everything that costs time or money below them is
served from the content-addressed cache on the second run.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.audio import AudioAgent
from agents.character import CharacterAgent
from agents.continuity import ContinuityAgent
from agents.qa import QAAgent
from agents.router import RouterAgent
from agents.script import ScriptAgent
from agents.usage import usage_ledger
from domain.decisions import Decision
from domain.errors import BackendError, BudgetExceeded
from domain.production import ShotAttempt, ShotRecord
from domain.settings import Config
from domain.storyboard import EpisodeBoard, Storyboard
from graph.state import (
    EpisodeJob,
    EpisodeProgress,
    Phase,
    ProductionContext,
    ProductionState,
    ReviewDecision,
    ReviewItem,
    ShotJob,
)
from tools.artifacts import figures, with_history, write_manifest, write_storyboard_files
from tools.contact_sheet import write_contact_sheet
from tools.context import ProjectState, ToolContext
from tools.gates.frames import frames_dir
from tools.router import ledger

_CONTEXTS: dict[tuple[str, str], ToolContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def tool_context(runtime: Runtime[ProductionContext], config: Config) -> ToolContext:
    """The run's ToolContext: the one the caller passed, or one built once per process from out + config."""
    context = runtime.context or ProductionContext()
    if context.tools is not None:
        return context.tools  # type: ignore[no-any-return]
    key = (str(Path(context.out).resolve()), str(id(config)))
    with _CONTEXTS_LOCK:
        if key not in _CONTEXTS:
            _CONTEXTS[key] = ToolContext.create(config, Path(context.out))
        return _CONTEXTS[key]


def with_board(ctx: ToolContext, storyboard: Storyboard) -> ToolContext:
    """A view of the run context whose tools see ``storyboard``; services and the decision log are shared."""
    return dataclasses.replace(ctx, project=ProjectState(storyboard=storyboard))


# ── planning ────────────────────────────────────────────────────────────────────────────────────────────────


def parse_script(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    ctx = tool_context(runtime, settings)
    ctx.grant_read(*state["scripts"])  # the run's input (e.g. a langgraph server run), never a model's argument
    screenplay = ScriptAgent(ctx).read([Path(p) for p in state["scripts"]])
    wanted = ctx.config.run.episodes
    if wanted:
        screenplay = screenplay.model_copy(update={"episodes": [e for e in screenplay.episodes if e.number in wanted]})
    return {"screenplay": screenplay, "status": "parsed"}


def build_bibles(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    ctx = with_board(tool_context(runtime, settings), Storyboard(title=state["screenplay"].title))
    bibles = CharacterAgent(ctx).build_bibles(state["screenplay"])
    return {"storyboard": Storyboard(title=state["screenplay"].title, bibles=bibles)}


def plan_storyboard(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    storyboard = ScriptAgent(ctx).storyboard(state["screenplay"], state["storyboard"].bibles)
    write_storyboard_files(storyboard, ctx.out)
    return {"storyboard": storyboard}


def voice_dialogue(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Dialogue timing drives shot timing: voice every line first, then stretch shots to fit their lines."""
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    storyboard = AudioAgent(ctx).voice_dialogue(state["storyboard"])
    write_storyboard_files(storyboard, ctx.out)
    return {"storyboard": storyboard, "status": "storyboarded"}


def estimate_cost(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    estimate = RouterAgent(ctx).estimate()
    from domain.files import write_json

    write_json(ctx.out / "estimate.json", estimate)
    records = {s.id: ShotRecord(shot_id=s.id) for s in state["storyboard"].shots()}
    progress = {e.number: EpisodeProgress() for e in state["storyboard"].episodes}
    known = state.get("records") or {}
    return {
        "estimate": estimate,
        "records": {k: v for k, v in records.items() if k not in known},
        "progress": state.get("progress") or progress,
        "redos": state.get("redos") or {},
        "history": state.get("history") or {},
        "status": "estimated" if state.get("dry_run") else "producing",
    }


# ── per-shot work (Send fan-out) ────────────────────────────────────────────────────────────────────────────


def generate(state: ShotJob, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Route, compose and generate one attempt of one shot (the Router agent)."""
    ctx = with_board(tool_context(runtime, settings), state["board"])
    shot = state["board"].shot(state["shot_id"])
    try:
        attempt = RouterAgent(ctx).generate(
            shot, attempt=state["attempt"], base_seed=ctx.config.run.seed, correction=state["correction"]
        )
    except BudgetExceeded:
        raise
    except BackendError as exc:
        attempt = ShotAttempt(attempt=state["attempt"], model="", prompt="", seed=0, error=f"backend_error: {exc}")
    return {"attempt_result": attempt}


def gates(state: ShotJob, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Continuity gates (character, lighting with colour-grade correction) then resolution and artifacts."""
    ctx = with_board(tool_context(runtime, settings), state["board"])
    board = state["board"]
    shot = board.shot(state["shot_id"])
    attempt: ShotAttempt = state["attempt_result"]
    record: ShotRecord = state["record"]
    if attempt.error is None:
        clip = Path(attempt.clip)
        results = ContinuityAgent(ctx).check(shot, clip, board.context_for(shot), attempt.attempt)
        for result in results:
            if result.passed and result.details.get("clip"):
                clip = Path(result.details["clip"])
        run = ctx.config.run
        results.append(QAAgent(ctx).check_artifacts(shot, clip, run.width, run.height))
        fixed = [r.details.get("clip") for r in results if r.passed and r.details.get("clip")]
        attempt = attempt.model_copy(update={"gates": results, "clip": str(fixed[-1]) if fixed else attempt.clip})
    updated = record.model_copy(update={"attempts": [*record.attempts, attempt], "status": "checked"})
    return {"records": {shot.id: updated}}


# ── QA, redo, review ────────────────────────────────────────────────────────────────────────────────────────


def qa(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Decide every checked shot in script order: approve, regenerate or flag; then look for clusters."""
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    storyboard = state["storyboard"]
    records = dict(state["records"])
    checked = [s for s in storyboard.shots() if records[s.id].status == "checked"]
    if not checked:
        return {}
    continuity, qa_agent = ContinuityAgent(ctx), QAAgent(ctx)
    continuity.settle_references(checked, records)
    max_attempts = ctx.config.gates.max_attempts
    history = state.get("history") or {}
    updates: dict[str, ShotRecord] = {}
    for shot in checked:
        record = records[shot.id]
        # The verdict sees every attempt of the shot, those made before a storyboard redo included: they count
        # against max_attempts (the gates and the references above judge only the current revision's takes).
        action, note = qa_agent.verdict(with_history(record, history), max_attempts)
        if action == "approve":
            clip = Path(record.attempts[-1].clip)
            final = ctx.out / "episodes" / f"ep{shot.episode:02d}" / "shots" / f"{shot.id}.mp4"
            _place(clip, final)
            continuity.approve(shot, clip, storyboard.context_for(shot))
            updates[shot.id] = record.model_copy(
                update={"status": "approved", "final_clip": str(final), "approved_by": "gates", "correction": ""}
            )
        elif action == "regenerate":
            updates[shot.id] = record.model_copy(update={"status": "regenerate", "correction": note})
        else:
            reasons = record.attempts[-1].reasons if record.attempts else [note]
            qa_agent.flag(shot, reasons)
            updates[shot.id] = record.model_copy(update={"status": "flagged", "review_reasons": reasons})
    records.update(updates)
    progress = {n: p.model_copy() for n, p in state["progress"].items()}
    for episode in {s.episode for s in checked}:
        progress[episode].qa_rounds += 1
    storyboard = ctx.project.storyboard
    write_storyboard_files(storyboard, ctx.out)  # references and approved frames locked this round, on disk now
    return {
        "records": updates,
        "progress": progress,
        "storyboard": storyboard,
        "clusters": _clusters(state, records, ctx),
    }


def _clusters(state: ProductionState, records: dict[str, ShotRecord], ctx: ToolContext) -> list[dict[str, Any]]:
    """Scenes whose first-round failures cluster, that still have a storyboard redo left, and whose shots all have
    an attempt left to generate the new storyboard with (a redo does not add attempts)."""
    redos = state.get("redos") or {}
    history = state.get("history") or {}
    limit, max_attempts = ctx.config.gates.max_storyboard_redos, ctx.config.gates.max_attempts
    scene_records: dict[str, list[ShotRecord]] = {}
    for board in (b for e in state["storyboard"].episodes for b in e.scenes):
        scene = board.scene.id
        recs = [records[s.id] for s in board.shots]
        first_round = recs and all(len(r.attempts) == 1 for r in recs if r.attempts)
        left = all(len(with_history(r, history).attempts) < max_attempts for r in recs)
        failed = any(r.status in ("regenerate", "flagged") for r in recs)
        if redos.get(scene, 0) < limit and first_round and left and failed:
            scene_records[scene] = recs
    if not scene_records:
        return []
    return [c.model_dump() for c in QAAgent(ctx).clusters(scene_records)]


def redo_storyboard(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Failures clustered upstream: fix the bible entries at fault, redo the scene's storyboard, start it over.

    The scene's shots start the new revision with fresh records; the attempts they had move to ``history``, where
    the figures count them and QA counts them against each shot's max_attempts."""
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    redos = dict(state.get("redos") or {})
    history = {k: list(v) for k, v in (state.get("history") or {}).items()}
    records: dict[str, ShotRecord | None] = {}
    for cluster in state.get("clusters") or []:
        scene = cluster["scene_id"]
        reasons = [cluster.get("cause", "clustered failures")]
        CharacterAgent(ctx).fix_entries(cluster.get("characters", []), cluster.get("locations", []), reasons)
        old = [s.id for s in ctx.project.storyboard.scene_board(scene).shots]
        board = ScriptAgent(ctx).redo_scene(scene, reasons)
        for shot_id in old:
            if state["records"][shot_id].attempts:
                history[shot_id] = [*history.get(shot_id, []), *state["records"][shot_id].attempts]
        records.update({shot_id: None for shot_id in old})
        records.update({s.id: ShotRecord(shot_id=s.id) for s in board.shots})
        redos[scene] = redos.get(scene, 0) + 1
    write_storyboard_files(ctx.project.storyboard, ctx.out)
    return {
        "storyboard": ctx.project.storyboard,
        "records": records,
        "redos": redos,
        "history": history,
        "clusters": [],
    }


def review(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Pause for a human on every flagged shot; resume with approve / reject / regenerate (with an edited prompt)."""
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    storyboard = state["storyboard"]
    flagged = [s for s in storyboard.shots() if state["records"][s.id].status == "flagged"]
    if not flagged:
        return {}
    items = []
    for shot in flagged:
        record = state["records"][shot.id]
        last = record.attempts[-1] if record.attempts else None
        clip = Path(last.clip) if last and last.clip else None
        frames = sorted(frames_dir(ctx.out / "frames", shot.id, clip).glob("*.png")) if clip and clip.is_file() else []
        items.append(
            ReviewItem(
                shot_id=shot.id,
                episode=shot.episode,
                reasons=record.review_reasons,
                frames=[str(f) for f in frames],
                clip=str(clip or ""),
                prompt=last.prompt if last else "",
            )
        )
    # What the reviewer opens next: the storyboard and bibles as they stand, and a contact sheet with the approved
    # clips and the flagged takes (written again when the node re-runs on resume: same bytes).
    write_storyboard_files(storyboard, ctx.out)
    clips = {k: Path(r.final_clip) for k, r in state["records"].items() if r.final_clip}
    clips |= {item.shot_id: Path(item.clip) for item in items if item.clip}
    write_contact_sheet(storyboard, clips, ctx.out)
    answer = interrupt({"flagged": [item.model_dump() for item in items]})
    decisions = {k: ReviewDecision.model_validate(v) for k, v in (answer or {}).items()}
    updates: dict[str, ShotRecord] = {}
    progress = {n: p.model_copy() for n, p in state["progress"].items()}
    for shot in flagged:
        decision = decisions.get(shot.id)
        if decision is None:
            continue
        record = state["records"][shot.id]
        ctx.decisions.record(  # a human's call is a decision like any agent's: the eval harness reads it too
            Decision(
                agent="qa",
                policy="human",
                tool="review",
                arguments=decision.model_dump(),
                result={"reasons": record.review_reasons, "attempts": len(record.attempts)},
                reason="human review of a flagged shot",
                subject=shot.id,
            )
        )
        if decision.action == "approve":
            clip = Path(record.attempts[-1].clip)
            final = ctx.out / "episodes" / f"ep{shot.episode:02d}" / "shots" / f"{shot.id}.mp4"
            _place(clip, final)
            updates[shot.id] = record.model_copy(
                update={"status": "approved", "approved_by": "human", "final_clip": str(final)}
            )
        elif decision.action == "reject":
            updates[shot.id] = record.model_copy(update={"status": "rejected"})
        else:
            if decision.prompt:
                ScriptAgent(ctx).call(
                    "edit_shot",
                    {"shot_id": shot.id, "changes": {"description": decision.prompt}},
                    reason="human review: edited prompt",
                    subject=shot.id,
                )
            why = ", ".join(record.review_reasons) or "flagged"
            note = f"A reviewer turned down the last take ({why}) and asked for a new one."
            updates[shot.id] = record.model_copy(update={"status": "regenerate", "correction": note})
        progress[shot.episode] = progress[shot.episode].model_copy(update={"phase": Phase.GENERATING})
    return {"records": updates, "progress": progress, "storyboard": ctx.project.storyboard}


# ── scheduling and the end of an episode ────────────────────────────────────────────────────────────────────


def schedule(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """Move episodes through their phases. Episode N+1 starts generating once episode N has had its first QA
    round (its references are locked), so N+1 generates while N is retried, mixed and exported."""
    records, cuts = state["records"], state.get("cuts") or {}
    progress = {n: p.model_copy() for n, p in state["progress"].items()}
    previous: EpisodeProgress | None = None
    for episode in state["storyboard"].episodes:
        p = progress[episode.number]
        statuses = [records[s.id].status for s in episode.shots()]
        if p.phase == Phase.WAITING and (
            previous is None or previous.qa_rounds > 0 or previous.phase != Phase.GENERATING
        ):
            p.phase = Phase.GENERATING
        if p.phase == Phase.GENERATING and not any(s in ("pending", "regenerate", "checked") for s in statuses):
            p.phase = Phase.NEEDS_REVIEW if "flagged" in statuses else Phase.FINISHING
        if p.phase == Phase.NEEDS_REVIEW and "flagged" not in statuses:
            p.phase = Phase.FINISHING
        if p.phase == Phase.FINISHING and str(episode.number) in cuts:
            p.phase = Phase.DONE
        previous = p
    return {"progress": progress}


def finish_episode(state: EpisodeJob, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    """The Audio agent: music, effects, mix, loudness, and the final cut with subtitles and timeline."""
    ctx = with_board(tool_context(runtime, settings), state["board"])
    episode: EpisodeBoard = state["board"].episode(state["episode"])
    records = state["records"]
    clips = {s.id: Path(records[s.id].final_clip) for s in episode.shots() if records[s.id].status == "approved"}
    flagged = {s.id: records[s.id].review_reasons for s in episode.shots() if records[s.id].approved_by == "human"}
    cut = AudioAgent(ctx).finish_episode(episode, clips, flagged)
    return {"cuts": {str(state["episode"]): cut.model_dump(mode="json")}}


def finalize(state: ProductionState, runtime: Runtime[ProductionContext], settings: Config) -> dict[str, Any]:
    ctx = with_board(tool_context(runtime, settings), state["storyboard"])
    history = state.get("history") or {}
    figs = figures(state["records"], state.get("redos") or {}, ledger(ctx).spent_usd, history)

    def earlier(shot_id: str) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json") for a in history.get(shot_id, [])]

    manifest = {
        "title": state["storyboard"].title,
        "figures": figs.model_dump(),
        "storyboard_redos": state.get("redos") or {},
        "estimate": state["estimate"].model_dump(),
        "episodes": state.get("cuts") or {},
        # earlier_attempts: the shot's attempts under storyboard revisions a redo replaced (before "attempts").
        "shots": {
            k: {**v.model_dump(mode="json"), "earlier_attempts": earlier(k)} for k, v in state["records"].items()
        },
        # Shots a storyboard redo took off the board, with the attempts they had.
        "removed_shots": {k: {"earlier_attempts": earlier(k)} for k in history if k not in state["records"]},
        "llm_usage": _llm_usage(ctx),
    }
    write_manifest(ctx.out, manifest)
    write_storyboard_files(state["storyboard"], ctx.out)  # with the reference and approved frames QA locked
    clips = {k: Path(r.final_clip) for k, r in state["records"].items() if r.final_clip}
    write_contact_sheet(state["storyboard"], clips, ctx.out)
    return {"status": "complete"}


def _llm_usage(ctx: ToolContext) -> dict[str, Any]:
    """Every LLM call of the production (OUT/llm_usage.json), those of processes before a resume included."""
    return usage_ledger(ctx).summary()


def _place(clip: Path, final: Path) -> None:
    """Put an approved clip at its final path: a hard link where possible, a copy otherwise, atomically."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(clip, tmp)
    except OSError:
        shutil.copyfile(clip, tmp)
    os.replace(tmp, final)
