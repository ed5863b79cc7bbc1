"""`steward db …`: schema status and upgrades."""

from __future__ import annotations

import typer

from steward.bootstrap import database_status, upgrade_database
from steward.config import Settings
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json

app = typer.Typer(help="Inspect and upgrade the database schema.", no_args_is_help=True)


def _settings(ctx: typer.Context) -> Settings:
    return client(ctx).settings


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Show the database, its schema revision and the revision this Steward needs."""
    info = database_status(_settings(ctx))
    if as_json:
        print_json(info)
        return
    state = info["state"]
    console.print(
        f"{info['database']}: revision {info['revision'] or 'none'} (this Steward: {info['head']}) — {state}"
    )


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: str = typer.Option(
        "head", "--revision", help="Target revision (default: the latest)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply schema migrations, one process at a time."""
    before, after = upgrade_database(_settings(ctx), revision)
    if as_json:
        print_json({"before": before, "after": after})
    elif before == after:
        console.print(f"already at revision {after}")
    else:
        console.print(f"upgraded from {before or 'empty'} to {after}")
