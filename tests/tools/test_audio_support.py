"""A small episode for the audio and final-cut tests: three scenes joined by a cut, a dissolve and a fade out,
one shot without dialogue (rain, a door), and coloured test clips made with the real encoder.

Imported by the audio tests as ``tests.tools.test_audio_support``; its one test checks the fixture itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backends.media import write_clip
from domain.bibles import Bibles, CharacterBible, VoiceProfile
from domain.screenplay import Beat, DialogueLine, Scene
from domain.settings import Config, ExportSettings
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.context import ToolContext

FPS = 24
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40), (40, 200, 200)]


def _scene(number: int, heading: str, beats: list[Beat], transition: str | None) -> Scene:
    return Scene(
        id=f"E01-S{number:03d}",
        episode=1,
        number=number,
        heading=heading,
        location_id=f"loc-{number}",
        location_name=heading,
        beats=beats,
        transition_out=transition,
    )


def _shot(scene: Scene, index: int, duration: float, *, description: str, beats: list[int], **extra: object) -> Shot:
    dialogue = [b.dialogue for b in scene.beats if b.index in beats and b.dialogue is not None]
    return Shot(
        id=f"{scene.id}-SH{index:02d}",
        episode=1,
        scene_id=scene.id,
        index=index,
        location_id=scene.location_id,
        shot_type=ShotType.MS,
        duration_s=duration,
        description=description,
        beat_indices=beats,
        dialogue=dialogue,
        characters=sorted({d.character for d in dialogue}),
        **extra,  # type: ignore[arg-type]
    )


def line(index: int, who: str, text: str) -> Beat:
    return Beat(index=index, kind="dialogue", text=text, dialogue=DialogueLine(character=who, text=text))


def build_storyboard() -> Storyboard:
    """Episode 1: S001 (no-dialogue shot + two-line shot) CUT TO, S002 (car + a line) DISSOLVE TO, S003 FADE OUT."""
    s1 = _scene(
        1,
        "INT. ROOFTOP BAR - NIGHT",
        [
            Beat(index=0, kind="action", text="Rain hammers the glass roof. Lin waits. Behind her the door slams."),
            line(1, "lin", "You came. I was starting to think you would not."),
            line(2, "marco", "I always do."),
        ],
        "CUT TO:",
    )
    s2 = _scene(
        2,
        "EXT. CITY STREET - NIGHT",
        [Beat(index=0, kind="action", text="A taxi screeches to a halt."), line(1, "lin", "Get in.")],
        "DISSOLVE TO:",
    )
    s3 = _scene(3, "INT. TAXI - NIGHT", [line(0, "marco", "Where are we going?")], "FADE OUT.")
    boards = [
        SceneBoard(
            scene=s1,
            shots=[
                _shot(s1, 1, 2.5, description="Lin by the bar; the door behind her", beats=[0]),
                _shot(s1, 2, 1.0, description="Close on Lin, then Marco", beats=[1, 2], emotional_intensity=0.6),
            ],
        ),
        SceneBoard(
            scene=s2,
            shots=[
                _shot(s2, 1, 2.0, description="The taxi brakes hard", beats=[0]),
                _shot(s2, 2, 1.5, description="Lin at the taxi window", beats=[1]),
            ],
        ),
        SceneBoard(scene=s3, shots=[_shot(s3, 1, 2.0, description="Marco in the back seat", beats=[0])]),
    ]
    bibles = Bibles(
        characters={
            "lin": CharacterBible(
                character_id="lin",
                name="LIN",
                voice_profile=VoiceProfile(gender="female", pitch=60, rate_wpm=170, accent="british"),
            ),
            "marco": CharacterBible(
                character_id="marco",
                name="MARCO",
                voice_profile=VoiceProfile(gender="male", pitch=40, rate_wpm=160, accent="american"),
            ),
        }
    )
    return Storyboard(title="Neon Test", episodes=[EpisodeBoard(number=1, scenes=boards)], bibles=bibles)


def make_context(out: Path, *, storyboard: Storyboard | None = None, **export: object) -> ToolContext:
    """A real context over ``out`` with a small export size (fast tests)."""
    config = Config()
    config.export = ExportSettings(width=270, height=480, preset="ultrafast", **export)  # type: ignore[arg-type]
    config.run.fps = FPS
    ctx = ToolContext.create(config, out)
    ctx.project.storyboard = storyboard or build_storyboard()
    return ctx


def make_clips(
    folder: Path, storyboard: Storyboard, *, seconds: float = 1.0, size: tuple[int, int] = (180, 320)
) -> dict[str, Path]:
    """One flat-colour clip per shot (with a moving bar, so frames differ), shorter than the shots on purpose."""
    clips: dict[str, Path] = {}
    width, height = size
    for number, shot in enumerate(storyboard.shots()):
        colour = np.array(COLOURS[number % len(COLOURS)], dtype=np.uint8)
        frames = []
        for i in range(int(seconds * FPS)):
            frame = np.empty((height, width, 3), dtype=np.uint8)
            frame[:] = colour
            frame[: height // 10, : (i * 7) % width] = 255
            frames.append(frame)
        clips[shot.id] = write_clip(frames, folder / f"{shot.id}.mp4", fps=FPS, width=width, height=height)
    return clips


def test_storyboard_fixture_is_consistent() -> None:
    board = build_storyboard()
    shots = board.shots()
    assert [s.id for s in shots] == [
        "E01-S001-SH01",
        "E01-S001-SH02",
        "E01-S002-SH01",
        "E01-S002-SH02",
        "E01-S003-SH01",
    ]
    assert not shots[0].dialogue and len(shots[1].dialogue) == 2
