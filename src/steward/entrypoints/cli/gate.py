"""`steward gate status`, `steward promote`, `steward recertify`: a version through its gate.

A blocked promotion prints the one-line error and then every unmet requirement, one per line,
and exits 6; `steward version move` shares that output.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from steward.domain.errors import GateBlockedError
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json

if TYPE_CHECKING:
    from steward.domain.governance import GateDecision

app = typer.Typer(
    help="Ask what a version still needs to pass the gate into a stage.", no_args_is_help=True
)

STATUS_STYLE = {
    "met": "green",
    "waived": "yellow",
    "stale": "red",
    "missing": "red",
    "failed": "red",
}
VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")


def blocked(exc: GateBlockedError, as_json: bool, done: str = "promoted") -> NoReturn:
    """Report a refused promotion: the error line, then one line per unmet requirement; exit 6.
    With `--json` the same facts go to standard output as one JSON document."""
    if as_json:
        print_json({done: False, "message": exc.message, "reasons": list(exc.reasons)})
    else:
        lines = [f"steward: error: {exc.message}", *(f"  - {reason}" for reason in exc.reasons)]
        sys.stderr.write("\n".join(lines) + "\n")
    raise typer.Exit(exc.exit_code)


def policy_label(decision: GateDecision) -> str:
    if decision.policy_name is None:
        return "no policy"
    return f"policy {decision.policy_name} v{decision.policy_version}"


def outcome_line(decision: GateDecision) -> str:
    unmet = len(decision.unmet())
    if unmet:
        total = len(decision.requirements)
        return f"outcome: [bold red]blocked[/bold red] ({unmet} of {total} requirements not met)"
    colour = "green" if decision.outcome == "met" else "yellow"
    return f"outcome: [bold {colour}]{decision.outcome}[/bold {colour}]"


def show_decision(decision: GateDecision) -> None:
    """The requirements of a gate as a table, coloured by status, then the outcome."""
    console.print(
        f"[bold]{decision.version_ref}[/bold]: {decision.from_stage} → {decision.to_stage} "
        f"under {escape(policy_label(decision))}, tier {escape(decision.tier or 'unassessed')}"
    )
    grid = Table(title=None, show_lines=False)
    grid.add_column("requirement", overflow="fold")
    grid.add_column("status", no_wrap=True)
    grid.add_column("detail", overflow="fold")
    for item in decision.requirements:
        detail = item.detail
        if item.waiver_id is not None:
            detail = f"{detail} (waiver {item.waiver_id})" if detail else f"waiver {item.waiver_id}"
        # The key is what `waiver grant --requirement` takes; the move and the assessment have
        # no useful key, their description says more.
        label = item.description if item.kind in ("transition", "assessment") else item.key
        status = Text(item.status, style=STATUS_STYLE.get(item.status, ""))
        grid.add_row(Text(label), status, Text(detail))
    console.print(grid)
    console.print(outcome_line(decision))


@app.command("status")
def status(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    to: str = typer.Option(..., "--to", help="The stage to ask about, e.g. production."),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit 6 when the gate is blocked (for CI)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every requirement of the gate into a stage: met, waived, stale, missing or failed."""
    decision = client(ctx).gate_status(ref, to)
    if as_json:
        print_json(decision.as_dict())
    else:
        show_decision(decision)
    if exit_code and not decision.allowed:
        raise typer.Exit(GateBlockedError.exit_code)


def promote(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    to: str = typer.Option(..., "--to", help="The stage to promote the version to."),
    reason: str = typer.Option(..., "--reason", help="Why (required): recorded with the move."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a version through its gate; if blocked, list every unmet requirement and exit 6."""
    try:
        result = client(ctx).promote(ref, to, reason)
    except GateBlockedError as exc:
        blocked(exc, as_json)
    decision = result.decision
    if as_json:
        print_json({"promoted": True, "version": decision.version_ref, **result.as_dict()})
        return
    console.print(
        f"{decision.version_ref} promoted to [bold]{result.stage}[/bold] "
        f"({escape(policy_label(decision))}, tier {escape(decision.tier or '-')}, "
        f"outcome {decision.outcome})"
    )


def recertify(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    reason: str = typer.Option(..., "--reason", help="Why (required): recorded with the review."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Review a version again in the stage it holds: its gate must still be met (exit 6 if not)."""
    try:
        decision = client(ctx).recertify(ref, reason)
    except GateBlockedError as exc:
        blocked(exc, as_json, done="recertified")
    if as_json:
        print_json({"recertified": True, "decision": decision.as_dict()})
        return
    console.print(
        f"{decision.version_ref} recertified in [bold]{decision.to_stage}[/bold] "
        f"({escape(policy_label(decision))}, tier {escape(decision.tier or '-')}, "
        f"outcome {decision.outcome})"
    )
