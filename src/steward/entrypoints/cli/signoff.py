"""`steward signoff …`: approve or reject a version for a stage, acting in a role; list the
sign-offs and whether each still counts."""

from __future__ import annotations

import typer
from rich.markup import escape

from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    print_json,
    table,
)

app = typer.Typer(
    help="Approve or reject a version for a stage, acting in a role.", no_args_is_help=True
)


VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")


def _sign(
    ctx: typer.Context,
    decision: str,
    ref: str,
    stage: str,
    role: str,
    reason: str,
    meaning: str | None,
    as_json: bool,
) -> None:
    c = client(ctx)
    if decision == "approve":
        signoff = c.approve(ref, stage=stage, role=role, reason=reason, meaning=meaning)
    else:
        signoff = c.reject(ref, stage=stage, role=role, reason=reason, meaning=meaning)
    if as_json:
        print_json(signoff.as_dict())
        return
    verb = "approved" if signoff.decision == "approve" else "rejected"
    console.print(
        f"{escape(signoff.signer)} {verb} {signoff.version_ref} for [bold]{signoff.stage}[/bold] "
        f"as {escape(signoff.role)}: {escape(signoff.meaning)} "
        f"(evidence sha256:{signoff.evidence_digest[:12]}…)"
    )


STAGE = typer.Option(..., "--stage", help="The stage the sign-off is for, e.g. production.")


ROLE = typer.Option(..., "--role", help="The role you sign in, e.g. validator.")


SIGN_REASON = typer.Option(..., "--reason", help="Why (required): recorded with the sign-off.")


MEANING = typer.Option(
    None, "--meaning", help="What the signature means (default: the policy's wording)."
)


@app.command("approve")
def approve(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    stage: str = STAGE,
    role: str = ROLE,
    reason: str = SIGN_REASON,
    meaning: str | None = MEANING,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve a version for a stage; bound to the evidence present now."""
    _sign(ctx, "approve", ref, stage, role, reason, meaning, as_json)


@app.command("reject")
def reject(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    stage: str = STAGE,
    role: str = ROLE,
    reason: str = SIGN_REASON,
    meaning: str | None = MEANING,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reject a version for a stage: its open request closes and it goes back to the start."""
    _sign(ctx, "reject", ref, stage, role, reason, meaning, as_json)


@app.command("list")
def list_(ctx: typer.Context, ref: str = VERSION_ARG, as_json: bool = JSON_OPTION) -> None:
    """List a version's sign-offs, oldest first, and whether each still counts (and if not, why)."""
    standing = client(ctx).signoff_standing(ref)
    if as_json:
        print_json(standing.as_dict())
        return
    table(
        None,
        ["id", "stage", "role", "decision", "signer", "signed (UTC)", "standing", "reason"],
        [
            (
                s.id,
                s.stage,
                escape(s.role),
                s.decision,
                escape(s.signer),
                s.signed_at[:16].replace("T", " "),
                standing.state(s),
                escape(s.reason),
            )
            for s in standing.signoffs
        ],
    )
