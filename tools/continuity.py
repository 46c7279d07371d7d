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
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from backends.embedders import Embedder, make_embedder
from backends.frame_store import FrameMeta, FrameStore
from domain.bibles import ReferenceFrame
from domain.errors import ToolError
from domain.production import GateResult
from tools.context import ToolContext, chroma_client, store_project
from tools.gates.boxes import Box, Matte, Shape, plate, visible_set_share
from tools.gates.character import FigureLight, best_similarity, character_crops, character_gate
from tools.gates.frames import (
    SampledFrame,
    clip_views,
    frame_graded,
    frame_light,
    frames_dir,
    load_view,
    sample,
    save_png,
    silhouettes,
)
from tools.gates.grading import apply_grade, grade_gains, match_statistics
from tools.gates.lighting import clip_kelvin, lighting_gate
from tools.gates.tuning import framing_of, holds_across_framings, section, view_named, views
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
    project = store_project(ctx)
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
    angle: str = ""
    time_of_day: str = ""  # the light's time of day in the shot's scene
    lit_by_hour: bool = False  # the location is lit differently at different times of day

    @property
    def light(self) -> str | None:
        """The time of day approved frames must share to be evidence of this shot's light: a location seen at
        night and by day has a look per time of day; a location with one light needs no filter (None)."""
        return self.time_of_day if self.lit_by_hour and self.time_of_day else None

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
        info.shot_type, info.angle = shot.shot_type.value, shot.camera_angle.value
    except KeyError:
        pass
    if shot_type is not None:
        info.shot_type = shot_type
    if characters is not None:
        info.characters = list(characters)
    if location_id is not None:
        info.location_id = location_id
    location = ctx.project.storyboard.bibles.locations.get(info.location_id)
    if location is not None:
        info.lit_by_hour = bool(location.lighting_variants)
        location = location.for_scene(info.scene)  # the light of the scene's time of day
        info.time_of_day = location.time_of_day
    info.kelvin = target_k if target_k is not None else (float(location.color_temperature_k) if location else None)
    return info


def similarity_floor(ctx: ToolContext) -> float:
    """The lighting gate's likeness threshold for the run's embedder."""
    floor = ctx.config.gates.lighting_similarity
    return float(floor) if isinstance(floor, int | float) else floor.get(embedder(ctx).kind, 0.85)


def _resolve(ctx: ToolContext, path: str) -> Path:
    resolved = ctx.readable(path)  # inside OUT or a granted folder (an eval's clip cache), else refused
    if not resolved.is_file():
        raise ToolError(f"no such file: {path}. Pass a path returned by sample_frames or generate_clip.")
    return resolved


def frame_id(ctx: ToolContext, path: Path) -> str:
    """A frame's id in the store: its path inside OUT (stable across runs and machines)."""
    resolved = path.resolve()
    return resolved.relative_to(ctx.out).as_posix() if ctx.out in resolved.parents else str(resolved)


@dataclass
class _Frames:
    """Sampled frames as the gates judge them (``load_view``): pictures between the caption bands, figure
    boxes and mattes in them, and how each clip lights its figures."""

    files: list[Path]
    pictures: list[np.ndarray]
    boxes: list[dict[str, Box]]
    mattes: list[dict[str, Matte]]
    extents: list[dict[str, Box]]
    lights: list[FigureLight]

    @property
    def shapes(self) -> list[list[Shape]]:
        """Per frame, what hides the set: each figure's box, with its matte where there is one."""
        return silhouettes(self.boxes, self.mattes)

    def has_extents(self, character_id: str) -> bool:
        """Whether the renderer gave this character's whole extent (so it is judged by views)."""
        return any(character_id in e for e in self.extents)

    def crops(self, character_id: str, kelvin: float, key: str) -> tuple[list[np.ndarray], str]:
        """The character's light-neutral crops for a reference key: a view's window ("view:face") when the
        renderer gave the figure's extent, else its whole box (a framing group's key)."""
        view = view_named(key)
        if view is not None and not self.has_extents(character_id):
            return [], "unseen"
        return character_crops(
            self.pictures,
            self.boxes,
            character_id,
            kelvin,
            self.lights,
            self.mattes,
            self.extents,
            window=view.window if view else None,
            min_shown=float(section("character")["min_window_shown"]),
            min_height=view.min_height if view else 0.0,
        )

    def keys(self, character_id: str, framing: str) -> list[str]:
        """The reference keys a character is judged under here: every view when its extent is known, else the
        shot's framing group."""
        return [v.key for v in views()] if self.has_extents(character_id) else [framing]


def _load(ctx: ToolContext, paths: list[str]) -> _Frames:
    if not paths:
        raise ToolError("no frames given: call sample_frames on the clip first and pass its frame paths")
    files = [_resolve(ctx, p) for p in paths]
    views = [load_view(f) for f in files]
    return _Frames(
        files=files,
        pictures=[v.pixels for v in views],
        boxes=[v.boxes for v in views],
        mattes=[v.mattes for v in views],
        extents=[v.extents for v in views],
        lights=[FigureLight.from_meta(frame_light(f)) for f in files],
    )


def _plate_embeddings(ctx: ToolContext, loaded: _Frames) -> tuple[np.ndarray, int]:
    """The frames' location-look embeddings (figures painted over), from the store where embed_frames already
    made them; and how many had to be embedded now."""
    ids = [frame_id(ctx, f) for f in loaded.files]
    stored = frame_store(ctx).get(ids)
    missing = [i for i, fid in enumerate(ids) if fid not in stored]
    shapes = loaded.shapes
    made = embedder(ctx).embed([plate(loaded.pictures[i], shapes[i]) for i in missing]) if missing else None
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
    pooled: bool = Field(
        default=False,
        description="whether the frames joined the location's approved pool (frames of a colour-graded copy do not)",
    )


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


class ReferenceCandidate(BaseModel):
    shot_id: str
    frame: str = Field(description="a frame PNG path from sample_frames")


class LockReferenceArgs(BaseModel):
    character_id: str
    shot_id: str = Field(description="the approved shot the frame comes from")
    frame: str = Field(description="a frame PNG path from sample_frames of the approved clip")
    kelvin: float | None = Field(default=None, description="the scene's light; default: the location's scene bible")
    force: bool = Field(default=False, description="replace the character's look even if it already has a reference")
    shot_type: str | None = Field(default=None, description="e.g. CU, MS, LS; default: the storyboard's")
    view: str | None = Field(
        default=None,
        description="the reference to fill, as check_character_continuity lists it in details.unreferenced_views "
        "(e.g. 'view:face'); default: the shot's framing group",
    )
    candidates: list[ReferenceCandidate] = Field(
        default_factory=list,
        description="other frames of this character in the same look and view from the same round (or earlier "
        "takes of the same shot); the frame most like all the others is locked instead, so one drifted take cannot "
        "become the reference",
    )
    min_agreeing: int = Field(
        default=0,
        ge=0,
        description="lock only if at least this many of the other frames look like the chosen one (above the "
        "character threshold): with nothing locked for the look yet, one take alone is no evidence of it",
    )


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
    approved frames become the location's reference look, unless they come from a colour-graded copy (a
    correction only approximates the look, and the next shots would be held to the approximation).
    """
    info = shot_info(
        ctx, args.shot_id, characters=args.characters, location_id=args.location_id, shot_type=args.shot_type
    )
    loaded = _load(ctx, args.frames)
    files, pictures = loaded.files, loaded.pictures
    store = frame_store(ctx)
    ids = [frame_id(ctx, f) for f in files]
    vectors, embedded = _plate_embeddings(ctx, loaded)
    pooled = args.approved and not any(frame_graded(f) for f in files)
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
            angle=info.angle,
            framing=info.framing,
            set_share=round(visible_set_share(picture.shape, shapes), 4),
            approved=pooled,
            time_of_day=info.time_of_day,
        )
        for f, picture, shapes in zip(files, pictures, loaded.shapes, strict=True)
    ]
    store.add(ids, vectors, metas)
    location = ctx.project.storyboard.bibles.locations.get(info.location_id)
    if pooled and location is not None:
        middle = files[len(files) // 2]
        if all(r.path != str(middle) for r in location.approved_frames):
            location.approved_frames.append(
                ReferenceFrame(path=str(middle), shot_id=args.shot_id, embedding_id=ids[len(ids) // 2])
            )
    return EmbedFramesResult(ids=ids, embedded=embedded, collection=store.name, pooled=pooled)


def look_of(ctx: ToolContext, character_id: str, scene_id: str) -> str:
    """The character's look in a scene: its outfit in force there. A wardrobe change the script (or the
    director) makes is a new look with references of its own, not drift."""
    bible = ctx.project.storyboard.bibles.characters.get(character_id)
    outfit = bible.outfit_for(scene_id) if bible is not None else None
    if outfit is None:
        return ""
    return f"{outfit.from_scene}:{hashlib.sha1(outfit.description.encode()).hexdigest()[:8]}"


def head_of(ctx: ToolContext, character_id: str) -> str:
    """The character's head: face, hair, skin and distinguishing marks (its bible appearance). Views that show
    no clothes (face, eyes) keep one reference across wardrobe changes; a new hairstyle is a new head."""
    bible = ctx.project.storyboard.bibles.characters.get(character_id)
    if bible is None:
        return "head"
    a = bible.appearance
    text = "|".join([a.face, a.hair, a.skin_tone, *a.distinguishing])
    return f"head:{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def reference_look(ctx: ToolContext, character_id: str, scene_id: str, key: str) -> str:
    """What a character's references under ``key`` are kept per in a scene: its head for a view that shows no
    clothes, else its look (the outfit in force)."""
    view = view_named(key)
    if view is not None and view.look == "head":
        return head_of(ctx, character_id)
    return look_of(ctx, character_id, scene_id)


def _references(ctx: ToolContext, character_id: str, key: str, look: str) -> np.ndarray:
    """A character's references for its look under one key (a view, or the shot's framing group); for a
    framing group with none, from every group when the embedder's similarity holds across framings."""
    store = frame_store(ctx)
    found = store.references(character_id, key or None, look)
    if len(found) == 0 and key and view_named(key) is None and holds_across_framings(embedder(ctx).kind):
        found = store.references(character_id, None, look)
    return found


@tool(agent="continuity")
def check_character_continuity(ctx: ToolContext, args: CharacterCheckArgs) -> CharacterCheckResult:
    """Compare each character in the frames with its locked reference frames (cosine similarity of embeddings).

    Fails with reason character_drift when a character's best similarity falls below the threshold in most of the
    frames where it is clearly seen (the median frame); the shot should then be regenerated with a note to match the
    reference frames. When the renderer gives each figure's extent, a character is judged on every view the shot
    shows well (eyes, face, bust), each against references of that view; otherwise on its box, against references of
    the shot's framing group (face, chest, waist, body). A view with no reference yet is listed in
    details.unreferenced_views: lock one there (lock_reference_frame with that view) once the shot is approved.
    """
    info = shot_info(ctx, args.shot_id, characters=args.characters, shot_type=args.shot_type)
    loaded = _load(ctx, args.frames)
    kelvin = args.kelvin or info.kelvin or clip_kelvin(loaded.pictures, loaded.shapes) or DEFAULT_KELVIN
    model = embedder(ctx)
    scores: dict[str, float | None] = {}
    regions: dict[str, str] = {}
    judged: dict[str, dict[str, float]] = {}
    open_views: dict[str, list[str]] = {}
    for cid in info.characters:
        judged[cid], open_views[cid], regions[cid] = {}, [], "unseen"
        for key in loaded.keys(cid, info.framing):
            crops, region = loaded.crops(cid, kelvin, key)
            if not crops:
                continue
            regions[cid] = region
            references = _references(ctx, cid, key, reference_look(ctx, cid, info.scene, key))
            if len(references) == 0:
                open_views[cid].append(key)
                continue
            # The median over the frames that show it: one odd frame (a turn of the head, a blink) does not fail a
            # shot, as one odd frame does not move the lighting gate's reading; drift in most frames does.
            judged[cid][key] = round(float(np.median(best_similarity(model.embed(crops), references))), 4)
        scores[cid] = min(judged[cid].values()) if judged[cid] else None
    threshold = ctx.config.gates.character_threshold.get(model.kind, 0.82)
    gate = character_gate(
        scores, threshold, regions=regions, framing=info.framing, views=judged, unreferenced_views=open_views
    )
    parts = [f"{cid} {'not judged' if s is None else f'{s:.3f}'} ({regions[cid]})" for cid, s in scores.items()]
    verdict = "pass" if gate.passed else f"FAIL character_drift ({', '.join(gate.details['failing'])})"
    summary = f"{verdict}; threshold {threshold:.2f}; framing {info.framing or 'any'}; "
    return CharacterCheckResult(gate=gate, summary=summary + ("; ".join(parts) or "no characters"))


@tool(agent="continuity")
def check_lighting(ctx: ToolContext, args: LightingCheckArgs) -> LightingCheckResult:
    """Check the frames' light: colour temperature against the location's scene bible, and likeness to the
    location's approved frames of the same shot type and camera angle (the best-matching frame counts, so camera
    moves do not read as a new place; another angle shows another part of the set, so it is not compared) and,
    for a location lit differently by the hour, of the same time of day (a night frame is no evidence of a day).

    Fails with reason lighting_drift. Try correct_color_grade on the clip before regenerating: a wrong white
    balance is usually fixable. Frames that show little of the set (close-ups) are judged on temperature only;
    frames that show none of it (an extreme close-up: skin is no reading of the light) are not judged on it.
    """
    info = shot_info(ctx, args.shot_id, location_id=args.location_id, target_k=args.target_k, shot_type=args.shot_type)
    loaded = _load(ctx, args.frames)
    pictures, shapes = loaded.pictures, loaded.shapes
    tuning = section("lighting")
    min_share = float(tuning["min_set_share"])
    shares = [visible_set_share(p.shape, s) for p, s in zip(pictures, shapes, strict=True)]
    lit_set = [i for i, share in enumerate(shares) if share >= float(tuning["min_set_share_kelvin"])]
    measured = clip_kelvin([pictures[i] for i in lit_set], [shapes[i] for i in lit_set]) if lit_set else None
    showing = [i for i, share in enumerate(shares) if share >= min_share]
    similarity = None
    if info.location_id and showing:
        approved = frame_store(ctx).location_shots(
            info.location_id,
            shot_type=info.shot_type or None,
            angle=info.angle or None,
            exclude_shot=args.shot_id,
            min_set_share=min_share,
            time_of_day=info.light,
        )
        if len(approved) >= int(tuning["min_approved_shots"]):
            plates, _ = _plate_embeddings(ctx, loaded)
            similarity = float(best_similarity(plates[showing], np.concatenate(list(approved.values()))).max())
    floor = similarity_floor(ctx)
    gate = lighting_gate(
        measured_k=measured,
        target_k=info.kelvin,
        threshold_k=ctx.config.gates.lighting_threshold_k,
        similarity=similarity,
        similarity_threshold=floor,
        location_id=info.location_id,
        set_in_view=bool(lit_set),
    )
    measured_text = f"{measured:.0f} K" if measured is not None else "unmeasurable"
    if not lit_set:
        measured_text = "temperature not judged (no set in view)"
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
        loaded = _load(ctx, args.frames)
        pictures, shapes = loaded.pictures, loaded.shapes
    else:
        pictures, shapes = _in_memory(clip, count)
    before = clip_kelvin(pictures, shapes)
    approved = _approved_pictures(ctx, info, args.shot_id)
    offsets = (0.0, 0.0, 0.0)
    if approved is not None:
        method = "match_approved"
        gains, offsets = match_statistics(pictures, shapes, approved[0], approved[1])
    else:
        method = "white_balance"
        gains = grade_gains(pictures, info.kelvin, shapes)
    target = ctx.path(f"graded/{args.shot_id}/{clip.stem}-{round(info.kelvin)}K.mp4")
    apply_grade(clip, gains, target, offset=offsets)
    after = clip_kelvin(*_in_memory(target, count))
    return ColorGradeResult(
        clip=str(target),
        method=method,
        gains=[round(g, 4) for g in gains],
        offsets=[round(o, 2) for o in offsets],
        measured_k_before=None if before is None else round(before, 1),
        measured_k_after=None if after is None else round(after, 1),
        target_k=info.kelvin,
    )


def _in_memory(clip: Path, count: int) -> tuple[list[np.ndarray], list[list[Shape]]]:
    """A clip's frames as the gates judge them, and what hides the set in each, without writing files."""
    views = clip_views(clip, count)
    return [v.pixels for v in views], silhouettes([v.boxes for v in views], [v.mattes for v in views])


def _approved_pictures(
    ctx: ToolContext, info: ShotInfo, shot_id: str
) -> tuple[list[np.ndarray], list[list[Shape]]] | None:
    """The location's approved frames (same shot type first, else any; always of the shot's time of day's light)
    and what hides the set in them, when at least ``min_approved_shots`` approved shots agree on the look (else
    None: grade to the bible instead)."""
    if not info.location_id:
        return None
    store = frame_store(ctx)
    min_share = float(section("lighting")["min_set_share"])
    enough = int(section("lighting")["min_approved_shots"])
    paths: list[str] = []
    for kind in (info.shot_type or None, None):  # the same shot type first, else any
        shots = store.location_shots(
            info.location_id, shot_type=kind, exclude_shot=shot_id, min_set_share=min_share, time_of_day=info.light
        )
        if len(shots) >= enough:
            paths = store.location_frame_paths(
                info.location_id, shot_type=kind, exclude_shot=shot_id, min_set_share=min_share, time_of_day=info.light
            )
            break
    files = [Path(p) for p in paths if Path(p).is_file()]
    if not files:
        return None
    views = [load_view(f) for f in files]
    return [v.pixels for v in views], silhouettes([v.boxes for v in views], [v.mattes for v in views])


CONSENSUS_TIE = 0.02
"""Candidates whose mean likeness to the others is within this of the best are tied: the earliest wins."""


def _consensus(ctx: ToolContext, args: LockReferenceArgs, key: str) -> LockReferenceArgs | None:
    """Of the offered frames, the one whose character is most like it is in all the others (the medoid); near
    ties (``CONSENSUS_TIE``) go to script order, so consistent takes keep the first one as before. A majority of
    consistent takes outvotes a drifted one. None when fewer than ``args.min_agreeing`` others agree with it
    (two drifted takes rarely agree, so two takes that do are evidence of the look).

    Two takes are as alike as their least alike view (bust, face, eyes: whichever both show), so two drifts
    that happen to share an outfit colour but not a hair colour do not agree."""
    offered = [ReferenceCandidate(shot_id=args.shot_id, frame=args.frame), *args.candidates]
    seen: list[dict[str, np.ndarray]] = []
    kept: list[ReferenceCandidate] = []
    for candidate in offered:
        if frame_graded(_resolve(ctx, candidate.frame)):
            continue  # a colour-graded copy's colours are a correction's, not the character's
        loaded = _load(ctx, [candidate.frame])
        light = (
            shot_info(ctx, candidate.shot_id).kelvin or clip_kelvin(loaded.pictures, loaded.shapes) or DEFAULT_KELVIN
        )
        shown: dict[str, np.ndarray] = {}
        for view_key in loaded.keys(args.character_id, key) if view_named(key) else [key]:
            crops, _ = loaded.crops(args.character_id, light, view_key)
            if crops:
                shown[view_key] = embedder(ctx).embed(crops[:1])[0]
        if key in shown:
            seen.append(shown)
            kept.append(candidate)
    if len(kept) < 2:
        if args.min_agreeing:
            return None
        return _choose(args, kept[0]) if kept else args
    matrix = np.array([[_alike(a, b) for b in seen] for a in seen])
    support = (matrix.sum(axis=1) - 1.0) / (len(kept) - 1)
    chosen = int(np.flatnonzero(support >= support.max() - CONSENSUS_TIE)[0])
    threshold = ctx.config.gates.character_threshold.get(embedder(ctx).kind, 0.82)
    if int((matrix[chosen] >= threshold).sum()) - 1 < args.min_agreeing:
        return None
    return _choose(args, kept[chosen])


def _alike(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """Cosine similarity of two takes' least alike view among those both show."""
    return min(float(a[k] @ b[k]) for k in a.keys() & b.keys())


def _choose(args: LockReferenceArgs, chosen: ReferenceCandidate) -> LockReferenceArgs:
    """The lock's arguments with the chosen frame; another shot's frame is neutralised by its own location's light."""
    kelvin = args.kelvin if chosen.shot_id == args.shot_id else None
    update: dict[str, Any] = {"shot_id": chosen.shot_id, "frame": chosen.frame, "candidates": [], "kelvin": kelvin}
    return args.model_copy(update=update)


@tool(agent="continuity")
def lock_reference_frame(ctx: ToolContext, args: LockReferenceArgs) -> LockReferenceResult:
    """Lock a character's look: its region in an approved frame becomes the reference later shots must match.

    One reference per look (the outfit in force) and view (or framing group): later calls do nothing unless
    force=true. Pass the other takes of the same look from the same round as candidates and the one most like
    the rest is locked instead. The reference is stored in the frame store and in the character bible.
    """
    info = shot_info(ctx, args.shot_id, shot_type=args.shot_type)
    store = frame_store(ctx)
    key = args.view or info.framing
    group = f" for {key.removeprefix('view:')} {'view' if view_named(key) else 'framing'}" if key else ""
    look = reference_look(ctx, args.character_id, info.scene, key)
    with _REFERENCE_LOCK:
        existing = len(store.references(args.character_id, key or None, look))
        if existing and not args.force:
            return LockReferenceResult(
                locked=False,
                references=existing,
                message=f"{args.character_id} already has a reference{group}; kept it",
            )
        if args.candidates or args.min_agreeing:
            chosen = _consensus(ctx, args, key)
            if chosen is None:
                return LockReferenceResult(
                    locked=False,
                    references=existing,
                    message=f"no take of {args.character_id}{group} is confirmed by another yet; nothing locked",
                )
            args = chosen
            info = shot_info(ctx, args.shot_id, shot_type=args.shot_type)
        if frame_graded(_resolve(ctx, args.frame)):
            return LockReferenceResult(
                locked=False,
                references=existing,
                message=f"{args.frame} is from a colour-graded copy: lock {args.character_id} from an ungraded take",
            )
        loaded = _load(ctx, [args.frame])
        kelvin = args.kelvin or info.kelvin or clip_kelvin(loaded.pictures, loaded.shapes) or DEFAULT_KELVIN
        crops, region = loaded.crops(args.character_id, kelvin, key)
        if not crops:
            return LockReferenceResult(
                locked=False,
                references=existing,
                message=f"{args.character_id} is not clearly seen in {args.frame} (out of shot, cut off or hidden)",
            )
        frame = Path(args.frame)
        suffix = f"-{key.removeprefix('view:')}" if view_named(key) else ""
        target = ctx.path(f"references/{args.character_id}/{args.shot_id}-{frame.stem}{suffix}.png")
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
            look=look,
            location=info.location_id,
            framing=key,
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
            references=len(store.references(args.character_id, key or None, look)),
            message=f"locked {args.character_id}{group} from {source} of {args.shot_id}",
        )
