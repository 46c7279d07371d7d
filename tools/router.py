"""The Router agent's tools: pick a model, write the prompt, price the plan, generate the clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from backends.catalog import ModelCatalog, ModelEntry
from backends.executor import ShotExecutor, make_executor
from domain.bibles import scene_of_shot
from domain.production import GenerationRequest, GenerationResult
from domain.shot import Shot
from domain.storyboard import Storyboard
from tools.budget import BudgetLedger
from tools.clip_cache import ClipCache, cache_key
from tools.context import ToolContext
from tools.prompt_composer import NEGATIVE, compose
from tools.registry import tool
from tools.routing import CostEstimate, RouteDecision, estimate, route


def catalog(ctx: ToolContext) -> ModelCatalog:
    return ctx.service("catalog", lambda c: ModelCatalog.load())


def executor(ctx: ToolContext) -> ShotExecutor:
    return ctx.service("executor", lambda c: make_executor(c.config.executor.kind, c.config.run.workers))


def clip_cache(ctx: ToolContext) -> ClipCache:
    return ctx.service("clip_cache", lambda c: ClipCache(c.out / "cache" / "clips"))


def ledger(ctx: ToolContext) -> BudgetLedger:
    return ctx.service("ledger", lambda c: BudgetLedger(c.out / "ledger.json", c.config.run.budget_usd))


def video_backend(ctx: ToolContext, model: str) -> Any:
    """The real provider for ``model`` when its key is configured, else the offline previz renderer."""

    def previz(c: ToolContext) -> Any:
        from backends.previz.backend import PrevizBackend

        return PrevizBackend(c.config.backends.simulation, fps=c.config.run.fps)

    if ctx.config.backends.video == "auto":
        from backends.video.factory import make_backend

        real = ctx.service(f"video:{model}", lambda c: make_backend(model, catalog(c), c.config.backends))
        if real is not None:
            return real
    return ctx.service("video:previz", previz)


def _storyboard(ctx: ToolContext) -> Storyboard:
    return ctx.project.storyboard


class RouteShotArgs(BaseModel):
    shot_id: str = Field(description="e.g. E01-S007-SH03")


@tool("router")
def route_shot(ctx: ToolContext, args: RouteShotArgs) -> RouteDecision:
    """Choose the video model for one shot from the routing rules and the quality setting.

    Emotional close-ups go to the emotion model, physics shots to the physics model, cinematic establishing shots
    to the premium model, everything else to the fast cheap one; a model pinned by the user wins. Returns the
    model, the rule that matched, the duration the model will be asked for, and the estimated cost.
    """
    shot = _storyboard(ctx).shot(args.shot_id)
    return route(shot, ctx.config.router, ctx.config.run, catalog(ctx))


class ComposePromptArgs(BaseModel):
    shot_id: str
    model: str = Field(description="the catalog model id the prompt is for (its length limit applies)")
    correction: str = Field(default="", description="what the previous attempt got wrong, for a regeneration")


class ComposedPrompt(BaseModel):
    prompt: str
    negative_prompt: str
    reference_frames: list[str] = Field(default_factory=list)
    chars: int


@tool("router")
def compose_prompt(ctx: ToolContext, args: ComposePromptArgs) -> ComposedPrompt:
    """Write the generation prompt for a shot with its bible entries: each character's appearance and the
    wardrobe for this scene, the location's lighting palette and camera style, the shot's framing, lens,
    movement and action. Approved reference frames of the characters and the location are attached as images
    when the model accepts them. Respects the model's prompt length limit."""
    board = _storyboard(ctx)
    shot = board.shot(args.shot_id)
    entry = catalog(ctx).get(args.model)
    prompt = compose(shot, board.context_for(shot), max_chars=entry.max_prompt_chars, correction=args.correction)
    refs = reference_images(board, shot, entry)
    return ComposedPrompt(prompt=prompt, negative_prompt=NEGATIVE, reference_frames=refs, chars=len(prompt))


def reference_images(board: Storyboard, shot: Shot, entry: ModelEntry) -> list[str]:
    """The approved frames that go with a shot's request as images: each character's first reference of the look
    in force (a reference from another outfit would undo a wardrobe change) and the location's first approved
    frame. They are part of the clip's cache key, so whoever predicts a cache hit must pick them the same way."""
    # Only a true reference-image mode takes other shots' frames; a first-frame (image-to-video) model would open
    # this shot on another shot's picture, so it gets the bible text alone.
    if entry.reference_role != "reference_image":
        return []
    refs: list[str] = []
    for character_id in shot.characters:
        bible = board.bibles.characters.get(character_id)
        if bible:
            look = bible.outfit_for(shot.scene_id)
            refs += [r.path for r in bible.reference_frames if bible.outfit_for(scene_of_shot(r.shot_id)) == look][:1]
    refs += [ref.path for ref in board.context_for(shot).location.approved_frames[:1]]
    return [r for r in dict.fromkeys(refs) if Path(r).is_file()][: entry.max_reference_images]


class EstimateCostArgs(BaseModel):
    episodes: list[int] | None = Field(default=None, description="episode numbers to price; all when empty")


@tool("router")
def estimate_cost(ctx: ToolContext, args: EstimateCostArgs) -> CostEstimate:
    """Price the storyboard before anything is spent: cost per shot, scene, episode and model, and the saving
    against sending every shot to the baseline premium model."""
    shots = [s for s in _storyboard(ctx).shots() if not args.episodes or s.episode in args.episodes]
    decisions = [route(s, ctx.config.router, ctx.config.run, catalog(ctx)) for s in shots]
    return estimate(decisions, shots, ctx.config.router, ctx.config.run, catalog(ctx))


class GenerateClipArgs(BaseModel):
    shot_id: str
    model: str
    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    attempt: int = Field(default=1, ge=1)
    reference_frames: list[str] = Field(default_factory=list)


@tool("router", costs_money=True)
def generate_clip(ctx: ToolContext, args: GenerateClipArgs) -> GenerationResult:
    """Generate the clip for a shot with the chosen model. Spends money on paid models: a clip already made with
    the same model, prompt, references, seed and parameters is served from the cache for free, and a call that
    would pass the budget cap is refused before it is made."""
    board = _storyboard(ctx)
    shot = board.shot(args.shot_id)
    entry = catalog(ctx).get(args.model)
    run = ctx.config.run
    refs = [str(ctx.path(p)) for p in args.reference_frames]
    request = GenerationRequest(
        shot=shot,
        context=board.context_for(shot),
        model=args.model,
        prompt=args.prompt,
        negative_prompt=args.negative_prompt,
        seed=args.seed,
        attempt=args.attempt,
        duration_s=entry.snap_duration(shot.duration_s),
        resolution=entry.resolution_for(run.width, run.height),
        width=run.width,
        height=run.height,
        reference_frames=refs,
    )
    cache = clip_cache(ctx)
    key = cache_key(request)
    with cache.lock(key):
        hit = cache.get(key)
        if hit is not None:
            return hit
        stored = _generate(ctx, key, request, entry.price(request.duration_s, request.resolution), cache)
    _log_call(ctx, key, request, stored)
    return stored


def _generate(
    ctx: ToolContext, key: str, request: GenerationRequest, list_price: float, cache: ClipCache
) -> GenerationResult:
    """The paid part: reserve the price, call the backend through the executor, commit the spend, store the clip."""
    backend = video_backend(ctx, request.model)
    billed = backend.name != "previz" or ctx.config.backends.simulate_billing
    price = list_price if billed else 0.0
    spend = ledger(ctx)
    spend.reserve(key, price)
    target = cache.staging_path(key)
    try:
        future = executor(ctx).submit(
            lambda: backend.generate(request, target), priority=(request.shot.episode, request.shot.id)
        )
        result: GenerationResult = future.result()
    except BaseException:
        spend.release(key)
        raise
    result = result.model_copy(update={"cost_usd": price if backend.name == "previz" else result.cost_usd})
    spend.commit(key, result.cost_usd)
    return cache.put(key, result)


def _log_call(ctx: ToolContext, key: str, request: GenerationRequest, result: GenerationResult) -> None:
    """One line per real model call in OUT/calls.jsonl: the audit trail that shows nothing was paid twice."""
    ctx.append_jsonl(
        "calls.jsonl",
        {"key": key, "shot_id": request.shot.id, "model": request.model, "attempt": request.attempt,
         "seed": request.seed, "cost_usd": result.cost_usd, "latency_s": round(result.latency_s, 3)},
    )  # fmt: skip
