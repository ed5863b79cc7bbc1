"""`steward monitor …`: drift between files, and production monitoring of registered versions:
windows, labels, KPIs, alerts and reviews. Each command lives in the module of its part; the
group is assembled here, explicitly."""

from __future__ import annotations

import typer

from steward.entrypoints.cli.monitor import drift, health, production

app = typer.Typer(
    help=(
        "Watch models in production: drift between files, and the windows, labels, KPIs, "
        "alerts and reviews of registered versions."
    ),
    no_args_is_help=True,
)

app.command("drift")(drift.drift)
app.command("reference")(production.reference)
app.command("ingest")(production.ingest)
app.command("ingests")(production.ingests)
app.command("labels")(production.labels)
app.command("kpi")(production.kpi)
app.command("status")(health.status)
app.command("alerts")(health.alerts)
app.command("reviews")(health.reviews)
app.command("close-review")(health.close_review)
app.command("deliver")(health.deliver)
app.command("report")(health.report)
