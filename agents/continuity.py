"""The Continuity agent: holds every shot to its characters' reference frames and its location's light.

Rules policy, in the order the reference pipeline runs its gates: sample frames, embed them, judge the
characters, judge the light. A lighting failure is corrected (colour grade) and rechecked before anything is
regenerated, and the corrected clip is judged again whole, since it is the one that would be approved. On
approval, the shot's frames join the location's approved pool and characters without a reference get one.

LLM policy (``check`` only): the model checks the clip through the measuring tools (which frames, which
characters, whether to colour-grade before a regeneration) and answers which clip it judged, what the gates
measured on it and how to word the correction. The gates returned are never its opinion: the clip it names (the
generated one, or a graded copy ``correct_color_grade`` made of it) is measured again with the storyboard's own
arguments, and an answer that disagrees with that measurement, or names any other clip, falls back to the rules
(logged). Approval and reference locking (``approve``, ``settle_references``) stay rules: they decide what every
later shot is held to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from agents.base import Agent
from domain.decisions import AgentName
from domain.errors import ToolError
from domain.production import GateName, GateResult, ShotContext, ShotRecord
from domain.shot import Shot
from tools.continuity import frame_store, reference_look
from tools.gates.frames import SampledFrame
from tools.gates.tuning import views

CHECK_TOOLS = ("sample_frames", "check_character_continuity", "check_lighting", "correct_color_grade")
"""The tools the model checks a clip with: measuring and grading. ``embed_frames`` (approved frames join the
location's pool) and ``lock_reference_frame`` change what later shots are held to, so only the rules call them."""


class ClipVerdict(BaseModel):
    """The answer of ``check_clip``: the clip judged, what the gates measured on it, and the correction."""

    clip: str = Field(
        description="the clip the verdict is about: the clip in the data, or the graded copy correct_color_grade "
        "returned for it"
    )
    character_passed: bool = Field(description="whether check_character_continuity passed on that clip's frames")
    lighting_passed: bool = Field(description="whether check_lighting passed on that clip's frames")
    correction: str = Field(
        default="",
        max_length=600,
        description="when a gate failed: what the next generation must change to match the bibles and reference "
        "frames (hair, wardrobe, face, light), in one or two sentences; empty when both passed",
    )


class _ClipChecker(Agent):
    """The Continuity agent as the model sees it while checking a clip: only ``CHECK_TOOLS`` are offered."""

    name: ClassVar[AgentName] = "continuity"
    tools: ClassVar[tuple[str, ...]] = CHECK_TOOLS
    prompt: ClassVar[str] = "continuity.yaml"


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
        grade carries ``fixed="color_grade"`` and the graded clip in ``details["clip"]``.

        With the LLM policy the model drives the checking tools and words the correction; the gates are still
        measured (see the module docstring), and a failed gate carries the model's wording in
        ``details["correction_note"]``."""
        if self.policy != "llm":
            return self._check_by_rules(shot, clip, context, attempt)
        return self._check_by_llm(shot, clip, context, attempt)

    def _check_by_rules(self, shot: Shot, clip: Path, context: ShotContext, attempt: int) -> list[GateResult]:
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

    # --------------------------------------------------------------------------------------- LLM policy

    def _check_by_llm(self, shot: Shot, clip: Path, context: ShotContext, attempt: int) -> list[GateResult]:
        """``check_clip`` by the model, guarded: every answer is measured again before it is believed."""
        judged: list[tuple[ClipVerdict, list[GateResult]]] = []  # each answer and the gates measured for it

        def rules() -> ClipVerdict:
            gates = self._check_by_rules(shot, clip, context, attempt)
            verdict = _verdict_of(clip, gates)
            judged.append((verdict, gates))
            return verdict

        def check(answer: ClipVerdict) -> str | None:
            if any(answer is verdict for verdict, _ in judged):
                return None  # the rules' own answer (the model failed twice): measured already
            found = self._answered_clip(answer.clip, shot, clip)
            if isinstance(found, str):
                return found
            try:
                gates = self._measure(shot, found[0], found[1], context, attempt)
            except ToolError as exc:
                return f"{answer.clip} could not be measured: {exc}"
            judged.append((answer, gates))
            return _contradiction(answer, gates)

        inputs = {
            "shot": shot.model_dump(mode="json"),
            "clip": str(clip),
            "attempt": attempt,
            "characters": self._characters(shot, context),
            "context": context.model_dump(mode="json"),
        }
        checker = _ClipChecker(self.ctx, self.policy)
        verdict = checker.decide_checked("check_clip", inputs, ClipVerdict, rules, check, subject=shot.id)
        gates = next(g for v, g in judged if v is verdict)
        if not verdict.correction:
            return gates
        note = {"correction_note": verdict.correction}
        return [g if g.passed else g.model_copy(update={"details": {**g.details, **note}}) for g in gates]

    def _answered_clip(self, answered: str, shot: Shot, clip: Path) -> tuple[Path, dict[str, Any] | None] | str:
        """The clip an answer names, and the colour grade that made it (None for the generated clip itself); or
        why it cannot be the subject of this verdict. A graded copy counts only if ``correct_color_grade`` made
        it from this clip for this shot (the decision log says so) and it is on disk."""
        target = _resolved(self.ctx.out, answered)
        if target == clip.resolve():
            return clip, None
        for decision in reversed(list(self.ctx.decisions.memory)):
            if not (decision.agent == self.name and decision.tool == "correct_color_grade" and decision.ok):
                continue
            made, source = decision.result.get("clip"), decision.arguments.get("clip")
            if not (isinstance(made, str) and isinstance(source, str)):
                continue
            if (
                _resolved(self.ctx.out, made) == target
                and _resolved(self.ctx.out, source) == clip.resolve()
                and decision.arguments.get("shot_id") == shot.id
            ):
                if not target.is_file():
                    return f"the graded clip {answered} is not on disk"
                return target, decision.result
        return f"{answered} is neither the clip checked ({clip}) nor a graded copy correct_color_grade made of it"

    def _measure(
        self, shot: Shot, clip: Path, grade: dict[str, Any] | None, context: ShotContext, attempt: int
    ) -> list[GateResult]:
        """The gates of ``clip`` measured with the storyboard's arguments (every character of the shot, the
        location's light), whatever the model passed to its own calls; a graded copy that passes both is reported
        as the rules report it (``fixed="color_grade"``, the copy in ``details["clip"]``)."""
        frames = self._frames(shot, clip, attempt, context)
        character = self._character(shot, frames, context)
        lighting = self._lighting(shot, frames, context)
        if grade is None:
            return [character, lighting]
        keys = ("clip", "method", "gains", "offsets", "measured_k_before", "measured_k_after")
        correction = {k: grade[k] for k in keys if k in grade}
        if character.passed and lighting.passed:
            fixed = lighting.model_copy(update={"fixed": "color_grade", "details": {**lighting.details, **correction}})
            return [character, fixed]
        return [character, lighting.model_copy(update={"details": {**lighting.details, "correction": correction}})]

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


def _resolved(out: Path, path: str) -> Path:
    candidate = Path(path).expanduser()
    return (candidate if candidate.is_absolute() else out / candidate).resolve()


def _verdict_of(clip: Path, gates: list[GateResult]) -> ClipVerdict:
    """The rules' gates as an answer of ``check_clip``."""
    by_gate = {g.gate: g for g in gates}
    fixed = next((str(g.details["clip"]) for g in gates if g.passed and g.details.get("clip")), str(clip))
    return ClipVerdict(
        clip=fixed, character_passed=by_gate["character"].passed, lighting_passed=by_gate["lighting"].passed
    )


def _contradiction(answer: ClipVerdict, gates: list[GateResult]) -> str | None:
    """Where the answer disagrees with the measurement: a failed gate claimed as passed (never believed), or a
    passed gate claimed as failed (a regeneration paid for nothing)."""
    claims: tuple[tuple[GateName, bool], ...] = (
        ("character", answer.character_passed),
        ("lighting", answer.lighting_passed),
    )
    measured = {g.gate: g for g in gates}
    for name, claimed in claims:
        gate = measured[name]
        if claimed and not gate.passed:
            return f"claimed the {name} gate passed on {answer.clip}, but it measured {_measured(gate)}"
        if gate.passed and not claimed:
            return f"claimed the {name} gate failed on {answer.clip}, but it measured a pass"
    return None


def _measured(gate: GateResult) -> str:
    if gate.gate == "character":
        scores = gate.details.get("characters", {})
        failing = gate.details.get("failing") or gate.details.get("unconfirmed") or []
        who = ", ".join(f"{cid} {scores.get(cid)}" for cid in failing)
        return f"{gate.reason or 'a failure'} ({who or 'no detail'}; threshold {gate.threshold:.2f})"
    if gate.gate == "lighting":
        measured, target = gate.details.get("measured_k"), gate.details.get("target_k")
        return f"{gate.reason or 'a failure'} ({measured} K against {target} K)"
    return gate.reason or "a failure"


def _character_result(record: ShotRecord | None) -> GateResult | None:
    if record is None or not record.attempts:
        return None
    return next((g for g in record.attempts[-1].gates if g.gate == "character"), None)
