"""`steward project …`: analytics use cases, their owners, KPIs and members, and their risk
classification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from steward.domain.changes import PendingChange
from steward.domain.errors import InvalidInputError
from steward.entrypoints.cli.change import report_pending, show_pending
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

if TYPE_CHECKING:
    from steward.domain.entities import Project
    from steward.domain.governance import Assessment

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
    waiting = client(ctx).changes("pending", project.name) if members else []
    if as_json:
        print_json({**project.as_dict(), "pending_changes": [c.as_dict() for c in waiting]})
        return
    console.print(f"created project [bold]{project.name}[/bold]")
    for change in waiting:
        show_pending(change)


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
    """Give a person a role in a project. A role that signs (validator, approvers) waits for
    a second person's approval: steward change approve."""
    result = client(ctx).add_member(project, person, role, reason)
    if isinstance(result, PendingChange):
        report_pending(result, as_json)
    elif as_json:
        print_json(result.as_dict())
    else:
        console.print(f"{escape(person)} is now {escape(role)} in {escape(project)}")


@app.command("owner")
def owner(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name."),
    person: str = typer.Argument(..., help="The new owner."),
    reason: str = typer.Option(..., "--reason", help="Why (required)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Ask for a new owner of a project; a second person approves it (steward change approve)."""
    change = client(ctx).change_owner(project, person, reason)
    report_pending(change, as_json)


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


PROJECT_ARG = typer.Argument(..., help="Project name.")

# Risk classification ----------------------------------------------------------------------


def _answer_text(question: str, value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise InvalidInputError(
            f'answer to {question!r} must be text, e.g. "yes", not {json.dumps(value)}'
        )
    return str(value)


def read_answers(path: Path) -> dict[str, str]:
    """A mapping of question to answer from a YAML or JSON file. YAML is read without type
    conversion, so `yes`, `no`, `on` and `1.0` stay exactly the text they are."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"answers file {path} does not exist") from None
    except (OSError, UnicodeDecodeError):
        raise InvalidInputError(f"cannot read answers file {path}") from None
    import yaml  # only this command reads YAML; the others start without it

    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            # The base loader builds only str, list and dict: nothing executes, nothing converts.
            data = yaml.load(text, Loader=yaml.BaseLoader)
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        number = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        where = f"{path.name}:{number}" if number else path.name
        raise InvalidInputError(f"{where}: not valid YAML or JSON") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path.name}: expected a mapping of question: answer")
    return {str(key): _answer_text(str(key), value) for key, value in data.items()}


def _parse_answer(text: str) -> tuple[str, str]:
    question, sep, answer = text.partition("=")
    if not sep or not question.strip():
        raise InvalidInputError(f"malformed answer {text!r}: expected QUESTION=ANSWER")
    return question.strip(), answer.strip()


def _show_assessment(assessment: Assessment) -> None:
    console.print(
        f"[bold]{assessment.project}[/bold]: tier [bold]{escape(assessment.tier)}[/bold] "
        f"(score {assessment.score}) under policy {escape(assessment.policy_name)} "
        f"v{assessment.policy_version}"
    )
    console.print(f"assessed {assessment.assessed_at} by {escape(assessment.assessed_by)}")
    for reason in assessment.reasons:
        console.print(f"  - {escape(reason)}")
    table("Answers", ["question", "answer"], sorted(assessment.answers.items()))


@app.command("classify")
def classify(
    ctx: typer.Context,
    project: str = PROJECT_ARG,
    policy: str | None = typer.Option(
        None, "--policy", help="Policy whose questionnaire to answer (default: default policy)."
    ),
    answer: list[str] = typer.Option(
        [], "--answer", help="QUESTION=ANSWER; repeatable; overrides the answers file."
    ),
    answers_file: Path | None = typer.Option(
        None,
        "--answers-file",
        dir_okay=False,
        help="YAML or JSON mapping of question: answer.",
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Answer a policy's risk questionnaire for a project; the answers give its risk tier."""
    answers = read_answers(answers_file) if answers_file is not None else {}
    answers.update(_parse_answer(a) for a in answer)
    assessment = client(ctx).classify(project, answers, policy=policy, reason=reason)
    if isinstance(assessment, PendingChange):
        report_pending(assessment, as_json)
    elif as_json:
        print_json(assessment.as_dict())
    else:
        _show_assessment(assessment)


@app.command("assessment")
def assessment(ctx: typer.Context, project: str = PROJECT_ARG, as_json: bool = JSON_OPTION) -> None:
    """Show a project's current risk assessment: tier, score, reasons and answers."""
    found = client(ctx).assessment(project)
    if as_json:
        print_json(found.as_dict())
    else:
        _show_assessment(found)


@app.command("raci")
def raci(
    ctx: typer.Context,
    project: str = typer.Argument(..., help="Project name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Who is responsible, accountable, consulted and informed for each process step: the RACI
    matrix of the project's policy, with the members holding each role."""
    label, steps = client(ctx).raci(project)
    if as_json:
        print_json({"project": project, "policy": label, "steps": [s.as_dict() for s in steps]})
        return

    def cell(roles: dict[str, list[str]]) -> str:
        return "\n".join(
            f"{escape(role)}: {escape(', '.join(people)) if people else '[red]nobody[/red]'}"
            for role, people in roles.items()
        )

    table(
        f"RACI of {escape(project)} under {escape(label)}",
        ["step", "responsible", "accountable", "consulted", "informed"],
        [
            (
                escape(s.step),
                cell(s.assignments["responsible"]),
                cell(s.assignments["accountable"]),
                cell(s.assignments["consulted"]),
                cell(s.assignments["informed"]),
            )
            for s in steps
        ],
        wrap=True,
    )
    missing = sorted({role for s in steps for role in s.unstaffed()})
    if missing:
        console.print(f"roles nobody holds in {escape(project)}: {escape(', '.join(missing))}")
