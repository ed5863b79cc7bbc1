"""`steward check run` and `steward check plan`: the evidence engine from the command line.

`check run` computes the checks a version's gate asks for, stores each as evidence, writes one
HTML report and exits 6 when a required check failed, so a CI job stops where the gate would.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from steward.domain.errors import GateBlockedError, InvalidInputError
from steward.domain.naming import parse_version_ref
from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    err_console,
    print_json,
    split_list,
)

if TYPE_CHECKING:
    from steward.services.check_plan import CheckPlan, CheckRun

app = typer.Typer(
    help="Run the checks a version's gate asks for and store the results as evidence.",
    no_args_is_help=True,
)

VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")
STAGE_OPTION = typer.Option(
    None, "--stage", help="The gate's stage (default: the version's next stage)."
)
CHECK_OPTION = typer.Option(
    [],
    "--check",
    help="Run only this check (repeatable): documentation, data_quality, performance, "
    "fairness, explainability, champion_challenger.",
)


@app.command("plan")
def plan(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    stage: str | None = STAGE_OPTION,
    check: list[str] = CHECK_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show which checks `check run` would compute for the version's tier and gate."""
    found = client(ctx).check_plan(ref, stage=stage, checks=split_list(check))
    if as_json:
        print_json(found.as_dict())
        return
    _print_plan(found)


@app.command("run")
def run(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    data: Path = typer.Option(
        ..., "--data", help="Evaluation data: a .parquet or .csv file with features and target."
    ),
    target: str = typer.Option(..., "--target", help="The column holding the true outcome."),
    prediction_column: str | None = typer.Option(
        None,
        "--prediction-column",
        help="Use this column's scores (probabilities for a classifier) instead of the model's.",
    ),
    sensitive: list[str] = typer.Option(
        [], "--sensitive", help="Protected attribute columns for fairness, e.g. gender,age_band."
    ),
    stage: str | None = STAGE_OPTION,
    check: list[str] = CHECK_OPTION,
    suite: Path | None = typer.Option(
        None, "--suite", help="A YAML file of data-quality rules (see docs/checks.md)."
    ),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Column that identifies rows in data-quality findings."
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        help="Where to write the HTML report (default: PROJECT-MODEL-N-checks.html).",
    ),
    threshold: float = typer.Option(
        0.5, "--threshold", min=0.0, max=1.0, help="Score at or above which a case is positive."
    ),
    bootstrap: int = typer.Option(
        200, "--bootstrap", min=0, max=10_000, help="Bootstrap resamples for intervals."
    ),
    confidence: float = typer.Option(
        0.95, "--confidence", min=0.5, max=0.999, help="Level of the bootstrap intervals."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of every random draw."),
    explain_rows: int = typer.Option(
        2000, "--explain-rows", min=10, help="Rows sampled for permutation importance."
    ),
    margin: float = typer.Option(
        0.01,
        "--margin",
        min=0.0,
        help="How much worse than the champion the challenger may be (non-inferiority).",
    ),
    min_group_size: int = typer.Option(
        30, "--min-group-size", min=0, help="Smaller subgroups are reported, not compared."
    ),
    trust: bool = typer.Option(
        False, "--trust", help="Allow loading joblib/pickle artifacts (they can run code)."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compute the checks, store each result as evidence with its inputs' fingerprints, write
    the HTML report; exit 6 when a required check failed."""
    if not data.is_file():
        raise InvalidInputError(f"data file {data} does not exist")
    version = parse_version_ref(ref)
    out = report or Path(f"{version.project}-{version.model}-{version.number}-checks.html")
    steward = client(ctx)
    # Loaded here, not at start-up: most commands draw no progress bar.
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json or not err_console.is_terminal,
    ) as bar:
        planned = steward.check_plan(version, stage=stage, checks=split_list(check))
        task = bar.add_task("reading data", total=len(planned.kinds) + 5)

        def step(name: str) -> None:
            bar.update(task, description=name, advance=1)

        result = steward.check(
            version,
            data,
            target=target,
            prediction_column=prediction_column,
            sensitive=split_list(sensitive),
            stage=stage,
            checks=split_list(check),
            id_column=id_column,
            suite=suite,
            threshold=threshold,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            explain_rows=explain_rows,
            margin=margin,
            min_group_size=min_group_size,
            trust=trust,
            report=out,
            reason=reason,
            progress=step,
        )
    if as_json:
        print_json({**result.as_dict(), "report": str(out)})
    else:
        _print_run(result, out)
    if not result.passed:
        if not as_json:
            failed = ", ".join(o.kind for o in result.failed_required)
            sys.stderr.write(f"steward: error: required checks failed: {failed}\n")
        raise typer.Exit(GateBlockedError.exit_code)


def _print_plan(found: CheckPlan) -> None:
    console.print(
        f"[bold]{found.ref}[/bold]: gate into {found.stage} under {escape(found.policy)}, "
        f"tier {escape(found.tier or 'unassessed')}"
    )
    for kind in found.kinds:
        if kind in found.required:
            mark = "required"
        elif kind == "documentation" and not found.explicit:
            mark = "shown; the gate reads the fields from the version record"
        else:
            mark = "on request, not required by the gate"
        console.print(f"  - {kind} ({mark})")
    if found.elsewhere:
        console.print(f"  not run here (produced elsewhere): {', '.join(found.elsewhere)}")


def _print_run(result: CheckRun, out: Path) -> None:
    plan = result.plan
    console.print(
        f"[bold]{plan.ref}[/bold]: checks for the gate into {plan.stage} under "
        f"{escape(plan.policy)}, tier {escape(plan.tier or 'unassessed')}"
    )
    by_kind = {e.kind: e for e in result.evidence}
    grid = Table(show_lines=False)
    grid.add_column("check", no_wrap=True)
    grid.add_column("result", no_wrap=True)
    grid.add_column("evidence", no_wrap=True)
    grid.add_column("summary", overflow="fold")
    for item in result.outcomes:
        verdict = "passed" if item.passed else "failed"
        style = "green" if item.passed else ("red" if item.required else "yellow")
        label = verdict if item.required else f"{verdict} (not required)"
        evidence = by_kind.get(item.kind)
        grid.add_row(
            Text(item.kind),
            Text(label, style=style),
            Text(f"#{evidence.id}" if evidence else "-"),
            Text(item.summary),
        )
    console.print(grid)
    if plan.elsewhere:
        console.print(f"not run here (the gate also needs): {', '.join(plan.elsewhere)}")
    console.print(f"report: {escape(str(out))}")
    outcome = "all required checks passed" if result.passed else "a required check failed"
    colour = "green" if result.passed else "red"
    console.print(f"[bold {colour}]{outcome}[/bold {colour}]")
