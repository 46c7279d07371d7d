"""Injected drift through the whole pipeline: no drifted take reaches the approved pool, every shot that cannot be
fixed is flagged with its reasons, and the manifest reports the drift rate.

The previz renderer simulates a model that drifts (``no_bible``: 40% character drift per attempt, 15% lighting
drift, 3% artifacts) on the model most shots are routed to (seedance-2.0-fast at standard quality), and writes
what it injected beside each clip: the ground truth the approved pool is checked against. A fault counts when
the gates can see it: a character drifted in a clip that shows it in one of the character gate's views (eyes,
face, bust: ``thresholds.toml``), not only as a sleeve at the frame's edge or off frame; a light drifted in a
clip that shows some of the set, not an extreme close-up that is all skin. A lighting drift the colour grade
corrected, or a small clip the rescale fixed, is no longer a fault in the clip that was approved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reelcrew import runner
from tests.graph.support import ROOT
from tools.gates.tuning import section, views

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "tests" / "fixtures" / "scripts" / "spare-key.fountain"
DRIFTY = {
    "run": {"width": 144, "height": 256, "workers": 4, "seed": 7},
    "export": {"width": 144, "height": 256},
    "backends": {"simulation": {"seedance-2.0-fast": "no_bible"}},
}
FIXES = {"lighting_drift": "color_grade", "low_resolution": "upscale"}


def _shows_a_view(meta: dict[str, Any], character_id: str) -> bool:
    """Whether the clip shows the character in one of the character gate's views at its start, middle or end:
    the view's window of the figure's whole extent lies mostly inside the picture between the caption bands."""
    figure = meta.get("figures", {}).get(character_id) or {}
    captions = meta.get("captions") or {}
    top, bottom = float(captions.get("top", 0.0)), 1.0 - float(captions.get("bottom", 0.0))
    shown = float(section("character")["min_window_shown"])
    for x0, y0, x1, y1 in (figure.get("extent") or {}).values():
        for view in views():
            wx0, wy0, wx1, wy1 = view.window
            left, right = x0 + wx0 * (x1 - x0), x0 + wx1 * (x1 - x0)
            high, low = y0 + wy0 * (y1 - y0), y0 + wy1 * (y1 - y0)
            seen_w = min(right, 1.0) - max(left, 0.0)
            seen_h = min(low, bottom) - max(high, top)
            if (
                seen_w >= shown * (right - left)
                and seen_h >= shown * (low - high)
                and (low - high) / (bottom - top) >= view.min_height
            ):
                return True
    return False


def _shows_the_set(meta: dict[str, Any]) -> bool:
    """Whether any keyframe shows some set: no figure's box fills the frame (an extreme close-up does)."""
    boxes = [b for f in meta.get("figures", {}).values() for k, b in f.items() if k in ("start", "middle", "end")]
    return not boxes or not all(b["w"] * b["h"] >= 0.96 for b in boxes)


def _visible_faults(meta: dict[str, Any]) -> list[str]:
    found = []
    for fault in meta.get("faults", []):
        kind = fault["kind"]
        if kind == "character_drift" and not _shows_a_view(meta, fault["character_id"]):
            continue
        if kind == "lighting_drift" and not _shows_the_set(meta):
            continue
        found.append(kind)
    return found


def test_drifted_takes_never_reach_the_approved_pool(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = runner.produce([SCRIPT], out, **DRIFTY)

    production = runner.load_production(out)
    records = production.records
    assert {r.status for r in records.values()} <= {"approved", "flagged"}
    flagged = {shot_id for shot_id, r in records.items() if r.status == "flagged"}
    assert all(records[shot_id].review_reasons for shot_id in flagged), "a flagged shot must say why"
    if flagged:
        assert outcome.status == "paused_for_review"
        assert {item.shot_id for item in outcome.review} == flagged and all(item.reasons for item in outcome.review)

    injected = 0
    for shot_id, record in records.items():
        final = record.attempts[-1]
        meta = json.loads(Path(final.clip + ".json").read_text())
        injected += len(meta["faults"])
        if record.status != "approved":
            continue
        assert Path(record.final_clip).samefile(final.clip), shot_id
        fixed = {g.fixed for g in final.gates if g.fixed}
        drifted = [f for f in _visible_faults(meta) if FIXES.get(f) not in fixed]
        assert not drifted, f"{shot_id} was approved with {drifted}: {[g.model_dump() for g in final.gates]}"
    assert injected, "the simulation injected nothing: the test proves nothing"

    for _ in range(3):  # the flagged shots are rejected: the episodes finish without them
        if outcome.status != "paused_for_review":
            break
        outcome = runner.submit_review(out, {item.shot_id: {"action": "reject"} for item in outcome.review})
    assert outcome.status == "complete"
    figures = json.loads((out / "manifest.json").read_text())["figures"]
    assert figures["shots"] == len(records) and figures["approved"] + figures["rejected"] == figures["shots"]
    assert figures["rejected"] == len(flagged)
    rates = figures["drift_rate"]
    assert set(rates) >= {"character", "lighting", "artifacts"}
    assert 0.15 <= rates["character"] <= 0.8, rates  # 40% of the drifting model's takes, fewer overall
    assert figures["retries"] > 0 and figures["first_pass_approval_rate"] < 1.0
