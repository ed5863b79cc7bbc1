"""The `steward` command: noun-verb subcommands, `--json` on every command, errors as one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from steward.domain.errors import StewardError
from steward.entrypoints.cli.lazy import LazyGroup
from steward.entrypoints.cli.process import tune_memory

if TYPE_CHECKING:
    from typer import _click as click

    from steward.sdk import Client

app = typer.Typer(
    name="steward",
    help=(
        "Steward: inventory, lineage, risk-tiered policy gates with evidence and sign-offs, "
        "and a tamper-evident audit trail for ML models."
    ),
    # Every command group is imported when it is used (see lazy.py), not at start-up.
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", help="Steward home (env STEWARD_HOME; default ~/.steward)."
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="SQLAlchemy URL (env STEWARD_DATABASE_URL; default SQLite in the home).",
    ),
    artifact_root: Path | None = typer.Option(
        None,
        "--artifact-root",
        help="Artifact directory (env STEWARD_ARTIFACT_ROOT; default in the home).",
    ),
    actor: str | None = typer.Option(
        None, "--actor", help="Who is acting (env STEWARD_ACTOR; default: your login)."
    ),
) -> None:
    """Settings come from these options, then STEWARD_* variables, then $STEWARD_HOME/config.toml."""
    made: list[Client] = []

    def factory() -> Client:
        if not made:
            from steward.sdk import Client

            made.append(
                Client(
                    home=home, database_url=database_url, artifact_root=artifact_root, actor=actor
                )
            )
            ctx.call_on_close(made[0].close)
        return made[0]

    ctx.obj = factory


def command_tree() -> click.Command:
    """The root command with every group loaded: for tools that walk all commands (the help
    and documentation tests)."""
    root = typer.main.get_command(app)
    if isinstance(root, LazyGroup):
        root.load_all()
    return root


def main() -> None:
    tune_memory()
    try:
        app(prog_name="steward")
    except StewardError as exc:
        sys.stderr.write(f"steward: error: {exc.message}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("steward: interrupted\n")
        sys.exit(130)
    except OSError as exc:
        # A path the user gave that cannot be read or written (a folder where a file is
        # expected, a missing folder, no permission) is their mistake, not Steward's: one line.
        if exc.filename is None:
            raise
        sys.stderr.write(f"steward: error: cannot use {exc.filename}: {exc.strerror}\n")
        sys.exit(2)
