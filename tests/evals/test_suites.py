"""Each suite run for real on its (small) dataset: the agents, tools, renderer and gates are the real ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from domain.settings import Config, RouteRule, RouteWhen
from evals.calibrate import calibrate_embedder
from evals.generate_continuity import load_specs, render_setups
from evals.harness import run_eval
from evals.models import SuiteResult


def _suite(name: str, tmp: Path, config: Config | None = None, **kwargs: object) -> SuiteResult:
    report = run_eval([name], "rules", config or Config(), tmp, render=False, strict=True, **kwargs)  # type: ignore[arg-type]
    suite = report.suite(name)
    assert suite is not None
    return suite


def _value(suite: SuiteResult, metric: str) -> float:
    found = suite.metric(metric)
    assert found is not None, f"{suite.name} has no metric {metric}: {[m.name for m in suite.metrics]}"
    return found.value


class TestRouting:
    def test_default_rules_against_the_labels(self, tmp_path: Path) -> None:
        suite = _suite("routing", tmp_path)
        assert suite.status == "passed"
        assert _value(suite, "accuracy") >= 0.85
        assert _value(suite, "decisions_logged") == 1.0
        assert _value(suite, "savings_vs_all_veo") > 0.5
        assert _value(suite, "routed_cost_usd") < _value(suite, "all_veo_cost_usd")
        mistakes = next(t for t in suite.tables if t.title.startswith("disagreements"))
        assert "R35" in {row[0] for row in mistakes.rows}  # the sobbing MCU: the CU-only rule sends it to seedance
        assert all(row[0] >= "R33" for row in mistakes.rows)  # only the edge cases are in dispute
        matrix = suite.matrices[0]
        assert sum(map(sum, matrix.rows)) == 40
        assert matrix.rows[matrix.labels.index("happyhorse")][matrix.labels.index("seedance")] >= 1

    def test_a_routing_table_that_knows_mcu_scores_higher(self, tmp_path: Path) -> None:
        before = _value(_suite("routing", tmp_path / "default"), "accuracy")
        config = Config()
        emotional = next(i for i, rule in enumerate(config.router.rules) if rule.family == "happyhorse")
        config.router.rules[emotional] = RouteRule(
            name="emotional_close_up",
            when=RouteWhen(shot_types=["CU", "ECU", "MCU"], min_emotional_intensity=0.7),
            family="happyhorse",
        )
        after = _value(_suite("routing", tmp_path / "mcu", config), "accuracy")
        assert after == pytest.approx(before + 1 / 40)  # R35, the sobbing MCU, now goes to happyhorse


class TestQA:
    def test_replayed_scenarios(self, tmp_path: Path) -> None:
        suite = _suite("qa", tmp_path)
        assert _value(suite, "drift_in_approved") == 0
        assert _value(suite, "final_action_accuracy") == 1.0
        assert _value(suite, "step_accuracy") == 1.0
        assert _value(suite, "redo_recall") == 1.0
        assert _value(suite, "redo_accuracy") >= 0.9
        assert 0 < _value(suite, "human_review_rate") < 0.1
        assert _value(suite, "generations_per_approved") > 1.0
        scenarios = next(t for t in suite.tables if t.title == "scenarios")
        by_id = {row[0]: row for row in scenarios.rows}
        assert by_id["Q04"][3] == "E02-S001"  # the bad scene setup went back to the storyboard
        assert by_id["Q03"][5] == 1  # the shot that drifted three times reached a person
        assert (tmp_path / "qa" / "Q03" / "decisions.jsonl").is_file()


class TestScript:
    def test_parsing_scores(self, tmp_path: Path) -> None:
        suite = _suite("script", tmp_path)
        for metric in ("scene_f1", "character_f1", "dialogue_attribution", "location_f1"):
            assert _value(suite, metric) >= 0.9, metric
        assert 0.0 <= _value(suite, "beat_emotion_auc") <= 1.0  # tools.beats read on the labelled beats
        assert 0.0 <= _value(suite, "beat_physics_f1") <= 1.0
        per_script = next(t for t in suite.tables if t.title == "per script")
        assert {row[0] for row in per_script.rows} >= {"brick-and-steel-fountain", "brick-and-steel-fdx"}

    def test_storyboard_scores_when_the_agents_exist(self, tmp_path: Path) -> None:
        pytest.importorskip("agents.script")
        pytest.importorskip("agents.character")
        suite = _suite("script", tmp_path, sample=1)
        assert 0.0 <= _value(suite, "shot_type_accuracy") <= 1.0
        assert suite.matrices and suite.matrices[0].labels


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("continuity-cache")


class TestContinuity:
    SAMPLE = 11  # one case of every fault kind, clean controls included

    def test_gates_on_labelled_drift(self, tmp_path: Path, clip_cache: Path) -> None:
        suite = _suite("continuity", tmp_path, sample=self.SAMPLE, cache_dir=clip_cache)
        assert {c.name for c in suite.curves} == {"character", "lighting", "artifacts"}
        assert all(0.0 <= c.auc <= 1.0 for c in suite.curves if c.auc is not None)
        clips = {row[0]: row for row in next(t for t in suite.tables if t.title == "every clip").rows}
        assert clips["office-clean-ms"][2:] == [c for c in clips["office-clean-ms"][2:] if c.startswith("pass")]
        assert clips["office-wardrobe"][2].startswith("FAIL")  # the character gate caught the new outfit
        assert clips["office-light"][3].split()[0] in ("FAIL", "fixed")  # the lighting gate caught 6800 K vs 3800 K
        assert clips["office-black"][4].startswith("FAIL")  # the artifact gate caught the black frames
        assert "not scored" in clips["office-black"][2]
        assert _value(suite, "drift_passed") >= 0 and _value(suite, "clean_flagged") >= 0

    def test_clips_are_cached_and_carry_their_faults(self, clip_cache: Path) -> None:
        specs = load_specs()
        first = render_setups(specs, clip_cache, only={"office-black"})
        clip = first[0].cases[0][1]
        stamp = clip.stat().st_mtime_ns
        again = render_setups(specs, clip_cache, only={"office-black"})
        assert again[0].cases[0][1] == clip and clip.stat().st_mtime_ns == stamp
        side = json.loads(clip.with_name(clip.name + ".json").read_text(encoding="utf-8"))
        assert [f["kind"] for f in side["faults"]] == ["black_frames"]
        assert (side["width"], side["height"]) == (180, 320)

    def test_calibration_on_real_frame_pairs(self, tmp_path: Path) -> None:
        from backends.previz import render_still
        from evals.generate_continuity import Change, request_for

        specs = load_specs()
        setup = specs.setups[0]
        frames = tmp_path / "frames"
        frames.mkdir()
        pairs = []
        cases = [
            ("clean-1", 11, None, False),
            ("clean-2", 12, None, False),
            ("red", 13, Change(character="lena", outfit="crimson blazer", colors=["crimson"]), True),
            ("green", 14, Change(character="lena", outfit="green coat", colors=["green"]), True),
        ]
        render_still(request_for(specs, setup, setup.reference_shot(), 10, None)).save(frames / "ref.png")
        for name, seed, change, drift in cases:
            render_still(request_for(specs, setup, setup.reference_shot(), seed, change)).save(frames / f"{name}.png")
            pairs.append(
                {"id": name, "reference": ["frames/ref.png"], "candidate": [f"frames/{name}.png"], "drift": drift}
            )
        (tmp_path / "labels.yaml").write_text(yaml.safe_dump({"version": "1", "pairs": pairs}), encoding="utf-8")
        result = calibrate_embedder("offline", tmp_path)
        assert (result.pairs, result.drifted) == (4, 2)
        assert result.auc == 1.0 and result.f1 == 1.0
        assert 0.0 < result.similarity_threshold < 1.0
        assert result.configured_threshold == Config().gates.character_threshold["offline"]
