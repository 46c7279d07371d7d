"""Turning an ``EvalReport`` into files a person reads: report.json, report.html (tables and plots), a rich table.

Plots are drawn with matplotlib's Agg backend (no display needed) and embedded in the HTML as base64 PNGs, so
the report is one self-contained file that can be attached to a CI run or mailed around.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel
from rich.table import Table as RichTable

from domain.files import write_json, write_text
from evals.models import Bars, Curve, EvalReport, Matrix, Metric, SuiteResult

TEMPLATE_DIR = Path(__file__).resolve().parent
TEMPLATE = "report.html.j2"


class ReportFiles(BaseModel):
    json_path: Path
    html_path: Path


def write_report(report: EvalReport, out_dir: Path) -> ReportFiles:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (atomically) and return their paths."""
    out_dir = Path(out_dir)
    json_path = write_json(out_dir / "report.json", report)
    html_path = write_text(out_dir / "report.html", render_html(report))
    return ReportFiles(json_path=json_path, html_path=html_path)


def render_html(report: EvalReport) -> str:
    """The report as one self-contained HTML page."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )
    suites = [{"result": s, "plots": suite_plots(s)} for s in report.suites]
    return env.get_template(TEMPLATE).render(report=report, suites=suites, fmt=format_value)


def suite_plots(suite: SuiteResult) -> list[dict[str, str]]:
    """Every plot of a suite as ``{"title", "png"}`` with the PNG base64-encoded."""
    plots = []
    if suite.curves:
        plots.append({"title": f"{suite.name}: ROC curves per gate", "png": _png(roc_figure(suite.curves))})
    for matrix in suite.matrices:
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
    verdict = "[green]passed[/green]" if report.passed else "[red]failed[/red]"
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
