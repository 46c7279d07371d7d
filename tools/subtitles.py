"""Subtitles from the dialogue timings: SRT and WebVTT, sized for a vertical screen.

Cue times are where the voiced speech actually sits in the mix (the dialogue WAVs are trimmed of silence),
so captions appear with the voice. A long line is split into cues of at most two short rows, its time shared
by the length of each part.
"""

from __future__ import annotations

import textwrap

from pydantic import BaseModel

from tools.audio_dialogue import ShotDialogue
from tools.timeline import EpisodeTimeline

MAX_CHARS = 32  # per row: a 9:16 frame is narrow
MAX_ROWS = 2


class Cue(BaseModel):
    start_s: float
    end_s: float
    text: str
    speaker: str = ""


def dialogue_cues(timeline: EpisodeTimeline, dialogue: dict[str, ShotDialogue]) -> list[Cue]:
    """A cue per voiced line, timed where the line sits in the episode (shot start + its offset)."""
    cues: list[Cue] = []
    for slot in timeline.slots:
        voiced = dialogue.get(slot.shot_id)
        if voiced is None:
            continue
        start = timeline.start_s(slot)
        for line in voiced.lines:
            begin = start + line.offset_s
            cues.append(Cue(start_s=begin, end_s=begin + line.duration_s, text=line.text, speaker=line.name))
    return cues


def split_long(cues: list[Cue], *, max_chars: int = MAX_CHARS, max_rows: int = MAX_ROWS) -> list[Cue]:
    """Cues of at most ``max_rows`` rows of ``max_chars``; a longer line becomes consecutive cues."""
    out: list[Cue] = []
    for cue in cues:
        rows = textwrap.wrap(cue.text, max_chars) or [""]
        chunks = [rows[i : i + max_rows] for i in range(0, len(rows), max_rows)]
        weights = [sum(len(r) for r in chunk) for chunk in chunks]
        total = sum(weights) or 1
        start = cue.start_s
        for chunk, weight in zip(chunks, weights, strict=True):
            end = cue.end_s if chunk is chunks[-1] else start + (cue.end_s - cue.start_s) * weight / total
            out.append(Cue(start_s=start, end_s=end, text="\n".join(chunk), speaker=cue.speaker))
            start = end
    return out


def to_srt(cues: list[Cue], *, speaker_names: bool = False) -> str:
    blocks = []
    for number, cue in enumerate(split_long(cues), start=1):
        text = f"{cue.speaker}: {cue.text}" if speaker_names and cue.speaker else cue.text
        blocks.append(f"{number}\n{_stamp(cue.start_s, ',')} --> {_stamp(cue.end_s, ',')}\n{text}\n")
    return "\n".join(blocks)


def to_vtt(cues: list[Cue], *, speaker_names: bool = False) -> str:
    blocks = ["WEBVTT\n"]
    for cue in split_long(cues):
        text = f"<v {cue.speaker}>{cue.text}" if speaker_names and cue.speaker else cue.text
        blocks.append(f"{_stamp(cue.start_s, '.')} --> {_stamp(cue.end_s, '.')}\n{text}\n")
    return "\n".join(blocks)


def _stamp(seconds: float, separator: str) -> str:
    millis = max(round(seconds * 1000), 0)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
