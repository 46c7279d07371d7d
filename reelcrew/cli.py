"""The ``reelcrew`` command line (typer + rich). Every command is a thin layer over ``reelcrew.runner``.

Exit codes: 0 done (or paused for review / stopped at the budget cap, with what to do next printed),
2 bad input (script, config, options), 1 a run that failed.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from domain.errors import ConfigError, ReelcrewError
from reelcrew import runner

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Screenplay in, vertical short drama out.")
console = Console(stderr=True)
out_console = Console()

QualityOpt = Annotated[str | None, typer.Option("--quality", help="draft | standard | premium")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="parallel shot generations (default 8)")]
BudgetOpt = Annotated[float | None, typer.Option("--budget", help="hard cap on model spend in USD")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="a reelcrew.toml")]


def main() -> None:
    try:
        app()
    except ReelcrewError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
        sys.exit(exc.exit_code)


def _run_section(quality: str | None, workers: int | None, budget: float | None, **more: Any) -> dict[str, Any]:
    values = {"quality": quality, "workers": workers, "budget_usd": budget, **more}
    return {k: v for k, v in values.items() if v is not None}


class ProgressListener:
    """Per-episode bars that move as shots are decided, each with its episode's attempts and spend, and a line per
    shot attempt (its model, what it cost, what the gates said) above them."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.decided: dict[str, set[str]] = {}
        self.attempts: dict[str, int] = {}
        self.spent: dict[str, float] = {}

    def __call__(self, node: str, update: dict[str, Any]) -> None:
        if node == "estimate_cost" and update.get("estimate") is not None:
            for shot_id in update["estimate"].per_shot:
                episode = shot_id.split("-")[0]
                if episode not in self.tasks:
                    self.tasks[episode] = self.progress.add_task(f"episode {episode[1:]}", total=0)
                    self.decided[episode] = set()
                self.progress.update(self.tasks[episode], total=self.progress.tasks[self.tasks[episode]].total + 1)
        for shot_id, record in (update.get("records") or {}).items():
            if record is None:
                continue
            episode = shot_id.split("-")[0]
            generated = node == "gates" and bool(record.attempts)
            if generated:
                self.attempts[episode] = self.attempts.get(episode, 0) + 1
                self.spent[episode] = self.spent.get(episode, 0.0) + record.attempts[-1].cost_usd
            if node == "qa" and record.attempts:
                self._shot_line(shot_id, record)
            decided = record.status in ("approved", "flagged", "rejected")
            if episode not in self.tasks or not (generated or decided):
                continue
            if decided:
                self.decided[episode].add(shot_id)
            self.progress.update(
                self.tasks[episode],
                completed=len(self.decided[episode]),
                description=f"episode {episode[1:]}  attempts {self.attempts.get(episode, 0)}  "
                f"${self.spent.get(episode, 0.0):.2f}",
            )

    def _shot_line(self, shot_id: str, record: Any) -> None:
        """One line per shot attempt once QA has ruled on it (after the round's references are settled, which
        may still fail a take the gates passed), above the episode bars."""
        last = record.attempts[-1]
        why = escape(", ".join(last.reasons) or "failed")
        verdict = {
            "approved": "[green]approved[/]",
            "regenerate": f"[yellow]retry: {why}[/]",
            "flagged": f"[red]flagged for review: {why}[/]",
        }.get(record.status, escape(record.status))
        self.progress.console.print(
            f"  {shot_id}  attempt {last.attempt}  {escape(last.model or '-')}  ${last.cost_usd:.2f}  {verdict}",
            highlight=False,
        )


def summary_rows(outcome: runner.RunOutcome) -> list[tuple[str, str]]:
    """The end-of-run summary as (figure, value) rows. A dry run generated nothing: it shows no approval, retry,
    drift or review figures, only what it priced."""
    figs = outcome.figures
    if outcome.status == "estimated":
        return [("shots", str(figs.shots)), ("cost", f"${figs.spent_usd:.2f}"), ("time", f"{outcome.elapsed_s:.1f}s")]
    drift = ", ".join(f"{gate} {rate:.0%}" for gate, rate in figs.drift_rate.items()) or "—"
    return [
        ("shots", str(figs.shots)),
        ("first-pass approval", f"{figs.first_pass_approval_rate:.0%}"),
        ("attempts per shot", f"{figs.attempts_per_shot:.2f} ({figs.attempts} attempts, {figs.retries} retries)"),
        ("drift rate per gate", drift),
        ("flagged", str(figs.flagged)),
        ("human reviews", str(figs.human_reviews)),
        ("storyboard redos", str(figs.storyboard_redos)),
        ("cost", f"${figs.spent_usd:.2f}"),
        ("time", f"{outcome.elapsed_s:.1f}s"),
    ]


def _report(outcome: runner.RunOutcome) -> None:
    title = f"reelcrew: {outcome.status.replace('_', ' ')}"
    table = Table(title=title, show_header=False, min_width=len(title) + 8)
    table.add_column("figure")
    table.add_column("value")
    for name, value in summary_rows(outcome):
        table.add_row(name, value)
    out_console.print(table)
    if outcome.estimate is not None:
        est = outcome.estimate
        out_console.print(
            f"estimate: ${est.total_usd:.2f} for {est.shots} shots ({est.seconds:.0f}s of video); "
            f"all-{est.baseline_model}: ${est.baseline_usd:.2f}; saving {est.savings_ratio:.0%}"
        )
    if outcome.status == "stopped_budget":
        # The runner's message names the command generically (OUT); the user needs the folder they produced into.
        again = f"reelcrew resume {shlex.quote(outcome.out)} --budget USD"
        message = outcome.message.replace("reelcrew resume OUT --budget USD", again)
        if again not in message:
            message += f" Raise the cap with `{again}`."
        console.print(f"[yellow]{escape(message)}[/]", soft_wrap=True)
    if outcome.status == "paused_for_review":
        console.print(
            f"[yellow]{len(outcome.review)} shot(s) flagged for review.[/] "
            f"Run `reelcrew review {outcome.out}` to approve, reject or regenerate them."
        )


def _with_progress(fn: Any) -> runner.RunOutcome:
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        outcome: runner.RunOutcome = fn(ProgressListener(progress))
    _report(outcome)
    return outcome


@app.command()
def produce(
    script: Annotated[list[Path], typer.Argument(help="script file(s) or a folder: .fountain, .fdx, .txt")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the production folder")],
    quality: QualityOpt = None,
    workers: WorkersOpt = None,
    budget: BudgetOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the cost estimate and spend nothing")] = False,
    episodes: Annotated[str | None, typer.Option("--episodes", help="e.g. 1,3")] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    config: ConfigOpt = None,
) -> None:
    """Produce the drama: storyboard, shots, continuity and QA, audio, and a final cut per episode."""
    picked = [int(e) for e in episodes.split(",")] if episodes else None
    run = _run_section(quality, workers, budget, episodes=picked, seed=seed)
    _with_progress(
        lambda listen: runner.produce(script, out, config_file=config, dry_run=dry_run, listener=listen, run=run)
    )


@app.command()
def resume(
    out: Annotated[Path, typer.Argument(help="the production folder")],
    budget: BudgetOpt = None,
) -> None:
    """Continue a production after a crash, a budget stop or a review."""
    _with_progress(lambda listen: runner.resume(out, listener=listen, run=_run_section(None, None, budget)))


@app.command()
def review(
    out: Annotated[Path, typer.Argument(help="the production folder")],
    decisions: Annotated[
        Path | None, typer.Option("--decisions", help="a JSON file: {shot_id: {action, prompt}}; else ask")
    ] = None,
) -> None:
    """List flagged shots with their frames and reasons; approve, reject or regenerate them, then resume."""
    items = runner.pending_review(out)
    if not items:
        out_console.print("nothing waits for review")
        return
    table = Table(title="flagged for review")
    for column in ("shot", "reasons", "frames", "clip"):
        table.add_column(column)
    for item in items:
        table.add_row(item.shot_id, ", ".join(item.reasons), "\n".join(item.frames), item.clip)
    out_console.print(table)
    if decisions is not None:
        try:
            answers = json.loads(decisions.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{decisions}: cannot read review answers ({exc})") from None
        if not isinstance(answers, dict):
            raise ConfigError(f"{decisions}: review answers are a JSON object {{shot_id: {{action, prompt}}}}")
    else:
        answers = {}
        for item in items:
            action = typer.prompt(
                f"{item.shot_id}: approve / reject / regenerate",
                default="regenerate",
                type=click.Choice(["approve", "reject", "regenerate"]),
            )
            prompt = typer.prompt("new shot description", default="") if action == "regenerate" else ""
            answers[item.shot_id] = {"action": action, "prompt": prompt}
    _with_progress(lambda listen: runner.submit_review(out, answers, listener=listen))


@app.command()
def storyboard(
    script: Annotated[list[Path], typer.Argument(help="script file(s) or a folder")],
    out: Annotated[Path, typer.Option("--out", "-o")],
) -> None:
    """Script → storyboard, shot list and bibles (offline, about a second)."""
    board = runner.storyboard(script, out)
    shots = board.shots()
    scenes = sum(len(e.scenes) for e in board.episodes)
    out_console.print(
        f"{board.title}: {len(board.episodes)} episode(s), {scenes} scenes, {len(shots)} shots, "
        f"{len(board.bibles.characters)} characters, {len(board.bibles.locations)} locations → {out}"
    )


@app.command()
def graph(mermaid: Annotated[bool, typer.Option("--mermaid", help="print the Mermaid diagram")] = True) -> None:
    """Print the production graph."""
    from graph.build import build_graph

    out_console.print(build_graph().get_graph(xray=1).draw_mermaid(), markup=False)


@app.command()
def init(path: Annotated[Path, typer.Argument()] = Path("reelcrew.toml")) -> None:
    """Write a commented reelcrew.toml with every setting and its default."""
    from reelcrew.config_template import render_template

    if path.exists():
        raise typer.BadParameter(f"{path} exists; not overwriting it")
    from domain.files import write_text

    write_text(path, render_template())
    out_console.print(f"wrote {path}")


@app.command("tools")
def list_tools() -> None:
    """List the 29 tools with the agent that owns each."""
    from tools.registry import all_tools

    table = Table(title="tools")
    table.add_column("tool", no_wrap=True)  # a tool's name is what an LLM calls: never cut it
    for column in ("agent", "costs money", "what it does"):
        table.add_column(column)
    for spec in all_tools().values():
        table.add_row(spec.name, spec.agent, "yes" if spec.costs_money else "", spec.description.splitlines()[0])
    out_console.print(table)


@app.command()
def chat(
    out: Annotated[Path, typer.Argument(help="the production folder")],
    message: Annotated[
        list[str] | None, typer.Option("--message", "-m", help="a note to act on (repeatable); no prompt is shown")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="apply every plan without asking")] = False,
) -> None:
    """Direct a finished or paused production by chat: notes become edits, only the shots they touch are redone.

    Say `help` for the note forms understood offline, `undo` to take back the last change, `history` to list them.
    """
    from reelcrew.chat import ChatSession, Proposal, converse

    session = ChatSession(out)

    def ask() -> Any:
        console.print("[dim]notes, `help`, `undo`, `history`; an empty line ends the session[/]")
        while True:
            note = typer.prompt("director", default="", show_default=False).strip()
            if note.lower() in ("", "quit", "exit", "q"):
                return
            yield note

    def confirm(proposal: Proposal) -> bool:
        return yes or typer.confirm("Apply?", default=False)

    def apply(proposal: Proposal) -> Any:
        return _with_progress(lambda listen: session.apply(proposal, listener=listen))

    converse(
        session,
        message if message else ask(),
        confirm=confirm,
        say=lambda text: out_console.print(text, markup=False, highlight=False, soft_wrap=True),
        apply=apply,
        stop_on_error=bool(message),
    )


eval_app = typer.Typer(help="Score the agents' decisions against labelled datasets.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
def evaluate(
    context: typer.Context,
    suite: Annotated[list[str] | None, typer.Option("--suite", help="script | routing | continuity | qa")] = None,
    policy: Annotated[str, typer.Option("--policy", help="rules | llm")] = "rules",
    compare: Annotated[
        tuple[Path, Path] | None, typer.Option("--compare", help="two reelcrew.toml files to score side by side")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="the report folder")] = Path("eval-out"),
    config: ConfigOpt = None,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="store these scores as the baseline")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="the baseline to gate against or update (default: evals/baseline.json)"),
    ] = None,
) -> None:
    """Run the eval suites, write report.json and report.html, and exit 1 when a score falls below the baseline.

    The gate applies to runs of the baseline's own policy; a run of another policy (--policy llm against the
    rules baseline) is compared with it instead (baseline_comparison.html) and exits 0, unless --baseline names
    a baseline to gate it against.
    """
    if context.invoked_subcommand is not None:
        return
    from evals.harness import (
        BASELINE_PATH,
        check_baseline,
        compare_with_baseline,
        load_baseline,
        run_eval,
        write_baseline,
    )
    from evals.harness import compare as compare_configs
    from evals.report import comparison_table, summary_table, write_comparison
    from reelcrew.config import load_settings

    if policy not in ("rules", "llm"):
        raise typer.BadParameter("--policy is rules or llm")
    if compare is not None:
        result = compare_configs(load_settings(compare[0]), load_settings(compare[1]), suites=suite, policy_a=policy,  # type: ignore[arg-type]
                                 out_dir=out, labels=(compare[0].stem, compare[1].stem))  # fmt: skip
        out_console.print(comparison_table(result))
        out_console.print(f"comparison: {out / 'comparison.html'} ({out / 'comparison.json'})")
        return
    report = run_eval(suite, policy, load_settings(config), out)  # type: ignore[arg-type]
    out_console.print(summary_table(report))
    out_console.print(f"report: {out / 'report.html'}")
    baseline_file = baseline or BASELINE_PATH
    if update_baseline:
        out_console.print(f"baseline written: {write_baseline(report, baseline_file)}")
        return
    stored = load_baseline(baseline_file)
    if stored.policy != report.policy and baseline is None:
        # The gate is for the policy the baseline was stored for; another policy is compared with it, not gated.
        versus = compare_with_baseline(report, baseline_file)
        write_comparison(versus, out, stem="baseline_comparison", links={versus.label_b: "report.html"})
        out_console.print(comparison_table(versus))
        out_console.print(f"comparison with the baseline: {out / 'baseline_comparison.html'}")
        console.print(
            f"[yellow]not gated:[/] {escape(str(baseline_file))} holds {stored.policy} policy scores, so this "
            f"{report.policy} run is compared with them, not checked against them. To gate {report.policy} runs, "
            f"store a baseline with `reelcrew eval --policy {report.policy} --update-baseline --baseline FILE` "
            "and pass `--baseline FILE`.",
            soft_wrap=True,
        )
        return
    regressions = check_baseline(report, baseline_file)
    for regression in regressions:
        console.print(f"[red]regression[/] {escape(regression.message)}", soft_wrap=True)
    if regressions:
        raise typer.Exit(1)


@eval_app.command("calibrate")
def calibrate(
    embedder: Annotated[str, typer.Option("--embedder", help="offline | open_clip")] = "offline",
    dataset: Annotated[
        str, typer.Option("--dataset", help="'continuity' (previz pairs) or a folder of real frames")
    ] = ("continuity"),
    target: Annotated[str, typer.Option("--target", help="f1 | youden")] = "f1",
    config: ConfigOpt = None,
) -> None:
    """Pick the character-gate similarity threshold for an embedder from labelled pairs (reproducibly)."""
    from evals.calibrate import calibrate_embedder
    from reelcrew.config import load_settings

    result = calibrate_embedder(embedder, dataset, target=target, config=load_settings(config))  # type: ignore[arg-type]
    out_console.print(
        escape(
            f"{result.embedder}: threshold {result.similarity_threshold:.3f} on {result.pairs} pairs "
            f"({result.drifted} drifted) from {result.source}; precision {result.precision:.2f}, recall "
            f"{result.recall:.2f}, F1 {result.f1:.2f}, AUC {result.auc:.2f}; "
            f"configured now: {result.configured_threshold}"
        )
    )
    out_console.print(
        escape(
            f"set it in reelcrew.toml: [gates.character_threshold] {result.embedder} = "
            f"{result.similarity_threshold:.3f}"
        ),
        soft_wrap=True,
    )
