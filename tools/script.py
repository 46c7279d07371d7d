"""The Script agent's tools: read the script, weigh a beat, plan a scene's shots, redo a scene, edit one shot.

Tools reach the production through ``ctx.project.storyboard``: ``parse_script`` lays every scene onto it,
``plan_shots`` and ``revise_scene_storyboard`` write a scene's shots there, ``edit_shot`` changes one in place.
The planning rules live in ``tools/shot_planning.py``; these functions only check arguments and move data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import ToolError
from domain.screenplay import Screenplay
from domain.shot import Shot
from domain.storyboard import SceneBoard, Storyboard
from tools import beats, shot_edits, shot_planning
from tools.context import ToolContext
from tools.registry import tool
from tools.shot_edits import ShotSpec


def _board(ctx: ToolContext, scene_id: str) -> SceneBoard:
    storyboard = ctx.project.storyboard
    try:
        return storyboard.scene_board(scene_id)
    except KeyError:
        ids = [b.scene.id for e in storyboard.episodes for b in e.scenes]
        known = f"scenes run from {ids[0]} to {ids[-1]}" if ids else "no script is loaded: call parse_script first"
        raise ToolError(f"no scene {scene_id!r} in the storyboard; {known}") from None


def _establish(storyboard: Storyboard, scene_id: str) -> bool:
    board = storyboard.scene_board(scene_id)
    return shot_planning.establishes(shot_planning.previous_scene(storyboard, scene_id), board.scene)


# --- parse_script --------------------------------------------------------------------------------------------------


class ParseScriptArgs(BaseModel):
    paths: list[str] = Field(
        min_length=1,
        description="script files (.fountain, .fdx, .txt) or a folder of them, one episode per file when several; "
        "a relative path is looked up in the working folder, then inside the production folder",
    )
    include_screenplay: bool = Field(default=True, description="also return the full parsed screenplay")


class SceneSummary(BaseModel):
    id: str
    heading: str
    location_id: str
    time_of_day: str
    beats: int
    speakers: list[str]


class EpisodeSummary(BaseModel):
    number: int
    title: str
    scenes: list[SceneSummary]


class ParseScriptResult(BaseModel):
    title: str
    scene_count: int
    episodes: list[EpisodeSummary]
    speaking_characters: list[str]
    locations: list[str]
    screenplay: Screenplay | None = None


def _resolve(ctx: ToolContext, raw: str) -> Path:
    """A script file or folder the run granted (the scripts its user passed), or one inside OUT; else refused."""
    return ctx.readable(raw)


@tool("script")
def parse_script(ctx: ToolContext, args: ParseScriptArgs) -> ParseScriptResult:
    """Read the screenplay (Fountain, Final Draft FDX or plain text) into episodes, scenes and beats.

    Use this first: every other script tool works on the scenes it lays out. Returns a summary (episodes, scene
    ids with their location, time of day and speakers) and, unless include_screenplay is false, the full
    screenplay. Scene ids look like E01-S003 and stay the same on every run of the same script.
    """
    from domain.loader import load_script

    screenplay = load_script([_resolve(ctx, p) for p in args.paths])
    ctx.project.storyboard = shot_planning.storyboard_skeleton(screenplay, keep=ctx.project.storyboard)
    episodes = [
        EpisodeSummary(
            number=e.number,
            title=e.title,
            scenes=[
                SceneSummary(
                    id=s.id,
                    heading=s.heading,
                    location_id=s.location_id,
                    time_of_day=s.time_of_day,
                    beats=len(s.beats),
                    speakers=s.speaking_characters,
                )
                for s in e.scenes
            ],
        )
        for e in screenplay.episodes
    ]
    scenes = screenplay.scenes()
    return ParseScriptResult(
        title=screenplay.title,
        scene_count=len(scenes),
        episodes=episodes,
        speaking_characters=list(dict.fromkeys(c for s in scenes for c in s.speaking_characters)),
        locations=list(dict.fromkeys(s.location_id for s in scenes)),
        screenplay=screenplay if args.include_screenplay else None,
    )


# --- analyze_beat --------------------------------------------------------------------------------------------------


class AnalyzeBeatArgs(BaseModel):
    text: str = Field(min_length=1, description="an action paragraph or a line of dialogue")
    parenthetical: str | None = Field(default=None, description="the line's performance cue, e.g. 'sobbing'")
    dialogue: bool = Field(default=False, description="true for a spoken line (shouted CAPS count as intensity)")


class BeatAnalysis(BaseModel):
    intensity: float = Field(description="emotional intensity 0..1; >= 0.7 is a peak worth a close-up")
    emotions: list[str] = Field(description="emotion labels, strongest first")
    physics_elements: list[str] = Field(description="water, fight, crowd, vehicle, fire, explosion, glass …")
    props: list[str] = Field(description="props worth an insert shot, most important first")
    cues: list[str] = Field(description="performance cues found, e.g. 'sobbing'")


@tool("script")
def analyze_beat(ctx: ToolContext, args: AnalyzeBeatArgs) -> BeatAnalysis:
    """Weigh one beat: how emotionally intense it is (0..1), which emotions it carries, which physics elements it
    shows (water, fights, crowds, vehicles, fire …) and which props deserve an insert shot.

    Use it to decide framing: intensity >= 0.7 calls for a close-up, physics for a wider moving shot that a
    physics-capable model renders, a prop for an INSERT.
    """
    reading = beats.analyze(args.text, args.parenthetical, dialogue=args.dialogue)
    return BeatAnalysis(
        intensity=reading.intensity,
        emotions=list(reading.emotions),
        physics_elements=list(reading.physics),
        props=sorted(reading.props, key=beats.prop_rank),
        cues=list(reading.cues),
    )


# --- plan_shots ----------------------------------------------------------------------------------------------------


class PlanShotsArgs(BaseModel):
    scene_id: str = Field(description="e.g. E01-S003")
    shots: list[ShotSpec] | None = Field(
        default=None,
        description="your own shot list for the scene; omit it to let the storyboard rules plan the scene. "
        "Each shot needs shot_type and beat_indices; the rest is filled in and checked",
    )


class PlanShotsResult(BaseModel):
    scene_id: str
    shots: list[Shot]
    notes: list[str] = Field(default_factory=list, description="what was adjusted in proposed shots")


@tool("script")
def plan_shots(ctx: ToolContext, args: PlanShotsArgs) -> PlanShotsResult:
    """Plan the shots of one scene and put them on the storyboard (replacing any the scene had).

    Without 'shots' the storyboard rules plan it: an establishing shot when the location changes, OTS and
    close-up coverage for dialogue (close-ups at emotional peaks, reaction shots), wider moving shots for physics,
    inserts for important props, lenses and durations that fit, usually 5 to 7 shots. With 'shots', your list is
    checked and completed: lenses brought into the framing's range, durations fitted to the dialogue, dialogue,
    intensity, physics and props filled from the beats you name.
    """
    board = _board(ctx, args.scene_id)
    storyboard = ctx.project.storyboard
    establish = _establish(storyboard, args.scene_id)
    pause = ctx.config.audio.line_pause_s
    notes: list[str] = []
    if args.shots is None:
        shots = shot_planning.plan_scene(board.scene, storyboard.bibles, establish=establish, line_pause_s=pause)
    else:
        try:
            shots, notes = shot_edits.shots_from_specs(
                board.scene, storyboard.bibles, args.shots, establish=establish, line_pause_s=pause
            )
        except ValueError as exc:
            raise ToolError(f"plan_shots {args.scene_id}: {exc}") from None
    for shot in shots:
        shot.revision = board.revision
    board.shots = shots
    return PlanShotsResult(scene_id=args.scene_id, shots=shots, notes=notes)


# --- revise_scene_storyboard ---------------------------------------------------------------------------------------


class ReviseSceneArgs(BaseModel):
    scene_id: str = Field(description="e.g. E01-S003")
    reasons: list[str] = Field(
        min_length=1, description="the failure causes, e.g. ['character_drift'], ['lighting_drift'], ['artifacts']"
    )


class ReviseSceneResult(BaseModel):
    scene_id: str
    revision: int
    shots: list[Shot]
    changes: list[str] = Field(description="what the new coverage does differently, in words")


@tool("script")
def revise_scene_storyboard(ctx: ToolContext, args: ReviseSceneArgs) -> ReviseSceneResult:
    """Redo a scene's storyboard after its shots failed together (a clustered failure), with safer coverage.

    Use it when QA reports that most of a scene's shots failed for one cause: retrying the same shots would fail
    again. Character drift gets one character per shot, tighter framing and each look spelled out; lighting drift
    gets the location's light restated and locked and a static camera; artifacts get a static camera and shorter
    shots. The scene's revision number goes up; shot ids stay the same.
    """
    board = _board(ctx, args.scene_id)
    storyboard = ctx.project.storyboard
    new_board, changes = shot_planning.revise_scene(
        board,
        storyboard.bibles,
        args.reasons,
        establish=_establish(storyboard, args.scene_id),
        line_pause_s=ctx.config.audio.line_pause_s,
    )
    board.shots = new_board.shots
    board.revision = new_board.revision
    return ReviseSceneResult(scene_id=args.scene_id, revision=board.revision, shots=board.shots, changes=changes)


# --- edit_shot -----------------------------------------------------------------------------------------------------


class ShotChanges(BaseModel):
    """Only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    shot_type: str | None = Field(default=None, description="ECU CU MCU MS MLS LS ELS OTS POV INSERT")
    lens_mm: int | None = Field(default=None, description="must suit the framing, e.g. 50–85 for a CU")
    camera_angle: str | None = Field(default=None, description="eye-level, high, low, overhead, dutch")
    movement: str | None = Field(default=None, description="static, pan, tilt, push-in, pull-out, dolly, tracking …")
    description: str | None = None
    duration_s: float | None = Field(default=None, description="1.5–8 s, and long enough for the shot's dialogue")
    characters: list[str] | None = Field(default=None, description="character ids in frame")
    lighting: str | None = None
    model_override: str | None = Field(default=None, description="pin a model id; '' or 'auto' lets the router pick")
    emotional_intensity: float | None = Field(default=None, ge=0.0, le=1.0)
    cinematic_priority: bool | None = None
    take: int | None = Field(default=None, ge=0, description="a new take (a new seed) of the same shot")


class EditShotArgs(BaseModel):
    shot_id: str = Field(description="e.g. E01-S003-SH02")
    changes: ShotChanges


class EditShotResult(BaseModel):
    shot: Shot
    changed: list[str]
    notes: list[str] = Field(default_factory=list)


@tool("script")
def edit_shot(ctx: ToolContext, args: EditShotArgs) -> EditShotResult:
    """Change fields of one planned shot (framing, lens, angle, movement, description, duration, characters,
    lighting, a pinned model) and get the checked result.

    Use it for a director's note on a single shot. A new framing without a lens gets that framing's lens; a lens
    alone moves the framing to one that suits it ('85mm' makes a medium shot a close-up); a framing and lens that
    do not suit each other, a duration outside 1.5–8 s or too short for the dialogue, or an unknown character is
    refused with the reason. 'take' + 1 asks for a fresh take with a new seed.
    """
    storyboard = ctx.project.storyboard
    try:
        shot = storyboard.shot(args.shot_id)
    except KeyError:
        raise ToolError(f"no shot {args.shot_id!r} in the storyboard; shot ids look like E01-S003-SH02") from None
    changes: dict[str, Any] = args.changes.model_dump(exclude_unset=True)
    if not changes:
        raise ToolError("edit_shot: no changes given; name at least one field to change")
    board = storyboard.scene_board(shot.scene_id)
    known = set(storyboard.bibles.characters) | set(board.scene.speaking_characters)
    try:
        updated, notes = shot_edits.edit_shot(shot, changes, known)
    except ValueError as exc:
        raise ToolError(f"edit_shot {args.shot_id}: {exc}") from None
    board.shots = [updated if s.id == shot.id else s for s in board.shots]
    return EditShotResult(shot=updated, changed=sorted(changes), notes=notes)
