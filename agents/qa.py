"""The QA agent: the last gate, the retry verdict, the scene-level view, and the hand-off to a human.

Rules policy: a clip of the wrong size with the right aspect is rescaled and rechecked; any other artifact
means regenerate. A shot is approved only when every gate of its latest attempt passed; it is regenerated
with a correction note while attempts remain, then flagged for review with its reasons, never passed on
quietly. Scenes whose shots fail together are reported as clusters, to be redone from the storyboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel

from agents.base import Agent
from domain.decisions import AgentName
from domain.production import GateResult, ShotAttempt, ShotRecord
from domain.shot import Shot
from tools.gates.clusters import Cluster
from tools.qa import ReviewItem

Verdict = Literal["approve", "regenerate", "flag"]


class QAVerdict(BaseModel):
    """What happens to a shot after its gates: approve it, regenerate it with a correction note, or flag it."""

    action: Verdict
    note: str = ""

    @classmethod
    def of(cls, pair: tuple[Verdict, str]) -> QAVerdict:
        return cls(action=pair[0], note=pair[1])


def _illegal(verdict: QAVerdict, record: ShotRecord, max_attempts: int) -> str | None:
    passed = bool(record.attempts) and record.attempts[-1].passed
    if verdict.action == "approve" and not passed:
        return "approved a shot whose latest attempt failed a gate"
    if verdict.action == "regenerate" and len(record.attempts) >= max_attempts:
        return f"asked for attempt {len(record.attempts) + 1} of at most {max_attempts}"
    if verdict.action == "regenerate" and passed:
        return "asked to pay for a new take of a shot that passed every gate"
    return None


class QAAgent(Agent):
    name: ClassVar[AgentName] = "qa"
    tools: ClassVar[tuple[str, ...]] = ("check_artifacts", "upscale_clip", "detect_failure_cluster", "flag_for_review")
    prompt: ClassVar[str] = "qa.yaml"

    def check_artifacts(self, shot: Shot, clip: Path, width: int, height: int) -> GateResult:
        """The artifact gate; a rescale that makes it pass gives ``fixed="upscale"`` and ``details["clip"]``."""
        size = {"width": width, "height": height}
        first = self.call("check_artifacts", {"clip": str(clip), **size}, reason="artifact gate", subject=shot.id)
        gate: GateResult = first.gate
        if gate.passed or not gate.details.get("rescalable"):
            return gate
        scaled = self.call(
            "upscale_clip",
            {"clip": str(clip), "shot_id": shot.id, **size},
            reason="wrong size, right aspect: rescale instead of regenerating",
            subject=shot.id,
        )
        again = self.call(
            "check_artifacts", {"clip": scaled.clip, **size}, reason="recheck after rescale", subject=shot.id
        )
        after: GateResult = again.gate
        details = {**after.details, "clip": scaled.clip, "from_size": scaled.from_size}
        if after.passed:
            fix = "upscale" if scaled.from_size[0] < width else "downscale"
            return after.model_copy(update={"fixed": fix, "details": details})
        return after.model_copy(update={"details": details})

    def verdict(self, record: ShotRecord, max_attempts: int) -> tuple[Verdict, str]:
        """("approve" | "regenerate" | "flag", note): the note is the correction for the next prompt when
        regenerating, and the reasons for the reviewer when flagging. Approval needs every gate of the latest
        attempt passed.

        An LLM policy may word the correction, or flag a hopeless shot before its attempts run out, but it can
        never approve a shot whose gates failed nor retry past the limit: such an answer falls back to the rules.
        """
        answer = self.decide_checked(
            "verdict",
            {"record": record.model_dump(mode="json"), "max_attempts": max_attempts},
            QAVerdict,
            lambda: QAVerdict.of(self._verdict_by_rules(record, max_attempts)),
            lambda v: _illegal(v, record, max_attempts),
            subject=record.shot_id,
        )
        return answer.action, answer.note

    def _verdict_by_rules(self, record: ShotRecord, max_attempts: int) -> tuple[Verdict, str]:
        if not record.attempts:
            return "regenerate", ""
        last = record.attempts[-1]
        if last.passed:
            return "approve", ""
        if len(record.attempts) >= max_attempts:
            reasons = sorted({r for a in record.attempts for r in a.reasons}) or ["unknown"]
            return "flag", f"failed {len(record.attempts)} of {max_attempts} attempts: {', '.join(reasons)}"
        return "regenerate", correction_note(last)

    def clusters(self, scene_records: dict[str, list[ShotRecord]]) -> list[Cluster]:
        """Each scene's failure cluster, if it has one. The records are put into the run's project state
        (where the tool reads them), keyed by shot id."""
        found: list[Cluster] = []
        for scene_id, records in scene_records.items():
            self.ctx.project.records.update({r.shot_id: r for r in records})
            result = self.call(
                "detect_failure_cluster",
                {"scene_id": scene_id, "shot_ids": [r.shot_id for r in records]},
                reason="do this scene's failures share one upstream cause?",
                subject=scene_id,
            )
            if result.cluster is not None:
                found.append(result.cluster)
        return found

    def flag(self, shot: Shot | str, reasons: list[str], note: str = "") -> ReviewItem:
        """Hand a shot to a human with its reasons; it stays unapproved."""
        shot_id = shot if isinstance(shot, str) else shot.id
        item: ReviewItem = self.call(
            "flag_for_review",
            {"shot_id": shot_id, "reasons": reasons or ["unknown"], "note": note},
            reason="out of attempts" if reasons else "flagged",
            subject=shot_id,
        )
        return item


def correction_note(attempt: ShotAttempt) -> str:
    """What to change in the next prompt: the gates that failed, what they measured, and what to match."""
    failed = [g for g in attempt.gates if not g.passed]
    names = [g.gate for g in failed] + (["generation"] if attempt.error else [])
    lines = [
        f"Attempt {attempt.attempt} failed the {', '.join(names) or 'quality'} gate{'s' if len(names) > 1 else ''}."
    ]
    for gate in failed:
        worded = gate.details.get("correction_note")
        if worded:  # the Continuity agent's LLM policy worded what to change; its measurements stand below it
            lines.append(str(worded))
        if gate.gate == "character" and gate.reason == "unconfirmed_look":
            who = ", ".join(gate.details.get("unconfirmed", [])) or "a character"
            lines.append(
                f"Unconfirmed look: {who} appeared in a look no other take has confirmed yet. Take the shot again, "
                "keeping every character exactly as the character bible describes them: same hair and outfit colours."
            )
        elif gate.gate == "character":
            scores = gate.details.get("characters", {})
            who = ", ".join(
                f"{cid} ({scores.get(cid)} < {gate.threshold:.2f})" for cid in gate.details.get("failing", [])
            )
            lines.append(
                f"Character drift: {who or 'a character'} no longer matched the reference frames. Keep each character "
                "exactly as in the attached reference frames: same face, hair, build and outfit colours."
            )
        elif gate.gate == "lighting":
            measured, target = gate.details.get("measured_k"), gate.details.get("target_k")
            lines.append(
                f"Lighting drift: the light measured {measured} K against the location's {target} K. Light the scene "
                "as its scene bible says and match the location's approved frames."
            )
        else:
            problems = ", ".join(gate.details.get("problems", [])) or gate.reason or "artifacts"
            lines.append(f"Technical problems: {problems}. Render one clean continuous shot at the requested size.")
    if attempt.error:
        lines.append(f"The generation itself failed: {attempt.error}.")
    lines.append("Match the reference frames.")
    return " ".join(lines)
