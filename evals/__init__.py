"""The eval harness: every agent's decisions scored against labelled data, with pass thresholds and a baseline.

    from evals import run_eval, check_baseline
    report = run_eval(["routing", "qa"], "rules", config, Path("eval-out"))   # writes report.json / report.html
    regressions = check_baseline(report)                                       # [] when nothing got worse

Datasets live in ``evals/datasets/<name>/`` (versioned, each with a README); scorers are pure functions in
``evals.scorers``; suites in ``evals.suites``; the HTML/JSON report and the terminal table in ``evals.report``.
"""

from evals.harness import BASELINE_PATH, check_baseline, compare, eval_config, load_baseline, run_eval, write_baseline
from evals.models import Comparison, EvalReport, Metric, Regression, SuiteResult
from evals.suites import SUITES

__all__ = [
    "BASELINE_PATH",
    "SUITES",
    "Comparison",
    "EvalReport",
    "Metric",
    "Regression",
    "SuiteResult",
    "check_baseline",
    "compare",
    "eval_config",
    "load_baseline",
    "run_eval",
    "write_baseline",
]
