"""`steward inbox` and `steward governance …`: what waits for whom, KPIs per team and the
recertification schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from steward.entrypoints.cli.change import CHANGE_COLUMNS, change_rows
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

if TYPE_CHECKING:
    from steward.services.kpis import TeamKpis
    from steward.services.promotion import InboxItem, Recertification

app = typer.Typer(
    help="Governance KPIs per team and the recertification schedule.", no_args_is_help=True
)


PROJECT = typer.Option(None, "--project", help="Only this project.")


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
    """What waits for you: sign-offs, blocked requests, overdue reviews, changes to approve."""
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
    for title, changes in (
        ("governance changes waiting for your approval", box.changes_to_approve),
        ("your governance changes waiting for approval", box.my_changes),
    ):
        if changes:
            table(title, CHANGE_COLUMNS, change_rows(list(changes)))
        else:
            console.print(f"{title}: nothing")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _kpi_row(team: TeamKpis) -> tuple[Any, ...]:
    return (
        escape(team.team),
        team.production_versions,
        _share(team.gates_fully_met_share),
        f"{team.requirements_computed} / {team.requirements_attested} / {team.requirements_waived}",
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
            "met: computed /\nattested / waived",
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
