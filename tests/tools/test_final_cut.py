"""The final cut, probed: codecs, size, exact length with a dissolve, transitions on screen, subtitles in sync
with the voices, loudness after AAC, bit-exact reruns, and an OTIO timeline that round-trips with its markers."""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from backends.audio.loudness import integrated_lufs, true_peak_dbtp
from backends.audio.pcm import read_wav
from backends.media import count_frames, probe, read_frames, run_ffmpeg
from backends.tts.espeak import espeak_exe
from domain.screenplay import Beat
from domain.settings import ExportSettings
from tests.tools.test_audio_support import COLOURS, FPS, build_storyboard, make_clips, make_context
from tools.audio import EpisodeCut, ExportEpisodeArgs, SynthesizeDialogueArgs, export_episode, synthesize_dialogue
from tools.context import ToolContext
from tools.timeline import build_timeline, transition_kind

pytestmark = pytest.mark.skipif(espeak_exe() is None, reason="espeak-ng is not installed")
FLAGGED = {"E01-S002-SH01": ["character_drift", "lighting_drift"]}


def voiced_context(out: Path, *, burn_subtitles: bool = False) -> ToolContext:
    ctx = make_context(out, burn_subtitles=burn_subtitles)
    for shot in ctx.project.storyboard.shots():
        synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id=shot.id))
    return ctx


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> tuple[ToolContext, EpisodeCut, dict[str, Path]]:
    out = tmp_path_factory.mktemp("cut")
    ctx = voiced_context(out)
    clips = make_clips(out / "clips", ctx.project.storyboard)
    args = ExportEpisodeArgs(episode=1, clips={k: str(v) for k, v in clips.items()}, flagged=FLAGGED)
    return ctx, export_episode(ctx, args), clips


def test_final_video_format_and_exact_length(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    ctx, result, _ = cut
    video = Path(result.video)
    assert video == ctx.out / "episodes" / "ep01" / "final.mp4"
    info = probe(video)
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (info.width, info.height) == (270, 480) and info.fps == FPS
    total = sum(shot.duration_s for shot in ctx.project.storyboard.shots())
    assert result.dissolves == 1
    assert count_frames(video) / FPS == pytest.approx(total, abs=1 / FPS)
    assert info.duration_s == pytest.approx(total, abs=1 / FPS + 0.01)
    assert video.read_bytes()[4:8] == b"ftyp" and video.read_bytes().find(b"moov") < video.read_bytes().find(b"mdat")


def test_shots_in_order_with_dissolve_and_fade(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    ctx, result, _ = cut
    timeline = build_timeline(ctx.project.storyboard.episode(1), fps=FPS, export=ctx.config.export)
    mids = [timeline.start_s(s) + min(timeline.duration_s(s) / 2, 0.5) for s in timeline.slots]
    frames = read_frames(Path(result.video), mids)
    for number, frame in enumerate(frames):
        assert np.abs(_centre(frame) - np.array(COLOURS[number])).max() < 30, f"shot {number + 1} out of order"
    dissolve = timeline.slots[-1]
    assert dissolve.transition_in == "dissolve" and dissolve.dissolve_frames == round(0.5 * FPS)
    middle = (dissolve.start_frame + dissolve.dissolve_frames / 2) / FPS
    blend = _centre(read_frames(Path(result.video), [middle])[0])
    expected = (np.array(COLOURS[3]) + np.array(COLOURS[4])) / 2
    assert np.abs(blend - expected).max() < 40  # halfway through, both shots show
    last = read_frames(Path(result.video), [timeline.total_s - 1 / FPS])[0]
    assert last.mean() < 20  # FADE OUT.


def test_export_is_bit_exact_on_rerun(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    ctx, result, clips = cut
    before = hashlib.sha256(Path(result.video).read_bytes()).hexdigest()
    again = export_episode(
        ctx, ExportEpisodeArgs(episode=1, clips={k: str(v) for k, v in clips.items()}, flagged=FLAGGED)
    )
    assert hashlib.sha256(Path(again.video).read_bytes()).hexdigest() == before


def test_subtitles_follow_the_speech(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    _, result, _ = cut
    srt = Path(result.srt).read_text(encoding="utf-8")
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)", srt)
    assert len(stamps) >= 4
    starts = [_seconds(*s[:4]) for s in stamps]
    ends = [_seconds(*s[4:]) for s in stamps]
    onset, offset = _speech_span(read_wav(Path(result.dialogue_stem), 48000), 48000)
    assert abs(starts[0] - onset) <= 0.1
    assert abs(ends[-1] - offset) <= 0.1
    assert "You came." in srt and "Where are we going?" in srt
    vtt = Path(result.vtt).read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and re.search(r"\d\d:\d\d:\d\d\.\d\d\d --> ", vtt)
    assert Path(result.srt).name == "ep01.srt" and Path(result.vtt).name == "ep01.vtt"


def test_loudness_survives_the_aac_encode(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    ctx, result, _ = cut
    decoded = ctx.out / "decoded.wav"
    run_ffmpeg(["-i", result.video, "-vn", "-c:a", "pcm_s16le", str(decoded)])
    audio = read_wav(decoded, 48000, stereo=True)
    assert abs(integrated_lufs(audio, 48000) - -14.0) <= 1.0
    assert true_peak_dbtp(audio) <= -1.0 + 0.3  # the mix is at most -1 dBTP; AAC may add a little
    assert abs(result.loudness.integrated_lufs + 14) <= 1.0 and result.loudness.true_peak_dbtp <= -1.0


def test_otio_round_trips_with_review_marker(cut: tuple[ToolContext, EpisodeCut, dict[str, Path]]) -> None:
    ctx, result, clips = cut
    timeline = otio.adapters.read_from_file(result.otio)
    assert Path(result.otio).name == "ep01.otio"
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    shots = [item for item in video if isinstance(item, otio.schema.Clip)]
    board = ctx.project.storyboard
    assert [c.name for c in shots] == [s.id for s in board.shots()]
    for clip, shot in zip(shots, board.shots(), strict=True):
        assert clip.source_range.duration.to_seconds() == pytest.approx(shot.duration_s, abs=1 / FPS)
        assert clip.media_reference.target_url.endswith(clips[shot.id].name)
    assert len([i for i in video if isinstance(i, otio.schema.Transition)]) == 1
    assert video.duration().to_seconds() == pytest.approx(sum(s.duration_s for s in board.shots()), abs=1 / FPS)
    flagged = [c for c in shots if c.markers]
    assert [c.name for c in flagged] == ["E01-S002-SH01"]
    assert list(flagged[0].markers[0].metadata["reelcrew"]["reasons"]) == FLAGGED["E01-S002-SH01"]
    audio = {t.name for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio}
    assert {"Dialogue", "Music", "Effects"} <= audio


def test_burned_subtitles_padding_and_missing_clip(tmp_path: Path) -> None:
    ctx = voiced_context(tmp_path, burn_subtitles=True)
    clips = make_clips(tmp_path / "clips", ctx.project.storyboard, size=(240, 240))  # square: needs bars
    clips.pop("E01-S003-SH01")
    result = export_episode(ctx, ExportEpisodeArgs(episode=1, clips={k: str(v) for k, v in clips.items()}))
    assert result.missing_clips == ["E01-S003-SH01"]
    timeline = build_timeline(ctx.project.storyboard.episode(1), fps=FPS, export=ctx.config.export)
    first_line = synthesize_dialogue(ctx, SynthesizeDialogueArgs(shot_id="E01-S001-SH02")).lines[0]
    during = timeline.start_s(timeline.slots[1]) + first_line.offset_s + 0.5
    without = timeline.start_s(timeline.slots[0]) + 1.0
    speaking, silent, black = read_frames(Path(result.video), [during, without, timeline.total_s - 1.2])
    assert speaking[20:100].mean() < 5 and silent[-100:-20].mean() < 5  # letterbox bars above and below
    assert (speaking[-100:].min(axis=2) > 200).sum() > 100  # white caption text, low in the frame
    assert (silent[-100:].min(axis=2) > 200).sum() == 0
    assert black.mean() < 5


def test_timeline_transitions_from_script() -> None:
    assert [
        transition_kind(t) for t in ("CUT TO:", "DISSOLVE TO:", "FADE OUT.", "FADE TO BLACK.", None, "SMASH CUT TO:")
    ] == [
        "cut",
        "dissolve",
        "fade",
        "fade",
        "cut",
        "cut",
    ]
    board = build_storyboard()
    episode = board.episode(1)
    episode.scenes[0].scene.beats.insert(0, Beat(index=-1, kind="transition", text="FADE IN:"))
    episode.scenes[0].scene.transition_out = "FADE TO BLACK."
    episode.scenes[2].scene.transition_out = "DISSOLVE TO:"  # nothing follows: no dissolve
    timeline = build_timeline(episode, fps=FPS, export=ExportSettings(fade_s=0.5))
    slots = timeline.slots
    assert slots[0].fade_in_frames == 12 and slots[1].fade_out_frames == 12 and slots[2].fade_in_frames == 12
    assert slots[3].hold_frames == 12 and slots[4].transition_in == "dissolve"
    assert timeline.total_frames == round(sum(s.duration_s for s in board.shots()) * FPS)
    assert all(a.start_frame + a.frames == b.start_frame for a, b in itertools.pairwise(slots))


def _centre(frame: np.ndarray) -> np.ndarray:
    h, w, _ = frame.shape
    return frame[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].reshape(-1, 3).mean(axis=0)


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _speech_span(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """First and last 10 ms frame whose energy is within 35 dB of the loudest frame."""
    size = rate // 100
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    energy = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.nonzero(energy > energy.max() - 35)[0]
    return loud[0] * size / rate, (loud[-1] + 1) * size / rate


def test_subtitle_formats_split_long_lines_and_name_speakers() -> None:
    from tools.subtitles import Cue, to_srt, to_vtt

    long = "I waited on that roof for three hours and you never even called to say you were not coming."
    cues = [
        Cue(start_s=1.0, end_s=7.0, text=long, speaker="LIN"),
        Cue(start_s=3661.5, end_s=3662.25, text="Go.", speaker="MARCO"),
    ]
    srt = to_srt(cues, speaker_names=True)
    blocks = [b for b in srt.strip().split("\n\n") if b]
    assert len(blocks) == 3  # the long line became two cues of at most two rows
    first, second, last = (b.splitlines() for b in blocks)
    assert first[1].startswith("00:00:01,000 --> ") and second[1].endswith("--> 00:00:07,000")
    assert all(len(row) <= 40 for row in first[2:] + second[2:]) and len(first[2:]) <= 2
    assert first[2].startswith("LIN: ") and last[1] == "01:01:01,500 --> 01:01:02,250" and last[2] == "MARCO: Go."
    assert "LIN:" not in to_srt(cues)
    vtt = to_vtt(cues, speaker_names=True)
    assert vtt.startswith("WEBVTT\n") and "01:01:01.500 --> 01:01:02.250\n<v MARCO>Go." in vtt
