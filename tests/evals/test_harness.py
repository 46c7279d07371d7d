"""The harness around the suites: the baseline regression gate, comparisons, the report files, the policy switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from domain.errors import ConfigError
from domain.settings import Config
from evals.harness import (
    BASELINE_PATH,
    Baseline,
    check_baseline,
    compare_reports,
    eval_config,
    load_baseline,
    run_eval,
    write_baseline,
)
from evals.models import Curve, EvalReport, Metric, SuiteResult
from evals.report import render_html, summary_table, write_report


def _report(accuracy: float = 0.9, cost: float = 10.0, status: str = "passed") -> EvalReport:
    suite = SuiteResult(
        name="routing",
        status=status,  # type: ignore[arg-type]
        metrics=[
            Metric(name="accuracy", value=accuracy, threshold=0.85),
            Metric(name="routed_cost_usd", value=cost, higher_is_better=False, unit="USD"),
            Metric(name="all_veo_cost_usd", value=40.0, higher_is_better=None, unit="USD"),
        ]
        if status == "passed"
        else [],
    )
    return EvalReport(suites=[suite.settle()])


class TestBaselineGate:
    def test_same_scores_pass(self, tmp_path: Path) -> None:
        path = write_baseline(_report(), tmp_path / "baseline.json")
        assert check_baseline(_report(), path) == []

    def test_a_lowered_score_fails(self, tmp_path: Path) -> None:
        # the stored baseline is higher than what this run reaches: the gate must catch it
        path = write_baseline(_report(accuracy=0.95), tmp_path / "baseline.json")
        regressions = check_baseline(_report(accuracy=0.9), path)
        assert [r.metric for r in regressions] == ["routing.accuracy"]
        assert regressions[0].kind == "worse"
        assert "fell to 0.9" in regressions[0].message

    def test_within_tolerance_passes_and_exact_gate_does_not(self, tmp_path: Path) -> None:
        path = write_baseline(_report(accuracy=0.91), tmp_path / "baseline.json")
        assert check_baseline(_report(accuracy=0.9), path) == []
        assert [r.metric for r in check_baseline(_report(accuracy=0.9), path, tolerance=0.0)] == ["routing.accuracy"]

    def test_a_cost_that_rises_fails(self, tmp_path: Path) -> None:
        path = write_baseline(_report(cost=10.0), tmp_path / "baseline.json")
        assert check_baseline(_report(cost=10.1), path) == []  # 2% of $10 tolerated
        regressions = check_baseline(_report(cost=12.0), path)
        assert [r.metric for r in regressions] == ["routing.routed_cost_usd"]
        assert "rose to 12" in regressions[0].message

    def test_informational_metrics_are_not_stored(self, tmp_path: Path) -> None:
        baseline = load_baseline(write_baseline(_report(), tmp_path / "baseline.json"))
        assert set(baseline.metrics) == {"routing.accuracy", "routing.routed_cost_usd"}

    def test_skipped_suite_reports_missing_scores(self, tmp_path: Path) -> None:
        path = write_baseline(_report(), tmp_path / "baseline.json")
        regressions = check_baseline(_report(status="skipped"), path)
        assert {r.kind for r in regressions} == {"missing"}
        assert len(regressions) == 2

    def test_suites_not_run_are_not_checked_and_keep_their_entries(self, tmp_path: Path) -> None:
        path = tmp_path / "baseline.json"
        path.write_text(
            Baseline(metrics={"qa.step_accuracy": {"value": 1.0}}).model_dump_json(),  # type: ignore[dict-item]
            encoding="utf-8",
        )
        assert check_baseline(_report(), path) == []
        write_baseline(_report(), path)
        assert "qa.step_accuracy" in load_baseline(path).metrics

    def test_policy_mismatch_is_an_error(self, tmp_path: Path) -> None:
        path = write_baseline(_report(), tmp_path / "baseline.json")
        report = _report()
        report.policy = "llm"
        with pytest.raises(ConfigError, match="compare"):
            check_baseline(report, path)

    def test_broken_baseline_file(self, tmp_path: Path) -> None:
        bad = tmp_path / "baseline.json"
        bad.write_text("{not json", encoding="utf-8")
        with pytest.raises(ConfigError, match="not a valid eval baseline"):
            check_baseline(_report(), bad)
        with pytest.raises(ConfigError, match="update-baseline"):
            check_baseline(_report(), tmp_path / "absent.json")

    def test_committed_baseline_is_valid(self) -> None:
        baseline = load_baseline(BASELINE_PATH)
        assert baseline.policy == "rules"
        assert {key.split(".")[0] for key in baseline.metrics} <= {"script", "routing", "continuity", "qa"}


def test_real_routing_run_regresses_against_a_raised_baseline(tmp_path: Path) -> None:
    report = run_eval(["routing"], "rules", Config(), tmp_path / "run", render=False)
    path = write_baseline(report, tmp_path / "baseline.json")
    assert check_baseline(report, path) == []
    data = json.loads(path.read_text(encoding="utf-8"))
    data["metrics"]["routing.accuracy"]["value"] = report.metrics()["routing.accuracy"].value + 0.1
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [r.metric for r in check_baseline(report, path)] == ["routing.accuracy"]


class TestPolicy:
    def test_rules_policy_reaches_every_agent_and_previz_is_forced(self) -> None:
        config = Config()
        config.backends.video = "auto"
        cfg = eval_config(config, "rules")
        assert all(cfg.llm.for_agent(a).policy == "rules" for a in ("script", "router", "qa"))
        assert cfg.backends.video == "previz"
        assert config.backends.video == "auto"  # the caller's config is untouched

    def test_llm_policy_needs_an_endpoint(self) -> None:
        with pytest.raises(ConfigError, match="endpoint"):
            eval_config(Config(), "llm")
        config = Config()
        config.llm.base_url = "http://127.0.0.1:9/v1"
        assert eval_config(config, "llm").llm.for_agent("router").policy == "llm"

    def test_unknown_suite(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="unknown eval suite"):
            run_eval(["nope"], out_dir=tmp_path)


def test_compare_reports_follows_each_metric_direction() -> None:
    rows = {r.metric: r for r in compare_reports(_report(accuracy=0.9, cost=10), _report(accuracy=0.95, cost=12))}
    assert rows["routing.accuracy"].better == "b"
    assert rows["routing.accuracy"].delta == pytest.approx(0.05)
    assert rows["routing.routed_cost_usd"].better == "a"
    assert rows["routing.all_veo_cost_usd"].better == "n/a"


class TestReport:
    def test_report_files_from_a_real_run(self, tmp_path: Path) -> None:
        report = run_eval(["routing", "qa"], "rules", Config(), tmp_path)
        html = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert html.count("data:image/png;base64,") >= 3  # confusion matrix, cost bars, QA outcome bars
        assert "routing confusion matrix" in html and "savings_vs_all_veo" in html
        again = EvalReport.model_validate_json((tmp_path / "report.json").read_text(encoding="utf-8"))
        assert again.metrics().keys() == report.metrics().keys()
        assert again.decisions is not None and any(row[1] == "route_shot" for row in again.decisions.rows)

    def test_roc_curves_and_broken_suites_render(self, tmp_path: Path) -> None:
        curve = Curve(name="character", x=[0.0, 0.0, 1.0], y=[0.0, 1.0, 1.0], auc=1.0)
        report = EvalReport(
            suites=[
                SuiteResult(name="continuity", curves=[curve], metrics=[Metric(name="auc", value=1.0, threshold=0.9)]),
                SuiteResult(name="script", status="error", error="ScriptError: cannot parse"),
                SuiteResult(name="qa", status="skipped", notes=["agents.qa is not available yet"]),
            ]
        )
        files = write_report(report, tmp_path)
        html = files.html_path.read_text(encoding="utf-8")
        assert "ROC curves per gate" in html and html.count("data:image/png;base64,") == 1
        assert "ScriptError: cannot parse" in html and "not available yet" in html
        assert not report.passed

    def test_summary_table(self) -> None:
        console = Console(width=140, record=True)
        console.print(summary_table(_report(accuracy=0.5)))
        text = console.export_text()
        assert "routing" in text and "accuracy" in text and "FAIL" in text and "≥ 0.850" in text

    def test_html_escapes_text(self) -> None:
        report = EvalReport(suites=[SuiteResult(name="qa", status="error", error="<script>alert(1)</script>")])
        assert "<script>alert" not in render_html(report)
