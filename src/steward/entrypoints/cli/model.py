"""`steward model …`: models inside projects, and what held each stage at a point in time."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from steward.entrypoints.cli.output import (
    AFTER_OPTION,
    JSON_OPTION,
    LIMIT_OPTION,
    client,
    console,
    next_page_hint,
    print_json,
    table,
)

app = typer.Typer(
    help="List, create and inspect models; ask what was in production at a time.",
    no_args_is_help=True,
)


@app.command("create")
def create(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL"),
    description: str = typer.Option("", "--description", help="What the model does."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an empty model (registering a version also creates it)."""
    model = client(ctx).create_model(ref, description, reason)
    if as_json:
        print_json(model.as_dict())
    else:
        console.print(f"created model [bold]{model.ref}[/bold]")


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project's models."),
    limit: int = LIMIT_OPTION,
    after: str | None = AFTER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List models, oldest first."""
    page = client(ctx).models(project, limit=limit, after=after)
    if as_json:
        print_json({"items": [m.as_dict() for m in page.items], "next": page.next_cursor})
        return
    table(
        None,
        ["model", "versions", "created", "by"],
        [(m.ref, m.version_count, m.created_at, m.created_by) for m in page.items],
    )
    next_page_hint(page.next_cursor)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a model and the versions that hold each stage now."""
    c = client(ctx)
    model = c.model(ref)
    now = c.model_at(ref, "now")
    if as_json:
        data = model.as_dict()
        data["stages"] = now.as_dict()["stages"]
        print_json(data)
        return
    console.print(
        f"[bold]{model.ref}[/bold]  {model.version_count} versions, created {model.created_at} by {model.created_by}"
    )
    if model.description:
        console.print(model.description)
    rows = [
        (stage, h.version, h.since, h.actor)
        for stage, holders in now.stages.items()
        for h in holders[-5:]
    ]
    table("Stages now (up to 5 latest per stage)", ["stage", "version", "since", "by"], rows)


@app.command("at")
def at(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL"),
    time: str = typer.Option(
        ...,
        "--time",
        help="ISO 8601 time (2026-11-23T14:30:00Z; no zone means UTC), a date (the end of "
        "that day in UTC) or 'now'.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which version held each stage at TIME, and the audit events that put it there."""
    result = client(ctx).model_at(ref, time)
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"[bold]{result.model}[/bold] at {result.time} ({result.time_read_as})")
    rows = [
        (
            stage,
            h.version,
            h.since[:19].replace("T", " "),
            h.actor,
            h.audit_seq,
            f"{h.reason or '-'}\n[dim]approved by: {escape(_approved_by(h.approval))}[/dim]",
        )
        for stage, holders in result.stages.items()
        for h in holders
    ]
    if not rows:
        console.print("no version existed at that time")
        return
    table(None, ["stage", "version", "since (UTC)", "by", "event", "reason; approvals"], rows)


def _approved_by(approval: dict[str, Any] | None) -> str:
    """`bob (validator), carol (validator)`; `-` when the move had no gate decision."""
    if approval is None:
        return "-"
    people = ", ".join(f"{a['person']} ({a['role']})" for a in approval["approvers"])
    waived = " + waivers" if approval["waived"] else ""
    return (people or "no sign-off needed") + waived
