"""Benchmark: audio + final cut of one episode, per episode minute, against a bare ffmpeg encode of the same clips.

The bare baseline is what any cut costs at least: the same clips concatenated, scaled to the export size and
encoded with the same x264 settings, no audio. The Audio agent's work on top (voicing, music, effects, mix,
loudness, subtitles, OTIO, transitions, AAC) should stay within 1.5x of it.

    .venv/bin/python benchmarks/bench_export.py [--minutes 1] [--width 1080 --height 1920] [--strict]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.audio import AudioAgent
from backends.media import probe, run_ffmpeg, write_clip
from domain.bibles import Bibles, CharacterBible, VoiceProfile
from domain.screenplay import Beat, DialogueLine, Scene
from domain.settings import Config, ExportSettings
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.context import ToolContext
from tools.final_cut import encode_args

LINES = [
    ("lin", "You said you would be here an hour ago."),
    ("marco", "The city had other plans."),
    ("lin", "It always does, with you."),
    ("marco", "Then let me make it up to you tonight."),
]
ACTIONS = [
    "Rain streaks the window as the taxi idles at the curb.",
    "A door slams somewhere below. Footsteps on the stairs.",
    "Her phone buzzes on the table. She ignores it.",
    "Thunder rolls over the rooftops.",
]
TRANSITIONS = ["CUT TO:", "DISSOLVE TO:", "CUT TO:", "DISSOLVE TO:"]


def storyboard(minutes: float, shot_s: float = 3.0, shots_per_scene: int = 4) -> Storyboard:
    """An episode of about ``minutes``: scenes of a few shots, dialogue on every other shot, mixed transitions."""
    scene_count = max(round(minutes * 60 / (shot_s * shots_per_scene)), 1)
    boards = []
    for n in range(1, scene_count + 1):
        scene_id = f"E01-S{n:03d}"
        beats = [Beat(index=0, kind="action", text=ACTIONS[n % len(ACTIONS)])]
        shots = []
        for i in range(1, shots_per_scene + 1):
            dialogue = []
            if i % 2 == 0:
                who, text = LINES[(n + i) % len(LINES)]
                beats.append(
                    Beat(index=len(beats), kind="dialogue", text=text, dialogue=DialogueLine(character=who, text=text))
                )
                dialogue = [beats[-1].dialogue]
            shots.append(
                Shot(
                    id=f"{scene_id}-SH{i:02d}",
                    episode=1,
                    scene_id=scene_id,
                    index=i,
                    location_id=f"loc-{n % 3}",
                    shot_type=ShotType.MS,
                    duration_s=shot_s,
                    description=ACTIONS[(n + i) % len(ACTIONS)] if i == 1 else "Close on the speaker",
                    beat_indices=[0] if i == 1 else [len(beats) - 1],
                    dialogue=[d for d in dialogue if d is not None],
                    emotional_intensity=min(0.2 + 0.1 * n, 1.0),
                )
            )
        transition = "FADE OUT." if n == scene_count else TRANSITIONS[n % len(TRANSITIONS)]
        scene = Scene(
            id=scene_id, episode=1, number=n, heading=f"INT. PLACE {n} - NIGHT", location_id=f"loc-{n % 3}",
            location_name=f"Place {n}", beats=beats, transition_out=transition,
        )  # fmt: skip
        boards.append(SceneBoard(scene=scene, shots=shots))
    bibles = Bibles(
        characters={
            "lin": CharacterBible(
                character_id="lin", name="LIN", voice_profile=VoiceProfile(gender="female", pitch=60)
            ),
            "marco": CharacterBible(
                character_id="marco", name="MARCO", voice_profile=VoiceProfile(gender="male", pitch=38)
            ),
        }
    )
    return Storyboard(title="Bench", episodes=[EpisodeBoard(number=1, scenes=boards)], bibles=bibles)


def make_clips(board: Storyboard, folder: Path, *, fps: int, width: int, height: int) -> dict[str, Path]:
    """One clip per shot, exactly as long as the shot, with motion so the encoder has work to do."""
    clips = {}
    rng = np.random.default_rng(0)
    for number, shot in enumerate(board.shots()):
        base = rng.integers(30, 220, size=3).astype(np.uint8)
        frames = []
        for f in range(round(shot.duration_s * fps)):
            frame = np.empty((height, width, 3), dtype=np.uint8)
            frame[:] = base
            y = (f * 9 + number * 37) % (height - 40)
            frame[y : y + 40, :, :] = 255 - base
            frames.append(frame)
        clips[shot.id] = write_clip(frames, folder / f"{shot.id}.mp4", fps=fps, width=width, height=height)
    return clips


def bare_encode(clips: list[Path], target: Path, export: ExportSettings, fps: int) -> None:
    """The baseline: concat + scale + encode, nothing else."""
    inputs: list[str] = []
    chains = []
    for index, clip in enumerate(clips):
        inputs += ["-i", str(clip)]
        chains.append(f"[{index}:v]scale={export.width}:{export.height},setsar=1[v{index}]")
    chains.append("".join(f"[v{i}]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=1:a=0[v]")
    run_ffmpeg([*inputs, "-filter_complex", ";".join(chains), "-map", "[v]", *encode_args(export, fps), str(target)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--width", type=int, default=ExportSettings().width)
    parser.add_argument("--height", type=int, default=ExportSettings().height)
    parser.add_argument("--clip-width", type=int, default=360)
    parser.add_argument("--clip-height", type=int, default=640)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the ratio is over 1.5")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        config = Config()
        config.export = ExportSettings(width=args.width, height=args.height)
        ctx = ToolContext.create(config, work / "out", read_grants=[work / "clips"])  # the clips it cuts
        fps = config.run.fps
        agent = AudioAgent(ctx)

        started = time.perf_counter()
        board = agent.voice_dialogue(storyboard(args.minutes))
        voiced = time.perf_counter() - started

        clips = make_clips(board, work / "clips", fps=fps, width=args.clip_width, height=args.clip_height)
        ordered = [clips[shot.id] for shot in board.shots()]

        started = time.perf_counter()
        bare_encode(ordered, work / "bare.mp4", config.export, fps)
        bare = time.perf_counter() - started

        started = time.perf_counter()
        cut = agent.finish_episode(board.episode(1), clips, {})
        finished = time.perf_counter() - started
    finally:
        episode_minutes = None
        if "cut" in locals():
            episode_minutes = cut.duration_s / 60
            bare_minutes = probe(work / "bare.mp4").duration_s / 60
        shutil.rmtree(work, ignore_errors=True)
    if episode_minutes is None:
        return 1

    ours = (voiced + finished) / episode_minutes
    baseline = bare / bare_minutes
    ratio = ours / baseline
    print(f"episode: {cut.duration_s:.1f} s, {cut.shots} shots, {cut.dissolves} dissolves, {args.width}x{args.height}")
    print(f"loudness: {cut.loudness.integrated_lufs:.2f} LUFS, true peak {cut.loudness.true_peak_dbtp:.2f} dBTP")
    print(f"voicing            {voiced:7.2f} s")
    print(f"music+fx+mix+cut   {finished:7.2f} s")
    print(f"audio + export     {ours:7.2f} s per episode minute")
    print(f"bare ffmpeg encode {baseline:7.2f} s per episode minute")
    print(f"ratio              {ratio:7.2f}x  (target <= 1.5x: {'met' if ratio <= 1.5 else 'MISSED'})")
    return 1 if args.strict and ratio > 1.5 else 0


if __name__ == "__main__":
    raise SystemExit(main())
