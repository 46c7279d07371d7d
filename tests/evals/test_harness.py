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
    compare,
    compare_reports,
    compare_with_baseline,
    eval_config,
    load_baseline,
    run_eval,
    write_baseline,
)
from evals.models import Comparison, Curve, EvalReport, Metric, SuiteResult
from evals.report import (
    comparison_table,
    format_delta,
    render_comparison_html,
    render_html,
    summary_table,
    write_comparison,
    write_report,
)


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


class TestBaselineOfAnotherPolicy:
    def _llm(self, accuracy: float = 0.8) -> EvalReport:
        report = _report(accuracy=accuracy, cost=9.0)
        report.policy = "llm"
        return report

    def test_an_llm_run_is_compared_with_the_rules_baseline(self, tmp_path: Path) -> None:
        path = write_baseline(_report(accuracy=0.9, cost=10.0), tmp_path / "baseline.json")
        versus = compare_with_baseline(self._llm(), path)
        assert (versus.label_a, versus.label_b) == ("baseline (rules)", "llm")
        rows = {r.metric: r for r in versus.rows}
        assert rows["routing.accuracy"].a == 0.9 and rows["routing.accuracy"].b == 0.8
        assert rows["routing.accuracy"].delta == pytest.approx(-0.1)
        assert rows["routing.accuracy"].better == "a"  # the rules baseline is better here
        assert rows["routing.routed_cost_usd"].better == "b"  # cheaper is better
        assert rows["routing.all_veo_cost_usd"].a is None  # informational: not stored, shown for the run only

    def test_only_the_suites_run_are_lined_up_and_rounding_is_not_a_change(self, tmp_path: Path) -> None:
        path = tmp_path / "baseline.json"
        path.write_text(
            Baseline(
                metrics={"qa.step_accuracy": {"value": 1.0}, "routing.accuracy": {"value": 0.333333}}  # type: ignore[dict-item]
            ).model_dump_json(),
            encoding="utf-8",
        )
        versus = compare_with_baseline(self._llm(accuracy=1 / 3), path)
        assert not any(r.metric.startswith("qa.") for r in versus.rows)
        assert {r.metric: r.better for r in versus.rows}["routing.accuracy"] == "same"

    def test_update_baseline_never_writes_over_another_policy(self, tmp_path: Path) -> None:
        path = write_baseline(_report(), tmp_path / "baseline.json")
        with pytest.raises(ConfigError, match="--baseline FILE"):
            write_baseline(self._llm(), path)
        assert load_baseline(path).policy == "rules"
        llm_path = write_baseline(self._llm(accuracy=0.85), tmp_path / "baseline.llm.json")
        assert load_baseline(llm_path).policy == "llm"
        assert [r.metric for r in check_baseline(self._llm(accuracy=0.8), llm_path)] == ["routing.accuracy"]


class TestComparisonReport:
    def _comparison(self) -> Comparison:
        a, b = _report(accuracy=0.9, cost=10.0), _report(accuracy=0.95, cost=12.5)
        b.config = {"quality": "premium"}
        a.config = {"quality": "standard"}
        return Comparison(label_a="cheap", label_b="<fancy>", a=a, b=b, rows=compare_reports(a, b))

    def test_side_by_side_with_deltas_in_the_report_look(self, tmp_path: Path) -> None:
        files = write_comparison(self._comparison(), tmp_path)
        assert files.json_path == tmp_path / "comparison.json" and files.html_path == tmp_path / "comparison.html"
        html = files.html_path.read_text(encoding="utf-8")
        assert "td.num { text-align: right" in html  # the report's stylesheet: the same look
        assert "&lt;fancy&gt;" in html and "<fancy>" not in html  # labels are escaped
        assert '<td class="num better">+0.050</td>' in html  # accuracy rose: better in b
        assert '<td class="num worse">+$2.50</td>' in html  # the cost rose: worse in b
        assert "$10.00" in html and "$12.50" in html
        assert '<tr class="differs"><th>quality</th><td>standard</td><td>premium</td></tr>' in html
        again = Comparison.model_validate_json(files.json_path.read_text(encoding="utf-8"))
        assert [r.metric for r in again.rows] == [r.metric for r in self._comparison().rows]

    def test_terminal_table_and_delta_format(self) -> None:
        console = Console(width=140, record=True)
        console.print(comparison_table(self._comparison()))
        text = console.export_text()
        assert "cheap vs <fancy>" in text and "+0.050" in text and "+$2.50" in text
        assert format_delta(None) == "—" and format_delta(1e-9) == "0" and format_delta(-3.0, "count") == "−3"

    def test_a_suite_broken_on_one_side_still_renders(self) -> None:
        a = _report()
        b = EvalReport(suites=[SuiteResult(name="routing", status="error", error="boom")])
        html = render_comparison_html(Comparison(label_a="a", label_b="b", a=a, b=b, rows=compare_reports(a, b)))
        assert '<td class="error">error</td>' in html and "—" in html

    def test_compare_writes_json_and_html(self, tmp_path: Path) -> None:
        cheap = Config()
        cheap.router.default_family = "happyhorse"
        result = compare(Config(), cheap, suites=["routing"], out_dir=tmp_path, labels=("default", "cheap"))
        html = (tmp_path / "comparison.html").read_text(encoding="utf-8")
        assert (tmp_path / "comparison.json").is_file()
        assert 'href="default/report.html"' in html and 'href="cheap/report.html"' in html
        assert "routed_cost_usd" in html and "delta (cheap − default)" in html
        assert any(r.better in ("a", "b") for r in result.rows)  # the routing changed something
