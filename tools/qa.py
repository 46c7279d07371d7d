"""The QA agent's tools: judge a clip's technical quality, rescale it, spot failure clusters, flag for review.

The gate logic lives in ``tools.gates.artifacts`` and ``tools.gates.clusters``. Flagging writes a review item
to ``OUT/review/<shot>.json`` and marks the shot record flagged; no QA tool can approve a shot.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from domain.errors import ToolError
from domain.files import write_json
from domain.production import GateResult, ShotRecord
from tools.context import ToolContext
from tools.gates.artifacts import analyse, artifact_gate, rescale
from tools.gates.clusters import Cluster, detect_cluster
from tools.registry import tool


def _resolve(ctx: ToolContext, path: str) -> Path:
    resolved = ctx.readable(path)  # inside OUT or a granted folder (an eval's clip cache), else refused
    if not resolved.is_file():
        raise ToolError(f"no such clip: {path}. Pass the path generate_clip returned.")
    return resolved


def scene_records(ctx: ToolContext, scene_id: str, shot_ids: list[str] | None = None) -> list[ShotRecord]:
    """The shot records of a scene: the storyboard's shots in order, else every record whose id names it."""
    records = ctx.project.records
    if shot_ids is None:
        try:
            shot_ids = [s.id for s in ctx.project.storyboard.scene_board(scene_id).shots]
        except KeyError:
            shot_ids = sorted(sid for sid in records if sid.startswith(scene_id + "-"))
    return [records[sid] for sid in shot_ids if sid in records]


class CheckArtifactsArgs(BaseModel):
    clip: str = Field(description="path of the clip to check")
    width: int | None = Field(default=None, ge=16, description="expected width; default: the run's")
    height: int | None = Field(default=None, ge=16, description="expected height; default: the run's")


class ArtifactCheckResult(BaseModel):
    gate: GateResult
    summary: str


class UpscaleArgs(BaseModel):
    clip: str
    shot_id: str
    width: int | None = Field(default=None, ge=16, description="target width; default: the run's")
    height: int | None = Field(default=None, ge=16, description="target height; default: the run's")


class UpscaleResult(BaseModel):
    clip: str = Field(description="the rescaled copy; check it again with check_artifacts")
    from_size: list[int]
    to_size: list[int]


class DetectClusterArgs(BaseModel):
    scene_id: str = Field(description="e.g. E01-S003")
    shot_ids: list[str] | None = Field(default=None, description="limit to these shots; default: the whole scene")


class DetectClusterResult(BaseModel):
    cluster: Cluster | None
    shots_considered: int
    summary: str


class FlagArgs(BaseModel):
    shot_id: str
    reasons: list[str] = Field(description="why a human must look, e.g. ['character_drift', 'lighting_drift']")
    note: str = Field(default="", description="what was tried, for the reviewer")


class ReviewItem(BaseModel):
    """A shot waiting for a human: the gates could not approve it and will not pretend to."""

    shot_id: str
    reasons: list[str]
    note: str = ""
    attempts: int = 0
    clips: list[str] = Field(default_factory=list, description="every attempt's clip, latest last")
    path: str = Field(default="", description="where this item is saved")


@tool(agent="qa")
def check_artifacts(ctx: ToolContext, args: CheckArtifactsArgs) -> ArtifactCheckResult:
    """Check a clip's technical quality: size, black frames, frozen picture, flicker, heavy block artifacts.

    A clip of the wrong size but the right aspect can be fixed with upscale_clip (details.rescalable is
    true); any other failure needs a new generation.
    """
    width, height = args.width or ctx.config.run.width, args.height or ctx.config.run.height
    report = analyse(_resolve(ctx, args.clip), width, height)
    gate = artifact_gate(report)
    summary = "pass" if gate.passed else f"FAIL {', '.join(report.problems)}"
    if report.rescalable:
        summary += f" (fixable: rescale {report.width}x{report.height} to {width}x{height})"
    return ArtifactCheckResult(gate=gate, summary=summary)


@tool(agent="qa")
def upscale_clip(ctx: ToolContext, args: UpscaleArgs) -> UpscaleResult:
    """Rescale a clip to the production size with lanczos filtering, into a new file.

    Use only when check_artifacts reports wrong_resolution with the right aspect ratio; stretching a clip
    of another aspect would distort it, so that is refused.
    """
    clip = _resolve(ctx, args.clip)
    width, height = args.width or ctx.config.run.width, args.height or ctx.config.run.height
    report = analyse(clip, width, height)
    if not report.metrics["aspect_ok"]:
        raise ToolError(
            f"{clip.name} is {report.width}x{report.height}, not the aspect of {width}x{height}; rescaling would "
            "distort it. Regenerate the shot instead."
        )
    target = ctx.path(f"upscaled/{args.shot_id}/{clip.stem}-{width}x{height}.mp4")
    rescale(clip, width, height, target)
    return UpscaleResult(clip=str(target), from_size=[report.width, report.height], to_size=[width, height])


@tool(agent="qa")
def detect_failure_cluster(ctx: ToolContext, args: DetectClusterArgs) -> DetectClusterResult:
    """Decide whether a scene's failures are one upstream problem (a cluster) rather than bad luck per shot.

    A cluster means: stop regenerating shot by shot and redo the scene from the storyboard, fixing the
    characters or location it names. Reads the scene's shot records from this run.
    """
    records = scene_records(ctx, args.scene_id, args.shot_ids)
    cluster = detect_cluster(args.scene_id, records, ctx.config.gates)
    if cluster is None:
        summary = f"no cluster in {args.scene_id} ({len(records)} shots considered)"
    else:
        fault = ", ".join(cluster.characters + cluster.locations) or "the scene setup"
        summary = (
            f"cluster in {args.scene_id}: {cluster.cause} ({len(cluster.shots)}/{cluster.shots_tried} shots, "
            f"mostly {cluster.dominant_reason}); at fault: {fault}"
        )
    return DetectClusterResult(cluster=cluster, shots_considered=len(records), summary=summary)


@tool(agent="qa")
def flag_for_review(ctx: ToolContext, args: FlagArgs) -> ReviewItem:
    """Send a shot to human review with its reasons; the shot is marked flagged, never approved.

    Use it when a shot failed its gates on every allowed attempt, or when something looks wrong that the
    gates cannot judge.
    """
    if not args.reasons:
        raise ToolError("flag_for_review needs at least one reason, so the reviewer knows what to look at")
    record = ctx.project.records.get(args.shot_id)
    target = ctx.path(f"review/{args.shot_id}.json")
    item = ReviewItem(
        shot_id=args.shot_id,
        reasons=list(dict.fromkeys(args.reasons)),
        note=args.note,
        attempts=len(record.attempts) if record else 0,
        clips=[a.clip for a in record.attempts if a.clip] if record else [],
        path=str(target),
    )
    write_json(target, item)
    if record is not None:
        record.status = "flagged"
        record.approved_by = ""
        record.review_reasons = item.reasons
    return item
