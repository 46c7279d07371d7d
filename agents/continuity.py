"""The Continuity agent: holds every shot to its characters' reference frames and its location's light.

Rules policy, in the order the reference pipeline runs its gates: sample frames, embed them, judge the
characters, judge the light. A lighting failure is corrected (colour grade) and rechecked before anything is
regenerated, and the corrected clip is judged again whole, since it is the one that would be approved. On
approval, the shot's frames join the location's approved pool and characters without a reference get one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from agents.base import Agent
from domain.decisions import AgentName
from domain.errors import ToolError
from domain.production import GateResult, ShotContext, ShotRecord
from domain.shot import Shot
from tools.continuity import frame_store
from tools.gates.frames import SampledFrame
from tools.gates.tuning import framing_of


class ContinuityAgent(Agent):
    name: ClassVar[AgentName] = "continuity"
    tools: ClassVar[tuple[str, ...]] = (
        "sample_frames",
        "embed_frames",
        "check_character_continuity",
        "check_lighting",
        "correct_color_grade",
        "lock_reference_frame",
    )
    prompt: ClassVar[str] = "continuity.yaml"

    def check(self, shot: Shot, clip: Path, context: ShotContext, attempt: int) -> list[GateResult]:
        """The character and lighting gates for one attempt's clip; a lighting result fixed by a colour
        grade carries ``fixed="color_grade"`` and the graded clip in ``details["clip"]``."""
        frames = self._frames(shot, clip, attempt, context)
        character = self._character(shot, frames, context)
        lighting = self._lighting(shot, frames, context)
        if lighting.passed:
            return [character, lighting]
        return self._correct(shot, clip, context, attempt, frames, character, lighting)

    def approve(self, shot: Shot, clip: Path, context: ShotContext) -> None:
        """Add the approved clip's frames to the location's pool and lock references for new characters."""
        record = self.ctx.project.records.get(shot.id)
        attempt = max(len(record.attempts), 1) if record else 1
        sampled = self.call(
            "sample_frames", {"clip": str(clip), "shot_id": shot.id}, reason="approved", subject=shot.id
        )
        paths = [f.path for f in sampled.frames]
        self.call(
            "embed_frames",
            {**self._tags(shot, context), "shot_id": shot.id, "frames": paths, "attempt": attempt, "approved": True},
            reason="approved frames join the location's pool",
            subject=shot.id,
        )
        self._lock_references(shot, sampled.frames, context)

    def settle_references(self, shots: list[Shot], records: dict[str, ShotRecord]) -> None:
        """Lock references from this round's first passing shots, in script order, then re-judge the shots
        whose character gate passed only because a character had no reference yet.

        Shots of one round are checked in parallel, before any of them is approved, so the first round would
        otherwise pass every character unseen. ``records`` is updated in place with the re-judged gates.
        """
        board = self.ctx.project.storyboard
        pending: list[Shot] = []
        for shot in shots:
            record = records.get(shot.id)
            gate = _character_result(record)
            if record is None or gate is None or not gate.details.get("unreferenced"):
                continue
            pending.append(shot)
            last = record.attempts[-1]
            missing = [c for c in gate.details["unreferenced"] if not self._has_reference(c, shot)]
            if last.passed and missing and last.clip:
                sampled = self.call(
                    "sample_frames",
                    {"clip": last.clip, "shot_id": shot.id},
                    reason="settle references",
                    subject=shot.id,
                )
                self._lock_references(shot, sampled.frames, board.context_for(shot), only=missing)
        for shot in pending:
            record = records[shot.id]
            gate = _character_result(record)
            last = record.attempts[-1]
            if gate is None or not any(self._has_reference(c, shot) for c in gate.details["unreferenced"]):
                continue
            sampled = self.call(
                "sample_frames", {"clip": last.clip, "shot_id": shot.id}, reason="re-judge", subject=shot.id
            )
            judged = self._character(shot, [f.path for f in sampled.frames], board.context_for(shot))
            gates = [judged if g.gate == "character" else g for g in last.gates]
            attempts = [*record.attempts[:-1], last.model_copy(update={"gates": gates})]
            records[shot.id] = record.model_copy(update={"attempts": attempts})

    # --------------------------------------------------------------------------------------- steps

    def _characters(self, shot: Shot, context: ShotContext) -> list[str]:
        ids = [c.character_id for c in context.characters]
        return ids + [c for c in shot.characters if c not in ids]

    def _tags(self, shot: Shot, context: ShotContext) -> dict[str, Any]:
        return {
            "characters": self._characters(shot, context),
            "location_id": context.location.location_id,
            "shot_type": shot.shot_type.value,
        }

    def _has_reference(self, character_id: str, shot: Shot) -> bool:
        framing = framing_of(shot.shot_type.value) or None
        return bool(len(frame_store(self.ctx).references(character_id, framing)))

    def _lock_references(
        self, shot: Shot, frames: list[SampledFrame], context: ShotContext, only: list[str] | None = None
    ) -> None:
        """Lock a frame of this shot (the middle one, else the first or last where the character is clearly
        seen) as the reference of each character (in ``only``) that has none for this framing yet."""
        characters = self._characters(shot, context)
        order = [frames[len(frames) // 2], *(f for i, f in enumerate(frames) if i != len(frames) // 2)]
        for cid in characters if only is None else [c for c in characters if c in only]:
            if self._has_reference(cid, shot):
                continue
            if not any(f.boxes for f in frames) and len(characters) > 1:
                continue  # without boxes a two-shot cannot say which pixels are whose
            for frame in order:
                result = self.call(
                    "lock_reference_frame",
                    {
                        "character_id": cid,
                        "shot_id": shot.id,
                        "frame": frame.path,
                        "kelvin": context.location.color_temperature_k,
                        "shot_type": shot.shot_type.value,
                    },
                    reason="first approved frame of this character in this framing",
                    subject=cid,
                )
                if result.locked or result.references:
                    break

    def _frames(self, shot: Shot, clip: Path, attempt: int, context: ShotContext) -> list[str]:
        sampled = self.call(
            "sample_frames", {"clip": str(clip), "shot_id": shot.id}, reason="new clip", subject=shot.id
        )
        paths = [f.path for f in sampled.frames]
        self.call(
            "embed_frames",
            {**self._tags(shot, context), "shot_id": shot.id, "frames": paths, "attempt": attempt},
            reason="store the frames before judging them",
            subject=shot.id,
        )
        return paths

    def _character(self, shot: Shot, frames: list[str], context: ShotContext) -> GateResult:
        result = self.call(
            "check_character_continuity",
            {
                "shot_id": shot.id,
                "frames": frames,
                "characters": self._characters(shot, context),
                "kelvin": context.location.color_temperature_k,
                "shot_type": shot.shot_type.value,
            },
            reason="character gate",
            subject=shot.id,
        )
        gate: GateResult = result.gate
        return gate

    def _lighting(self, shot: Shot, frames: list[str], context: ShotContext) -> GateResult:
        result = self.call(
            "check_lighting",
            {
                "shot_id": shot.id,
                "frames": frames,
                "target_k": context.location.color_temperature_k,
                "location_id": context.location.location_id,
                "shot_type": shot.shot_type.value,
            },
            reason="lighting gate",
            subject=shot.id,
        )
        gate: GateResult = result.gate
        return gate

    def _correct(
        self,
        shot: Shot,
        clip: Path,
        context: ShotContext,
        attempt: int,
        frames: list[str],
        character: GateResult,
        lighting: GateResult,
    ) -> list[GateResult]:
        """Colour-grade toward the location's light and judge the graded clip; keep the original verdicts if
        the grade does not make every gate pass."""
        try:
            graded = self.call(
                "correct_color_grade",
                {
                    "shot_id": shot.id,
                    "clip": str(clip),
                    "target_k": context.location.color_temperature_k,
                    "location_id": context.location.location_id,
                    "shot_type": shot.shot_type.value,
                    "frames": frames,
                },
                reason="lighting_drift: correct before regenerating",
                subject=shot.id,
            )
        except ToolError as exc:
            return [
                character,
                lighting.model_copy(update={"details": {**lighting.details, "correction_error": str(exc)}}),
            ]
        new_frames = self._frames(shot, Path(graded.clip), attempt, context)
        lighting_after = self._lighting(shot, new_frames, context)
        correction = {
            "clip": graded.clip,
            "method": graded.method,
            "gains": graded.gains,
            "offsets": graded.offsets,
            "before": lighting.details,
            "measured_k_before": graded.measured_k_before,
            "measured_k_after": graded.measured_k_after,
        }
        if not lighting_after.passed:
            correction["after"] = lighting_after.details
            return [character, lighting.model_copy(update={"details": {**lighting.details, "correction": correction}})]
        character_after = self._character(shot, new_frames, context)
        if not character_after.passed and character.passed:
            note = {"correction": correction, "graded_character": character_after.details}
            return [character, lighting.model_copy(update={"details": {**lighting.details, **note}})]
        fixed = lighting_after.model_copy(
            update={"fixed": "color_grade", "details": {**lighting_after.details, **correction}}
        )
        return [character_after, fixed]


def _character_result(record: ShotRecord | None) -> GateResult | None:
    if record is None or not record.attempts:
        return None
    return next((g for g in record.attempts[-1].gates if g.gate == "character"), None)
