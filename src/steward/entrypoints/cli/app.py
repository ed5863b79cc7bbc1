"""The `steward` command: noun-verb subcommands, `--json` on every command, errors as one line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from steward.domain.errors import StewardError
from steward.entrypoints.cli import (
    audit,
    check,
    db,
    evidence,
    gate,
    governance,
    model,
    monitor,
    policy,
    project,
    request,
    signoff,
    version,
    waiver,
    webhook,
)
from steward.sdk import Client

app = typer.Typer(
    name="steward",
    help=(
        "Steward: inventory, lineage, risk-tiered policy gates with evidence and sign-offs, "
        "and a tamper-evident audit trail for ML models."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(project.app, name="project")
app.add_typer(model.app, name="model")
app.add_typer(version.app, name="version")
app.add_typer(audit.app, name="audit")
app.add_typer(db.app, name="db")
app.add_typer(policy.app, name="policy")
app.add_typer(evidence.app, name="evidence")
app.add_typer(check.app, name="check")
app.add_typer(signoff.app, name="signoff")
app.add_typer(gate.app, name="gate")
app.add_typer(waiver.app, name="waiver")
app.add_typer(request.app, name="request")
app.add_typer(governance.app, name="governance")
app.add_typer(monitor.app, name="monitor")
app.add_typer(webhook.app, name="webhook")
app.command("promote")(gate.promote)
app.command("recertify")(gate.recertify)
app.command("inbox")(governance.inbox)


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
            made.append(
                Client(
                    home=home, database_url=database_url, artifact_root=artifact_root, actor=actor
                )
            )
            ctx.call_on_close(made[0].close)
        return made[0]

    ctx.obj = factory


def main() -> None:
    try:
        app(prog_name="steward")
    except StewardError as exc:
        sys.stderr.write(f"steward: error: {exc.message}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("steward: interrupted\n")
        sys.exit(130)
