"""An episode's timeline: where every shot starts, in whole frames, and how it joins the next.

Audio placement, the ffmpeg cut, subtitles and the OpenTimelineIO export all read this one plan, so they
cannot disagree. Shot boundaries are rounded on the running total (not per shot), which keeps the episode
within half a frame of the sum of its shot durations. A dissolve never shortens the episode: the outgoing
shot is held (last frame frozen) for the length of the dissolve, which then plays over the incoming shot's
first frames, so every shot still starts where the audio expects it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from domain.files import atomic_path
from domain.settings import ExportSettings
from domain.storyboard import EpisodeBoard, SceneBoard

Transition = Literal["cut", "dissolve", "fade"]


class ShotSlot(BaseModel):
    shot_id: str
    scene_id: str
    start_frame: int
    frames: int
    hold_frames: int = Field(default=0, description="extra frames of the last image, covered by an outgoing dissolve")
    transition_in: Transition = "cut"
    dissolve_frames: int = Field(default=0, description="length of the dissolve into this shot")
    fade_in_frames: int = 0
    fade_out_frames: int = 0


class EpisodeTimeline(BaseModel):
    episode: int
    fps: int
    slots: list[ShotSlot] = Field(default_factory=list)
    total_frames: int = 0

    @property
    def total_s(self) -> float:
        return self.total_frames / self.fps

    def start_s(self, slot: ShotSlot) -> float:
        return slot.start_frame / self.fps

    def duration_s(self, slot: ShotSlot) -> float:
        return slot.frames / self.fps

    def slot(self, shot_id: str) -> ShotSlot:
        for slot in self.slots:
            if slot.shot_id == shot_id:
                return slot
        raise KeyError(f"no shot {shot_id!r} in episode {self.episode}")

    def scene_spans(self) -> dict[str, tuple[float, float]]:
        """Scene id -> (start, duration) in seconds, in script order."""
        spans: dict[str, tuple[int, int]] = {}
        for slot in self.slots:
            first, _ = spans.get(slot.scene_id, (slot.start_frame, 0))
            spans[slot.scene_id] = (first, slot.start_frame + slot.frames - first)
        return {scene: (start / self.fps, frames / self.fps) for scene, (start, frames) in spans.items()}


_DISSOLVE = re.compile(r"\bDISSOLVE\b", re.IGNORECASE)
_FADE_OUT = re.compile(r"\bFADE\s*(OUT|TO)\b", re.IGNORECASE)
_FADE_IN = re.compile(r"^\s*FADE\s*IN\b", re.IGNORECASE)


def transition_kind(text: str | None) -> Transition:
    """A script transition as the cut understands it: DISSOLVE TO -> dissolve, FADE OUT/TO BLACK -> fade, else cut."""
    if not text:
        return "cut"
    if _DISSOLVE.search(text):
        return "dissolve"
    if _FADE_OUT.search(text):
        return "fade"
    return "cut"


def build_timeline(episode: EpisodeBoard, *, fps: int, export: ExportSettings) -> EpisodeTimeline:
    """Frame-exact slots for the episode's shots, in script order, with the script's transitions applied."""
    slots: list[ShotSlot] = []
    bounds: list[tuple[int, int]] = []  # per scene: index of its first and last slot
    elapsed = 0.0
    scenes = [board for board in episode.scenes if board.shots]
    for board in scenes:
        first = len(slots)
        for shot in board.shots:
            start = round(elapsed * fps)
            elapsed += shot.duration_s
            frames = max(round(elapsed * fps) - start, 1)
            slots.append(ShotSlot(shot_id=shot.id, scene_id=board.scene.id, start_frame=start, frames=frames))
        bounds.append((first, len(slots) - 1))

    fade = max(round(export.fade_s * fps), 0)
    dissolve = max(round(export.dissolve_s * fps), 0)
    fade_in_next = bool(scenes) and _opens_with_fade_in(scenes[0])
    for position, board in enumerate(scenes):
        opening, closing = slots[bounds[position][0]], slots[bounds[position][1]]
        if fade_in_next:
            opening.fade_in_frames = min(fade, opening.frames)
        kind = transition_kind(board.scene.transition_out)
        fade_in_next = kind == "fade"
        if kind == "fade":
            closing.fade_out_frames = min(fade, closing.frames)
        elif kind == "dissolve" and position + 1 < len(scenes):
            incoming = slots[bounds[position + 1][0]]
            length = min(dissolve, incoming.frames - 1)
            if length > 0:
                closing.hold_frames = length
                incoming.transition_in = "dissolve"
                incoming.dissolve_frames = length
    return EpisodeTimeline(episode=episode.number, fps=fps, slots=slots, total_frames=round(elapsed * fps))


def _opens_with_fade_in(board: SceneBoard) -> bool:
    """FADE IN: the script's opening, when the parser kept it as the scene's first beat."""
    first = board.scene.beats[0] if board.scene.beats else None
    return bool(first and first.kind == "transition" and _FADE_IN.search(first.text))


class AudioItem(BaseModel):
    """A piece of audio on the timeline (a line, a scene's music, a shot's effects), for the OTIO export."""

    name: str
    start_s: float
    duration_s: float
    path: str


def write_otio(
    timeline: EpisodeTimeline,
    target: Path,
    *,
    clips: dict[str, str],
    audio: dict[str, list[AudioItem]],
    flagged: dict[str, list[str]],
    name: str,
) -> Path:
    """The episode as an OpenTimelineIO file an editor can open: shots, dissolves, audio tracks, review markers.

    Clip names are shot ids; a shot flagged for review carries a red marker whose metadata lists the reasons.
    """
    import opentimelineio as otio

    rate = float(timeline.fps)

    def span(start: float, duration: float) -> otio.opentime.TimeRange:
        return otio.opentime.TimeRange(
            otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(duration, rate)
        )

    result = otio.schema.Timeline(name=name)
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    for slot in timeline.slots:
        if slot.transition_in == "dissolve":
            video.append(
                otio.schema.Transition(
                    name=f"dissolve into {slot.shot_id}",
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=otio.opentime.RationalTime(0, rate),
                    out_offset=otio.opentime.RationalTime(slot.dissolve_frames, rate),
                )
            )
        path = clips.get(slot.shot_id)
        reference = (
            otio.schema.ExternalReference(target_url=Path(path).resolve().as_uri())
            if path
            else otio.schema.MissingReference()
        )
        clip = otio.schema.Clip(
            name=slot.shot_id,
            media_reference=reference,
            source_range=span(0, slot.frames),
            metadata={"reelcrew": slot.model_dump(mode="json")},
        )
        if slot.shot_id in flagged:
            clip.markers.append(
                otio.schema.Marker(
                    name="review: " + ", ".join(flagged[slot.shot_id]) if flagged[slot.shot_id] else "review",
                    marked_range=span(0, slot.frames),
                    color=otio.schema.MarkerColor.RED,
                    metadata={"reelcrew": {"review": True, "reasons": list(flagged[slot.shot_id])}},
                )
            )
        video.append(clip)
    result.tracks.append(video)
    for kind, items in audio.items():
        for lane, lane_items in enumerate(_lanes(items)):
            track = otio.schema.Track(
                name=kind if lane == 0 else f"{kind} {lane + 1}", kind=otio.schema.TrackKind.Audio
            )
            cursor = 0.0
            for item in lane_items:
                if item.start_s > cursor:
                    track.append(otio.schema.Gap(source_range=span(0, (item.start_s - cursor) * rate)))
                track.append(
                    otio.schema.Clip(
                        name=item.name,
                        media_reference=otio.schema.ExternalReference(target_url=Path(item.path).resolve().as_uri()),
                        source_range=span(0, item.duration_s * rate),
                    )
                )
                cursor = max(cursor, item.start_s) + item.duration_s
            result.tracks.append(track)
    with atomic_path(target) as tmp:
        otio.adapters.write_to_file(result, str(tmp))
    return target


def _lanes(items: list[AudioItem]) -> list[list[AudioItem]]:
    """Items split into non-overlapping lanes (an overflowing line goes to a second dialogue track)."""
    lanes: list[list[AudioItem]] = []
    for item in sorted(items, key=lambda i: i.start_s):
        for lane in lanes:
            last = lane[-1]
            if last.start_s + last.duration_s <= item.start_s + 1e-6:
                lane.append(item)
                break
        else:
            lanes.append([item])
    return lanes or [[]]
