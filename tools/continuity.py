"""The continuity agent's tools: sample and embed frames, judge characters and light, correct the grade,
lock reference frames. The gate logic lives in ``tools.gates``; these functions only wire it to the run.

Frames travel between tools as PNG paths under ``OUT/frames``; their embeddings are stored in the frame
store under the frame's path inside OUT, so any tool given a path finds the vector again.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from backends.embedders import Embedder, make_embedder
from backends.frame_store import FrameMeta, FrameStore
from domain.bibles import ReferenceFrame
from domain.errors import ToolError
from domain.production import GateResult
from domain.screenplay import slugify
from tools.context import ToolContext, chroma_client
from tools.gates.boxes import Box, plate, visible_set_share
from tools.gates.character import best_similarity, character_crops, character_gate
from tools.gates.frames import (
    SampledFrame,
    boxes_list,
    clip_frames,
    frame_boxes,
    frames_dir,
    load_frame,
    sample,
    save_png,
)
from tools.gates.grading import apply_grade, grade_gains, match_statistics
from tools.gates.lighting import clip_kelvin, lighting_gate
from tools.gates.tuning import framing_of, holds_across_framings, section
from tools.registry import tool

_REFERENCE_LOCK = threading.Lock()
DEFAULT_KELVIN = 5600.0


# ----------------------------------------------------------------------------------------------- services


def embedder(ctx: ToolContext) -> Embedder:
    """The run's image embedder (``gates.embedder``), built once."""
    made: Embedder = ctx.service("embedder", lambda c: make_embedder(c.config.gates, c.config.embedder))
    return made


def frame_store(ctx: ToolContext) -> FrameStore:
    """The run's frame store: a Chroma collection for this project and embedder, built once."""
    name = embedder(ctx).name
    client = chroma_client(ctx)  # resolved before ctx.service: its lock is not re-entrant
    project = ""
    if ctx.config.store.chroma_mode == "server":  # a shared server holds many projects; an embedded store one
        project = f"{slugify(ctx.out.name)[:40]}-{hashlib.sha256(str(ctx.out).encode()).hexdigest()[:8]}"
    store: FrameStore = ctx.service("frame_store", lambda c: FrameStore(client, name, project=project))
    return store


# ----------------------------------------------------------------------------------------------- helpers


@dataclass
class ShotInfo:
    shot_id: str
    episode: int = 0
    scene: str = ""
    characters: list[str] = field(default_factory=list)
    location_id: str = ""
    kelvin: float | None = None
    shot_type: str = ""

    @property
    def framing(self) -> str:
        return framing_of(self.shot_type)


def shot_info(
    ctx: ToolContext,
    shot_id: str,
    *,
    characters: list[str] | None = None,
    location_id: str | None = None,
    target_k: float | None = None,
    shot_type: str | None = None,
) -> ShotInfo:
    """What the storyboard and bibles say about a shot; explicit arguments win over them."""
    info = ShotInfo(shot_id=shot_id)
    parts = shot_id.split("-")
    if len(parts) >= 2 and parts[0][:1] == "E" and parts[0][1:].isdigit():
        info.episode, info.scene = int(parts[0][1:]), f"{parts[0]}-{parts[1]}"
    try:
        shot = ctx.project.storyboard.shot(shot_id)
        info.episode, info.scene = shot.episode, shot.scene_id
        info.characters, info.location_id = list(shot.characters), shot.location_id
        info.shot_type = shot.shot_type.value
    except KeyError:
        pass
    if shot_type is not None:
        info.shot_type = shot_type
    if characters is not None:
        info.characters = list(characters)
    if location_id is not None:
        info.location_id = location_id
    location = ctx.project.storyboard.bibles.locations.get(info.location_id)
    info.kelvin = target_k if target_k is not None else (float(location.color_temperature_k) if location else None)
    return info


def similarity_floor(ctx: ToolContext) -> float:
    """The lighting gate's likeness threshold for the run's embedder."""
    floor = ctx.config.gates.lighting_similarity
    return float(floor) if isinstance(floor, int | float) else floor.get(embedder(ctx).kind, 0.85)


def _resolve(ctx: ToolContext, path: str) -> Path:
    candidate = Path(path)
    resolved = candidate if candidate.is_absolute() else ctx.path(candidate)
    if not resolved.is_file():
        raise ToolError(f"no such file: {path}. Pass a path returned by sample_frames or generate_clip.")
    return resolved


def frame_id(ctx: ToolContext, path: Path) -> str:
    """A frame's id in the store: its path inside OUT (stable across runs and machines)."""
    resolved = path.resolve()
    return resolved.relative_to(ctx.out).as_posix() if ctx.out in resolved.parents else str(resolved)


def _load(ctx: ToolContext, paths: list[str]) -> tuple[list[Path], list[np.ndarray], list[dict[str, Box]]]:
    if not paths:
        raise ToolError("no frames given: call sample_frames on the clip first and pass its frame paths")
    files = [_resolve(ctx, p) for p in paths]
    return files, [load_frame(f) for f in files], [frame_boxes(f) for f in files]


def _plate_embeddings(
    ctx: ToolContext, files: list[Path], pictures: list[np.ndarray], boxes: list[dict[str, Box]]
) -> tuple[np.ndarray, int]:
    """The frames' location-look embeddings (figures painted over), from the store where embed_frames already
    made them; and how many had to be embedded now."""
    ids = [frame_id(ctx, f) for f in files]
    stored = frame_store(ctx).get(ids)
    missing = [i for i, fid in enumerate(ids) if fid not in stored]
    made = embedder(ctx).embed([plate(pictures[i], list(boxes[i].values())) for i in missing]) if missing else None
    rows = [
        made[missing.index(i)] if made is not None and i in missing else stored[fid][0] for i, fid in enumerate(ids)
    ]
    return np.stack(rows), len(missing)


# ----------------------------------------------------------------------------------------------- models


class SampleFramesArgs(BaseModel):
    clip: str = Field(description="path of the generated clip (mp4)")
    shot_id: str = Field(description="the shot the clip is for, e.g. E01-S003-SH02")
    count: int | None = Field(default=None, ge=3, le=24, description="frames to take; default gates.frames_per_clip")


class SampleFramesResult(BaseModel):
    frames: list[SampledFrame]
    has_boxes: bool = Field(description="True when the renderer said where each character stands")


class EmbedFramesArgs(BaseModel):
    shot_id: str
    frames: list[str] = Field(description="frame PNG paths from sample_frames")
    attempt: int = Field(default=1, ge=1)
    approved: bool = Field(default=False, description="True only for frames of a shot that passed every gate")
    characters: list[str] | None = Field(default=None, description="character ids in frame; default: the storyboard's")
    location_id: str | None = Field(default=None, description="default: the storyboard's")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")


class EmbedFramesResult(BaseModel):
    ids: list[str] = Field(description="frame store ids, one per frame")
    embedded: int = Field(description="frames embedded now (the rest were already stored)")
    collection: str


class CharacterCheckArgs(BaseModel):
    shot_id: str
    frames: list[str] = Field(description="frame PNG paths from sample_frames")
    characters: list[str] | None = Field(default=None, description="character ids to check; default: the storyboard's")
    kelvin: float | None = Field(default=None, description="the scene's light; default: the location's scene bible")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")


class CharacterCheckResult(BaseModel):
    gate: GateResult
    summary: str


class LightingCheckArgs(BaseModel):
    shot_id: str
    frames: list[str] = Field(description="frame PNG paths from sample_frames")
    target_k: float | None = Field(default=None, description="default: the location's color_temperature_k")
    location_id: str | None = Field(default=None, description="default: the storyboard's")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")


class LightingCheckResult(BaseModel):
    gate: GateResult
    summary: str


class ColorGradeArgs(BaseModel):
    shot_id: str
    clip: str = Field(description="the clip to correct; it is not modified, a graded copy is written")
    target_k: float | None = Field(default=None, description="default: the location's color_temperature_k")
    location_id: str | None = Field(default=None, description="default: the storyboard's")
    frames: list[str] = Field(default_factory=list, description="frames to measure the light on; default: sampled now")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")


class ColorGradeResult(BaseModel):
    clip: str = Field(description="the graded clip; check it again with sample_frames and check_lighting")
    method: str = Field(description="match_approved (the location's approved look) or white_balance (its bible)")
    gains: list[float] = Field(description="red, green, blue multipliers applied")
    offsets: list[float] = Field(description="red, green, blue offsets added after the multipliers (0..255 scale)")
    measured_k_before: float | None
    measured_k_after: float | None
    target_k: float


class LockReferenceArgs(BaseModel):
    character_id: str
    shot_id: str = Field(description="the approved shot the frame comes from")
    frame: str = Field(description="a frame PNG path from sample_frames of the approved clip")
    kelvin: float | None = Field(default=None, description="the scene's light; default: the location's scene bible")
    force: bool = Field(default=False, description="replace the character's look even if it already has a reference")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")


class LockReferenceResult(BaseModel):
    locked: bool
    reference: ReferenceFrame | None = None
    references: int = Field(description="how many references the character has now")
    message: str


# ----------------------------------------------------------------------------------------------- tools


@tool(agent="continuity")
def sample_frames(ctx: ToolContext, args: SampleFramesArgs) -> SampleFramesResult:
    """Save evenly spread frames of a generated clip (always the first, middle and last) as PNGs.

    Use this first on every new clip; the other continuity tools take these frame paths. Each frame carries
    the characters' boxes when the renderer gave them, so checks can crop each character.
    """
    clip = _resolve(ctx, args.clip)
    count = args.count or ctx.config.gates.frames_per_clip
    frames = sample(clip, frames_dir(ctx.path("frames"), args.shot_id, clip), count)
    return SampleFramesResult(frames=frames, has_boxes=any(f.boxes for f in frames))


@tool(agent="continuity")
def embed_frames(ctx: ToolContext, args: EmbedFramesArgs) -> EmbedFramesResult:
    """Embed sampled frames and store them in the frame store, tagged with shot, characters and location.

    The stored vector is the location's look (characters painted over when their boxes are known). Call it on
    a new clip's frames before check_lighting, and again with approved=true once the shot passed every gate:
    approved frames become the location's reference look.
    """
    info = shot_info(
        ctx, args.shot_id, characters=args.characters, location_id=args.location_id, shot_type=args.shot_type
    )
    files, pictures, boxes = _load(ctx, args.frames)
    store = frame_store(ctx)
    ids = [frame_id(ctx, f) for f in files]
    vectors, embedded = _plate_embeddings(ctx, files, pictures, boxes)
    metas = [
        FrameMeta(
            shot=args.shot_id,
            path=str(f),
            kind="frame",
            episode=info.episode,
            scene=info.scene,
            attempt=args.attempt,
            characters=info.characters,
            location=info.location_id,
            shot_type=info.shot_type,
            framing=info.framing,
            set_share=round(visible_set_share(picture.shape, list(frame_boxes.values())), 4),
            approved=args.approved,
        )
        for f, picture, frame_boxes in zip(files, pictures, boxes, strict=True)
    ]
    store.add(ids, vectors, metas)
    location = ctx.project.storyboard.bibles.locations.get(info.location_id)
    if args.approved and location is not None:
        middle = files[len(files) // 2]
        if all(r.path != str(middle) for r in location.approved_frames):
            location.approved_frames.append(
                ReferenceFrame(path=str(middle), shot_id=args.shot_id, embedding_id=ids[len(ids) // 2])
            )
    return EmbedFramesResult(ids=ids, embedded=embedded, collection=store.name)


def _references(ctx: ToolContext, character_id: str, framing: str) -> np.ndarray:
    """A character's references in the shot's framing group; from every group when the group has none and
    the embedder's similarity holds across framings."""
    store = frame_store(ctx)
    found = store.references(character_id, framing or None)
    if len(found) == 0 and framing and holds_across_framings(embedder(ctx).kind):
        found = store.references(character_id)
    return found


@tool(agent="continuity")
def check_character_continuity(ctx: ToolContext, args: CharacterCheckArgs) -> CharacterCheckResult:
    """Compare each character in the frames with its locked reference frames (cosine similarity of embeddings).

    Fails with reason character_drift when a character's best similarity falls below the threshold in any
    frame where it is clearly seen; the shot should then be regenerated with a note to match the reference
    frames. References are kept per framing (face, chest, waist, body): a character with no reference for
    this framing yet passes, and its first approved frame becomes that reference.
    """
    info = shot_info(ctx, args.shot_id, characters=args.characters, shot_type=args.shot_type)
    _, pictures, boxes = _load(ctx, args.frames)
    kelvin = args.kelvin or info.kelvin or clip_kelvin(pictures, boxes_list(boxes)) or DEFAULT_KELVIN
    model = embedder(ctx)
    scores: dict[str, float | None] = {}
    regions: dict[str, str] = {}
    for cid in info.characters:
        crops, regions[cid] = character_crops(pictures, boxes, cid, kelvin)
        references = _references(ctx, cid, info.framing)
        if not crops or len(references) == 0:
            scores[cid] = None
            continue
        scores[cid] = float(best_similarity(model.embed(crops), references).min())
    threshold = ctx.config.gates.character_threshold.get(model.kind, 0.82)
    gate = character_gate(scores, threshold, regions=regions, framing=info.framing)
    parts = [f"{cid} {'not judged' if s is None else f'{s:.3f}'} ({regions[cid]})" for cid, s in scores.items()]
    verdict = "pass" if gate.passed else f"FAIL character_drift ({', '.join(gate.details['failing'])})"
    summary = f"{verdict}; threshold {threshold:.2f}; framing {info.framing or 'any'}; "
    return CharacterCheckResult(gate=gate, summary=summary + ("; ".join(parts) or "no characters"))


@tool(agent="continuity")
def check_lighting(ctx: ToolContext, args: LightingCheckArgs) -> LightingCheckResult:
    """Check the frames' light: colour temperature against the location's scene bible, and likeness to the
    location's approved frames of the same shot type (the best-matching frame counts, so camera moves do not
    read as a new place).

    Fails with reason lighting_drift. Try correct_color_grade on the clip before regenerating: a wrong white
    balance is usually fixable. Frames that show little of the set (close-ups) are judged on temperature only.
    """
    info = shot_info(ctx, args.shot_id, location_id=args.location_id, target_k=args.target_k, shot_type=args.shot_type)
    files, pictures, boxes = _load(ctx, args.frames)
    measured = clip_kelvin(pictures, boxes_list(boxes))
    min_share = float(section("lighting")["min_set_share"])
    showing = [
        i
        for i, (p, b) in enumerate(zip(pictures, boxes, strict=True))
        if visible_set_share(p.shape, list(b.values())) >= min_share
    ]
    similarity = None
    if info.location_id and showing:
        approved = frame_store(ctx).location_frames(
            info.location_id, shot_type=info.shot_type or None, exclude_shot=args.shot_id, min_set_share=min_share
        )
        if len(approved):
            plates, _ = _plate_embeddings(ctx, files, pictures, boxes)
            similarity = float(best_similarity(plates[showing], approved).max())
    floor = similarity_floor(ctx)
    gate = lighting_gate(
        measured_k=measured,
        target_k=info.kelvin,
        threshold_k=ctx.config.gates.lighting_threshold_k,
        similarity=similarity,
        similarity_threshold=floor,
        location_id=info.location_id,
    )
    measured_text = "unmeasurable" if measured is None else f"{measured:.0f} K"
    target_text = "no target" if info.kelvin is None else f"target {info.kelvin:.0f} K"
    sim_text = (
        "no comparable approved frames" if similarity is None else f"similarity {similarity:.3f} (min {floor:.2f})"
    )
    verdict = "pass" if gate.passed else "FAIL lighting_drift"
    return LightingCheckResult(gate=gate, summary=f"{verdict}: {measured_text}, {target_text}; {sim_text}")


@tool(agent="continuity")
def correct_color_grade(ctx: ToolContext, args: ColorGradeArgs) -> ColorGradeResult:
    """Re-grade a clip toward the location's look: its approved frames' colour and exposure when it has
    some, else the colour temperature in its scene bible (a per-channel correction applied by ffmpeg).

    Writes a corrected copy and returns its path; check the copy again (sample_frames, check_lighting) before
    approving it. Use it when check_lighting failed; it cannot fix a wrong set, only a wrong light.
    """
    info = shot_info(ctx, args.shot_id, location_id=args.location_id, target_k=args.target_k, shot_type=args.shot_type)
    if info.kelvin is None:
        raise ToolError(
            f"no target colour temperature for {args.shot_id}: pass target_k, or set color_temperature_k in the "
            "location's scene bible"
        )
    clip = _resolve(ctx, args.clip)
    count = ctx.config.gates.frames_per_clip
    if args.frames:
        _, pictures, boxes = _load(ctx, args.frames)
    else:
        pictures, boxes = clip_frames(clip, count)
    before = clip_kelvin(pictures, boxes_list(boxes))
    approved = _approved_pictures(ctx, info, args.shot_id)
    offsets = (0.0, 0.0, 0.0)
    if approved is not None:
        method = "match_approved"
        gains, offsets = match_statistics(pictures, boxes_list(boxes), approved[0], approved[1])
    else:
        method = "white_balance"
        gains = grade_gains(pictures, info.kelvin, boxes_list(boxes))
    target = ctx.path(f"graded/{args.shot_id}/{clip.stem}-{round(info.kelvin)}K.mp4")
    apply_grade(clip, gains, target, offset=offsets)
    after_pictures, after_boxes = clip_frames(target, count)
    after = clip_kelvin(after_pictures, boxes_list(after_boxes))
    return ColorGradeResult(
        clip=str(target),
        method=method,
        gains=[round(g, 4) for g in gains],
        offsets=[round(o, 2) for o in offsets],
        measured_k_before=None if before is None else round(before, 1),
        measured_k_after=None if after is None else round(after, 1),
        target_k=info.kelvin,
    )


def _approved_pictures(
    ctx: ToolContext, info: ShotInfo, shot_id: str
) -> tuple[list[np.ndarray], list[list[Box]]] | None:
    """The location's approved frames (same shot type first, else any) and their figure boxes, if any."""
    if not info.location_id:
        return None
    store = frame_store(ctx)
    min_share = float(section("lighting")["min_set_share"])
    paths = store.location_frame_paths(
        info.location_id, shot_type=info.shot_type or None, exclude_shot=shot_id, min_set_share=min_share
    ) or store.location_frame_paths(info.location_id, exclude_shot=shot_id, min_set_share=min_share)
    files = [Path(p) for p in paths if Path(p).is_file()]
    if not files:
        return None
    return [load_frame(f) for f in files], [list(frame_boxes(f).values()) for f in files]


@tool(agent="continuity")
def lock_reference_frame(ctx: ToolContext, args: LockReferenceArgs) -> LockReferenceResult:
    """Lock a character's look: its region in an approved frame becomes the reference later shots must match.

    Only the first approved frame of a character is locked (later calls do nothing unless force=true, e.g.
    after a director's wardrobe change). The reference is stored in the frame store and in the character bible.
    """
    info = shot_info(ctx, args.shot_id, shot_type=args.shot_type)
    store = frame_store(ctx)
    framing = info.framing
    group = f" for {framing} framing" if framing else ""
    with _REFERENCE_LOCK:
        existing = len(store.references(args.character_id, framing or None))
        if existing and not args.force:
            return LockReferenceResult(
                locked=False,
                references=existing,
                message=f"{args.character_id} already has a reference{group}; kept it",
            )
        _, pictures, boxes = _load(ctx, [args.frame])
        kelvin = args.kelvin or info.kelvin or clip_kelvin(pictures, boxes_list(boxes)) or DEFAULT_KELVIN
        crops, region = character_crops(pictures, boxes, args.character_id, kelvin)
        if not crops:
            return LockReferenceResult(
                locked=False,
                references=existing,
                message=f"{args.character_id} is not clearly seen in {args.frame} (out of shot, cut off or hidden)",
            )
        frame = Path(args.frame)
        target = ctx.path(f"references/{args.character_id}/{args.shot_id}-{frame.stem}.png")
        save_png(crops[0], target)
        rid = frame_id(ctx, target)
        meta = FrameMeta(
            shot=args.shot_id,
            path=str(target),
            kind="reference",
            episode=info.episode,
            scene=info.scene,
            characters=[args.character_id],
            character=args.character_id,
            location=info.location_id,
            framing=framing,
            approved=True,
        )
        store.add([rid], embedder(ctx).embed(crops), [meta])
        reference = ReferenceFrame(path=str(target), shot_id=args.shot_id, embedding_id=rid)
        bible = ctx.project.storyboard.bibles.characters.get(args.character_id)
        if bible is not None and all(r.embedding_id != rid for r in bible.reference_frames):
            bible.reference_frames.append(reference)
        source = "its box" if region == "box" else "the whole frame (no figure boxes)"
        return LockReferenceResult(
            locked=True,
            reference=reference,
            references=len(store.references(args.character_id, framing or None)),
            message=f"locked {args.character_id}{group} from {source} of {args.shot_id}",
        )
