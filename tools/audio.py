"""The Audio agent's tools: voice the dialogue, score the scenes, place effects, mix, and cut the episode.

The tools are thin: voicing is in ``tools.audio_dialogue``, music and effects in ``tools.audio_beds``, the mix
in ``tools.audio_mix``, the cut in ``tools.final_cut``, subtitles in ``tools.subtitles`` and the shared plan of
the episode in ``tools.timeline``. Everything is written under OUT; everything expensive is cached by content.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from backends.audio import Loudness
from domain.errors import ToolError
from domain.files import write_text
from domain.storyboard import EpisodeBoard, Storyboard
from tools.audio_beds import SceneMusic, ShotEffects, compose_scene_music, place_shot_effects
from tools.audio_dialogue import LineAudio, voice_shot
from tools.audio_mix import MixResult, dialogue_of, episode_dir, mix_episode, previous_mix, timeline_audio
from tools.context import ToolContext
from tools.final_cut import render_episode
from tools.registry import tool
from tools.subtitles import dialogue_cues, to_srt, to_vtt
from tools.timeline import EpisodeTimeline, build_timeline, write_otio

MAX_SHOT_S = 60.0  # Shot.duration_s's upper bound


def _storyboard(ctx: ToolContext) -> Storyboard:
    board = ctx.project.storyboard
    if not board.episodes:
        raise ToolError("there is no storyboard yet; the Script agent plans the shots first")
    return board


def _episode(ctx: ToolContext, number: int) -> EpisodeBoard:
    try:
        board = _storyboard(ctx).episode(number)
    except KeyError as exc:
        known = ", ".join(str(e.number) for e in _storyboard(ctx).episodes)
        raise ToolError(f"no episode {number} in the storyboard; episodes: {known}") from exc
    if not board.shots():
        raise ToolError(f"episode {number} has no shots yet; plan its storyboard before mixing or exporting it")
    return board


def episode_timeline(ctx: ToolContext, board: EpisodeBoard) -> EpisodeTimeline:
    return build_timeline(board, fps=ctx.config.run.fps, export=ctx.config.export)


# --- synthesize_dialogue ---------------------------------------------------------------------------------------


def frame_fitted_duration(required_s: float, fps: int) -> float:
    """The duration to give a shot that must hold ``required_s`` seconds: whole frames, never fewer than needed.

    The timeline (``tools.timeline.build_timeline``) cuts each shot at the frame nearest its running end, so a shot
    of exactly N frames' length can lose one to rounding (or to float error) after a shot that ends between two
    frames. A length over N frames by less than half a frame always gets at least N: this is N frames plus half a
    millisecond, rounded up to the millisecond (``2.0436`` s at 24 fps -> 50 frames -> ``2.084`` s).
    """
    frames = math.ceil(required_s * fps - 1e-6)
    return math.ceil(frames / fps * 1000 + 0.5) / 1000


class SynthesizeDialogueArgs(BaseModel):
    shot_id: str = Field(description="the shot whose lines to voice, e.g. 'E01-S003-SH02'")
    fit_shot: bool = Field(
        default=True, description="lengthen the shot if its lines and pauses do not fit in its current duration"
    )


class SynthesizeDialogueResult(BaseModel):
    shot_id: str
    lines: list[LineAudio]
    speech_s: float
    required_duration_s: float = Field(description="lines plus a natural pause before, between and after them")
    duration_before_s: float
    duration_s: float = Field(description="the shot's duration now")
    extended: bool = Field(description="whether the shot was lengthened to hold its dialogue")
    synthesized: int = Field(description="lines voiced now; the rest came from the cache")


@tool(agent="audio")
def synthesize_dialogue(ctx: ToolContext, args: SynthesizeDialogueArgs) -> SynthesizeDialogueResult:
    """Voice every line of dialogue in one shot, each in its speaker's voice from the character bible (the same
    character always gets the same voice). Returns each line's audio file and length. With fit_shot (default),
    a shot too short for its lines plus natural pauses is lengthened to whole frames, so later steps generate and
    cut it at the right length. Lines already voiced are read from the cache at no cost. A shot without dialogue
    returns no lines.
    """
    try:
        shot = _storyboard(ctx).shot(args.shot_id)
    except KeyError as exc:
        raise ToolError(f"no shot {args.shot_id!r} in the storyboard") from exc
    voiced = voice_shot(ctx, shot)
    before = shot.duration_s
    extended = False
    fitted = min(frame_fitted_duration(voiced.required_duration_s, ctx.config.run.fps), MAX_SHOT_S)
    if args.fit_shot and voiced.lines and fitted > before:
        shot.duration_s = fitted
        extended = True
    return SynthesizeDialogueResult(
        shot_id=shot.id,
        lines=voiced.lines,
        speech_s=voiced.speech_s,
        required_duration_s=voiced.required_duration_s,
        duration_before_s=before,
        duration_s=shot.duration_s,
        extended=extended,
        synthesized=sum(not line.cached for line in voiced.lines),
    )


# --- compose_music ---------------------------------------------------------------------------------------------


class ComposeMusicArgs(BaseModel):
    scene_id: str = Field(description="the scene to score, e.g. 'E01-S003'")
    mood: str | None = Field(
        default=None,
        description="neutral, romantic, joyful, hopeful, sad, mysterious, tense, thriller or action; "
        "leave empty to take the mood from the scene's words",
    )
    intensity: float | None = Field(
        default=None, ge=0.0, le=1.0, description="0 calm .. 1 climax; empty = from the shots' emotional intensity"
    )


@tool(agent="audio")
def compose_music(ctx: ToolContext, args: ComposeMusicArgs) -> SceneMusic:
    """Write the music bed for one scene, as long as the scene: chords in the scene's mood, with tempo and
    brightness rising with its emotional intensity and a low drone under suspense; it fades in and out at the
    scene's edges. The mood comes from the scene's words unless you give one. The mix ducks it under dialogue.
    """
    try:
        board = _storyboard(ctx).scene_board(args.scene_id)
    except KeyError as exc:
        raise ToolError(f"no scene {args.scene_id!r} in the storyboard") from exc
    return compose_scene_music(ctx, board, mood=args.mood, intensity=args.intensity)


# --- place_effects ---------------------------------------------------------------------------------------------


class PlaceEffectsArgs(BaseModel):
    shot_id: str = Field(description="the shot to add sound effects to")


@tool(agent="audio")
def place_effects(ctx: ToolContext, args: PlaceEffectsArgs) -> ShotEffects:
    """Add the sound effects one shot's action calls for (a door, a knock, rain, footsteps, a phone, glass,
    a crash, a car, tyres, thunder, a gunshot, a heartbeat, city ambience), matched from the shot's description
    and the action it covers. One-off sounds land where the action happens in the shot; ambiences fill it.
    Returns the cues found and the shot's effects track; a shot with no such action gets none.
    """
    board = _storyboard(ctx)
    try:
        shot = board.shot(args.shot_id)
    except KeyError as exc:
        raise ToolError(f"no shot {args.shot_id!r} in the storyboard") from exc
    return place_shot_effects(ctx, shot, board.scene_board(shot.scene_id).scene)


# --- mix_audio -------------------------------------------------------------------------------------------------


class MixAudioArgs(BaseModel):
    episode: int = Field(ge=1, description="episode number")


@tool(agent="audio")
def mix_audio(ctx: ToolContext, args: MixAudioArgs) -> MixResult:
    """Mix one episode: every line at its shot's start plus a pause, music and effects turned down under the
    dialogue, the whole normalised to the delivery loudness (-14 LUFS, true peak under -1 dBTP by default).
    Uses the music and effects already composed and placed (and makes any that are missing). Returns the mix,
    the dialogue/music/effects stems and the measured loudness.
    """
    board = _episode(ctx, args.episode)
    return mix_episode(ctx, board, episode_timeline(ctx, board))


# --- export_episode --------------------------------------------------------------------------------------------


class ExportEpisodeArgs(BaseModel):
    episode: int = Field(ge=1, description="episode number")
    clips: dict[str, str] = Field(
        default_factory=dict, description="shot id -> clip path; empty = each shot's approved clip from its record"
    )
    flagged: dict[str, list[str]] = Field(
        default_factory=dict, description="shot id -> review reasons; empty = the shots QA flagged"
    )
    speaker_names: bool = Field(default=False, description="prefix each subtitle with its speaker's name")


class EpisodeCut(BaseModel):
    """A finished episode: the video, its subtitles, its editable timeline, its audio and how loud it is."""

    episode: int
    video: str = Field(description="OUT/episodes/epNN/final.mp4")
    srt: str
    vtt: str
    otio: str
    mix: str
    dialogue_stem: str
    music_stem: str
    effects_stem: str
    loudness: Loudness
    duration_s: float
    shots: int
    dissolves: int = 0
    missing_clips: list[str] = Field(default_factory=list, description="shots shown as black: no clip was given")
    flagged: dict[str, list[str]] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


@tool(agent="audio")
def export_episode(ctx: ToolContext, args: ExportEpisodeArgs) -> EpisodeCut:
    """Cut one episode into its final vertical video (9:16, H.264 + AAC) with the mixed audio: shots in script
    order, each held or trimmed to its duration, cuts, dissolves and fades as the script's transitions say.
    Also writes SRT and WebVTT subtitles from the dialogue timing and an OpenTimelineIO timeline with a review
    marker on every flagged shot. Mixes the audio first if the mix is missing or out of date.
    """
    given = {k: ctx.readable(v) for k, v in (args.clips or {}).items()}  # an argument's paths are checked first
    board = _episode(ctx, args.episode)
    clips = given or {k: ctx.readable(v) for k, v in _approved_clips(ctx, board).items()}
    timeline = episode_timeline(ctx, board)
    mixed = previous_mix(ctx, board, timeline) or mix_episode(ctx, board, timeline)
    flagged = args.flagged or _flagged(ctx, board)
    folder = episode_dir(ctx, board.number)
    stem = f"ep{board.number:02d}"

    dialogue = dialogue_of(ctx, board)
    cues = dialogue_cues(timeline, dialogue)
    srt = write_text(folder / f"{stem}.srt", to_srt(cues, speaker_names=args.speaker_names))
    vtt = write_text(folder / f"{stem}.vtt", to_vtt(cues, speaker_names=args.speaker_names))
    burn = srt if ctx.config.export.burn_subtitles and cues else None
    video = render_episode(
        timeline, clips, Path(mixed.mix), folder / "final.mp4", export=ctx.config.export, subtitles=burn
    )
    otio = write_otio(
        timeline,
        folder / f"{stem}.otio",
        clips={k: str(v) for k, v in clips.items() if v.is_file()},
        audio=timeline_audio(ctx, board, timeline, dialogue),
        flagged=flagged,
        name=f"{_storyboard(ctx).title} - episode {board.number}",
    )
    missing = [slot.shot_id for slot in timeline.slots if not (slot.shot_id in clips and clips[slot.shot_id].is_file())]
    return EpisodeCut(
        episode=board.number,
        video=str(video),
        srt=str(srt),
        vtt=str(vtt),
        otio=str(otio),
        mix=mixed.mix,
        dialogue_stem=mixed.dialogue_stem,
        music_stem=mixed.music_stem,
        effects_stem=mixed.effects_stem,
        loudness=mixed.loudness,
        duration_s=round(timeline.total_s, 4),
        shots=len(timeline.slots),
        dissolves=sum(slot.transition_in == "dissolve" for slot in timeline.slots),
        missing_clips=missing,
        flagged=flagged,
        warnings=mixed.warnings + [f"{shot}: no clip, shown as black" for shot in missing],
    )


def _approved_clips(ctx: ToolContext, board: EpisodeBoard) -> dict[str, str]:
    records = ctx.project.records
    return {
        shot.id: records[shot.id].final_clip
        for shot in board.shots()
        if shot.id in records and records[shot.id].final_clip
    }


def _flagged(ctx: ToolContext, board: EpisodeBoard) -> dict[str, list[str]]:
    records = ctx.project.records
    return {
        shot.id: list(records[shot.id].review_reasons)
        for shot in board.shots()
        if shot.id in records and records[shot.id].status == "flagged"
    }
