"""The final cut: every shot's clip, fitted to its slot, joined by the script's transitions, with the mix, in one
ffmpeg encode.

Each clip is brought to the export frame rate and size (lanczos scale, padded if its aspect differs), cut or
held on its last frame to exactly its slot's frames, faded where the script fades. Shots joined by cuts are
concatenated; scenes joined by a dissolve are cross-faded over the held frames of the outgoing shot, so the
episode lasts exactly the sum of its shots. A shot with no clip shows black for its duration rather than
stopping the episode. The output is H.264 yuv420p + AAC with +faststart and bit-exact flags, so the same
inputs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from backends.media import run_ffmpeg
from domain.errors import ConfigError, ToolError
from domain.files import atomic_path
from domain.settings import ExportSettings
from tools.timeline import EpisodeTimeline, ShotSlot

SUBTITLE_STYLE = ",".join(
    [
        "FontName=DejaVu Sans",
        "FontSize=11",
        "PrimaryColour=&H00FFFFFF",
        "OutlineColour=&H00000000",
        "BorderStyle=1",
        "Outline=1.2",
        "Shadow=0",
        "Alignment=2",
        "MarginV=34",
    ]
)


def render_episode(
    timeline: EpisodeTimeline,
    clips: dict[str, Path],
    audio: Path,
    target: Path,
    *,
    export: ExportSettings,
    subtitles: Path | None = None,
) -> Path:
    """Encode the episode to ``target`` (mp4) atomically and return it."""
    if not timeline.slots:
        raise ToolError(f"episode {timeline.episode} has no shots to cut")
    if export.width % 2 or export.height % 2:
        raise ConfigError(f"export size {export.width}x{export.height}: H.264 4:2:0 needs an even width and height")
    inputs, graph = episode_graph(timeline, clips, export=export, subtitles=subtitles)
    audio_index = len(timeline.slots)
    with atomic_path(target) as tmp:
        run_ffmpeg(
            [
                *inputs,
                "-i", str(audio),
                "-filter_complex", ";".join(graph),
                "-map", "[vout]", "-map", f"{audio_index}:a",
                *encode_args(export, timeline.fps),
                "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
                "-t", f"{timeline.total_s:.6f}",
                "-map_metadata", "-1", "-map_chapters", "-1",
                "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                "-movflags", "+faststart", "-f", "mp4", str(tmp),
            ],
            what=f"cutting episode {timeline.episode}",
        )  # fmt: skip
    return target


def encode_args(export: ExportSettings, fps: int) -> list[str]:
    """The video encoder settings (shared with the export benchmark's bare baseline)."""
    return ["-c:v", "libx264", "-preset", export.preset, "-crf", str(export.crf), "-pix_fmt", "yuv420p", "-r", str(fps)]


def episode_graph(
    timeline: EpisodeTimeline, clips: dict[str, Path], *, export: ExportSettings, subtitles: Path | None = None
) -> tuple[list[str], list[str]]:
    """ffmpeg input arguments and filter_complex chains ending in ``[vout]``."""
    width, height, fps = export.width, export.height, timeline.fps
    inputs: list[str] = []
    graph: list[str] = []
    for index, slot in enumerate(timeline.slots):
        clip = clips.get(slot.shot_id)
        if clip is not None and Path(clip).is_file():
            inputs += ["-i", str(clip)]
        else:
            inputs += ["-f", "lavfi", "-i", f"color=c=black:s={width}x{height}:r={fps}"]
        graph.append(f"[{index}:v]{_fit(slot, width, height, fps)}[s{index}]")

    segments = _segments(timeline, graph)
    graph.append("".join(segments) + f"concat=n={len(segments)}:v=1:a=0[cut]")
    if subtitles is not None:
        graph.append(f"[cut]subtitles=filename={_filter_path(subtitles)}:force_style='{SUBTITLE_STYLE}'[vout]")
    else:
        graph.append("[cut]null[vout]")
    return inputs, graph


def _fit(slot: ShotSlot, width: int, height: int, fps: int) -> str:
    """One clip brought to the export format and exactly ``frames + hold_frames`` long."""
    frames = slot.frames + slot.hold_frames
    steps = [
        "setpts=PTS-STARTPTS",
        f"fps={fps}",
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:flags=lanczos",
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black",
        "setsar=1",
        "format=yuv420p",
        f"tpad=stop_mode=clone:stop={frames}",
        f"trim=end_frame={frames}",
        "setpts=PTS-STARTPTS",
    ]
    if slot.fade_in_frames:
        steps.append(f"fade=t=in:s=0:n={slot.fade_in_frames}")
    if slot.fade_out_frames:
        steps.append(f"fade=t=out:s={slot.frames - slot.fade_out_frames}:n={slot.fade_out_frames}")
    return ",".join(steps)


def _segments(timeline: EpisodeTimeline, graph: list[str]) -> list[str]:
    """Labels to concatenate in order; a dissolve becomes its own short segment.

    Cross-fading whole runs with xfade costs a full-frame pass over everything after the offset; instead each
    dissolving shot is split (head, body, held tail) and only the overlapping frames go through xfade.
    """
    slots = timeline.slots
    segments: list[str] = []
    for index, slot in enumerate(slots):
        head = slot.dissolve_frames if slot.transition_in == "dissolve" else 0
        parts = [("h", 0, head)] if head else []
        parts.append(("b", head, slot.frames))
        if slot.hold_frames:
            parts.append(("t", slot.frames, slot.frames + slot.hold_frames))
        if len(parts) > 1:
            outs = "".join(f"[s{index}{name}0]" for name, _, _ in parts)
            graph.append(f"[s{index}]split={len(parts)}{outs}")
            for name, first, stop in parts:
                graph.append(
                    f"[s{index}{name}0]trim=start_frame={first}:end_frame={stop},setpts=PTS-STARTPTS[s{index}{name}]"
                )
        if head:
            duration = head / timeline.fps
            graph.append(f"[s{index - 1}t][s{index}h]xfade=transition=fade:duration={duration:.6f}:offset=0[d{index}]")
            segments.append(f"[d{index}]")
        segments.append(f"[s{index}b]" if len(parts) > 1 else f"[s{index}]")
    return segments


def _filter_path(path: Path) -> str:
    """A path escaped for a filter option inside a filtergraph (two levels of ffmpeg escaping)."""
    value = str(path)
    for char in "\\:'":
        value = value.replace(char, "\\" + char)
    return "".join("\\" + char if char in "\\'[],;" else char for char in value)
