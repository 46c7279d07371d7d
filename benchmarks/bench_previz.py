"""Benchmark: previz render throughput at 720x1280, against a bare ffmpeg encode of the same frames.

Each shot is 4 s at 24 fps, one of several shot types and camera moves. The previz time is the whole
``render_clip``: drawing the plate (set, light, figures), the camera move and caption band in ffmpeg, the
H.264 encode and the side file. The bare baseline is the least any animatic can cost: the shot's first frame
(drawn beforehand, not timed) looped to the same length and encoded with the same x264 settings, no filters.
The target is well under 1 s per 4 s shot, and within 2x of the bare encode.

    .venv/bin/python benchmarks/bench_previz.py [--shots 8] [--width 720 --height 1280] [--strict]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends.media import probe, run_ffmpeg
from backends.previz import render_clip, render_still
from backends.previz.renderer import PRESET
from domain.bibles import Appearance, Outfit, SceneBible
from domain.production import CharacterLook, GenerationRequest, ShotContext
from domain.screenplay import DialogueLine
from domain.shot import CameraAngle, Movement, Shot, ShotType

CAST = [
    CharacterLook(
        character_id="lin",
        name="Lin",
        appearance=Appearance(hair="long black hair", build="slim", face="glasses"),
        outfit=Outfit(from_scene="E01-S001", description="red dress", colors=["crimson", "black"]),
    ),
    CharacterLook(
        character_id="marco",
        name="Marco",
        appearance=Appearance(hair="short brown hair", build="broad", face="stubble"),
        outfit=Outfit(from_scene="E01-S001", description="navy suit", colors=["navy", "charcoal", "white"]),
    ),
]
LOCATIONS = [
    SceneBible(
        location_id="rooftop-bar",
        name="Rooftop Bar",
        int_ext="EXT",
        time_of_day="NIGHT",
        lighting_palette="neon magenta and teal",
        color_temperature_k=4200,
        key_colors=["magenta", "teal"],
    ),
    SceneBible(
        location_id="loft",
        name="Loft",
        int_ext="INT",
        time_of_day="DAY",
        color_temperature_k=5600,
        key_colors=["cream", "oak"],
    ),
]
SHOTS = [
    (ShotType.ELS, Movement.PAN, CameraAngle.HIGH),
    (ShotType.LS, Movement.STATIC, CameraAngle.EYE_LEVEL),
    (ShotType.MS, Movement.PUSH_IN, CameraAngle.EYE_LEVEL),
    (ShotType.CU, Movement.HANDHELD, CameraAngle.EYE_LEVEL),
    (ShotType.OTS, Movement.DOLLY, CameraAngle.EYE_LEVEL),
    (ShotType.MCU, Movement.PULL_OUT, CameraAngle.LOW),
    (ShotType.INSERT, Movement.TILT, CameraAngle.EYE_LEVEL),
    (ShotType.POV, Movement.TRACKING, CameraAngle.DUTCH),
]


def requests(count: int, width: int, height: int, duration_s: float) -> list[GenerationRequest]:
    made = []
    for i in range(count):
        shot_type, movement, angle = SHOTS[i % len(SHOTS)]
        location = LOCATIONS[i % len(LOCATIONS)]
        shot = Shot(
            id=f"E01-S001-SH{i + 1:02d}",
            episode=1,
            scene_id="E01-S001",
            index=i + 1,
            location_id=location.location_id,
            shot_type=shot_type,
            movement=movement,
            camera_angle=angle,
            duration_s=duration_s,
            characters=["lin", "marco"],
            dialogue=[DialogueLine(character="lin", text="You said you would be here an hour ago.")] if i % 2 else [],
            description="Rain streaks the window as the taxi idles at the curb.",
            props=["the ring"],
        )
        made.append(
            GenerationRequest(
                shot=shot,
                context=ShotContext(characters=CAST, location=location),
                model="previz",
                prompt="bench",
                seed=i,
                duration_s=duration_s,
                width=width,
                height=height,
            )
        )
    return made


def bare_encode(still: Path, target: Path, *, fps: int, duration_s: float) -> None:
    run_ffmpeg(
        [
            "-loop", "1", "-framerate", str(fps), "-i", str(still), "-frames:v", str(round(duration_s * fps)),
            "-c:v", "libx264", "-preset", PRESET, "-crf", "23", "-threads", "2", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-an", str(target),
        ],
        what="bare encode",
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--width", type=int, default=720)
    parser.add_argument("--height", type=int, default=1280)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each shot")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a shot takes 1 s or more on average")
    args = parser.parse_args()

    batch = requests(args.shots, args.width, args.height, args.seconds)
    with tempfile.TemporaryDirectory(prefix="bench-previz-") as tmp:
        work = Path(tmp)
        render_clip(batch[0], work / "warm.mp4", fps=args.fps)  # fonts, tables, ffmpeg in the page cache
        started = time.perf_counter()
        for i, request in enumerate(batch):
            render_clip(request, work / f"previz-{i}.mp4", fps=args.fps)
        previz_s = time.perf_counter() - started

        stills = []
        for i, request in enumerate(batch):
            stills.append(work / f"still-{i}.png")
            render_still(request).save(stills[-1], compress_level=1)
        started = time.perf_counter()
        for i, still in enumerate(stills):
            bare_encode(still, work / f"bare-{i}.mp4", fps=args.fps, duration_s=args.seconds)
        bare_s = time.perf_counter() - started
        info = probe(work / "previz-0.mp4")

    per_shot = previz_s / len(batch)
    bare_per_shot = bare_s / len(batch)
    ratio = previz_s / bare_s if bare_s > 0 else float("inf")
    print(f"{len(batch)} shots of {args.seconds:g} s at {info.width}x{info.height}, {args.fps} fps, x264 {PRESET}")
    print(f"previz render      {per_shot:6.3f} s per shot  ({1 / per_shot:5.2f} shots/s)")
    print(f"bare ffmpeg encode {bare_per_shot:6.3f} s per shot  ({1 / bare_per_shot:5.2f} shots/s)")
    print(f"ratio              {ratio:6.2f}x")
    print(f"target < 1 s/shot: {'met' if per_shot < 1.0 else 'MISSED'}")
    return 1 if args.strict and per_shot >= 1.0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
