"""The eval's typed results: metrics with pass thresholds, per-suite results with their plot data, the report.

Plot data is carried as plain numbers (curves, matrices, bars) so a report can be re-rendered from
``report.json`` alone, and so a test can check what a plot would show without looking at pixels.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

SuiteStatus = Literal["passed", "failed", "skipped", "error"]


class Metric(BaseModel):
    """One number a suite measured. ``threshold`` makes it a pass/fail gate; without one it only informs."""

    name: str
    value: float
    threshold: float | None = None
    higher_is_better: bool | None = Field(
        default=True, description="direction for thresholds and baselines; None for a purely descriptive number"
    )
    unit: str = ""
    description: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool | None:
        if self.threshold is None or self.higher_is_better is None:
            return None
        return self.value >= self.threshold if self.higher_is_better else self.value <= self.threshold


class Curve(BaseModel):
    """An ROC curve (or any x/y line) for one gate."""

    name: str
    x: list[float]
    y: list[float]
    auc: float | None = None
    x_label: str = "false positive rate"
    y_label: str = "true positive rate"


class Matrix(BaseModel):
    """A confusion matrix: rows gold, columns predicted."""

    title: str
    labels: list[str]
    rows: list[list[int]]
    x_label: str = "predicted"
    y_label: str = "gold"


class Bars(BaseModel):
    """Grouped bars: one group per label, one bar per series."""

    title: str
    labels: list[str]
    series: dict[str, list[float]]
    unit: str = ""


class Table(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Any]] = Field(default_factory=list)


class SuiteResult(BaseModel):
    name: str
    status: SuiteStatus = "passed"
    dataset: str = ""
    dataset_version: str = ""
    metrics: list[Metric] = Field(default_factory=list)
    curves: list[Curve] = Field(default_factory=list)
    matrices: list[Matrix] = Field(default_factory=list)
    bars: list[Bars] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    error: str | None = None
    duration_s: float = 0.0

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def settle(self) -> SuiteResult:
        """Set ``status`` from the metrics' verdicts (an error or a skip stays as it is)."""
        if self.status in ("passed", "failed"):
            self.status = "failed" if any(m.passed is False for m in self.metrics) else "passed"
        return self


class EvalReport(BaseModel):
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    policy: str = "rules"
    suites: list[SuiteResult] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict, description="the settings that change the scores")
    decisions: Table | None = Field(default=None, description="decisions the agents logged, by agent/tool/policy")
    duration_s: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """True when no suite failed or errored; skipped suites are listed but do not fail the run."""
        return all(s.status in ("passed", "skipped") for s in self.suites)

    def suite(self, name: str) -> SuiteResult | None:
        return next((s for s in self.suites if s.name == name), None)

    def metrics(self) -> dict[str, Metric]:
        """Every metric keyed ``suite.metric``, the names the baseline uses."""
        return {f"{s.name}.{m.name}": m for s in self.suites for m in s.metrics}


class Regression(BaseModel):
    """A score that fell below (or, for a cost, rose above) its stored baseline by more than the tolerance."""

    metric: str
    baseline: float
    value: float | None
    tolerance: float
    higher_is_better: bool
    kind: Literal["worse", "missing"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        if self.kind == "missing" or self.value is None:
            return f"{self.metric}: no score (baseline {self.baseline:g}); the suite was skipped or failed to run"
        way = "fell" if self.higher_is_better else "rose"
        return (
            f"{self.metric} {way} to {self.value:.4g} from baseline {self.baseline:.4g} (tolerance {self.tolerance:g})"
        )


class ComparisonRow(BaseModel):
    metric: str
    a: float | None
    b: float | None
    delta: float | None
    better: Literal["a", "b", "same", "n/a"]


class Comparison(BaseModel):
    """Two eval runs side by side, e.g. two routing tables or the rules policy against the LLM policy."""

    label_a: str
    label_b: str
    a: EvalReport
    b: EvalReport
    rows: list[ComparisonRow] = Field(default_factory=list)
