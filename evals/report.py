"""Turning an ``EvalReport`` into files a person reads: report.json, report.html (tables and plots), a rich table;
and a ``Comparison`` of two runs into comparison.json and comparison.html (side-by-side metrics with deltas).

Plots are drawn with matplotlib's Agg backend (no display needed) and embedded in the HTML as base64 PNGs, so
the report is one self-contained file that can be attached to a CI run or mailed around.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table as RichTable

from domain.files import write_json, write_text
from evals.models import Bars, Comparison, ComparisonRow, Curve, EvalReport, Matrix, Metric, SuiteResult

SAME = 1e-6  # differences this small are rounding (a baseline stores scores to 6 places): shown as 0
TEMPLATE_DIR = Path(__file__).resolve().parent
TEMPLATE = "report.html.j2"
COMPARISON_TEMPLATE = "comparison.html.j2"  # extends TEMPLATE: the same page, other content


class ReportFiles(BaseModel):
    json_path: Path
    html_path: Path


def write_report(report: EvalReport, out_dir: Path) -> ReportFiles:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (atomically) and return their paths."""
    out_dir = Path(out_dir)
    json_path = write_json(out_dir / "report.json", report)
    html_path = write_text(out_dir / "report.html", render_html(report))
    return ReportFiles(json_path=json_path, html_path=html_path)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )


def render_html(report: EvalReport) -> str:
    """The report as one self-contained HTML page."""
    suites = [{"result": s, "plots": suite_plots(s)} for s in report.suites]
    return _environment().get_template(TEMPLATE).render(report=report, suites=suites, fmt=format_value)


# ---------------------------------------------------------------- comparing two runs


def write_comparison(
    comparison: Comparison, out_dir: Path, *, stem: str = "comparison", links: Mapping[str, str] | None = None
) -> ReportFiles:
    """Write ``<stem>.json`` and ``<stem>.html`` into ``out_dir`` (atomically) and return their paths.

    ``links`` maps a side's label to its full report, relative to ``out_dir``; by default ``<label>/report.html``
    is linked when it exists (``evals.harness.compare`` writes each side there).
    """
    out_dir = Path(out_dir)
    if links is None:
        links = {
            label: f"{label}/report.html"
            for label in (comparison.label_a, comparison.label_b)
            if (out_dir / label / "report.html").is_file()
        }
    json_path = write_json(out_dir / f"{stem}.json", comparison)
    html_path = write_text(out_dir / f"{stem}.html", render_comparison_html(comparison, links=links))
    return ReportFiles(json_path=json_path, html_path=html_path)


def render_comparison_html(comparison: Comparison, *, links: Mapping[str, str] | None = None) -> str:
    """Two runs side by side as one self-contained page in the report's look: per suite, each metric of both
    runs with the delta (B − A), coloured by whether B is better or worse in that metric's direction."""
    links = links or {}
    a, b = comparison.a, comparison.b
    metrics_a, metrics_b = a.metrics(), b.metrics()
    groups: dict[str, list[dict[str, str]]] = {}
    for row in comparison.rows:
        suite, _, name = row.metric.partition(".")
        unit, description = _unit_and_description(row.metric, metrics_a, metrics_b)
        groups.setdefault(suite, []).append(
            {
                "metric": name,
                "a": format_value(row.a, unit),
                "b": format_value(row.b, unit),
                "delta": format_delta(row.delta, unit),
                "better": _better_label(row, comparison),
                "cls": {"b": "better", "a": "worse"}.get(row.better, ""),
                "description": description,
            }
        )
    for report in (a, b):  # a suite that produced no metric (skipped, errored) still gets its line
        for suite_result in report.suites:
            groups.setdefault(suite_result.name, [])
    sides = [
        {"label": comparison.label_a, "report": a, "link": links.get(comparison.label_a)},
        {"label": comparison.label_b, "report": b, "link": links.get(comparison.label_b)},
    ]
    keys = list(a.config) + [k for k in b.config if k not in a.config]
    settings = [
        {
            "key": key,
            "a": str(a.config[key]) if key in a.config else "—",
            "b": str(b.config[key]) if key in b.config else "—",
            "differs": key not in a.config or key not in b.config or a.config[key] != b.config[key],
        }
        for key in keys
    ]
    return (
        _environment()
        .get_template(COMPARISON_TEMPLATE)
        .render(
            comparison=comparison,
            sides=sides,
            groups=[
                {"suite": suite, "rows": rows, "status_a": _status(a, suite), "status_b": _status(b, suite)}
                for suite, rows in groups.items()
            ],
            settings=settings,
        )
    )


def _unit_and_description(key: str, *sides: Mapping[str, Metric]) -> tuple[str, str]:
    """A metric's unit and description from whichever run has them (a stored baseline keeps neither)."""
    found = [side[key] for side in sides if key in side]
    return next((m.unit for m in found if m.unit), ""), next((m.description for m in found if m.description), "")


def _status(report: EvalReport, suite: str) -> str:
    found = report.suite(suite)
    return found.status if found is not None else "not run"


def _better_label(row: ComparisonRow, comparison: Comparison) -> str:
    if row.better == "a":
        return comparison.label_a
    if row.better == "b":
        return comparison.label_b
    return "same" if row.better == "same" else "info"


def format_delta(delta: float | None, unit: str = "") -> str:
    """A difference with its sign, in the metric's own format: ``+0.050``, ``−$1.20``, ``+3``."""
    if delta is None:
        return "—"
    if abs(delta) <= SAME:
        return "0"
    sign = "+" if delta > 0 else "−"
    return sign + format_value(abs(delta), unit)


def suite_plots(suite: SuiteResult) -> list[dict[str, str]]:
    """Every plot of a suite as ``{"title", "png"}`` with the PNG base64-encoded."""
    plots = []
    if suite.curves:
        plots.append({"title": f"{suite.name}: ROC curves per gate", "png": _png(roc_figure(suite.curves))})
    for matrix in suite.matrices:
        if not matrix.labels:  # nothing was counted: no picture to draw
            continue
        plots.append({"title": f"{suite.name}: {matrix.title}", "png": _png(matrix_figure(matrix))})
    for bars in suite.bars:
        plots.append({"title": f"{suite.name}: {bars.title}", "png": _png(bars_figure(bars))})
    return plots


def roc_figure(curves: list[Curve]) -> Any:
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1, label="chance")
    for curve in curves:
        label = curve.name if curve.auc is None else f"{curve.name} (AUC {curve.auc:.3f})"
        ax.plot(curve.x, curve.y, marker="o", markersize=3, linewidth=1.6, label=label)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(curves[0].x_label)
    ax.set_ylabel(curves[0].y_label)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def matrix_figure(matrix: Matrix) -> Any:
    size = max(3.6, 0.9 * len(matrix.labels) + 1.6)
    fig, ax = plt.subplots(figsize=(size, size * 0.85), dpi=100)
    ax.imshow(matrix.rows, cmap="Blues")
    ax.set_xticks(range(len(matrix.labels)), matrix.labels, rotation=30, ha="right")
    ax.set_yticks(range(len(matrix.labels)), matrix.labels)
    peak = max((v for row in matrix.rows for v in row), default=0)
    for i, row in enumerate(matrix.rows):
        for j, value in enumerate(row):
            colour = "white" if peak and value > peak / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=10)
    ax.set_xlabel(matrix.x_label)
    ax.set_ylabel(matrix.y_label)
    fig.tight_layout()
    return fig


def bars_figure(bars: Bars) -> Any:
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(bars.labels) + 2), 3.6), dpi=100)
    width = 0.8 / max(len(bars.series), 1)
    for k, (name, values) in enumerate(bars.series.items()):
        xs = [i + (k - (len(bars.series) - 1) / 2) * width for i in range(len(bars.labels))]
        drawn = ax.bar(xs, values, width=width, label=name)
        ax.bar_label(drawn, fmt="%.2f", fontsize=7)
    ax.set_xticks(range(len(bars.labels)), bars.labels)
    ax.set_ylabel(bars.unit)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def format_value(value: Any, unit: str = "") -> str:
    """Numbers as a person reads them: rates to 3 places, dollars to cents, counts as integers."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and unit == "count"):
        return f"{int(value)}"
    if isinstance(value, float):
        return f"${value:,.2f}" if unit == "USD" else f"{value:.3f}"
    return str(value)


def _verdict(metric: Metric) -> str:
    if metric.passed is None:
        return "[dim]info[/dim]"
    return "[green]pass[/green]" if metric.passed else "[red]FAIL[/red]"


def summary_table(report: EvalReport) -> RichTable:
    """One row per metric (and per skipped or broken suite), for the terminal."""
    # Targets are where we want each score to be; the exit code is the regression gate's (scores against the stored
    # baseline), so a score below its target is reported here without failing the run.
    below = sum(1 for suite in report.suites for m in suite.metrics if m.passed is False)
    broken = sum(1 for suite in report.suites if suite.status == "error")
    verdict = "[green]all targets met[/green]" if not below else f"[yellow]{below} score(s) below target[/yellow]"
    if broken:
        verdict = f"[red]{broken} suite(s) broke[/red], " + verdict
    table = RichTable(title=f"reelcrew eval ({report.policy} policy): {verdict}")
    for column, justify in (
        ("suite", "left"),
        ("metric", "left"),
        ("value", "right"),
        ("threshold", "right"),
        ("", "center"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for suite in report.suites:
        if suite.status in ("skipped", "error"):
            why = suite.error or "; ".join(suite.notes)
            table.add_row(suite.name, f"[yellow]{suite.status}[/yellow]", "", "", why[:80])
            continue
        for i, metric in enumerate(suite.metrics):
            bound = (
                ""
                if metric.threshold is None
                else ("≥ " if metric.higher_is_better else "≤ ") + format_value(metric.threshold, metric.unit)
            )
            table.add_row(
                suite.name if i == 0 else "",
                metric.name,
                format_value(metric.value, metric.unit),
                bound,
                _verdict(metric),
            )
    return table


def comparison_table(comparison: Comparison) -> RichTable:
    """Two runs' metrics side by side with the delta (B − A), for the terminal; green where B is better."""
    metrics_a, metrics_b = comparison.a.metrics(), comparison.b.metrics()
    table = RichTable(title=escape(f"{comparison.label_a} vs {comparison.label_b}"))
    for column, justify in (
        ("suite", "left"),
        ("metric", "left"),
        (comparison.label_a, "right"),
        (comparison.label_b, "right"),
        ("delta", "right"),
        ("better", "left"),
    ):
        table.add_column(escape(column), justify=justify, overflow="fold")  # type: ignore[arg-type]
    previous = ""
    for row in comparison.rows:
        suite, _, name = row.metric.partition(".")
        unit, _ = _unit_and_description(row.metric, metrics_a, metrics_b)
        colour = {"b": "green", "a": "red"}.get(row.better)
        delta = format_delta(row.delta, unit)
        table.add_row(
            escape(suite) if suite != previous else "",
            escape(name),
            format_value(row.a, unit),
            format_value(row.b, unit),
            f"[{colour}]{delta}[/{colour}]" if colour else delta,
            escape(_better_label(row, comparison)),
        )
        previous = suite
    return table
