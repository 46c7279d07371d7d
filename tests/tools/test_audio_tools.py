"""The audio tools on a real episode: voicing with a cache, shot fitting, music, effects, ducking, loudness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.audio.loudness import integrated_lufs, true_peak_dbtp
from backends.audio.pcm import read_wav
from backends.tts import EspeakBackend, VoiceSpec
from backends.tts.espeak import espeak_exe
from domain.errors import ToolError
from tests.tools.test_audio_support import make_context
from tools.audio import (
    ComposeMusicArgs,
    MixAudioArgs,
    PlaceEffectsArgs,
    SynthesizeDialogueArgs,
    compose_music,
    mix_audio,
    place_effects,
    synthesize_dialogue,
)
from tools.audio_mix import MixResult, duck_envelope
from tools.context import ToolContext
from tools.registry import get_tool

pytestmark = pytest.mark.skipif(espeak_exe() is None, reason="espeak-ng is not installed")
RATE = 48000


class CountingSpeech:
    """The real espeak-ng backend, counting how often it is asked to speak (to prove the cache works)."""

    def __init__(self) -> None:
        self.inner = EspeakBackend()
        self.name = self.inner.name
        self.calls = 0

    def synthesize(self, text: str, voice: VoiceSpec, target: Path) -> Path:
        self.calls += 1
        return self.inner.synthesize(text, voice, target)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ToolContext, CountingSpeech, MixResult]:
    """An episode voiced (shots fitted) and mixed once, shared by the read-only tests below."""
    ctx = make_context(tmp_path_factory.mktemp("audio"))
    speech = CountingSpeech()
    ctx.services["speech"] = speech
    for shot in ctx.project.storyboard.shots():
        synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=shot.id))
    return ctx, speech, mix_audio(ctx, MixAudioArgs(episode=1))


def test_tools_are_registered_for_the_audio_agent() -> None:
    for name in ("synthesize_dialogue", "compose_music", "place_effects", "mix_audio", "export_episode"):
        spec = get_tool(name)
        assert spec.agent == "audio" and len(spec.description) > 80


def test_dialogue_fits_its_shot_and_is_cached(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    speech = CountingSpeech()
    ctx.services["speech"] = speech
    pause = ctx.config.audio.line_pause_s

    first = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S001-SH02"))
    assert [line.name for line in first.lines] == ["LIN", "MARCO"]
    assert speech.calls == 2 and first.synthesized == 2
    expected = pause + sum(line.duration_s + pause for line in first.lines)
    assert first.required_duration_s == pytest.approx(expected, abs=1e-3)
    assert first.lines[1].offset_s == pytest.approx(pause + first.lines[0].duration_s + pause, abs=1e-3)
    assert first.duration_before_s == 1.0 and first.extended
    assert ctx.project.storyboard.shot("E01-S001-SH02").duration_s == first.duration_s >= expected

    again = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S001-SH02"))
    assert speech.calls == 2 and again.synthesized == 0
    assert [line.path for line in again.lines] == [line.path for line in first.lines]
    assert not again.extended

    fresh = make_context(tmp_path)  # a rerun of the whole production over the same OUT
    fresh.services["speech"] = speech
    synthesize_dialogue(fresh, SynthesizeDialogueArgs(shot_id="E01-S001-SH02"))
    assert speech.calls == 2


def test_a_short_line_leaves_a_long_enough_shot_alone(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    result = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S002-SH02"))
    assert not result.extended and result.duration_s == 1.5 and result.required_duration_s < 1.5


def test_no_fit_reports_without_changing_the_shot(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    result = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S001-SH02", fit_shot=False))
    assert result.required_duration_s > 1.0 and result.duration_s == 1.0 and not result.extended


def test_unknown_shot_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="E09"):
        synthesize_dialogue(make_context(tmp_path), SynthesizeDialogueArgs(shot_id="E09-S001-SH01"))


def test_effects_follow_the_action(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    bar = place_effects(ctx, PlaceEffectsArgs(shot_id="E01-S001-SH01"))
    names = {cue.name: cue for cue in bar.cues}
    assert {"door", "rain"} <= set(names)
    assert names["rain"].kind == "ambience" and names["rain"].duration_s == 2.5
    assert names["door"].kind == "oneshot" and 0.0 < names["door"].at_s < 2.5
    assert bar.path and np.abs(read_wav(Path(bar.path), RATE)).max() > 0.1

    street = place_effects(ctx, PlaceEffectsArgs(shot_id="E01-S002-SH01"))
    assert "tyres" in {cue.name for cue in street.cues}
    marco = place_effects(ctx, PlaceEffectsArgs(shot_id="E01-S003-SH01"))
    assert marco.cues == [] and marco.path is None


def test_music_mood_from_script_or_policy(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    auto = compose_music(ctx, ComposeMusicArgs(scene_id="E01-S001"))
    assert auto.chosen_by == "script" and auto.duration_s == pytest.approx(3.5)
    tense = compose_music(ctx, ComposeMusicArgs(scene_id="E01-S001", mood="thriller", intensity=0.9))
    assert tense.mood == "thriller" and tense.path != auto.path
    bed = read_wav(Path(tense.path), RATE, stereo=True)
    assert bed.shape == (int(3.5 * RATE), 2)
    with pytest.raises(ToolError, match="romantic"):
        compose_music(ctx, ComposeMusicArgs(scene_id="E01-S001", mood="whimsical"))


def test_mix_meets_loudness_target(mixed: tuple[ToolContext, CountingSpeech, MixResult]) -> None:
    ctx, _, result = mixed
    mix = read_wav(Path(result.mix), RATE, stereo=True)
    assert abs(integrated_lufs(mix, RATE) - ctx.config.audio.target_lufs) <= 1.0
    assert true_peak_dbtp(mix) <= ctx.config.audio.true_peak_dbtp
    assert abs(result.loudness.integrated_lufs + 14) <= 1.0 and result.loudness.true_peak_dbtp <= -1.0
    assert result.lines == 4 and result.scenes_with_music == 3 and result.warnings == []
    assert len(mix) == pytest.approx(sum(s.duration_s for s in ctx.project.storyboard.shots()) * RATE, abs=RATE / 24)


def test_mix_reuses_voiced_lines(mixed: tuple[ToolContext, CountingSpeech, MixResult]) -> None:
    _, speech, _ = mixed
    assert speech.calls == 4  # once per line, although the mix read every line again


def test_shot_without_dialogue_gets_music_and_effects(mixed: tuple[ToolContext, CountingSpeech, MixResult]) -> None:
    ctx, _, result = mixed
    door = place_effects(ctx, PlaceEffectsArgs(shot_id="E01-S001-SH01"))
    cue = next(c for c in door.cues if c.name == "door")
    effects = read_wav(Path(result.effects_stem), RATE)
    music = read_wav(Path(result.music_stem), RATE)
    dialogue = read_wav(Path(result.dialogue_stem), RATE)
    at = slice(int(cue.at_s * RATE), int((cue.at_s + cue.duration_s) * RATE))
    assert _rms_db(effects[at]) > -40
    assert _rms_db(music[int(0.8 * RATE) : int(2.0 * RATE)]) > -45
    assert np.abs(dialogue[: int(2.5 * RATE)]).max() == 0  # nobody speaks in the first shot


def test_music_ducks_under_dialogue(mixed: tuple[ToolContext, CountingSpeech, MixResult]) -> None:
    ctx, _, result = mixed
    first = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S001-SH02")).lines[0]
    music = read_wav(Path(result.music_stem), RATE)
    speaking = slice(int((2.5 + first.offset_s + 0.5) * RATE), int((2.5 + first.offset_s + 1.5) * RATE))
    before = slice(int(1.0 * RATE), int(2.0 * RATE))
    assert _rms_db(music[before]) - _rms_db(music[speaking]) > 6


def test_duck_envelope_opens_before_and_releases_after_speech() -> None:
    speaking = np.zeros(RATE * 3, dtype=np.float32)
    speaking[RATE : 2 * RATE] = 1
    env = duck_envelope(speaking, RATE)
    assert env[int(0.5 * RATE)] == 0 and env[int(1.5 * RATE)] == pytest.approx(1)
    assert env[int(0.95 * RATE)] > 0.5  # already down just before the line
    assert env[int(2.2 * RATE)] > 0.5 and env[int(2.6 * RATE)] == 0


def _rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12))
