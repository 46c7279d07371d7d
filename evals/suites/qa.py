"""QA suite: does the QA agent take the right action when failures are independent, persistent or clustered?

Each scenario is replayed through ``QAAgent`` the way the production graph drives it: every shot's first attempt
is decided, ``clusters`` is asked about the scenes, a scene sent back is replayed from its ``after_redo``
attempts (one redo per scene), and every other shot is decided after each attempt, with the next attempt fed in
on a retry. The scores are the QA gate's: first-pass approval, drift left in the approved pool (must be 0),
human-review rate, correct storyboard-redo calls, and right actions step by step.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.production import GateName, GateResult, ShotAttempt, ShotRecord, ShotStatus
from domain.screenplay import Scene
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from evals import scorers
from evals.datasets import load_yaml
from evals.models import Bars, Metric, SuiteResult, Table
from evals.suites.base import SuiteContext, round_robin

GATE_OF: dict[str, GateName] = {
    "character_drift": "character",
    "lighting_drift": "lighting",
    "black_frames": "artifacts",
    "frozen_clip": "artifacts",
    "flicker": "artifacts",
    "blockiness": "artifacts",
    "wrong_resolution": "artifacts",
}
FIXES = {"lighting": "color_grade", "artifacts": "upscale", "character": "regenerated"}
Action = Literal["approve", "regenerate", "flag"]
MODEL = "seedance-2.0-fast"
STATUS: dict[Action, ShotStatus] = {"approve": "approved", "regenerate": "regenerate", "flag": "flagged"}


class ScenarioShot(BaseModel):
    shot_id: str
    attempts: list[str]
    after_redo: list[str] = Field(default_factory=lambda: ["pass"])
    expected: Literal["approve", "human_review"]


class ScenarioScene(BaseModel):
    scene_id: str
    redo: bool
    shots: list[ScenarioShot]


class Scenario(BaseModel):
    id: str
    kind: Literal["independent", "clustered"]
    description: str
    scenes: list[ScenarioScene]


class Scenarios(BaseModel):
    max_attempts: int = 3
    scenarios: list[Scenario]


def load_scenarios(ctx: SuiteContext) -> Scenarios:
    data = Scenarios.model_validate(load_yaml(ctx.dataset("qa") / "scenarios.yaml"))
    data.scenarios = round_robin(data.scenarios, lambda s: s.kind, ctx.sample)
    return data


def make_attempt(number: int, outcome: str) -> ShotAttempt:
    """One attempt as the gates would have reported it, from the dataset's short notation."""
    if outcome.startswith("error:"):
        kind = outcome.split(":", 1)[1]
        return ShotAttempt(
            attempt=number, model=MODEL, prompt="eval scenario", seed=number, error=f"backend_error: {kind}"
        )
    failing: dict[GateName, str] = {}
    fixed: dict[GateName, str] = {}
    if outcome != "pass":
        for part in outcome.split("+"):
            reason, _, fix = part.partition("/")
            if reason not in GATE_OF:
                raise ValueError(f"unknown failure {reason!r} in the qa dataset; known: {', '.join(GATE_OF)}")
            (fixed if fix == "fixed" else failing)[GATE_OF[reason]] = reason
    gates = []
    for gate in ("character", "lighting", "artifacts"):
        if gate in failing:
            gates.append(GateResult(gate=gate, passed=False, score=0.5, threshold=0.9, reason=failing[gate]))
        elif gate in fixed:
            gates.append(
                GateResult(
                    gate=gate, passed=True, score=0.95, threshold=0.9, fixed=FIXES[gate], details={"was": fixed[gate]}
                )
            )
        else:
            gates.append(GateResult(gate=gate, passed=True, score=0.97, threshold=0.9))
    return ShotAttempt(
        attempt=number,
        model=MODEL,
        prompt="eval scenario",
        seed=number,
        clip=f"clips/attempt-{number}.mp4",
        gates=gates,
    )


def outcome_at(outcomes: list[str], attempt: int) -> str:
    """Attempts past the end of the list repeat the last one (a bad setup keeps failing)."""
    return outcomes[min(attempt, len(outcomes)) - 1]


def right_action(attempt: ShotAttempt, max_attempts: int) -> Action:
    """The reference design's rule: approve a pass, retry a failure while attempts remain, else a human."""
    if attempt.passed:
        return "approve"
    return "regenerate" if attempt.attempt < max_attempts else "flag"


def normalise_action(raw: Any) -> tuple[Action, str]:
    """``decide`` returns (action, note); accept a bare action or an object with ``action`` too."""
    note = ""
    if isinstance(raw, tuple):
        raw, note = raw[0], str(raw[1]) if len(raw) > 1 else ""
    action = str(getattr(raw, "action", raw)).lower()
    aliases = {
        "approved": "approve",
        "retry": "regenerate",
        "flagged": "flag",
        "human_review": "flag",
        "review": "flag",
        "reject": "flag",
    }
    action = aliases.get(action, action)
    if action not in ("approve", "regenerate", "flag"):
        raise ValueError(f"QAAgent.decide returned {raw!r}; expected approve, regenerate or flag")
    return action, note  # type: ignore[return-value]


def storyboard_for(scenario: Scenario) -> Storyboard:
    boards = []
    for number, scene in enumerate(scenario.scenes, start=1):
        episode = int(scene.scene_id[1:3])
        shots = [
            Shot(
                id=s.shot_id,
                episode=episode,
                scene_id=scene.scene_id,
                index=i,
                location_id="eval-set",
                shot_type=ShotType.MS,
                characters=["lead"],
            )
            for i, s in enumerate(scene.shots, start=1)
        ]
        head = Scene(
            id=scene.scene_id,
            episode=episode,
            number=number,
            heading="INT. EVAL SET - DAY",
            location_id="eval-set",
            location_name="EVAL SET",
        )
        boards.append(SceneBoard(scene=head, shots=shots))
    episodes: dict[int, EpisodeBoard] = {}
    for board in boards:
        episodes.setdefault(board.scene.episode, EpisodeBoard(number=board.scene.episode)).scenes.append(board)
    return Storyboard(title=scenario.id, episodes=list(episodes.values()))


class _Replay:
    """Replays one scenario through a QA agent and keeps score."""

    def __init__(self, agent: Any, max_attempts: int) -> None:
        self.agent = agent
        self.max_attempts = max_attempts
        self.steps_right = 0
        self.steps = 0
        self.step_errors: list[str] = []

    def decide(self, record: ShotRecord) -> Action:
        action, _ = normalise_action(self.agent.verdict(record, self.max_attempts))
        expected = right_action(record.attempts[-1], self.max_attempts)
        self.steps += 1
        if action == expected:
            self.steps_right += 1
        else:
            self.step_errors.append(f"{record.shot_id} attempt {len(record.attempts)}: {action}, right: {expected}")
        return action

    def run_shot(self, record: ShotRecord, outcomes: list[str], first_action: Action | None = None) -> ShotRecord:
        """Decide after each attempt until approve or flag (or the attempt budget, as a guard)."""
        action = first_action
        while True:
            if action is None:
                action = self.decide(record)
            if action == "approve":
                record.status = "approved"
                return record
            if action == "flag" or len(record.attempts) >= self.max_attempts + 2:
                record.status = "flagged"
                return record
            record.status = "regenerate"
            number = len(record.attempts) + 1
            record.attempts.append(make_attempt(number, outcome_at(outcomes, number)))
            action = None


def run(ctx: SuiteContext) -> SuiteResult:
    from agents.qa import QAAgent

    manifest = ctx.manifest("qa")
    data = load_scenarios(ctx)
    max_attempts = data.max_attempts  # the labels were written for this many attempts
    outcomes: list[scorers.ShotOutcome] = []
    expected_final: list[str] = []
    got_final: list[str] = []
    redo_gold: list[bool] = []
    redo_pred: list[bool] = []
    steps_right = steps = 0
    step_errors: list[str] = []
    attempts_total = 0
    per_scenario: list[list[Any]] = []

    for scenario in data.scenarios:
        tool_ctx = ctx.tool_context(scenario.id)
        tool_ctx.project.storyboard = storyboard_for(scenario)
        agent = QAAgent(tool_ctx)
        replay = _Replay(agent, max_attempts)
        specs = {s.shot_id: s for scene in scenario.scenes for s in scene.shots}

        # Round one: every shot's first attempt, decided, then the cluster check.
        records = {
            sid: ShotRecord(shot_id=sid, attempts=[make_attempt(1, spec.attempts[0])]) for sid, spec in specs.items()
        }
        tool_ctx.project.records = records
        first_actions: dict[str, Action] = {}
        for sid, record in records.items():
            first_actions[sid] = replay.decide(record)
            record.status = STATUS[first_actions[sid]]
        scene_records = {scene.scene_id: [records[s.shot_id] for s in scene.shots] for scene in scenario.scenes}
        clusters = agent.clusters(scene_records)
        redone = {str(getattr(c, "scene_id", c)) for c in clusters}

        approved = flagged = 0
        for scene in scenario.scenes:
            redo_gold.append(scene.redo)
            redo_pred.append(scene.scene_id in redone)
            for spec in scene.shots:
                first_pass = records[spec.shot_id].attempts[0].passed
                if scene.scene_id in redone:  # back from the storyboard: the first attempt was paid, start afresh
                    attempts_total += 1
                    fresh = ShotRecord(shot_id=spec.shot_id, attempts=[make_attempt(1, spec.after_redo[0])])
                    tool_ctx.project.records[spec.shot_id] = fresh
                    final = replay.run_shot(fresh, spec.after_redo)
                else:
                    final = replay.run_shot(records[spec.shot_id], spec.attempts, first_actions[spec.shot_id])
                attempts_total += len(final.attempts)
                last = final.attempts[-1]
                outcomes.append(
                    scorers.ShotOutcome(
                        shot_id=spec.shot_id,
                        first_pass=first_pass,
                        final_status="approved" if final.status == "approved" else "flagged",
                        drift_in_final=last.error is None and not last.passed,
                    )
                )
                expected_final.append(spec.expected)
                got_final.append("approve" if final.status == "approved" else "human_review")
                approved += final.status == "approved"
                flagged += final.status != "approved"
        steps_right += replay.steps_right
        steps += replay.steps
        step_errors += [f"{scenario.id}: {e}" for e in replay.step_errors]
        per_scenario.append(
            [
                scenario.id,
                scenario.kind,
                ", ".join(s.scene_id for s in scenario.scenes if s.redo) or "—",
                ", ".join(sorted(redone)) or "—",
                approved,
                flagged,
            ]
        )

    score = scorers.qa_metrics(outcomes, redo_gold, redo_pred)
    approved_total = sum(o.final_status == "approved" for o in outcomes)
    metrics = [
        Metric(
            name="first_pass_approval",
            value=score.first_pass_approval,
            higher_is_better=None,
            description="shots whose first attempt passed every gate (a property of the scenarios)",
        ),
        Metric(
            name="drift_in_approved",
            value=float(score.drift_in_approved),
            threshold=0.0,
            higher_is_better=False,
            unit="count",
            description="approved shots whose final attempt still failed a gate; must be 0",
        ),
        Metric(
            name="human_review_rate",
            value=score.human_review_rate,
            higher_is_better=False,
            description="shots sent to a person",
        ),
        Metric(
            name="final_action_accuracy",
            value=scorers.accuracy(expected_final, got_final),
            threshold=0.95,
            description="shots ending approved or in human review as labelled",
        ),
        Metric(
            name="redo_accuracy",
            value=score.redo_accuracy,
            threshold=0.9,
            description="scenes where the storyboard-redo call matched the label",
        ),
        Metric(
            name="redo_precision",
            value=score.redo_precision,
            higher_is_better=None,
            description="redone scenes that were real clusters",
        ),
        Metric(
            name="redo_recall",
            value=score.redo_recall,
            threshold=0.75,
            description="real clusters that were sent back to the storyboard",
        ),
        Metric(
            name="step_accuracy",
            value=steps_right / steps if steps else 1.0,
            threshold=0.95,
            description="approve / retry / human-review calls that were right at each step",
        ),
        Metric(
            name="generations_per_approved",
            value=attempts_total / approved_total if approved_total else 0.0,
            higher_is_better=False,
            description="attempts paid for per approved shot (redo attempts included)",
        ),
    ]
    return SuiteResult(
        name="qa",
        dataset="qa",
        dataset_version=manifest.version,
        metrics=metrics,
        bars=[
            Bars(
                title="final outcome per shot: labelled vs QA",
                labels=["approve", "human_review"],
                series={
                    "labelled": [float(expected_final.count(k)) for k in ("approve", "human_review")],
                    "QA": [float(got_final.count(k)) for k in ("approve", "human_review")],
                },
                unit="shots",
            )
        ],
        tables=[
            Table(
                title="scenarios",
                columns=["scenario", "kind", "redo (label)", "redo (QA)", "approved", "flagged"],
                rows=per_scenario,
            ),
            Table(title="wrong steps", columns=["step"], rows=[[e] for e in step_errors]),
        ],
    )
