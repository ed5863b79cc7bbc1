"""`steward db …`: schema status and upgrades."""

from __future__ import annotations

import typer

from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json

app = typer.Typer(help="Inspect and upgrade the database schema.", no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Show the database, its schema revision and the revision this Steward needs."""
    info = client(ctx).database_status()
    if as_json:
        print_json(info.as_dict())
        return
    console.print(
        f"{info.database}: revision {info.revision or 'none'} "
        f"(this Steward: {info.head}) — {info.state}"
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
    before, after = client(ctx).upgrade_database(revision)
    if as_json:
        print_json({"before": before, "after": after})
    elif before == after:
        console.print(f"already at revision {after}")
    else:
        console.print(f"upgraded from {before or 'empty'} to {after}")
