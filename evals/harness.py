"""The eval harness: run suites against labelled data, gate the scores, compare configs, guard a baseline.

``run_eval`` is what ``reelcrew eval`` calls. It copies the config, applies the policy to every agent, forces the
previz renderer (an eval never pays a provider), runs each suite in its own folder under ``out_dir`` and writes
``report.json`` and ``report.html``. ``check_baseline`` turns the stored scores in ``evals/baseline.json`` into a
regression gate for CI.

A baseline holds the scores of one policy (the committed one: ``rules``), and the gate only compares a run with a
baseline of its own policy. A run of another policy (``--policy llm`` against the rules baseline) is lined up
with the baseline by ``compare_with_baseline`` instead: a comparison to read, not a gate.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from domain.errors import ConfigError
from domain.files import write_json
from domain.settings import AgentLLMSettings, Config, PolicyKind
from evals.models import Comparison, ComparisonRow, EvalReport, Metric, Regression, SuiteResult, Table
from evals.suites import SUITES, SuiteContext, SuiteSkipped, load_suite
from tools.decision_log import read_decisions

BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
AGENTS: tuple[str, ...] = ("script", "character", "router", "continuity", "qa", "audio")
OUR_PACKAGES = ("domain", "tools", "agents", "backends", "graph", "reelcrew", "evals")
SAME = 1e-6  # scores closer than this are the same (a baseline stores them rounded to 6 places)

__all__ = [
    "BASELINE_PATH",
    "Baseline",
    "check_baseline",
    "compare",
    "compare_with_baseline",
    "eval_config",
    "run_eval",
    "write_baseline",
]


def eval_config(config: Config, policy: PolicyKind) -> Config:
    """A copy of ``config`` with ``policy`` for every agent and the offline previz renderer for video."""
    if policy not in ("rules", "llm"):
        raise ConfigError(f"unknown policy {policy!r}; use 'rules' or 'llm'")
    if policy == "llm" and config.llm.base_url is None and config.llm.api_key is None:
        raise ConfigError(
            "the llm policy needs an OpenAI-compatible endpoint: set llm.base_url (and llm.api_key if it needs one) "
            "in reelcrew.toml or REELCREW_LLM__BASE_URL, or run the eval with the rules policy"
        )
    copy = config.model_copy(deep=True)
    for agent in AGENTS:
        current = copy.llm.for_agent(agent)
        copy.llm.agents[agent] = AgentLLMSettings(policy=policy, model=current.model)
    copy.backends.video = "previz"
    copy.run.budget_usd = None
    return copy


def run_eval(
    suites: Sequence[str] | None = None,
    policy: PolicyKind = "rules",
    config: Config | None = None,
    out_dir: Path = Path("eval-out"),
    *,
    cache_dir: Path | None = None,
    datasets_root: Path | None = None,
    sample: int | None = None,
    render: bool = True,
    strict: bool = False,
    services: Mapping[str, Any] | None = None,
) -> EvalReport:
    """Run the named suites (all of them by default) and return the report.

    ``cache_dir`` keeps rendered continuity clips between runs (default ``out_dir/cache``); ``sample`` caps each
    dataset at that many cases (for quick checks; scores on a sample are not comparable to the baseline);
    ``render`` writes report.json and report.html into ``out_dir``; ``strict`` re-raises a suite's exception
    instead of recording it, for debugging; ``services`` are injected into every tool context (a scripted chat
    model for the llm policy in tests, a shared embedder).
    """
    names = list(suites) if suites else list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ConfigError(f"unknown eval suite(s) {', '.join(unknown)}; the suites are: {', '.join(SUITES)}")
    cfg = eval_config(config or Config(), policy)
    out_dir = Path(out_dir).resolve()
    cache = Path(cache_dir).resolve() if cache_dir else out_dir / "cache"
    started = time.perf_counter()
    results = [
        _run_suite(
            name,
            SuiteContext(
                cfg,
                policy,
                out_dir / name,
                cache,
                datasets_root=datasets_root,
                sample=sample,
                services=dict(services or {}),
            ),
            strict=strict,
        )
        for name in names
    ]
    report = EvalReport(
        policy=policy,
        suites=results,
        config=_config_summary(cfg, sample),
        decisions=decision_table(out_dir),
        duration_s=round(time.perf_counter() - started, 2),
    )
    if render:
        from evals.report import write_report

        write_report(report, out_dir)
    return report


def _run_suite(name: str, ctx: SuiteContext, *, strict: bool) -> SuiteResult:
    started = time.perf_counter()
    try:
        result = load_suite(name)(ctx).settle()
    except SuiteSkipped as exc:
        result = SuiteResult(name=name, status="skipped", notes=[str(exc)])
    except ModuleNotFoundError as exc:
        if strict or not (exc.name or "").startswith(OUR_PACKAGES):
            raise
        result = SuiteResult(name=name, status="skipped", notes=[f"{exc.name} is not available yet ({exc})"])
    except Exception as exc:
        if strict:
            raise
        result = SuiteResult(name=name, status="error", error=f"{type(exc).__name__}: {exc}")
    result.duration_s = round(time.perf_counter() - started, 2)
    return result


def _config_summary(cfg: Config, sample: int | None) -> dict[str, Any]:
    """The settings that move the scores, recorded with them (no secrets: none of these are keys)."""
    return {
        "quality": cfg.run.quality,
        "resolution": f"{cfg.run.width}x{cfg.run.height}",
        "router_rules": [rule.name for rule in cfg.router.rules],
        "default_family": cfg.router.default_family,
        "baseline_model": cfg.router.baseline_model,
        "embedder": cfg.gates.embedder,
        "character_threshold": cfg.gates.character_threshold.get(cfg.gates.embedder),
        "lighting_threshold_k": cfg.gates.lighting_threshold_k,
        "max_attempts": cfg.gates.max_attempts,
        "llm_model": cfg.llm.model if any(a.policy == "llm" for a in cfg.llm.agents.values()) else None,
        "sample": sample,
    }


def decision_table(out_dir: Path) -> Table | None:
    """Every decision the agents logged during the eval, counted by agent, tool, policy and outcome."""
    counts: Counter[tuple[str, str, str, bool]] = Counter()
    for log in sorted(Path(out_dir).glob("**/decisions.jsonl")):
        for decision in read_decisions(log):
            counts[(decision.agent, decision.tool, decision.policy, decision.ok)] += 1
    if not counts:
        return None
    rows: list[list[Any]] = [[a, t, p, "ok" if ok else "failed", n] for (a, t, p, ok), n in sorted(counts.items())]
    return Table(title="Decisions logged", columns=["agent", "tool", "policy", "outcome", "count"], rows=rows)


# ---------------------------------------------------------------- comparing two configurations


def compare(
    config_a: Config,
    config_b: Config,
    *,
    suites: Sequence[str] | None = None,
    policy_a: PolicyKind = "rules",
    policy_b: PolicyKind | None = None,
    out_dir: Path = Path("eval-compare"),
    labels: tuple[str, str] = ("a", "b"),
    cache_dir: Path | None = None,
    sample: int | None = None,
) -> Comparison:
    """Run the same suites under two configs (or two policies) and line their metrics up.

    The continuity clips are shared through one cache, so only the part that differs is recomputed.
    """
    out_dir = Path(out_dir).resolve()
    cache = cache_dir or out_dir / "cache"
    a = run_eval(suites, policy_a, config_a, out_dir / labels[0], cache_dir=cache, sample=sample)
    b = run_eval(suites, policy_b or policy_a, config_b, out_dir / labels[1], cache_dir=cache, sample=sample)
    comparison = Comparison(label_a=labels[0], label_b=labels[1], a=a, b=b, rows=compare_reports(a, b))
    from evals.report import write_comparison

    write_comparison(comparison, out_dir)  # comparison.json and comparison.html
    return comparison


def compare_reports(a: EvalReport, b: EvalReport) -> list[ComparisonRow]:
    """One row per metric in either report; ``better`` follows each metric's direction."""
    ma, mb = a.metrics(), b.metrics()
    rows = []
    for key in list(ma) + [k for k in mb if k not in ma]:
        va = ma[key].value if key in ma else None
        vb = mb[key].value if key in mb else None
        metric = ma.get(key) or mb[key]
        rows.append(
            ComparisonRow(
                metric=key,
                a=va,
                b=vb,
                delta=None if va is None or vb is None else vb - va,
                better=_better(va, vb, metric),
            )
        )
    return rows


def _better(va: float | None, vb: float | None, metric: Metric) -> Any:
    if va is None or vb is None or metric.higher_is_better is None:
        return "n/a"
    if abs(va - vb) <= SAME:
        return "same"
    return "b" if (vb > va) == metric.higher_is_better else "a"


# ---------------------------------------------------------------- the baseline regression gate


class BaselineEntry(BaseModel):
    value: float
    higher_is_better: bool = True
    tolerance: float | None = Field(default=None, description="overrides the default for this metric")


class Baseline(BaseModel):
    """Stored scores a change must not fall below. Keys are ``suite.metric``."""

    version: int = 1
    policy: str = "rules"
    created_at: str = ""
    default_tolerance: float = Field(
        default=0.02, description="absolute for rates in [0, 1]; scaled by the value for larger numbers (costs)"
    )
    metrics: dict[str, BaselineEntry] = Field(default_factory=dict)

    def tolerance_for(self, key: str) -> float:
        entry = self.metrics[key]
        if entry.tolerance is not None:
            return entry.tolerance
        return self.default_tolerance * max(1.0, abs(entry.value))


def load_baseline(path: Path = BASELINE_PATH) -> Baseline:
    try:
        return Baseline.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no eval baseline; write one with `reelcrew eval --update-baseline`") from None
    except (ValueError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a valid eval baseline ({exc})") from None


def check_baseline(
    report: EvalReport, baseline_path: Path = BASELINE_PATH, *, tolerance: float | None = None
) -> list[Regression]:
    """Every metric of a suite in ``report`` that is worse than its baseline by more than the tolerance.

    Only suites that were asked for are checked, so running one suite does not report the others as missing;
    a suite that was asked for but skipped or errored reports each of its baseline metrics as missing.
    ``tolerance`` overrides every stored tolerance (0 makes the gate exact).
    """
    baseline = load_baseline(baseline_path)
    if baseline.policy != report.policy:
        raise ConfigError(
            f"{baseline_path} holds {baseline.policy!r} policy scores but this report ran the {report.policy!r} "
            f"policy; gate it against a {report.policy} baseline (write one with `reelcrew eval --policy "
            f"{report.policy} --update-baseline --baseline FILE`), or compare it with the {baseline.policy} "
            "baseline (evals.harness.compare_with_baseline)"
        )
    scores = report.metrics()
    ran = {s.name for s in report.suites}
    found: list[Regression] = []
    for key, entry in baseline.metrics.items():
        if key.split(".", 1)[0] not in ran:
            continue
        tol = tolerance if tolerance is not None else baseline.tolerance_for(key)
        metric = scores.get(key)
        if metric is None:
            found.append(_regression(key, entry, None, tol, "missing"))
            continue
        worse = metric.value < entry.value - tol if entry.higher_is_better else metric.value > entry.value + tol
        if worse:
            found.append(_regression(key, entry, metric.value, tol, "worse"))
    return found


def baseline_report(baseline: Baseline, suites: Iterable[str] | None = None) -> EvalReport:
    """The stored scores of ``baseline`` as a report (of the ``suites`` given, or all), to line up with a run."""
    wanted = None if suites is None else set(suites)
    grouped: dict[str, list[Metric]] = {}
    for key, entry in baseline.metrics.items():
        suite, _, name = key.partition(".")
        if wanted is None or suite in wanted:
            grouped.setdefault(suite, []).append(
                Metric(
                    name=name,
                    value=entry.value,
                    higher_is_better=entry.higher_is_better,
                )
            )
    return EvalReport(
        created_at=baseline.created_at,
        policy=baseline.policy,
        suites=[SuiteResult(name=suite, metrics=metrics) for suite, metrics in grouped.items()],
    )


def compare_with_baseline(report: EvalReport, baseline_path: Path = BASELINE_PATH) -> Comparison:
    """``report``'s scores next to a stored baseline of any policy, e.g. an llm run against the rules baseline.

    Only the suites the report ran are lined up. Side a is the baseline (labelled ``baseline (<policy>)``),
    side b the run (labelled with its policy); ``better`` follows each metric's direction. This informs, it
    does not gate: ``check_baseline`` is the gate, for a baseline of the run's own policy.
    """
    baseline = load_baseline(baseline_path)
    stored = baseline_report(baseline, [s.name for s in report.suites])
    label_b = report.policy if report.policy != baseline.policy else "this run"
    return Comparison(
        label_a=f"baseline ({baseline.policy})",
        label_b=label_b,
        a=stored,
        b=report,
        rows=compare_reports(stored, report),
    )


def _regression(key: str, entry: BaselineEntry, value: float | None, tol: float, kind: Any) -> Regression:
    return Regression(
        metric=key, baseline=entry.value, value=value, tolerance=tol, higher_is_better=entry.higher_is_better, kind=kind
    )


def write_baseline(report: EvalReport, path: Path = BASELINE_PATH, *, default_tolerance: float = 0.02) -> Path:
    """Store ``report``'s directional metrics as the new baseline (after a change that is meant to move them).

    Suites the report did not run keep their stored entries. A file holding another policy's scores is not
    written over (the committed baseline stays the rules policy's).
    """
    if report.config.get("sample") is not None:
        raise ConfigError("a baseline must come from a full eval run, not a sampled one; run without --sample")
    ran = {s.name for s in report.suites}
    kept: dict[str, BaselineEntry] = {}
    if Path(path).is_file():  # suites not in this report keep their stored scores
        stored = load_baseline(path)
        if stored.policy != report.policy:
            raise ConfigError(
                f"{path} holds {stored.policy!r} policy scores; {report.policy!r} policy scores are not written over "
                f"them: store them in a file of their own (`reelcrew eval --policy {report.policy} "
                "--update-baseline --baseline FILE`)"
            )
        kept = {k: v for k, v in stored.metrics.items() if k.split(".", 1)[0] not in ran}
    metrics = kept | {
        key: BaselineEntry(value=round(m.value, 6), higher_is_better=m.higher_is_better)
        for key, m in report.metrics().items()
        if m.higher_is_better is not None
    }
    baseline = Baseline(
        policy=report.policy, created_at=report.created_at, default_tolerance=default_tolerance, metrics=metrics
    )
    return write_json(Path(path), baseline)
