"""`steward change …`: governance changes that wait for a second person's approval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

if TYPE_CHECKING:
    from steward.domain.changes import PendingChange

app = typer.Typer(
    help="Governance changes that wait for a second person: list, show, approve, reject, withdraw.",
    no_args_is_help=True,
)

CHANGE_ID = typer.Argument(..., help="The change's id (see steward change list).")
REASON = typer.Option(..., "--reason", help="Why (required).")
STATUSES = ("pending", "approved", "rejected", "withdrawn", "all")


def show_pending(change: PendingChange) -> None:
    """What a use case prints when its change waits for a second person."""
    console.print(
        f"[bold]pending change {change.id}[/bold]: {escape(change.summary)} waits for a second "
        "person's approval"
    )
    for item in change.weakens:
        console.print(f"  at stake: {escape(item)}")
    console.print(
        f"  someone allowed to approve changes (not {escape(change.requested_by)}) runs: "
        f"steward change approve {change.id} --reason ..."
    )


def report_pending(change: PendingChange, as_json: bool) -> None:
    if as_json:
        print_json({"pending_change": change.as_dict()})
    else:
        show_pending(change)


def change_rows(changes: list[PendingChange]) -> list[tuple[object, ...]]:
    return [
        (
            c.id,
            c.kind,
            escape(c.summary),
            c.status,
            c.requested_at[:16].replace("T", " "),
            escape(c.requested_by),
            escape(c.reason),
        )
        for c in changes
    ]


CHANGE_COLUMNS = ["id", "kind", "change", "status", "requested (UTC)", "by", "reason"]


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project."),
    status: str = typer.Option(
        "pending", "--status", help="pending, approved, rejected, withdrawn or all."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List governance changes (pending ones by default), oldest first."""
    changes = client(ctx).changes(None if status == "all" else status, project)
    if as_json:
        print_json({"items": [c.as_dict() for c in changes]})
        return
    if not changes:
        console.print(f"no {'' if status == 'all' else status + ' '}changes")
        return
    table(None, CHANGE_COLUMNS, change_rows(changes))


@app.command("show")
def show(ctx: typer.Context, change_id: int = CHANGE_ID, as_json: bool = JSON_OPTION) -> None:
    """Show one change: what it does, what it weakens, who asked and who decided."""
    change = client(ctx).change(change_id)
    if as_json:
        print_json(change.as_dict())
        return
    console.print(f"[bold]change {change.id}[/bold] ({change.kind}): {escape(change.summary)}")
    console.print(f"status: {change.status}")
    console.print(
        f"requested by {escape(change.requested_by)} at {change.requested_at}: "
        f"{escape(change.reason)}"
    )
    for item in change.weakens:
        console.print(f"at stake: {escape(item)}")
    if change.decided_by is not None:
        console.print(
            f"{change.status} by {escape(change.decided_by)} at {change.decided_at}: "
            f"{escape(change.decision_reason or '')}"
        )


def _decided(change: PendingChange, as_json: bool) -> None:
    if as_json:
        print_json(change.as_dict())
    else:
        console.print(f"change {change.id} {change.status}: {escape(change.summary)}")


@app.command("approve")
def approve(
    ctx: typer.Context,
    change_id: int = CHANGE_ID,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve a pending change: it takes effect now (not for its requester)."""
    _decided(client(ctx).approve_change(change_id, reason), as_json)


@app.command("reject")
def reject(
    ctx: typer.Context,
    change_id: int = CHANGE_ID,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reject a pending change: it never takes effect."""
    _decided(client(ctx).reject_change(change_id, reason), as_json)


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    change_id: int = CHANGE_ID,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Withdraw a change you requested."""
    _decided(client(ctx).withdraw_change(change_id, reason), as_json)
