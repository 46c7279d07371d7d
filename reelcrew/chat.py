"""Chat-driven direction: ``reelcrew chat OUT`` turns a director's notes into edits and redoes only what they touch.

A note becomes tool calls made by the ``director`` caller (not a seventh agent: the chat session, whose allow-list
is the editing and query tools), on a working copy of the production's storyboard. Nothing is generated then:
the session diffs, for every shot, the generation inputs before and after (composed prompt, routed model, duration,
take, seed), prices the shots whose inputs changed (catalog price of the routed model, 0 where the clip cache
already holds the exact clip) and shows that plan. Only when the director says yes does ``runner.redo`` adopt the
edited storyboard and redo exactly those shots, their gates and their episodes' mix and export.

Offline (the rules policy) a note must be one of the forms in ``reelcrew.chat_commands`` (its docstring lists
them); with ``[llm.agents.director] policy = "llm"`` an LLM takes free-form notes with the same tools.

Everything is kept with the production: ``OUT/chat/history.jsonl`` has every note, its tool calls, the plan and
the outcome; ``OUT/chat/undo/NNN.json`` the storyboard before applied change NNN and the records of the shots it
redid. ``undo`` restores that storyboard and puts those records back (their approved clips are still in OUT), so
an undo costs nothing; a shot whose old clip is gone is generated again (the cache serves it where it can).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from agents.base import Agent
from agents.router import attempt_seed
from backends.catalog import ModelCatalog
from domain.bibles import CharacterBible, SceneBible
from domain.decisions import AgentName, PolicyName
from domain.errors import ConfigError, ReelcrewError
from domain.files import write_json, write_text
from domain.production import GenerationRequest, ShotRecord
from domain.settings import Config
from domain.storyboard import Storyboard
from reelcrew.chat_commands import (
    AnyCommand,
    Mood,
    Question,
    Regenerate,
    Route,
    ShotEdit,
    Wardrobe,
    model_for_family,
    mood_changes,
    parse_note,
)
from reelcrew.config import load_settings
from tools.artifacts import write_storyboard_files
from tools.character import bible_store
from tools.clip_cache import ClipCache, cache_key
from tools.context import ProjectState, ToolContext
from tools.prompt_composer import NEGATIVE, compose
from tools.registry import get_tool
from tools.router import reference_images
from tools.routing import route

if TYPE_CHECKING:
    from reelcrew.runner import Listener, RunOutcome

DIRECTOR_TOOLS = ("edit_bible", "edit_shot", "search_bibles", "revise_scene_storyboard", "estimate_cost", "route_shot")
CHAT_DIR = "chat"
HISTORY_FILE = "history.jsonl"


class Director(Agent):
    """The chat session's caller: the editing and query tools, the director prompt; it decides nothing alone."""

    name: ClassVar[AgentName] = "director"
    tools: ClassVar[tuple[str, ...]] = DIRECTOR_TOOLS
    prompt: ClassVar[str] = "director.yaml"

    def __init__(self, ctx: ToolContext, policy: PolicyName | None = None) -> None:
        super().__init__(ctx, policy)
        self.actions: list[ToolCallRecord] = []  # what the session did itself, outside the tools (a new take)


# ── the plan ────────────────────────────────────────────────────────────────────────────────────────────────


class ShotInputs(BaseModel):
    """What decides a shot's clip: if none of it changes, the shot keeps its clip."""

    prompt: str
    model: str
    duration_s: float = Field(description="the duration the model is asked for (snapped)")
    length_s: float = Field(description="the shot's length in the cut")
    take: int
    seed: int


class ShotChange(BaseModel):
    shot_id: str
    changed: list[str] = Field(description="which inputs changed: prompt, model, duration_s, length_s, take, seed, new")
    model: str
    est_cost_usd: float
    cached: bool = Field(description="the cache already holds this exact clip: free")


class ToolCallRecord(BaseModel):
    tool: str
    arguments: dict[str, Any]
    ok: bool = True
    error: str = ""


class Plan(BaseModel):
    """What a note will do; ``kind`` 'change' and 'undo' need the director's yes, 'answer' and 'none' do not."""

    kind: Literal["change", "undo", "answer", "none"]
    reply: str = ""
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    shots: list[ShotChange] = Field(default_factory=list)
    total_usd: float = 0.0
    episodes: list[int] = Field(default_factory=list, description="episodes mixed and exported again")

    @property
    def redo(self) -> list[str]:
        return [s.shot_id for s in self.shots]


def shot_inputs(board: Storyboard, config: Config, catalog: ModelCatalog) -> dict[str, ShotInputs]:
    """Every shot's generation inputs: routed model, prompt composed to that model's limit, durations, take, seed."""
    found: dict[str, ShotInputs] = {}
    for shot in board.shots():
        decision = route(shot, config.router, config.run, catalog)
        entry = catalog.get(decision.model)
        found[shot.id] = ShotInputs(
            prompt=compose(shot, board.context_for(shot), max_chars=entry.max_prompt_chars),
            model=decision.model,
            duration_s=decision.duration_s,
            length_s=shot.duration_s,
            take=shot.take,
            seed=attempt_seed(shot, 1, config.run.seed),
        )
    return found


def affected_shots(
    before: Storyboard, after: Storyboard, config: Config, catalog: ModelCatalog, cache: ClipCache | None = None
) -> list[ShotChange]:
    """The shots of ``after`` whose generation inputs differ from ``before`` (or that are new), priced."""
    old, new = shot_inputs(before, config, catalog), shot_inputs(after, config, catalog)
    changes: list[ShotChange] = []
    for shot in after.shots():
        inputs = new[shot.id]
        if shot.id in old and old[shot.id] == inputs:
            continue
        was = old.get(shot.id)
        changed = ["new"] if was is None else [k for k, v in inputs.model_dump().items() if getattr(was, k) != v]
        cached = cache is not None and cache.get(cache_key(first_request(after, shot.id, inputs, config))) is not None
        price = 0.0 if cached else _price(catalog, inputs, config)
        changes.append(
            ShotChange(shot_id=shot.id, changed=changed, model=inputs.model, est_cost_usd=price, cached=cached)
        )
    return changes


def first_request(board: Storyboard, shot_id: str, inputs: ShotInputs, config: Config) -> GenerationRequest:
    """The request the Router agent makes for a shot's first attempt (as ``generate_clip`` builds it), whose cache
    key tells whether the clip exists already."""
    shot = board.shot(shot_id)
    entry = ModelCatalog.load().get(inputs.model)
    run = config.run
    return GenerationRequest(
        shot=shot,
        context=board.context_for(shot),
        model=inputs.model,
        prompt=inputs.prompt,
        negative_prompt=NEGATIVE,
        seed=inputs.seed,
        attempt=1,
        duration_s=entry.snap_duration(shot.duration_s),
        resolution=entry.resolution_for(run.width, run.height),
        width=run.width,
        height=run.height,
        reference_frames=reference_images(board, shot, entry),
    )


def _price(catalog: ModelCatalog, inputs: ShotInputs, config: Config) -> float:
    entry = catalog.get(inputs.model)
    return round(entry.price(inputs.duration_s, entry.resolution_for(config.run.width, config.run.height)), 4)


def describe(plan: Plan) -> str:
    """The plan as the director reads it before saying yes."""
    lines = [plan.reply] if plan.reply else []
    for call in plan.tool_calls:
        args = json.dumps(call.arguments, ensure_ascii=False)
        lines.append(
            f"  {'✓' if call.ok else '✗'} {call.tool} {args[:300]}" + (f"  ({call.error})" if call.error else "")
        )
    if plan.kind in ("change", "undo"):
        if not plan.shots:
            lines.append("No shot's generation inputs change: nothing to redo (the edit is kept).")
        else:
            lines.append(f"Redo {len(plan.shots)} shot(s), then mix and export episode(s) {_join(plan.episodes)}:")
            for s in plan.shots:
                price = "cached, free" if s.cached else f"${s.est_cost_usd:.2f}"
                lines.append(f"  {s.shot_id}  {s.model:<22} {price:>12}   changed: {', '.join(s.changed)}")
            lines.append(f"Estimated cost: ${plan.total_usd:.2f} (first attempts at catalog price; retries may add)")
    return "\n".join(lines)


def _join(items: Sequence[Any]) -> str:
    return ", ".join(str(i) for i in items) or "none"


# ── history and undo ────────────────────────────────────────────────────────────────────────────────────────


class HistoryEntry(BaseModel):
    n: int
    at: str
    note: str
    policy: str
    plan: Plan
    applied: bool = False
    outcome: dict[str, Any] | None = None
    undo_file: str | None = Field(
        default=None,
        description="the UndoPoint before this change (storyboard, records of redone shots), relative to OUT",
    )
    undoes: int | None = Field(default=None, description="for an undo: the entry it took back")


class UndoPoint(BaseModel):
    """What a change replaced: the whole storyboard, and the records of the shots it redid. Putting the records
    back is what makes an undo free: the old clips were approved once and need no second generation or check."""

    storyboard: Storyboard
    records: dict[str, ShotRecord] = Field(default_factory=dict)

    def restorable(self, shot_ids: Iterable[str]) -> dict[str, ShotRecord]:
        """The records among ``shot_ids`` that can come back as they were: approved, with their clip on disk."""
        found = {i: self.records[i] for i in shot_ids if i in self.records}
        return {i: r for i, r in found.items() if r.status == "approved" and Path(r.final_clip).is_file()}


class ChatHistory:
    """``OUT/chat/history.jsonl`` and ``OUT/chat/undo/NNN.json``, each rewritten atomically."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / CHAT_DIR / HISTORY_FILE

    def entries(self) -> list[HistoryEntry]:
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [HistoryEntry.model_validate_json(line) for line in lines if line.strip()]

    def next_number(self) -> int:
        return len(self.entries()) + 1

    def append(self, entry: HistoryEntry) -> None:
        lines = [e.model_dump_json() for e in self.entries()] + [entry.model_dump_json()]
        write_text(self.path, "\n".join(lines) + "\n")

    def save_before(self, n: int, board: Storyboard, records: dict[str, ShotRecord] | None = None) -> str:
        relative = f"{CHAT_DIR}/undo/{n:03d}.json"
        write_json(self.out / relative, UndoPoint(storyboard=board, records=records or {}))
        return relative

    def load(self, relative: str) -> UndoPoint:
        return UndoPoint.model_validate_json((self.out / relative).read_text(encoding="utf-8"))

    def in_effect(self) -> list[HistoryEntry]:
        """Applied changes not yet undone, oldest first: the undo stack."""
        stack: list[HistoryEntry] = []
        for entry in self.entries():
            if not entry.applied or entry.undo_file is None:
                continue
            if entry.undoes is not None:
                stack = [e for e in stack if e.n != entry.undoes]
            else:
                stack.append(entry)
        return stack


# ── the session ─────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Proposal:
    """A note turned into a plan, with the storyboards before and after (held until the director decides)."""

    note: str
    policy: str
    plan: Plan
    before: Storyboard
    after: Storyboard
    undoes: int | None = None
    keep: bool = True  # False for help and history, which are not kept in the history
    restore: dict[str, ShotRecord] = field(default_factory=dict)  # an undo: records put back, not regenerated


class DirectorAnswer(BaseModel):
    """What the LLM policy answers after its tool calls."""

    reply: str = Field(description="to the director: the answer to a question, or what you changed and why")


LLM_TASK = (
    "Carry out the director's note (data.note) on this production. Make changes only with your tools: edit_bible "
    "for bible entries (wardrobe with from_scene, appearance, a location's light), edit_shot for one shot (framing, "
    "angle, lens, movement, duration, emotional_intensity, description; model_override = one of data.models to pin "
    "a model, 'auto' to unpin), revise_scene_storyboard to re-plan a scene whose shots failed together. Answer "
    "questions with search_bibles, route_shot and estimate_cost and change nothing. Nothing is generated until the "
    "director approves the plan, so make the whole change the note asks for."
)
LLM_TAKE = " For a fresh take of a shot, edit_shot with take = its take + 1."


@dataclass
class ChatSession:
    """One director's session on a production folder: propose a note's plan, apply or decline it, undo."""

    out: Path
    services: dict[str, Any] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    policy: PolicyName | None = None  # None: [llm.agents.director] policy from the production's config
    settings: Config = field(init=False)
    catalog: ModelCatalog = field(init=False)
    history: ChatHistory = field(init=False)

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.settings = production_settings(self.out)
        self.catalog = ModelCatalog.load()
        self.history = ChatHistory(self.out)

    # -- proposing

    def propose(self, note: str) -> Proposal:
        """Turn ``note`` into tool calls on a working copy and a priced plan; nothing is generated or saved."""
        from reelcrew import runner  # here, so the plan and its tests never need the production graph

        before = runner.load_production(self.out).storyboard
        ctx = self._context(before)
        command = self._meta_command(note, before)
        if command is not None and command.kind == "undo":
            return self._propose_undo(note, before)
        if command is not None:
            plan = Plan(kind="answer", reply=self._meta_reply(command.kind))
            return Proposal(note, "rules", plan, before, before, keep=False)
        director = Director(ctx, policy=self.policy)
        mark = len(ctx.decisions.memory)
        try:
            if director.policy == "llm":
                inputs = {"note": note, **production_summary(before, self.settings, self.catalog)}
                task = LLM_TASK + (LLM_TAKE if edit_shot_accepts("take") else "")
                answer = director.decide(task, inputs, DirectorAnswer, lambda: self._rules(note, director, before))
                reply = answer.reply
            else:
                reply = self._rules(note, director, before).reply
        except BaseException:
            self._sync_bibles(before, ctx.project.storyboard)  # a half-made edit must not stay in the bible store
            raise
        calls = [
            ToolCallRecord(tool=d.tool, arguments=d.arguments, ok=d.ok, error=str(d.result.get("error", "")))
            for d in ctx.decisions.memory[mark:]
            if d.tool in DIRECTOR_TOOLS
        ] + director.actions
        after = ctx.project.storyboard
        return Proposal(note, director.policy, self._plan("change", reply, calls, before, after), before, after)

    def _context(self, board: Storyboard) -> ToolContext:
        ctx = ToolContext.create(self.settings, self.out, **self.services)
        ctx.project = ProjectState(storyboard=board.model_copy(deep=True))
        return ctx

    def _meta_command(self, note: str, board: Storyboard) -> AnyCommand | None:
        """undo / history / help are the session's own commands, whatever the policy."""
        try:
            command = parse_note(note, board)
        except ConfigError:
            return None
        return command if command.kind in ("undo", "history", "help") else None

    def _meta_reply(self, kind: str) -> str:
        if kind == "help":
            from reelcrew import chat_commands

            doc = chat_commands.__doc__ or ""
            return doc[doc.index("The forms") :].strip()
        lines = []
        for e in self.history.entries():
            declined = (e.outcome or {}).get("status") == "declined"
            state = "applied" if e.applied else "declined" if declined else e.plan.kind
            cost = f" ${e.plan.total_usd:.2f}" if e.plan.kind in ("change", "undo") else ""
            lines.append(f"{e.n:3d} {e.at[:19]}  {state:<8} {len(e.plan.shots):3d} shot(s){cost}  {e.note}")
        return "\n".join(lines) or "no notes yet"

    def _propose_undo(self, note: str, before: Storyboard) -> Proposal:
        stack = self.history.in_effect()
        if not stack:
            return Proposal(note, "rules", Plan(kind="answer", reply="Nothing to undo."), before, before)
        last = stack[-1]
        assert last.undo_file is not None
        point = self.history.load(last.undo_file)
        reply = f"Undo note {last.n} ({last.note!r}): restore the storyboard and the clips from before it."
        plan = self._plan("undo", reply, [], before, point.storyboard)
        restore = point.restorable(plan.redo)
        shots = [
            s.model_copy(update={"cached": True, "est_cost_usd": 0.0}) if s.shot_id in restore else s
            for s in plan.shots
        ]
        plan = plan.model_copy(update={"shots": shots, "total_usd": round(sum(s.est_cost_usd for s in shots), 4)})
        return Proposal(note, "rules", plan, before, point.storyboard, undoes=last.n, restore=restore)

    def _plan(
        self,
        kind: Literal["change", "undo"],
        reply: str,
        calls: list[ToolCallRecord],
        before: Storyboard,
        after: Storyboard,
    ) -> Plan:
        if after == before:
            return Plan(kind="answer" if kind == "change" else "none", reply=reply, tool_calls=calls)
        cache = ClipCache(self.out / "cache" / "clips")
        shots = affected_shots(before, after, self.settings, self.catalog, cache)
        episodes = sorted({after.shot(s.shot_id).episode for s in shots})
        total = round(sum(s.est_cost_usd for s in shots), 4)
        return Plan(kind=kind, reply=reply, tool_calls=calls, shots=shots, total_usd=total, episodes=episodes)

    # -- the offline policy

    def _rules(self, note: str, director: Director, before: Storyboard) -> DirectorAnswer:
        """Parse the note (one of the documented forms) and make its tool calls on a fresh working copy."""
        self._sync_bibles(before, director.ctx.project.storyboard)  # drop a failed LLM's edits, store included
        director.ctx.project = ProjectState(storyboard=before.model_copy(deep=True))
        command = parse_note(
            note,
            before,
            families=sorted({e.family for e in self.catalog.entries()}),
            models=sorted(self.catalog.models),
        )
        return DirectorAnswer(reply=carry_out(command, director, self.settings, self.catalog))

    # -- deciding

    def apply(self, proposal: Proposal, *, listener: Listener | None = None) -> RunOutcome | None:
        """Adopt the edited storyboard and redo exactly the plan's shots; record it with its undo file."""
        if proposal.plan.kind not in ("change", "undo"):
            self.record(proposal)
            return None
        from reelcrew import runner

        n = self.history.next_number()
        current = runner.load_production(self.out).records
        undo_file = self.history.save_before(
            n, proposal.before, {i: current[i] for i in proposal.plan.redo if i in current}
        )
        entry = HistoryEntry(
            n=n,
            at=self.clock().isoformat(),
            note=proposal.note,
            policy=proposal.policy,
            plan=proposal.plan,
            applied=True,
            undo_file=undo_file,
            undoes=proposal.undoes,
        )
        try:
            outcome = runner.redo(
                self.out, proposal.after, proposal.plan.redo, restore=proposal.restore, listener=listener
            )
        except Exception as exc:
            self.history.append(entry.model_copy(update={"outcome": {"status": "failed", "message": str(exc)}}))
            raise
        self._sync_bibles(proposal.after, proposal.before)
        write_storyboard_files(runner.load_production(self.out).storyboard, self.out)
        summary = outcome.model_dump(mode="json", include={"status", "message", "figures", "elapsed_s"})
        self.history.append(entry.model_copy(update={"outcome": summary}))
        return outcome

    def record(self, proposal: Proposal, *, declined: bool = False) -> None:
        """Keep a question, an answer or a declined plan in the history; a declined plan's bible edits are taken
        back from the bible store (the storyboard was only ever a working copy)."""
        self._sync_bibles(proposal.before, proposal.after)
        if not proposal.keep:
            return
        self.history.append(
            HistoryEntry(
                n=self.history.next_number(),
                at=self.clock().isoformat(),
                note=proposal.note,
                policy=proposal.policy,
                plan=proposal.plan,
                applied=False,
                outcome={"status": "declined"} if declined else None,
            )
        )

    def _sync_bibles(self, target: Storyboard, other: Storyboard) -> None:
        """Make the production's bible store (what search_bibles searches) hold ``target``'s bibles where they
        differ from ``other``'s: edit_bible writes the store at once, the storyboard only when applied."""
        wanted, was = target.bibles, other.bibles
        changed: list[CharacterBible | SceneBible] = [
            b for k, b in wanted.characters.items() if was.characters.get(k) != b
        ] + [b for k, b in wanted.locations.items() if was.locations.get(k) != b]
        if changed:
            bible_store(ToolContext.create(self.settings, self.out, **self.services)).upsert_many(changed)


def production_settings(out: Path) -> Config:
    """The settings the production was made with (run.json), so plans price and route as its runs do."""
    from reelcrew.runner import RUN_FILE, RunSpec

    path = out / RUN_FILE
    if not path.is_file():
        raise ConfigError(f"{out}: not a reelcrew production folder (no {RUN_FILE}); make one with `reelcrew produce`")
    spec = RunSpec.model_validate_json(path.read_text(encoding="utf-8"))
    return load_settings(Path(spec.config_file) if spec.config_file else None, **spec.overrides)


# ── from a command to tool calls ────────────────────────────────────────────────────────────────────────────


def carry_out(command: AnyCommand, director: Director, config: Config, catalog: ModelCatalog) -> str:
    """Make ``command``'s tool calls through the director's allow-list; returns what to tell the director."""
    board = director.ctx.project.storyboard
    if isinstance(command, Question):
        return answer(command, director)
    if isinstance(command, Wardrobe):
        return change_wardrobe(command, director)
    if isinstance(command, ShotEdit):
        for shot_id in command.shot_ids:
            edit_shot(director, shot_id, command.changes)
        return f"Ignored: {command.ignored!r}." if command.ignored else ""
    if isinstance(command, Mood):
        for scene in command.scene_ids:
            for shot in list(board.scene_board(scene).shots):
                changes = mood_changes(shot, command.direction)
                if changes:
                    edit_shot(director, shot.id, changes)
        return f"{'More' if command.direction > 0 else 'Less'} intensity in {_join(command.scene_ids)}."
    if isinstance(command, Regenerate):
        for shot_id in command.shot_ids:
            new_take(director, shot_id)
        return f"A fresh take of {len(command.shot_ids)} shot(s)."
    if isinstance(command, Route):
        model = command.model or (
            model_for_family(command.family, config.run.quality, config.router, catalog) if command.family else ""
        )
        for shot_id in command.shot_ids:
            edit_shot(director, shot_id, {"model_override": model or "auto"})
        pinned = [s for s in command.shot_ids if s in config.router.overrides]
        note = f" {_join(pinned)} stay on the model reelcrew.toml pins ([router.overrides])." if pinned else ""
        return (f"Pinned to {model}." if model else "Back to automatic routing.") + note
    raise ConfigError(f"{command.kind!r} is a session command, not an edit")


def change_wardrobe(change: Wardrobe, director: Director) -> str:
    """edit_bible starts an outfit at a scene and keeps the later ones; a change for some scenes only ('in scene
    3') is a second edit that puts the old outfit back at the first scene after them."""
    bible = director.ctx.project.storyboard.bibles.characters[change.character_id]
    restore = bible.outfit_for(change.until_scene) if change.until_scene else None
    if restore is not None and any(o.from_scene == change.until_scene for o in bible.wardrobe):
        restore = None  # an outfit of its own starts there already
    value = f"{change.garment} {change.colour}".strip() if change.garment else change.outfit
    result = edit_bible(director, change.character_id, "wardrobe", value, change.from_scene)
    reply = [str(getattr(result, "change", ""))]
    if restore is not None and change.until_scene is not None:
        back = edit_bible(director, change.character_id, "wardrobe", restore.description, change.until_scene)
        now = director.ctx.project.storyboard.bibles.characters[change.character_id].outfit_for(change.until_scene)
        reply.append(str(getattr(back, "change", "")))
        if now is None or now.description != restore.description:
            reply.append(
                f"Check {change.until_scene}: the outfit could not be put back exactly (it is now "
                f"{now.description if now else 'none'!r}, was {restore.description!r})."
            )
    return " ".join(r for r in reply if r)


def new_take(director: Director, shot_id: str) -> None:
    """A fresh take: the shot's ``take`` goes up, so its seeds change and the cache cannot hand back the old clip.
    Through edit_shot where it accepts ``take``; otherwise the session bumps it on the working copy and lists
    the action in the plan."""
    take = director.ctx.project.storyboard.shot(shot_id).take + 1
    if edit_shot_accepts("take"):
        edit_shot(director, shot_id, {"take": take})
        return
    board = director.ctx.project.storyboard
    scene = board.scene_board(board.shot(shot_id).scene_id)
    scene.shots = [s.model_copy(update={"take": take}) if s.id == shot_id else s for s in scene.shots]
    director.actions.append(ToolCallRecord(tool="new_take", arguments={"shot_id": shot_id, "take": take}))


def edit_shot_accepts(field_name: str) -> bool:
    changes = get_tool("edit_shot").args_model.model_fields["changes"].annotation
    return isinstance(changes, type) and issubclass(changes, BaseModel) and field_name in changes.model_fields


def edit_shot(director: Director, shot_id: str, changes: dict[str, Any]) -> BaseModel:
    return director.call(
        "edit_shot", {"shot_id": shot_id, "changes": changes}, reason="director's note", subject=shot_id
    )


def edit_bible(director: Director, character_id: str, field_name: str, value: str, from_scene: str) -> BaseModel:
    return director.call(
        "edit_bible",
        {"kind": "character", "id": character_id, "field": field_name, "value": value, "from_scene": from_scene},
        reason="director's note",
        subject=character_id,
    )


def answer(question: Question, director: Director) -> str:
    """Answer from the bible JSON (wardrobe, looks, cast, places) or with the query tools; change nothing."""
    board = director.ctx.project.storyboard
    bibles = board.bibles
    if question.topic == "wardrobe" and question.character_id:
        bible = bibles.characters[question.character_id]
        if question.scene_ids:
            lines = []
            for scene in question.scene_ids:
                outfit = bible.outfit_for(scene)
                worn = outfit.description if outfit else "nothing on record"
                lines.append(f"In {scene} ({board.scene_board(scene).scene.heading}) {bible.name} wears {worn}.")
            return " ".join(lines)
        return " ".join(f"From {o.from_scene}: {o.description}." for o in bible.wardrobe) or "No wardrobe on record."
    if question.topic == "look" and question.character_id:
        bible = bibles.characters[question.character_id]
        look = "; ".join(f"{k}: {v}" for k, v in bible.appearance.model_dump(exclude_defaults=True).items())
        return f"{bible.name}: {look}. {bible.description}".strip()
    if question.topic == "cast":
        lines = []
        for scene in question.scene_ids:
            ids = dict.fromkeys(c for s in board.scene_board(scene).shots for c in s.characters)
            names = [bibles.characters[c].name if c in bibles.characters else c for c in ids]
            lines.append(f"{scene}: {_join(names)}.")
        return " ".join(lines)
    if question.topic == "location":
        lines = []
        for scene in question.scene_ids:
            s = board.scene_board(scene).scene
            loc = bibles.locations.get(s.location_id)
            light = f" Light: {loc.lighting_palette}." if loc and loc.lighting_palette else ""
            lines.append(f"{scene} is {s.heading}.{light}")
        return " ".join(lines)
    if question.topic == "route":
        lines = []
        for shot_id in question.shot_ids[:20]:
            d = director.call("route_shot", {"shot_id": shot_id}, reason="director's question", subject=shot_id)
            lines.append(f"{shot_id}: {d.model} ({d.reason}), about ${d.est_cost_usd:.2f}.")
        return " ".join(lines)
    if question.topic == "cost":
        est = director.call("estimate_cost", {"episodes": question.episodes or None}, reason="director's question")
        return (
            f"${est.total_usd:.2f} for {est.shots} shots ({est.seconds:.0f}s of video); all on {est.baseline_model}: "
            f"${est.baseline_usd:.2f}."
        )
    found = director.call("search_bibles", {"query": question.text}, reason="director's question")
    hits = getattr(found, "hits", [])
    if not hits:
        return "Nothing in the bibles matches that."
    return "Closest in the bibles: " + " | ".join(f"{h.name} ({h.kind}, {h.score:.2f}): {h.doc}" for h in hits[:3])


def production_summary(board: Storyboard, config: Config, catalog: ModelCatalog) -> dict[str, Any]:
    """What the LLM sees of the production: scenes in script order with their shots, the bibles, the models."""
    scenes = []
    for number, scene_board in enumerate((b for e in board.episodes for b in e.scenes), 1):
        scene = scene_board.scene
        shots = [
            {
                "id": s.id,
                "type": s.shot_type.value,
                "characters": s.characters,
                "description": s.description[:120],
                "model_override": s.model_override,
                "take": s.take,
            }
            for s in scene_board.shots
        ]
        scenes.append({"scene": number, "id": scene.id, "heading": scene.heading, "shots": shots})
    characters = {
        cid: {"name": b.name, "aliases": b.aliases, "wardrobe": [o.model_dump(mode="json") for o in b.wardrobe]}
        for cid, b in board.bibles.characters.items()
    }
    return {
        "scenes": scenes,
        "characters": characters,
        "locations": {
            k: v.model_dump(mode="json", exclude={"approved_frames"}) for k, v in board.bibles.locations.items()
        },
        "quality": config.run.quality,
        "tiers": config.router.tiers,
        "models": sorted(catalog.models),
    }


# ── the conversation ────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Turn:
    note: str
    plan: Plan | None = None
    applied: bool = False
    outcome: RunOutcome | None = None
    error: str = ""


def converse(
    session: ChatSession,
    notes: Iterable[str],
    *,
    confirm: Callable[[Proposal], bool],
    say: Callable[[str], None],
    apply: Callable[[Proposal], RunOutcome | None] | None = None,
    stop_on_error: bool = False,
) -> list[Turn]:
    """The chat loop: for each note show the answer or the plan, ask ``confirm`` before a plan that redoes shots
    (or changes the storyboard), apply or decline it. A note that cannot be understood is explained and skipped,
    or raised with ``stop_on_error`` (scripted use, where a typo must not pass silently)."""
    run = apply or session.apply
    turns: list[Turn] = []
    for note in notes:
        turn = Turn(note=note)
        turns.append(turn)
        try:
            proposal = session.propose(note)
        except ReelcrewError as exc:
            if stop_on_error:
                raise
            turn.error = str(exc)
            say(f"error: {exc}")
            continue
        turn.plan = proposal.plan
        say(describe(proposal.plan))
        if proposal.plan.kind not in ("change", "undo"):
            session.record(proposal)
            continue
        if not confirm(proposal):
            session.record(proposal, declined=True)
            say("Not applied.")
            continue
        turn.outcome = run(proposal)
        turn.applied = True
    return turns
