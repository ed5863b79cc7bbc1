"""`steward project …`: analytics use cases, their owners, KPIs and members."""

from __future__ import annotations

import typer

from steward.domain.entities import Project
from steward.domain.errors import InvalidInputError
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
    help="Create and inspect projects (analytics use cases) and their members.",
    no_args_is_help=True,
)


def _parse_member(text: str) -> tuple[str, str]:
    person, sep, role = text.rpartition(":")
    if not sep or not person or not role:
        raise InvalidInputError(
            f"malformed member {text!r}: expected PERSON:ROLE, e.g. ana:validator"
        )
    return person, role


def _show(project: Project) -> None:
    console.print(f"[bold]{project.name}[/bold]  owner: {project.owner}")
    console.print(f"purpose: {project.purpose or '-'}")
    console.print(f"business objective: {project.business_objective or '-'}")
    console.print(f"created {project.created_at} by {project.created_by}")
    if project.kpis:
        table(
            "KPIs",
            ["name", "target", "description"],
            [(k.name, k.target, k.description) for k in project.kpis],
        )
    if project.members:
        table("Members", ["person", "role"], [(m.person, m.role) for m in project.members])


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Project name: letters, digits, '.', '_', '-'."),
    purpose: str = typer.Option("", "--purpose", help="What the use case is for."),
    objective: str = typer.Option("", "--objective", help="The business objective it serves."),
    owner: str | None = typer.Option(None, "--owner", help="Accountable owner (default: you)."),
    kpi: list[str] = typer.Option([], "--kpi", help="A KPI as 'name: target'; repeatable."),
    member: list[str] = typer.Option([], "--member", help="A member as PERSON:ROLE; repeatable."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a project with its purpose, objective, KPIs, owner and members."""
    members = [_parse_member(m) for m in member]
    project = client(ctx).create_project(
        name,
        purpose=purpose,
        business_objective=objective,
        owner=owner,
        kpis=kpi,
        members=members,
        reason=reason,
    )
    if as_json:
        print_json(project.as_dict())
    else:
        console.print(f"created project [bold]{project.name}[/bold]")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = LIMIT_OPTION,
    after: str | None = AFTER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List projects, oldest first."""
    page = client(ctx).projects(limit=limit, after=after)
    if as_json:
        print_json({"items": [p.as_dict() for p in page.items], "next": page.next_cursor})
        return
    table(
        None,
        ["project", "owner", "members", "created"],
        [(p.name, p.owner, len(p.members), p.created_at) for p in page.items],
    )
    next_page_hint(page.next_cursor)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Project name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a project with its KPIs and members."""
    project = client(ctx).project(name)
    if as_json:
        print_json(project.as_dict())
    else:
        _show(project)


member_app = typer.Typer(
    help="Add or remove project members and their roles.", no_args_is_help=True
)
app.add_typer(member_app, name="member")


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name."),
    person: str = typer.Argument(..., help="The person's identity."),
    role: str = typer.Option(
        ..., "--role", help="Role in the project, e.g. data_scientist, validator."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Give a person a role in a project."""
    result = client(ctx).add_member(project, person, role, reason)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(f"{person} is now {role} in {project}")


@member_app.command("remove")
def member_remove(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name."),
    person: str = typer.Argument(..., help="The person's identity."),
    role: str = typer.Option(..., "--role", help="The role to take away."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Take a role in a project away from a person."""
    result = client(ctx).remove_member(project, person, role, reason)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(f"{person} is no longer {role} in {project}")
