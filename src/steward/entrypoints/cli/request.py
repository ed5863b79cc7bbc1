"""`steward request …`: promotion requests waiting at a gate."""

from __future__ import annotations

import typer
from rich.markup import escape

from steward.domain.errors import InvalidInputError
from steward.entrypoints.cli.change import CHANGE_COLUMNS, change_rows
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

app = typer.Typer(help="List promotion requests and withdraw your own.", no_args_is_help=True)


VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")


PROJECT = typer.Option(None, "--project", help="Only this project.")


REQUEST_STATUSES = ("open", "promoted", "withdrawn", "rejected", "all")


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = PROJECT,
    status: str = typer.Option(
        "open", "--status", help="open, promoted, withdrawn, rejected or all."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List promotion requests (open ones by default), oldest first, and the governance changes
    waiting for a second person."""
    if status not in REQUEST_STATUSES:
        raise InvalidInputError(
            f"unknown request status {status!r}: expected {', '.join(REQUEST_STATUSES)}"
        )
    requests = client(ctx).requests(project, None if status == "all" else status)
    # Governance changes are requests too: the pending ones are listed beside the promotions.
    changes = client(ctx).changes("pending", project) if status in ("open", "all") else []
    if as_json:
        print_json(
            {"items": [r.as_dict() for r in requests], "changes": [c.as_dict() for c in changes]}
        )
        return
    if changes:
        table("governance changes waiting for approval", CHANGE_COLUMNS, change_rows(changes))
    table(
        None,
        ["id", "version", "move", "status", "requested (UTC)", "by", "reason"],
        [
            (
                r.id,
                r.version_ref,
                f"{r.from_stage} → {r.to_stage}",
                r.status,
                r.requested_at[:16].replace("T", " "),
                escape(r.requested_by),
                escape(r.reason),
            )
            for r in requests
        ],
    )


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    to: str = typer.Option(..., "--to", help="The stage the request asked for."),
    reason: str = typer.Option(..., "--reason", help="Why (required)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Withdraw the open request to promote a version to a stage."""
    client(ctx).withdraw(ref, to, reason)
    if as_json:
        print_json({"version": ref, "to": to, "withdrawn": True})
    else:
        console.print(f"withdrew the request to promote {escape(ref)} to {escape(to)}")
