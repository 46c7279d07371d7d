"""The files a production leaves in OUT for people: storyboard, shot list, bibles, manifest.

All written atomically, all derived from typed models, so a reader never sees half a file and a rerun rewrites
the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from domain.files import write_json, write_text
from domain.production import ShotAttempt, ShotRecord
from domain.shot import Shot
from domain.storyboard import Storyboard

SHOTLIST_COLUMNS = [
    "id", "episode", "scene", "shot_type", "angle", "lens_mm", "movement", "lighting", "duration_s",
    "characters", "dialogue",
]  # fmt: skip


def write_storyboard_files(storyboard: Storyboard, out: Path) -> list[Path]:
    """storyboard.json, shotlist.csv, storyboard.md and one JSON file per bible entry."""
    written = [write_json(out / "storyboard.json", storyboard)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SHOTLIST_COLUMNS)
    for shot in storyboard.shots():
        writer.writerow(
            [
                shot.id, shot.episode, shot.scene_id, shot.shot_type.value, shot.camera_angle.value, shot.lens_mm,
                shot.movement.value, shot.lighting, f"{shot.duration_s:.2f}", " ".join(shot.characters),
                " / ".join(f"{line.character.upper()}: {line.text}" for line in shot.dialogue),
            ]
        )  # fmt: skip
    written.append(write_text(out / "shotlist.csv", buffer.getvalue()))
    written.append(write_text(out / "storyboard.md", storyboard_markdown(storyboard)))
    for character in storyboard.bibles.characters.values():
        written.append(write_json(out / "bibles" / "characters" / f"{character.character_id}.json", character))
    for location in storyboard.bibles.locations.values():
        written.append(write_json(out / "bibles" / "locations" / f"{location.location_id}.json", location))
    return written


def storyboard_markdown(storyboard: Storyboard) -> str:
    lines = [f"# {storyboard.title}", ""]
    for episode in storyboard.episodes:
        lines += [f"## Episode {episode.number}" + (f": {episode.title}" if episode.title else ""), ""]
        for board in episode.scenes:
            scene = board.scene
            lines += [f"### {scene.id} {scene.heading}", ""]
            lines += ["| shot | type | angle | lens | move | dur | in frame | action / dialogue |", "|" + "---|" * 8]
            for shot in board.shots:
                text = _action_and_dialogue(shot).replace("|", "\\|").replace("\n", " ")
                lines.append(
                    f"| {shot.id} | {shot.shot_type.value} | {shot.camera_angle.value} | {shot.lens_mm}mm | "
                    f"{shot.movement.value} | {shot.duration_s:.1f}s | {', '.join(shot.characters)} | {text} |"
                )
            lines.append("")
    return "\n".join(lines)


_QUOTE = re.compile(r"“([^”]*)”")


def _action_and_dialogue(shot: Shot) -> str:
    """The shot's description with each line of its dialogue in it once.

    A planned description already quotes the lines (``saying: “...”``, cut short with ``…`` when long): those are
    not repeated; a quote is labelled with its speaker when the shot holds more than one person. A line the
    description does not quote (an edited description) is added after it, with its speaker.
    """
    text = shot.description
    label_quotes = len({line.character for line in shot.dialogue} | set(shot.characters)) > 1
    unquoted: list[str] = []
    position = 0
    for line in shot.dialogue:
        label = f"**{line.character.upper()}**: "
        span = _quoted(text, line.text, position)
        if span is None:
            unquoted.append(label + line.text)
            continue
        start, end = span
        if label_quotes:
            text = text[:start] + label + text[start:]
            end += len(label)
        position = end
    return " ".join([text, *unquoted]) if text else " ".join(unquoted)


def _quoted(text: str, said: str, position: int) -> tuple[int, int] | None:
    """Where ``text`` holds the line ``said``, at or after ``position``: quoted in full or cut short with ``…``,
    else word for word."""
    said = " ".join(said.split())
    for match in _QUOTE.finditer(text, position):
        quote = " ".join(match.group(1).split())
        if quote == said or (quote.endswith("…") and said.startswith(quote[:-1].rstrip())):
            return match.start(), match.end()
    found = text.find(said, position) if said else -1  # an edited description may quote it its own way
    return None if found < 0 else (found, found + len(said))


class RunFigures(BaseModel):
    """What a run achieved, for the manifest and the CLI summary.

    Attempts made under a storyboard revision that a redo replaced count like any other: every generation is in
    ``attempts``, the retries, the drift rates and the cache hits, and a shot is approved on the first pass only
    when its first attempt ever was approved.
    """

    shots: int = 0
    approved: int = 0
    first_pass_approved: int = 0
    first_pass_approval_rate: float = 0.0
    flagged: int = 0
    rejected: int = 0
    human_reviews: int = Field(default=0, description="shots a person approved or rejected")
    attempts: int = Field(default=0, description="generations of every shot, those before a storyboard redo included")
    retries: int = Field(default=0, description="generations of a shot after its first")
    attempts_per_shot: float = 0.0
    drift_rate: dict[str, float] = Field(default_factory=dict, description="share of attempts failing each gate")
    storyboard_redos: int = 0
    cache_hits: int = 0
    spent_usd: float = 0.0


def with_history(record: ShotRecord, history: Mapping[str, Sequence[ShotAttempt]]) -> ShotRecord:
    """``record`` with the attempts its shot had under storyboard revisions a redo replaced put before its own."""
    earlier = list(history.get(record.shot_id) or [])
    return record.model_copy(update={"attempts": [*earlier, *record.attempts]}) if earlier else record


def figures(
    records: Mapping[str, ShotRecord],
    redos: Mapping[str, int],
    spent_usd: float,
    history: Mapping[str, Sequence[ShotAttempt]] | None = None,
) -> RunFigures:
    """The run's figures from its shot records and ``history`` (per shot id, the attempts made under storyboard
    revisions that a redo replaced, including those of shots the redo removed)."""
    history = history or {}
    every = {shot_id: list(attempts) for shot_id, attempts in history.items()}  # removed shots' attempts too
    every |= {shot_id: with_history(record, history).attempts for shot_id, record in records.items()}
    attempts = [a for tried in every.values() for a in tried]
    approved = [r for r in records.values() if r.status == "approved"]
    first_pass = [r for r in approved if len(every[r.shot_id]) == 1 and r.approved_by == "gates"]
    failing: dict[str, int] = {}
    for attempt in attempts:
        for gate in attempt.gates:
            failing.setdefault(gate.gate, 0)
            if not gate.passed:
                failing[gate.gate] += 1
    n = len(records)
    return RunFigures(
        shots=n,
        approved=len(approved),
        first_pass_approved=len(first_pass),
        first_pass_approval_rate=round(len(first_pass) / n, 4) if n else 0.0,
        flagged=sum(r.status == "flagged" for r in records.values()),
        rejected=sum(r.status == "rejected" for r in records.values()),
        human_reviews=sum(r.approved_by == "human" or r.status == "rejected" for r in records.values()),
        attempts=len(attempts),
        retries=sum(max(len(tried) - 1, 0) for tried in every.values()),
        attempts_per_shot=round(len(attempts) / n, 3) if n else 0.0,
        drift_rate={g: round(c / len(attempts), 4) for g, c in failing.items()} if attempts else {},
        storyboard_redos=sum(redos.values()),
        cache_hits=sum(a.cached for a in attempts),
        spent_usd=round(spent_usd, 4),
    )


def write_manifest(out: Path, data: dict[str, Any]) -> Path:
    return write_json(out / "manifest.json", data)
