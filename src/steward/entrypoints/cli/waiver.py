"""`steward waiver …`: policy exceptions, reasoned and expiring."""

from __future__ import annotations

import typer
from rich.markup import escape

from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

app = typer.Typer(
    help="Grant, revoke and list waivers: reasoned, expiring exceptions to one requirement.",
    no_args_is_help=True,
)


VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")


PROJECT = typer.Option(None, "--project", help="Only this project.")


@app.command("grant")
def grant(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    stage: str = typer.Option(..., "--stage", help="The stage whose gate the waiver applies to."),
    requirement: str = typer.Option(
        ..., "--requirement", help="Requirement key as `gate status` shows it."
    ),
    role: str = typer.Option(..., "--role", help="The role you grant it in, e.g. risk_officer."),
    reason: str = typer.Option(..., "--reason", help="Why (required): recorded with the waiver."),
    expires: str = typer.Option(..., "--expires", help="When it ends: an ISO 8601 date or time."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Waive one requirement of one gate for a version, until a date."""
    waiver = client(ctx).grant_waiver(
        ref, stage=stage, requirement=requirement, role=role, reason=reason, expires=expires
    )
    if as_json:
        print_json(waiver.as_dict())
        return
    console.print(
        f"waiver {waiver.id} granted on {waiver.version_ref} for {waiver.stage}: "
        f"{escape(waiver.requirement)} until {waiver.expires_at}"
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    waiver_id: int = typer.Argument(..., help="The waiver's number (see waiver list)."),
    reason: str = typer.Option(..., "--reason", help="Why (required)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a waiver before it expires."""
    waiver = client(ctx).revoke_waiver(waiver_id, reason)
    if as_json:
        print_json(waiver.as_dict())
    else:
        console.print(f"waiver {waiver.id} on {waiver.version_ref} revoked")


@app.command("list")
def list_(ctx: typer.Context, project: str | None = PROJECT, as_json: bool = JSON_OPTION) -> None:
    """List waivers with who granted them, until when, and whether they were revoked."""
    waivers = client(ctx).waivers(project)
    if as_json:
        print_json({"items": [w.as_dict() for w in waivers]})
        return
    table(
        None,
        ["id", "version", "stage", "requirement", "granted by", "expires", "revoked", "reason"],
        [
            (
                w.id,
                w.version_ref,
                w.stage,
                escape(w.requirement),
                escape(f"{w.granted_by} ({w.granted_role})"),
                w.expires_at,
                escape(f"{w.revoked_at} by {w.revoked_by}") if w.revoked_at else "",
                escape(w.reason),
            )
            for w in waivers
        ],
    )
