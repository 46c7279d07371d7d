"""``python -m evals``: run the eval suites, print the table, and fail on a regression against the baseline.

The ``reelcrew eval`` command is the user-facing entry; this one needs nothing but the package, for CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from evals.harness import BASELINE_PATH, check_baseline, run_eval, write_baseline
from evals.report import summary_table
from evals.suites import SUITES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument("--suite", action="append", choices=SUITES, help="run only this suite (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("eval-out"), help="report folder")
    parser.add_argument("--cache", type=Path, default=None, help="rendered clip cache (default: OUT/cache)")
    parser.add_argument("--baseline", type=Path, default=BASELINE_PATH)
    parser.add_argument("--update-baseline", action="store_true", help="store this run's scores as the baseline")
    args = parser.parse_args(argv)

    from reelcrew.config import load_settings

    report = run_eval(args.suite, "rules", load_settings(), args.out, cache_dir=args.cache)
    console = Console()
    console.print(summary_table(report))
    console.print(f"report: {args.out / 'report.html'}")
    if args.update_baseline:
        console.print(f"baseline written: {write_baseline(report, args.baseline)}")
        return 0
    regressions = check_baseline(report, args.baseline)
    for regression in regressions:
        console.print(f"[red]regression[/red] {regression.message}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
