"""Failure clusters: when a scene's shots fail together, the fault is upstream of the shots.

A bad scene setup (a wrong bible entry, a storyboard that asks for the impossible) makes most of the scene's
shots fail, and regenerating them one by one only pays for the same failure again. Two signs of a cluster,
both counted over the scene's shots that were tried at least once:
- most first attempts failed (share ≥ ``cluster_fail_fraction``), or
- the failures share one cause (share of failed shots naming the same reason ≥ ``cluster_same_cause_fraction``).
Either needs at least ``cluster_min_shots`` failed shots, so two unlucky shots are never a cluster.
The cure is to redo the scene from the storyboard stage, with the characters or location at fault named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from domain.production import ShotAttempt, ShotRecord
from domain.settings import GateSettings

ClusterKind = Literal["most_first_attempts_failed", "shared_cause"]
CAUSE_TEXT: dict[ClusterKind, str] = {
    "most_first_attempts_failed": "most first attempts failed",
    "shared_cause": "failures share one cause",
}


class Cluster(BaseModel):
    """A scene whose shots failed together; redo it from the storyboard rather than shot by shot."""

    scene_id: str
    kind: ClusterKind
    cause: str = Field(description="'most first attempts failed' or 'failures share one cause'")
    dominant_reason: str = Field(description="the most common failure reason, e.g. character_drift")
    shots: list[str] = Field(description="the failed shots of the scene")
    shots_tried: int
    fail_fraction: float = Field(description="share of tried shots whose first attempt failed")
    same_cause_fraction: float = Field(description="share of failed shots that name the dominant reason")
    characters: list[str] = Field(default_factory=list, description="characters at fault (failed in most shots)")
    locations: list[str] = Field(default_factory=list, description="locations at fault (lighting failed in most shots)")


NOT_UPSTREAM = {"unconfirmed_look"}
"""Reasons that say nothing about the scene's setup: a look no second take has confirmed yet only needs one."""


def _first_failure(record: ShotRecord) -> ShotAttempt | None:
    """The first attempt, if it failed (an attempt without gates and without error counts as not judged, and
    one that failed only for ``NOT_UPSTREAM`` reasons as not failed)."""
    if not record.attempts:
        return None
    first = record.attempts[0]
    judged = first.error is not None or bool(first.gates)
    if first.error is None and first.reasons and set(first.reasons) <= NOT_UPSTREAM:
        return None
    return first if judged and not first.passed else None


def detect_cluster(scene_id: str, records: Sequence[ShotRecord], settings: GateSettings) -> Cluster | None:
    """The scene's cluster, or None when its failures look independent."""
    tried = [r for r in records if r.attempts]
    failed = [(r, a) for r in tried if (a := _first_failure(r)) is not None]
    if not tried or len(failed) < settings.cluster_min_shots:
        return None
    reasons: Counter[str] = Counter()
    for _, attempt in failed:
        reasons.update(set(attempt.reasons) or {"unknown"})
    dominant, count = reasons.most_common(1)[0]
    fail_fraction = len(failed) / len(tried)
    same_cause = count / len(failed)
    kind: ClusterKind
    if fail_fraction >= settings.cluster_fail_fraction:
        kind = "most_first_attempts_failed"
    elif same_cause >= settings.cluster_same_cause_fraction:
        kind = "shared_cause"
    else:
        return None
    at_fault: Counter[str] = Counter()
    locations: Counter[str] = Counter()
    for _, attempt in failed:
        for gate in attempt.gates:
            if gate.passed:
                continue
            at_fault.update(gate.details.get("failing") or [])
            if gate.gate == "lighting" and gate.details.get("location_id"):
                locations[str(gate.details["location_id"])] += 1
    return Cluster(
        scene_id=scene_id,
        kind=kind,
        cause=CAUSE_TEXT[kind],
        dominant_reason=dominant,
        shots=[r.shot_id for r, _ in failed],
        shots_tried=len(tried),
        fail_fraction=round(fail_fraction, 3),
        same_cause_fraction=round(same_cause, 3),
        characters=sorted(c for c, n in at_fault.items() if n * 2 >= len(failed)),
        locations=sorted(loc for loc, n in locations.items() if n * 2 >= len(failed)),
    )
