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
from tools.continuity import frame_store, reference_look
from tools.gates.frames import SampledFrame
from tools.gates.tuning import views


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
        """Add the approved clip's frames to the location's pool and lock references for whatever it shows of
        its characters that has none yet (a view, or its framing group)."""
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
        gate = self._character(shot, paths, context)
        for cid, keys in gate.details.get("unreferenced_views", {}).items():
            for key in keys:
                self._lock(shot, sampled.frames, context, cid, key)

    def settle_references(self, shots: list[Shot], records: dict[str, ShotRecord]) -> None:
        """Lock references from this round's passing shots, then re-judge the shots whose character gate passed only
        because something had no reference yet.

        Shots of one round are checked in parallel, before any of them is approved, so the first round would otherwise
        pass every character unseen. For each character, look and view (or framing group) without a reference, every
        passing shot of the round that shows it is a candidate and the one most like the others is locked (consensus),
        so a single drifted take cannot become the look everyone else is held to. The most telling views go first
        (``tools.gates.tuning.views``: bust, face, eyes; a framing group counts as the first), the biggest groups first
        among equals; once something is locked for a look, later candidates must agree with it, and until then a take is
        locked only if another take (of another shot, or an earlier take of the same shot) agrees with it: one take
        alone is no evidence of a look. A character still seen in a view with nothing to be judged against after that
        fails the gate as ``unconfirmed_look`` (taken again until two takes agree, not approved blind), unless
        ``gates.confirm_new_looks`` is off: then ``approve`` locks the first approved take, as the reference system
        does. ``records`` is updated in place.
        """
        board = self.ctx.project.storyboard
        pending: list[Shot] = []
        sampled: dict[str, list[SampledFrame]] = {}
        groups: dict[tuple[str, str, str], list[Shot]] = {}
        for shot in shots:
            record = records.get(shot.id)
            gate = _character_result(record)
            if record is None or gate is None:
                continue
            if gate.details.get("unreferenced_views"):
                pending.append(shot)
            if not (record.attempts[-1].passed and record.attempts[-1].clip):
                continue
            for cid, keys in gate.details.get("unreferenced_views", {}).items():
                for key in keys:
                    look = reference_look(self.ctx, cid, shot.scene_id, key)
                    groups.setdefault((cid, look, key), []).append(shot)

        def frames_of(shot: Shot, clip: str) -> list[SampledFrame]:
            if clip not in sampled:
                sampled[clip] = self.call(
                    "sample_frames", {"clip": clip, "shot_id": shot.id}, reason="settle references", subject=shot.id
                ).frames
            return sampled[clip]

        def latest(shot: Shot) -> str:
            return str(records[shot.id].attempts[-1].clip)

        order = {view.key: i for i, view in enumerate(views())}  # the most telling view first
        ranked = sorted(groups.items(), key=lambda item: (order.get(item[0][2], 0), -len(item[1])))
        for (cid, look, key), members in ranked:
            if self._has_reference(cid, look, key):
                continue
            verdicts = {s.id: self._agrees(s, cid, frames_of(s, latest(s)), key) for s in members}
            confirmed = [s for s in members if verdicts[s.id]]
            verified = bool(confirmed)
            if verified:  # takes that match what is already locked for the look
                takes = [(s, latest(s)) for s in confirmed]
            else:  # takes nothing judged yet: earlier takes of the same shots are more evidence
                members = [s for s in members if verdicts[s.id] is None]
                takes = [(s, latest(s)) for s in members]
                takes += [(s, a.clip) for s in members for a in records[s.id].attempts[:-1] if a.clip and not a.error]
            if not takes:
                continue
            first, clip = takes[0]
            others = [
                {"shot_id": s.id, "frame": frames[len(frames) // 2].path}
                for s, c in takes[1:]
                if (frames := frames_of(s, c))
            ]
            self._lock(
                first,
                frames_of(first, clip),
                board.context_for(first),
                cid,
                key,
                candidates=others,
                min_agreeing=0 if verified else 1,
            )
        for shot in pending:
            record = records[shot.id]
            last = record.attempts[-1]
            if not last.clip:
                continue
            paths = [f.path for f in frames_of(shot, last.clip)]
            context = board.context_for(shot)
            judged = self._character(shot, paths, context)
            gates = [judged if g.gate == "character" else g for g in last.gates]
            attempts = [*record.attempts[:-1], last.model_copy(update={"gates": gates})]
            records[shot.id] = record.model_copy(update={"attempts": attempts})
        for shot in shots if self.ctx.config.gates.confirm_new_looks else []:
            record = records.get(shot.id)
            gate = _character_result(record)
            if record is None or gate is None or not gate.passed:
                continue
            regions = gate.details.get("regions", {})
            open_views = gate.details.get("unreferenced_views", {})
            doubtful = sorted(cid for cid, keys in open_views.items() if keys and regions.get(cid) == "box")
            if doubtful:  # seen in a view nothing is locked for, and no other take agreed: not approved blind
                failed = gate.model_copy(
                    update={
                        "passed": False,
                        "reason": "unconfirmed_look",
                        "details": {**gate.details, "unconfirmed": doubtful},
                    }
                )
                last = record.attempts[-1]
                gates = [failed if g.gate == "character" else g for g in last.gates]
                records[shot.id] = record.model_copy(
                    update={"attempts": [*record.attempts[:-1], last.model_copy(update={"gates": gates})]}
                )

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

    def _has_reference(self, character_id: str, look: str, key: str) -> bool:
        return bool(len(frame_store(self.ctx).references(character_id, key or None, look)))

    def _agrees(self, shot: Shot, character_id: str, frames: list[SampledFrame], key: str) -> bool | None:
        """Whether this take of a character matches what is already locked for it in views at least as telling
        as ``key`` (the head alone says nothing of an outfit); None when nothing such is judged (no evidence)."""
        context = self.ctx.project.storyboard.context_for(shot)
        gate = self._character(shot, [f.path for f in frames], context, only=[character_id])
        rank = {view.key: i for i, view in enumerate(views())}
        telling = [k for k in gate.details.get("views", {}).get(character_id, {}) if rank.get(k, 0) <= rank.get(key, 0)]
        if not telling:
            return None
        return character_id not in gate.details.get("failing", [])

    def _lock(
        self,
        shot: Shot,
        frames: list[SampledFrame],
        context: ShotContext,
        character_id: str,
        key: str,
        candidates: list[dict[str, str]] | None = None,
        min_agreeing: int = 0,
    ) -> None:
        """Lock a frame of this shot (the middle one, else the first or last that shows it) as the character's
        reference under ``key`` (a view or framing group), or the candidates' consensus."""
        if not frames or (not any(f.boxes for f in frames) and len(self._characters(shot, context)) > 1):
            return  # without boxes a two-shot cannot say which pixels are whose
        order = [frames[len(frames) // 2], *(f for i, f in enumerate(frames) if i != len(frames) // 2)]
        for frame in order:
            result = self.call(
                "lock_reference_frame",
                {
                    "character_id": character_id,
                    "shot_id": shot.id,
                    "frame": frame.path,
                    "kelvin": context.location.color_temperature_k,
                    "shot_type": shot.shot_type.value,
                    "view": key or None,
                    "candidates": candidates or [],
                    "min_agreeing": min_agreeing,
                },
                reason="consensus of this round's takes" if candidates else "first approved frame of this look",
                subject=character_id,
            )
            if result.locked or result.references or min_agreeing:
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

    def _character(
        self, shot: Shot, frames: list[str], context: ShotContext, only: list[str] | None = None
    ) -> GateResult:
        result = self.call(
            "check_character_continuity",
            {
                "shot_id": shot.id,
                "frames": frames,
                "characters": only or self._characters(shot, context),
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
