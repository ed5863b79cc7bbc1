"""Risk classification on `steward project`, `steward inbox`, and `steward governance …`:
KPIs per team and the recertification schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.markup import escape

from steward.domain.errors import InvalidInputError
from steward.domain.governance import Assessment
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table
from steward.services.kpis import TeamKpis
from steward.services.promotion import InboxItem, Recertification

app = typer.Typer(
    help="Governance KPIs per team and the recertification schedule.", no_args_is_help=True
)

PROJECT_ARG = typer.Argument(..., help="Project name.")
PROJECT = typer.Option(None, "--project", help="Only this project.")


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
    if as_json:
        print_json(assessment.as_dict())
    else:
        _show_assessment(assessment)


def assessment(ctx: typer.Context, project: str = PROJECT_ARG, as_json: bool = JSON_OPTION) -> None:
    """Show a project's current risk assessment: tier, score, reasons and answers."""
    found = client(ctx).assessment(project)
    if as_json:
        print_json(found.as_dict())
    else:
        _show_assessment(found)


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


def register(project_app: typer.Typer) -> None:
    """Add `classify`, `assessment` and `raci` to the `steward project` group."""
    project_app.command("classify")(classify)
    project_app.command("assessment")(assessment)
    project_app.command("raci")(raci)


# Inbox ------------------------------------------------------------------------------------


def age(since: str, now: datetime | None = None) -> str:
    """`3d 4h`, `5h 12m`, `7m`: how long ago an ISO 8601 time was."""
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    seconds = max(0, int(((now or datetime.now(UTC)) - start).total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _item_rows(items: tuple[InboxItem, ...], with_roles: bool) -> list[tuple[Any, ...]]:
    rows = []
    for item in items:
        unmet = "\n".join(escape(reason) for reason in item.decision.reasons())
        request = item.request
        row: tuple[Any, ...] = (
            request.version_ref,
            f"{request.from_stage} → {request.to_stage}",
            age(request.requested_at),
            escape(request.requested_by),
        )
        if with_roles:
            row = (*row, escape(", ".join(item.roles)))
        rows.append((*row, unmet or "-"))
    return rows


def _recert_rows(items: list[Recertification] | tuple[Recertification, ...]) -> list[Any]:
    return [
        (
            r.version_ref,
            r.stage,
            escape(r.tier or "-"),
            r.approved_at or "-",
            r.due_at or "-",
            "[red]yes[/red]" if r.overdue else "no",
        )
        for r in items
    ]


RECERT_COLUMNS = ["version", "stage", "tier", "approved", "due", "overdue"]


def inbox(
    ctx: typer.Context,
    person: str | None = typer.Option(None, "--person", help="Whose inbox (default: yours)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """What waits for your sign-off, which of your requests are blocked, and overdue reviews."""
    box = client(ctx).inbox(person)
    if as_json:
        print_json(box.as_dict())
        return
    console.print(f"[bold]inbox of {escape(box.person)}[/bold]")
    sections = (
        ("waiting for your sign-off (oldest first)", box.to_sign, True),
        ("your requests that are blocked", box.blocked, False),
    )
    for title, items, with_roles in sections:
        if not items:
            console.print(f"{title}: nothing")
            continue
        columns = ["version", "move", "age", "requested by"]
        columns += ["your roles"] if with_roles else []
        table(title, [*columns, "unmet requirements"], _item_rows(items, with_roles))
    if box.recertifications:
        table("recertifications overdue", RECERT_COLUMNS, _recert_rows(box.recertifications))
    else:
        console.print("recertifications overdue: nothing")


# KPIs and recertifications ----------------------------------------------------------------


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _kpi_row(team: TeamKpis) -> tuple[Any, ...]:
    return (
        escape(team.team),
        team.production_versions,
        _share(team.gates_fully_met_share),
        _hours(team.approval_median_hours),
        _hours(team.approval_p90_hours),
        _share(team.first_time_pass_rate),
        team.overdue_recertifications,
        team.open_waivers,
        team.open_requests,
    )


@app.command("kpis")
def kpis(ctx: typer.Context, project: str | None = PROJECT, as_json: bool = JSON_OPTION) -> None:
    """Governance KPIs per team and overall, then a leaderboard ranked by score."""
    report = client(ctx).governance_kpis(project)
    if as_json:
        print_json(report.as_dict())
        return
    table(
        f"Governance KPIs ({report.generated_at})",
        [
            "team",
            "in\nproduction",
            "gates\nfully met",
            "median h to\napproval",
            "p90 h",
            "first-time\npass",
            "overdue\nrecerts",
            "open\nwaivers",
            "open\nrequests",
        ],
        [*(_kpi_row(t) for t in report.teams), _kpi_row(report.overall)],
    )
    table(
        "Leaderboard",
        ["rank", "team", "score"],
        [(i + 1, escape(t.team), f"{t.score:.2f}") for i, t in enumerate(report.leaderboard)],
    )


@app.command("recertifications")
def recertifications(
    ctx: typer.Context, project: str | None = PROJECT, as_json: bool = JSON_OPTION
) -> None:
    """Versions past the first stage with their last approval and when review falls due."""
    items = client(ctx).recertifications(project)
    if as_json:
        print_json({"items": [r.as_dict() for r in items]})
        return
    table(None, RECERT_COLUMNS, _recert_rows(items))
