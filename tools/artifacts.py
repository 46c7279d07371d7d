"""The files a production leaves in OUT for people: storyboard, shot list, bibles, manifest.

All written atomically, all derived from typed models, so a reader never sees half a file and a rerun rewrites
the same bytes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from domain.files import write_json, write_text
from domain.production import ShotRecord
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
                said = " ".join(f"**{d.character.upper()}**: {d.text}" for d in shot.dialogue)
                text = (shot.description + (" " + said if said else "")).replace("|", "\\|").replace("\n", " ")
                lines.append(
                    f"| {shot.id} | {shot.shot_type.value} | {shot.camera_angle.value} | {shot.lens_mm}mm | "
                    f"{shot.movement.value} | {shot.duration_s:.1f}s | {', '.join(shot.characters)} | {text} |"
                )
            lines.append("")
    return "\n".join(lines)


class RunFigures(BaseModel):
    """What a run achieved, for the manifest and the CLI summary."""

    shots: int = 0
    approved: int = 0
    first_pass_approved: int = 0
    first_pass_approval_rate: float = 0.0
    flagged: int = 0
    rejected: int = 0
    human_reviews: int = Field(default=0, description="shots a person approved or rejected")
    retries: int = 0
    attempts_per_shot: float = 0.0
    drift_rate: dict[str, float] = Field(default_factory=dict, description="share of attempts failing each gate")
    storyboard_redos: int = 0
    cache_hits: int = 0
    spent_usd: float = 0.0


def figures(records: dict[str, ShotRecord], redos: dict[str, int], spent_usd: float) -> RunFigures:
    attempts = [a for r in records.values() for a in r.attempts]
    approved = [r for r in records.values() if r.status == "approved"]
    first_pass = [r for r in approved if len(r.attempts) == 1 and r.approved_by == "gates"]
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
        retries=max(len(attempts) - n, 0),
        attempts_per_shot=round(len(attempts) / n, 3) if n else 0.0,
        drift_rate={g: round(c / len(attempts), 4) for g, c in failing.items()} if attempts else {},
        storyboard_redos=sum(redos.values()),
        cache_hits=sum(a.cached for a in attempts),
        spent_usd=round(spent_usd, 4),
    )


def write_manifest(out: Path, data: dict[str, Any]) -> Path:
    return write_json(out / "manifest.json", data)
