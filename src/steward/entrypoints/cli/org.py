"""`steward org …`: organisation roles (admin, risk_officer, auditor), held across projects."""

from __future__ import annotations

import typer
from rich.markup import escape

from steward.entrypoints.cli.change import report_pending
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

app = typer.Typer(
    help="Organisation roles: who is admin, risk officer or auditor across every project.",
    no_args_is_help=True,
)

PERSON = typer.Argument(..., help="The person's name, as they act in Steward.")
ROLE = typer.Argument(..., help="admin, risk_officer or auditor.")
REASON = typer.Option(..., "--reason", help="Why (required).")


@app.command("roles")
def roles(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List everyone holding an organisation role."""
    holders = client(ctx).org_roles()
    if as_json:
        print_json({"items": [{"person": p, "roles": sorted(r)} for p, r in holders.items()]})
        return
    if not holders:
        console.print("nobody holds an organisation role yet: see steward org init")
        return
    table(
        None, ["person", "roles"], [(escape(p), ", ".join(sorted(r))) for p, r in holders.items()]
    )


@app.command("init")
def init(
    ctx: typer.Context,
    reason: str | None = typer.Option(None, "--reason", help="Why (optional)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make yourself the first admin of this store, as your operating-system login. Refused
    once an admin exists, and with --actor or STEWARD_ACTOR (a declared name)."""
    person = client(ctx).initialise_admin(reason)
    if as_json:
        print_json({"person": person, "role": "admin"})
    else:
        console.print(f"{escape(person)} is the first admin of this store")


@app.command("grant")
def grant(
    ctx: typer.Context,
    person: str = PERSON,
    role: str = ROLE,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Give a person an organisation role (admins only; never to yourself). A role that signs
    (risk_officer) waits for a second person's approval, except its first holder's."""
    change = client(ctx).grant_org_role(person, role, reason)
    if change is not None:
        report_pending(change, as_json)
        return
    if as_json:
        print_json({"person": person, "role": role, "granted": True})
    else:
        console.print(f"{escape(person)} now holds the organisation role {escape(role)}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    person: str = PERSON,
    role: str = ROLE,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Take an organisation role away (admins only; the last admin stays)."""
    client(ctx).revoke_org_role(person, role, reason)
    if as_json:
        print_json({"person": person, "role": role, "revoked": True})
    else:
        console.print(f"{escape(person)} no longer holds the organisation role {escape(role)}")


@app.command("alias")
def alias(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The other name: a login, an e-mail address."),
    person: str = PERSON,
    reason: str = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make another name stand for a person (admins only): it then acts as that person."""
    client(ctx).add_alias(name, person, reason)
    if as_json:
        print_json({"alias": name, "person": person})
    else:
        console.print(f"{escape(name)} now stands for {escape(person)}")
