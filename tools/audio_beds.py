"""Music per scene and effects per shot, rendered once and kept: content-addressed WAVs plus a small manifest.

The manifest (``OUT/audio/music/<scene>.json``, ``OUT/audio/effects/<shot>.json``) remembers the choice made
(a mood picked by a policy, the cues matched in the script); the WAV's name is a hash of everything that shapes
its samples, so a changed duration renders anew and an unchanged one is read back.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from backends.audio import moods, natural_length, render_bed, render_effect
from backends.audio.effects import ONE_SHOT_LENGTH
from backends.audio.pcm import fade, write_wav
from domain.errors import ToolError
from domain.files import write_json
from domain.screenplay import Scene
from domain.shot import Shot
from domain.storyboard import SceneBoard
from tools.audio_cues import EffectCue, match_effects, scene_mood
from tools.context import ToolContext

MUSIC_DIR = "audio/music"
EFFECTS_DIR = "audio/effects"


class SceneMusic(BaseModel):
    scene_id: str
    mood: str
    intensity: float
    duration_s: float
    path: str
    chosen_by: str = Field(default="script", description="'script' (matched words) or 'policy' (a mood was asked for)")


class ShotEffects(BaseModel):
    shot_id: str
    duration_s: float
    cues: list[EffectCue] = Field(default_factory=list)
    path: str | None = Field(default=None, description="the shot's effects as one WAV; None when nothing matched")


def scene_duration(board: SceneBoard) -> float:
    return round(sum(shot.duration_s for shot in board.shots), 4)


def compose_scene_music(
    ctx: ToolContext, board: SceneBoard, *, mood: str | None = None, intensity: float | None = None
) -> SceneMusic:
    """Render (or reuse) the scene's bed; ``mood``/``intensity`` override what the script suggests."""
    guessed_mood, guessed_intensity = scene_mood(board)
    if mood is not None and mood not in moods():
        raise ToolError(f"unknown mood {mood!r}; choose one of: {', '.join(sorted(moods()))}")
    chosen = mood or guessed_mood
    level = guessed_intensity if intensity is None else float(np.clip(intensity, 0.0, 1.0))
    duration = scene_duration(board)
    sample_rate = ctx.config.audio.sample_rate
    seed = _seed(ctx, board.scene.id)
    key = _key("music", chosen, level, duration, sample_rate, seed)
    path = ctx.path(MUSIC_DIR) / f"{board.scene.id}-{key}.wav"
    if not path.exists():
        write_wav(path, render_bed(chosen, level, duration, sample_rate, seed=seed), sample_rate)
    music = SceneMusic(
        scene_id=board.scene.id,
        mood=chosen,
        intensity=level,
        duration_s=duration,
        path=str(path),
        chosen_by="policy" if mood else "script",
    )
    write_json(ctx.path(MUSIC_DIR) / f"{board.scene.id}.json", music)
    return music


def current_music(ctx: ToolContext, board: SceneBoard) -> SceneMusic:
    """The scene's bed as last chosen, re-rendered if the scene's length changed since; composed if never asked."""
    manifest = ctx.path(MUSIC_DIR) / f"{board.scene.id}.json"
    if not manifest.exists():
        return compose_scene_music(ctx, board)
    previous = SceneMusic.model_validate_json(manifest.read_text(encoding="utf-8"))
    if abs(previous.duration_s - scene_duration(board)) < 1e-3 and Path(previous.path).exists():
        return previous
    override = previous.mood if previous.chosen_by == "policy" else None
    return compose_scene_music(ctx, board, mood=override, intensity=previous.intensity if override else None)


def place_shot_effects(ctx: ToolContext, shot: Shot, scene: Scene) -> ShotEffects:
    """Match the shot's action against the effect words, render the cues into one WAV for the shot."""
    cues = match_effects(shot, scene, natural_length=ONE_SHOT_LENGTH)
    sample_rate = ctx.config.audio.sample_rate
    result = ShotEffects(shot_id=shot.id, duration_s=shot.duration_s, cues=cues)
    if cues:
        seed = _seed(ctx, shot.id)
        key = _key("effects", [c.model_dump() for c in cues], shot.duration_s, sample_rate, seed)
        path = ctx.path(EFFECTS_DIR) / f"{shot.id}-{key}.wav"
        if not path.exists():
            write_wav(path, render_cues(cues, shot.duration_s, sample_rate, seed=seed), sample_rate)
        result.path = str(path)
    write_json(ctx.path(EFFECTS_DIR) / f"{shot.id}.json", result)
    return result


def current_effects(ctx: ToolContext, shot: Shot, scene: Scene) -> ShotEffects:
    """The shot's effects as last placed, placed again if the shot's length changed or they were never placed."""
    manifest = ctx.path(EFFECTS_DIR) / f"{shot.id}.json"
    if manifest.exists():
        previous = ShotEffects.model_validate_json(manifest.read_text(encoding="utf-8"))
        if abs(previous.duration_s - shot.duration_s) < 1e-3 and (
            previous.path is None or Path(previous.path).exists()
        ):
            return previous
    return place_shot_effects(ctx, shot, scene)


def render_cues(cues: list[EffectCue], duration_s: float, sample_rate: int, *, seed: int) -> np.ndarray:
    """All of a shot's cues mixed into one mono track of the shot's length, each at its level, peak-safe."""
    track = np.zeros(round(duration_s * sample_rate), dtype=np.float32)
    for number, cue in enumerate(cues):
        length = natural_length(cue.name) or cue.duration_s
        sound = render_effect(cue.name, min(length, cue.duration_s), sample_rate, seed=seed + number)
        sound = sound * np.float32(10 ** (cue.gain_db / 20))
        if cue.kind == "ambience":
            sound = fade(sound, sample_rate, fade_in_s=0.25, fade_out_s=0.25)
        start = int(cue.at_s * sample_rate)
        end = min(start + len(sound), len(track))
        if end > start:
            track[start:end] += sound[: end - start]
    peak = float(np.max(np.abs(track))) if len(track) else 0.0
    return track / peak * 0.9 if peak > 0.9 else track


def _seed(ctx: ToolContext, subject: str) -> int:
    digest = hashlib.sha256(f"{ctx.config.run.seed}:{subject}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]
