"""`steward monitor status|alerts|reviews|close-review|deliver|report`: what production
monitoring found, and acting on it. TARGET is PROJECT/MODEL/NUMBER, or the deployment
PROJECT/MODEL@STAGE."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from steward.domain.changes import PendingChange
from steward.domain.errors import InvalidInputError
from steward.entrypoints.cli.change import report_pending
from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    fail,
    print_json,
    short_number,
    table,
)

TARGET = typer.Argument(..., help="PROJECT/MODEL/NUMBER, or PROJECT/MODEL@STAGE.")


def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Health of every monitored version: newest window, drift, performance, alerts."""
    found = client(ctx).monitor_status()
    if as_json:
        print_json([item.as_dict() for item in found])
        return
    rows = []
    notes: list[str] = []
    for item in found:
        signals, performance = item.signals, item.performance
        health = item.health
        style = {"alert": "red", "ok": "green"}.get(health, "yellow")
        latest = item.latest_window
        rows.append(
            [
                item.version,
                item.stage,
                f"[{style}]{health}[/{style}]",
                str(latest)[:10] if latest else "",
                short_number(signals.get("drift.share")),
                short_number(signals.get("drift.psi_max")),
                _auc(performance, signals),
                item.alerts,
                ", ".join(str(r) for r in item.open_reviews),
            ]
        )
        if item.pending_deliveries or item.failed_deliveries:
            notes.append(
                f"{item.version}: {item.pending_deliveries} notification(s) pending, "
                f"{item.failed_deliveries} failed (steward monitor deliver)"
            )
    if not rows:
        console.print("no monitored versions yet: `steward monitor reference` starts one")
        return
    table(
        "monitoring",
        ["version", "stage", "health", "window", "drift", "PSI max", "AUC", "alerts", "review"],
        rows,
    )
    for note in notes:
        console.print(f"note: {escape(note)}")


def alerts(
    ctx: typer.Context,
    target: str | None = typer.Argument(None, help="Only this version or deployment."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Alerts raised by the monitoring rules, oldest first."""
    found = client(ctx).alerts(target)
    if as_json:
        print_json([a.as_dict() for a in found])
        return
    table(
        "alerts",
        ["id", "version", "window", "signal", "value", "rule", "outcome", "status", "windows"],
        [
            [
                a.id,
                a.version_ref,
                a.window_start,
                a.signal,
                short_number(a.value),
                a.rule,
                a.detail.get("outcome"),
                a.status if a.closed_reason is None else f"closed: {a.closed_reason}",
                f"{a.windows} (to {a.last_window})" if a.windows > 1 else "1",
            ]
            for a in found
        ],
    )


def reviews(
    ctx: typer.Context,
    state: str = typer.Option("open", "--status", help="open, closed or all."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Reviews opened by alerts."""
    if state not in ("open", "closed", "all"):
        raise InvalidInputError(f"unknown status {state!r}: use open, closed or all")
    found = client(ctx).reviews(None if state == "all" else state)
    if as_json:
        print_json([r.as_dict() for r in found])
        return
    table(
        f"reviews ({state})",
        ["id", "version", "status", "opened", "reason and resolution"],
        [
            [
                r.id,
                r.version_ref,
                r.status,
                r.opened_at[:16],
                r.reason + (f" | closed: {r.resolution}" if r.resolution else ""),
            ]
            for r in found
        ],
    )


def close_review(
    ctx: typer.Context,
    review_id: int = typer.Argument(..., help="The review's id."),
    reason: str = typer.Option(..., "--reason", help="What was found and done (required)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Close a review with what was found and done. A review an alert opened waits for a
    second person's approval."""
    closed = client(ctx).close_review(review_id, reason)
    if isinstance(closed, PendingChange):
        report_pending(closed, as_json)
        return
    if as_json:
        print_json(closed.as_dict())
        return
    console.print(f"review {closed.id} of {escape(closed.version_ref)} closed")


def deliver(
    ctx: typer.Context,
    wait: float = typer.Option(
        0.0, "--wait", help="Keep retrying for up to this many seconds until none is pending."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send the notifications that are due (run it from cron to retry failed ones)."""
    outcomes = client(ctx).deliver(wait)
    if as_json:
        print_json([o.as_dict() for o in outcomes])
    elif not outcomes:
        console.print("nothing to deliver")
    else:
        table(
            "deliveries",
            ["delivery", "route", "status", "attempts", "error"],
            [[o.delivery, o.route, o.status, o.attempts, o.error] for o in outcomes],
        )
    given_up = [o for o in outcomes if o.status == "failed"]
    if given_up:
        fail(f"{len(given_up)} notification(s) failed for good; see the table or --json")


def report(
    ctx: typer.Context,
    target: str = TARGET,
    out: Path = typer.Option(..., "-o", "--out", help="Where to write the HTML report."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the HTML report of a version's windows: drift, performance and KPIs over time."""
    path = client(ctx).monitor_report(target, out)
    if as_json:
        print_json({"report": str(path)})
        return
    console.print(f"report: {escape(str(path))}")


def _auc(performance: dict[str, float], signals: dict[str, float]) -> str:
    """The measured AUC of the newest labelled window, else the newest window's estimate,
    marked as such."""
    if "performance.auc" in performance:
        return short_number(performance["performance.auc"])
    estimate = signals.get("estimated.auc")
    return "" if estimate is None else f"{estimate:.4g} (est.)"
