"""A shot fitted to its dialogue keeps every frame the dialogue needs once the timeline cuts it into whole frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.audio.pcm import write_wav
from backends.tts import VoiceSpec
from tests.tools.test_audio_support import make_context
from tools.audio import SynthesizeDialogueArgs, frame_fitted_duration, synthesize_dialogue
from tools.context import ToolContext
from tools.timeline import build_timeline

RATE = 48000
SHOT = "E01-S001-SH02"  # after a 2.5 s shot; its lines: LIN's, then MARCO's


class ToneSpeech:
    """A speech backend whose lines last exactly as many samples as asked: a steady tone (no silence to trim)."""

    name = "tone"

    def __init__(self, samples: dict[str, int]) -> None:
        self.samples = samples

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        return write_wav(target, np.full(self.samples.get(text, RATE // 2), 0.5, dtype=np.float32), RATE)


def voiced_context(tmp_path: Path, *, fps: int, first_shot_s: float, lin: int, marco: int) -> ToolContext:
    ctx = make_context(tmp_path)
    ctx.config.run.fps = fps
    ctx.project.storyboard.shot("E01-S001-SH01").duration_s = first_shot_s
    ctx.services["speech"] = ToneSpeech(
        {"You came. I was starting to think you would not.": lin, "I always do.": marco}
    )
    return ctx


def slot_seconds(ctx: ToolContext, shot_id: str) -> float:
    board = ctx.project.storyboard.episode(1)
    timeline = build_timeline(board, fps=ctx.config.run.fps, export=ctx.config.export)
    return timeline.duration_s(next(slot for slot in timeline.slots if slot.shot_id == shot_id))


def test_a_fitted_shot_is_not_cut_below_its_dialogue_by_frame_rounding(tmp_path: Path) -> None:
    # 0.35 + 0.5 + 0.35 + 0.4936 + 0.35 = 2.0436 s: fitted to 2.05 s it became 49 frames at 24 fps (2.0417 s).
    ctx = voiced_context(tmp_path, fps=24, first_shot_s=2.5, lin=24000, marco=23693)
    result = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=SHOT))
    assert result.required_duration_s == pytest.approx(2.0436, abs=1e-4)
    assert result.extended and result.duration_s == 2.084  # 50 frames
    assert slot_seconds(ctx, SHOT) >= result.required_duration_s
    assert slot_seconds(ctx, SHOT) == pytest.approx(50 / 24)


def test_a_shot_fitted_the_old_way_is_fitted_again(tmp_path: Path) -> None:
    ctx = voiced_context(tmp_path, fps=24, first_shot_s=2.5, lin=24000, marco=23693)
    ctx.project.storyboard.shot(SHOT).duration_s = 2.05  # what the fit to 1/100 s gave
    assert slot_seconds(ctx, SHOT) < 2.0436
    result = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=SHOT))
    assert result.extended and slot_seconds(ctx, SHOT) >= result.required_duration_s
    again = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=SHOT))
    assert not again.extended and again.duration_s == result.duration_s


@pytest.mark.parametrize("fps", [24, 25, 30, 60])
@pytest.mark.parametrize("first_shot_s", [2.5, 2.1, 2.14, 2.02])
@pytest.mark.parametrize("marco", [23693, 24000, 21601, 26399])
def test_whole_frames_hold_the_dialogue_wherever_the_shot_starts(
    tmp_path: Path, fps: int, first_shot_s: float, marco: int
) -> None:
    # 2.14 s at 25 fps and 2.02 s at 25 fps end half-way between two frames; 24000 samples is a whole frame count.
    ctx = voiced_context(tmp_path, fps=fps, first_shot_s=first_shot_s, lin=24000, marco=marco)
    result = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=SHOT))
    assert slot_seconds(ctx, SHOT) >= result.required_duration_s
    assert slot_seconds(ctx, SHOT) <= result.required_duration_s + 2 / fps  # and not much longer


@pytest.mark.parametrize(("required", "fps", "expected"), [(2.0436, 24, 2.084), (2.0, 25, 2.001), (1.0, 30, 1.001)])
def test_frame_fitted_duration(required: float, fps: int, expected: float) -> None:
    assert frame_fitted_duration(required, fps) == expected
