"""`reelcrew eval` and `reelcrew eval calibrate` as a user meets them, through typer's CliRunner.

The suites themselves are tested elsewhere; here ``run_eval`` returns a fixed report so each case takes a moment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evals.calibrate
import evals.harness
from domain.errors import ConfigError
from evals.calibrate import EmbedderCalibration
from evals.harness import BASELINE_PATH, load_baseline, write_baseline
from evals.models import EvalReport, Metric, SuiteResult
from reelcrew.cli import app

runner = CliRunner()


def _routing(policy: str, accuracy: float) -> EvalReport:
    suite = SuiteResult(
        name="routing",
        metrics=[
            Metric(name="accuracy", value=accuracy, threshold=0.85),
            Metric(name="routed_cost_usd", value=17.956, higher_is_better=False, unit="USD"),
        ],
    ).settle()
    return EvalReport(policy=policy, suites=[suite])


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``run_eval`` returning a routing report of the policy asked for, at ``state["accuracy"]``."""
    state: dict[str, Any] = {"accuracy": 0.8}

    def run_eval(suites: Any, policy: str, config: Any, out: Path, **_: Any) -> EvalReport:
        report = _routing(policy, state["accuracy"])
        from evals.report import write_report

        write_report(report, out)
        return report

    monkeypatch.setattr(evals.harness, "run_eval", run_eval)
    return state


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_llm_run_is_compared_with_the_rules_baseline_and_exits_0(tmp_path: Path, fake_run: dict[str, Any]) -> None:
    committed = BASELINE_PATH.read_bytes()
    out = tmp_path / "ev"
    result = runner.invoke(app, ["eval", "--suite", "routing", "--policy", "llm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "baseline (rules) vs llm" in text and "not gated" in text and "--baseline FILE" in text
    assert (out / "report.html").is_file() and (out / "baseline_comparison.html").is_file()
    html = (out / "baseline_comparison.html").read_text(encoding="utf-8")
    assert '<td class="num worse">−0.100</td>' in html  # llm 0.8 against the stored rules 0.9
    assert 'href="report.html"' in html
    versus = json.loads((out / "baseline_comparison.json").read_text(encoding="utf-8"))
    assert versus["a"]["policy"] == "rules" and versus["b"]["policy"] == "llm"
    assert BASELINE_PATH.read_bytes() == committed


def test_llm_run_is_gated_by_an_llm_baseline(tmp_path: Path, fake_run: dict[str, Any]) -> None:
    llm_baseline = write_baseline(_routing("llm", 0.85), tmp_path / "baseline.llm.json")
    args = ["eval", "--suite", "routing", "--policy", "llm", "-o", str(tmp_path / "ev"), "--baseline"]
    fake_run["accuracy"] = 0.86
    assert runner.invoke(app, [*args, str(llm_baseline)]).exit_code == 0
    fake_run["accuracy"] = 0.8
    failed = runner.invoke(app, [*args, str(llm_baseline)])
    assert failed.exit_code == 1
    assert "routing.accuracy fell to 0.8" in _flat(failed.output)
    # a --baseline of another policy was asked for as a gate: that is an error, not a silent comparison
    wrong = runner.invoke(app, [*args, str(BASELINE_PATH)])
    assert isinstance(wrong.exception, ConfigError) and "holds 'rules' policy scores" in str(wrong.exception)


def test_update_baseline_of_the_llm_policy_goes_to_its_own_file(tmp_path: Path, fake_run: dict[str, Any]) -> None:
    committed = BASELINE_PATH.read_bytes()
    args = ["eval", "--suite", "routing", "--policy", "llm", "-o", str(tmp_path / "ev"), "--update-baseline"]
    refused = runner.invoke(app, args)
    assert isinstance(refused.exception, ConfigError)
    assert BASELINE_PATH.read_bytes() == committed
    done = runner.invoke(app, [*args, "--baseline", str(tmp_path / "llm.json")])
    assert done.exit_code == 0, done.output
    assert load_baseline(tmp_path / "llm.json").policy == "llm"


def test_rules_run_is_still_gated_by_the_committed_baseline(tmp_path: Path, fake_run: dict[str, Any]) -> None:
    fake_run["accuracy"] = 0.5
    result = runner.invoke(app, ["eval", "--suite", "routing", "-o", str(tmp_path / "ev")])
    assert result.exit_code == 1
    assert "routing.accuracy fell to 0.5" in _flat(result.output)
    assert not (tmp_path / "ev" / "baseline_comparison.html").exists()


def test_calibrate_prints_the_toml_table_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def calibrate_embedder(embedder: str, dataset: str, **_: Any) -> EmbedderCalibration:
        return EmbedderCalibration(
            embedder=embedder,
            source="[previz] continuity specs",
            pairs=23,
            drifted=8,
            similarity_threshold=0.518,
            configured_threshold=0.75,
            target="f1",
            precision=1.0,
            recall=0.875,
            f1=0.93,
            auc=0.89,
        )

    monkeypatch.setattr(evals.calibrate, "calibrate_embedder", calibrate_embedder)
    result = runner.invoke(app, ["eval", "calibrate", "--embedder", "offline"])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "set it in reelcrew.toml: [gates.character_threshold] offline = 0.518" in text
    assert "from [previz] continuity specs" in text
