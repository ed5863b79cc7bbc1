"""Command groups loaded when they are used.

`steward --help` and `steward project list` should not pay for importing the code of every
other command group (their options, their formatting, what they import). The root group lists
every command from the table below, with the help text shown in `steward --help`, and imports a
command's module only when that command is invoked (or its own help is asked for). A test
checks that each entry's help text is the one its module declares, so the table cannot drift.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    # Typer carries its own copy of Click; its groups are typed with that copy's classes.
    from typer import _click as click


@dataclass(frozen=True, slots=True)
class Entry:
    module: str  # below steward.entrypoints.cli
    attribute: str  # a Typer app (a group) or a command function
    help: str


GROUPS: dict[str, Entry] = {
    "promote": Entry(
        "gate",
        "promote",
        "Move a version through its gate; if blocked, list every unmet requirement and exit 6.",
    ),
    "recertify": Entry(
        "gate",
        "recertify",
        "Review a version again in the stage it holds: its gate must still be met (exit 6 if not).",
    ),
    "inbox": Entry(
        "governance",
        "inbox",
        "What waits for you: sign-offs, blocked requests, overdue reviews, changes to approve.",
    ),
    "project": Entry(
        "project", "app", "Create and inspect projects (analytics use cases) and their members."
    ),
    "model": Entry(
        "model", "app", "List, create and inspect models; ask what was in production at a time."
    ),
    "version": Entry(
        "version", "app", "Search versions, show their lineage, tag them and change their stage."
    ),
    "audit": Entry("audit", "app", "Verify, read and export the hash-chained audit trail."),
    "db": Entry("db", "app", "Inspect and upgrade the database schema."),
    "policy": Entry(
        "policy",
        "app",
        "List, show, validate and apply governance policies (risk tiers, gates, RACI).",
    ),
    "evidence": Entry(
        "evidence",
        "app",
        "Attach the results of checks and documents to a version, and list them.",
    ),
    "check": Entry(
        "check",
        "app",
        "Run the checks a version's gate asks for and store the results as evidence.",
    ),
    "signoff": Entry(
        "signoff", "app", "Approve or reject a version for a stage, acting in a role."
    ),
    "gate": Entry("gate", "app", "Ask what a version still needs to pass the gate into a stage."),
    "waiver": Entry(
        "waiver",
        "app",
        "Grant, revoke and list waivers: reasoned, expiring exceptions to one requirement.",
    ),
    "org": Entry(
        "org",
        "app",
        "Organisation roles: who is admin, risk officer or auditor across every project.",
    ),
    "request": Entry("request", "app", "List promotion requests and withdraw your own."),
    "change": Entry(
        "change",
        "app",
        "Governance changes that wait for a second person: list, show, approve, reject, withdraw.",
    ),
    "governance": Entry(
        "governance", "app", "Governance KPIs per team and the recertification schedule."
    ),
    "monitor": Entry(
        "monitor",
        "app",
        "Watch models in production: drift between files, and the windows, labels, KPIs, "
        "alerts and reviews of registered versions.",
    ),
    "webhook": Entry("webhook", "app", "Try webhook routes locally."),
}


class _Unloaded(TyperCommand):
    """Stands in for a command in listings until the command is used."""


def _nothing() -> None:
    """The throwaway parent's callback."""


def load(name: str) -> click.Command:
    """The real command registered under `name`, importing its module."""
    entry = GROUPS[name]
    found: Any = getattr(
        importlib.import_module(f"steward.entrypoints.cli.{entry.module}"), entry.attribute
    )
    # Built under a throwaway parent exactly as the root would build it, so the command is the
    # same as if it had been registered eagerly (no completion options of its own, say).
    parent = typer.Typer(add_completion=False)
    parent.callback()(_nothing)
    if isinstance(found, typer.Typer):
        parent.add_typer(found, name=name)
    else:
        parent.command(name)(found)
    built = typer.main.get_command(parent)
    assert isinstance(built, TyperGroup)
    return built.commands[name]


class LazyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in GROUPS.items():
            self.commands.setdefault(name, _Unloaded(name=name, help=entry.help))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and isinstance(self.commands.get(args[0]), _Unloaded):
            self.commands[args[0]] = load(args[0])
        return super().resolve_command(ctx, args)

    def load_all(self) -> None:
        """Replace every stand-in by its command (for tools that walk the whole tree)."""
        for name, command in list(self.commands.items()):
            if isinstance(command, _Unloaded):
                self.commands[name] = load(name)
