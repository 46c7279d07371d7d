"""The episode mix: dialogue on top, music and effects ducked under it, mastered to the loudness target.

Every line is levelled to the same speech level (voices from different engines and variants differ by several
dB), placed at its shot's start plus its pause. Music and effects are turned down while anyone speaks by a
gain envelope built from where the lines are (a sidechain that knows the script instead of listening for it),
opening a little before the line and releasing after it. The sum is brought to ``audio.target_lufs`` with the
true peak under ``audio.true_peak_dbtp``. Stems are written as they sit in the mix, before the master gain.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from backends.audio import Loudness, normalise
from backends.audio.pcm import read_wav, rms_db, write_wav
from domain.files import write_json
from domain.storyboard import EpisodeBoard
from tools.audio_beds import current_effects, current_music
from tools.audio_dialogue import ShotDialogue, voice_shot
from tools.context import ToolContext
from tools.timeline import AudioItem, EpisodeTimeline

DIALOGUE_RMS_DB = -20.0
EFFECTS_PEAK_DB = -9.0
MUSIC_DUCK_DB = -12.0
EFFECTS_DUCK_DB = -6.0
DUCK_ATTACK_S = 0.12
DUCK_RELEASE_S = 0.35


class MixResult(BaseModel):
    episode: int
    mix: str
    dialogue_stem: str
    music_stem: str
    effects_stem: str
    loudness: Loudness
    duration_s: float
    lines: int = 0
    scenes_with_music: int = 0
    shots_with_effects: int = 0
    mix_key: str = Field(default="", description="hash of what the mix was made from; a stale mix is redone")
    warnings: list[str] = Field(default_factory=list)


def episode_dir(ctx: ToolContext, number: int) -> Path:
    return ctx.path(f"episodes/ep{number:02d}")


def mix_key(ctx: ToolContext, board: EpisodeBoard, timeline: EpisodeTimeline) -> str:
    """What the mix depends on: the timeline, every line's words and voice settings, the audio settings."""
    parts = [
        timeline.model_dump(mode="json"),
        [[d.model_dump(mode="json") for d in shot.dialogue] for shot in board.shots()],
        [shot.description for shot in board.shots()],
        ctx.config.audio.model_dump(mode="json", exclude={"openai_api_key", "elevenlabs_api_key"}),
        ctx.project.storyboard.bibles.model_dump(mode="json", include={"characters"}),
    ]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def mix_episode(ctx: ToolContext, board: EpisodeBoard, timeline: EpisodeTimeline) -> MixResult:
    """Voice (from cache), place, duck, sum and master one episode; write the mix and its three stems."""
    settings = ctx.config.audio
    rate = settings.sample_rate
    length = round(timeline.total_s * rate)
    dialogue = np.zeros(length, dtype=np.float32)
    effects = np.zeros(length, dtype=np.float32)
    music = np.zeros((length, 2), dtype=np.float32)
    speaking = np.zeros(length, dtype=np.float32)
    warnings: list[str] = []
    shots = {shot.id: (shot, scene_board.scene) for scene_board in board.scenes for shot in scene_board.shots}
    lines = shots_with_effects = scenes_with_music = 0

    for slot in timeline.slots:
        shot, scene = shots[slot.shot_id]
        start = timeline.start_s(slot)
        if shot.dialogue:
            voiced = voice_shot(ctx, shot)
            if voiced.required_duration_s > timeline.duration_s(slot) + 1e-3:
                warnings.append(
                    f"{shot.id}: its dialogue needs {voiced.required_duration_s:.3f} s but the shot lasts "
                    f"{timeline.duration_s(slot):.3f} s ({slot.frames} frames); run synthesize_dialogue with "
                    "fit_shot to lengthen it"
                )
            for line in voiced.lines:
                samples = _levelled(read_wav(Path(line.path), rate), DIALOGUE_RMS_DB)
                at = _add(dialogue, samples, start + line.offset_s, rate)
                speaking[at : at + len(samples)] = 1.0
                lines += 1
        if settings.effects:
            placed = current_effects(ctx, shot, scene)
            if placed.path:
                _add(effects, read_wav(Path(placed.path), rate) * np.float32(10 ** (EFFECTS_PEAK_DB / 20)), start, rate)
                shots_with_effects += 1
    if settings.music:
        spans = timeline.scene_spans()
        for scene_board in board.scenes:
            if scene_board.scene.id in spans:
                bed = current_music(ctx, scene_board)
                _add(music, read_wav(Path(bed.path), rate, stereo=True), spans[scene_board.scene.id][0], rate)
                scenes_with_music += 1

    duck = duck_envelope(speaking, rate)
    music *= (10 ** (MUSIC_DUCK_DB * duck / 20)).astype(np.float32)[:, None]
    effects *= (10 ** (EFFECTS_DUCK_DB * duck / 20)).astype(np.float32)
    mix = dialogue[:, None] + music + effects[:, None]
    mastered, loudness = normalise(mix, rate, target_lufs=settings.target_lufs, ceiling_dbtp=settings.true_peak_dbtp)

    folder = episode_dir(ctx, board.number) / "audio"
    result = MixResult(
        episode=board.number,
        mix=str(write_wav(folder / "mix.wav", mastered, rate)),
        dialogue_stem=str(write_wav(folder / "dialogue.wav", dialogue, rate)),
        music_stem=str(write_wav(folder / "music.wav", music, rate)),
        effects_stem=str(write_wav(folder / "effects.wav", effects, rate)),
        loudness=loudness,
        duration_s=round(length / rate, 4),
        lines=lines,
        scenes_with_music=scenes_with_music,
        shots_with_effects=shots_with_effects,
        mix_key=mix_key(ctx, board, timeline),
        warnings=warnings,
    )
    write_json(folder / "mix.json", result)
    return result


def previous_mix(ctx: ToolContext, board: EpisodeBoard, timeline: EpisodeTimeline) -> MixResult | None:
    """The episode's last mix if it was made from exactly what the episode is now."""
    manifest = episode_dir(ctx, board.number) / "audio" / "mix.json"
    if not manifest.exists():
        return None
    previous = MixResult.model_validate_json(manifest.read_text(encoding="utf-8"))
    fresh = previous.mix_key == mix_key(ctx, board, timeline) and Path(previous.mix).exists()
    return previous if fresh else None


def dialogue_of(ctx: ToolContext, board: EpisodeBoard) -> dict[str, ShotDialogue]:
    """Every shot's voiced lines (read back from the cache), for subtitles and the timeline export."""
    return {shot.id: voice_shot(ctx, shot) for shot in board.shots() if shot.dialogue}


def duck_envelope(speaking: np.ndarray, sample_rate: int) -> np.ndarray:
    """0 where nobody speaks, 1 under speech, opening ``DUCK_ATTACK_S`` early and closing ``DUCK_RELEASE_S`` late."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d  # lazy: scipy costs half a second to import

    if not speaking.any():
        return np.zeros_like(speaking)
    attack, release = int(DUCK_ATTACK_S * sample_rate), int(DUCK_RELEASE_S * sample_rate)
    # A maximum filter whose window reaches ``attack`` ahead and ``release`` behind each sample.
    size = attack + release + 1
    held = maximum_filter1d(speaking, size=size, origin=(size - 1) // 2 - attack, mode="constant")
    return np.clip(uniform_filter1d(held, size=max(int(0.06 * sample_rate), 1), mode="nearest"), 0.0, 1.0)


def _levelled(samples: np.ndarray, target_db: float) -> np.ndarray:
    level = rms_db(samples)
    if not np.isfinite(level):
        return samples
    return samples * np.float32(10 ** ((target_db - level) / 20))


def _add(buffer: np.ndarray, samples: np.ndarray, at_s: float, sample_rate: int) -> int:
    """Mix ``samples`` into ``buffer`` from ``at_s``; whatever runs past the end is dropped. Returns the start index."""
    start = max(round(at_s * sample_rate), 0)
    end = min(start + len(samples), len(buffer))
    if end > start:
        buffer[start:end] += samples[: end - start]
    return start


def timeline_audio(
    ctx: ToolContext, board: EpisodeBoard, timeline: EpisodeTimeline, dialogue: dict[str, ShotDialogue]
) -> dict[str, list[AudioItem]]:
    """The episode's audio pieces per track (lines, scene beds, shot effects), for the OTIO export."""
    items: dict[str, list[AudioItem]] = {"Dialogue": [], "Music": [], "Effects": []}
    for cue_slot in timeline.slots:
        voiced = dialogue.get(cue_slot.shot_id)
        for line in voiced.lines if voiced else []:
            items["Dialogue"].append(
                AudioItem(
                    name=f"{cue_slot.shot_id} {line.name}: {line.text[:40]}",
                    start_s=timeline.start_s(cue_slot) + line.offset_s,
                    duration_s=line.duration_s,
                    path=line.path,
                )
            )
    spans = timeline.scene_spans()
    for scene_board in board.scenes:
        if scene_board.scene.id not in spans:
            continue
        if ctx.config.audio.music:
            bed = current_music(ctx, scene_board)
            start, duration = spans[scene_board.scene.id]
            items["Music"].append(
                AudioItem(name=f"{bed.scene_id} ({bed.mood})", start_s=start, duration_s=duration, path=bed.path)
            )
        if ctx.config.audio.effects:
            for shot in scene_board.shots:
                placed = current_effects(ctx, shot, scene_board.scene)
                if placed.path:
                    slot = timeline.slot(shot.id)
                    names = ", ".join(cue.name for cue in placed.cues)
                    items["Effects"].append(
                        AudioItem(
                            name=f"{shot.id} ({names})",
                            start_s=timeline.start_s(slot),
                            duration_s=timeline.duration_s(slot),
                            path=placed.path,
                        )
                    )
    return items
