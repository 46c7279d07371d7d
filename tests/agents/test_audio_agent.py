"""The Audio agent's rules policy end to end: voice and fit shots, then score, mix and cut an episode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.audio import AudioAgent
from backends.audio.pcm import read_wav
from backends.media import probe
from backends.tts.espeak import espeak_exe
from domain.errors import ToolNotAllowed
from tests.tools.test_audio_support import make_clips, make_context

pytestmark = pytest.mark.skipif(espeak_exe() is None, reason="espeak-ng is not installed")


def test_voice_dialogue_fits_shots_and_logs_each_change(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    storyboard = ctx.project.storyboard.model_copy(deep=True)
    agent = AudioAgent(ctx)
    before = {shot.id: shot.duration_s for shot in storyboard.shots()}

    result = agent.voice_dialogue(storyboard)

    assert result is ctx.project.storyboard
    after = {shot.id: shot.duration_s for shot in result.shots()}
    assert after["E01-S001-SH02"] > before["E01-S001-SH02"] + 2  # two lines could not fit in 1 s
    assert after["E01-S001-SH01"] == before["E01-S001-SH01"]  # no dialogue, untouched
    calls = [d for d in ctx.decisions.memory if d.tool == "synthesize_dialogue"]
    assert [d.subject for d in calls] == ["E01-S001-SH02", "E01-S002-SH02", "E01-S003-SH01"]
    changed = next(d for d in calls if d.subject == "E01-S001-SH02")
    assert changed.agent == "audio" and changed.ok
    assert changed.result["duration_before_s"] == before["E01-S001-SH02"]
    assert changed.result["duration_s"] == after["E01-S001-SH02"] and changed.result["extended"] is True


def test_finish_episode_delivers_the_cut(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    agent = AudioAgent(ctx)
    storyboard = agent.voice_dialogue(ctx.project.storyboard)
    clips = make_clips(tmp_path / "clips", storyboard)
    episode = storyboard.episode(1).model_copy(deep=True)  # the caller's copy becomes the project's episode

    cut = agent.finish_episode(episode, clips, {"E01-S001-SH01": ["black_frames"]})

    assert ctx.project.storyboard.episode(1) is episode
    for path in (cut.video, cut.srt, cut.vtt, cut.otio, cut.mix, cut.dialogue_stem, cut.music_stem, cut.effects_stem):
        assert Path(path).is_file() and Path(path).is_relative_to(ctx.out)
    assert cut.duration_s == pytest.approx(sum(s.duration_s for s in episode.shots()), abs=1 / 24)
    assert probe(Path(cut.video)).audio_codec == "aac"
    assert abs(cut.loudness.integrated_lufs + 14) <= 1 and cut.loudness.true_peak_dbtp <= -1
    assert cut.flagged == {"E01-S001-SH01": ["black_frames"]} and cut.missing_clips == []
    tools = [d.tool for d in ctx.decisions.memory if d.tool != "synthesize_dialogue"]
    assert tools == ["compose_music"] * 3 + ["place_effects"] * 5 + ["mix_audio", "export_episode"]


def test_settings_switch_music_off(tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    ctx.config.audio.music = False
    agent = AudioAgent(ctx)
    storyboard = agent.voice_dialogue(ctx.project.storyboard)
    cut = agent.finish_episode(storyboard.episode(1), make_clips(tmp_path / "clips", storyboard), {})
    assert "compose_music" not in {d.tool for d in ctx.decisions.memory}
    assert np.abs(read_wav(Path(cut.music_stem), 48000)).max() == 0
    assert np.abs(read_wav(Path(cut.effects_stem), 48000)).max() > 0


def test_agent_stays_within_its_tools(tmp_path: Path) -> None:
    agent = AudioAgent(make_context(tmp_path))
    with pytest.raises(ToolNotAllowed):
        agent.call("generate_clip", {"shot_id": "E01-S001-SH01"})
    assert agent.name == "audio" and agent.prompt == "audio.yaml"


def test_an_llm_cut_that_is_not_on_disk_falls_back_to_the_rules(tmp_path: Path) -> None:
    from tests.agents.test_llm_policy import answer, scripted

    ctx = make_context(tmp_path)
    made_up = {"episode": 1, "video": str(tmp_path / "nowhere.mp4"), "srt": "a.srt", "vtt": "a.vtt", "otio": "a.otio",
               "mix": "m.wav", "dialogue_stem": "d.wav", "music_stem": "mu.wav", "effects_stem": "e.wav",
               "loudness": {"integrated_lufs": -14, "true_peak_dbtp": -1}, "duration_s": 1, "shots": 1}  # fmt: skip
    ctx.services["llm:audio"] = scripted(answer(made_up))
    storyboard = AudioAgent(ctx).voice_dialogue(ctx.project.storyboard)
    agent = AudioAgent(ctx, policy="llm")
    cut = agent.finish_episode(storyboard.episode(1), make_clips(tmp_path / "clips", storyboard), {})
    assert Path(cut.video).is_file() and cut.video != made_up["video"]
    refused = [d for d in ctx.decisions.memory if d.policy == "fallback" and d.tool == "finish_episode"]
    assert refused and "does not exist" in refused[-1].reason
