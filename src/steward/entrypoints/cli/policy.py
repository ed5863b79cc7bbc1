"""`steward policy …`: list, show, validate, apply and trace policies as code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from steward.domain.changes import PendingChange
from steward.domain.errors import StewardError
from steward.entrypoints.cli.change import report_pending
from steward.entrypoints.cli.output import JSON_OPTION, client, console, print_json, table

if TYPE_CHECKING:
    from steward.domain.governance import StoredPolicy
    from steward.domain.policy import AnswerMatch, Gate, Policy, TierRule

app = typer.Typer(
    help="List, show, validate and apply governance policies (risk tiers, gates, RACI).",
    no_args_is_help=True,
)

NAME_ARG = typer.Argument(..., help="Policy name, e.g. default.")
FILE_ARG = typer.Argument(..., dir_okay=False, help="A policy file (YAML).")


def _stored_dict(stored: StoredPolicy) -> dict[str, Any]:
    return {
        "id": stored.id,
        "name": stored.name,
        "version": stored.version,
        "digest": stored.digest,
        "applied_at": stored.applied_at,
        "applied_by": stored.applied_by,
    }


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List policies: every applied one (newest version) and the shipped ones not applied yet."""
    listings = client(ctx).policies()
    if as_json:
        print_json({"items": [p.as_dict() for p in listings]})
        return
    table(
        None,
        ["policy", "version", "title", "digest", "applied", "by"],
        [
            (
                escape(p.name),
                f"v{p.latest_version}" if p.latest_version else "shipped, not applied",
                escape(p.title),
                p.digest[:12],
                p.applied_at or "",
                escape(p.applied_by or ""),
            )
            for p in listings
        ],
    )


def gate_lines(gate: Gate) -> list[str]:
    """A gate's requirements, one short line each."""
    lines = [f"check {c.key.removeprefix('check:')}" for c in gate.checks]
    lines += [f"documentation: {field}" for field in gate.documentation]
    lines += [f"lineage: {fact}" for fact in gate.lineage]
    lines += [
        f"sign-off: {s.role}" + (f" x{s.count}" if s.count > 1 else "") for s in gate.signoffs
    ]
    own = gate.separation_of_duties
    if own is not None:
        rules = [
            "authors may sign" if own.author_may_sign else "not the author",
            "evidence producers may sign" if own.evidence_producers_may_sign else "nor producers",
        ]
        if own.signers_may_not_hold:
            rules.append(f"nobody holding {', '.join(own.signers_may_not_hold)}")
        lines.append("signers: " + "; ".join(rules))
    return lines


def _show(stored: StoredPolicy | None, policy: Policy) -> None:
    label = f"v{stored.version}" if stored else "(shipped, not applied yet)"
    console.print(f"[bold]{escape(policy.name)}[/bold] {label}: {escape(policy.title or '-')}")
    if stored:
        console.print(
            f"digest sha256:{stored.digest}; applied {stored.applied_at} "
            f"by {escape(stored.applied_by)}"
        )
    else:
        console.print(f"digest sha256:{policy.digest()}")
    if policy.description:
        console.print(escape(policy.description.strip()))
    table(
        "Tiers (lowest first)",
        ["tier", "recertify every", "description"],
        [
            (
                escape(t.name),
                f"{t.recertify_days} days" if t.recertify_days else "never",
                escape(("PROHIBITED. " if t.prohibited else "") + t.description),
            )
            for t in policy.tiers
        ],
    )
    questionnaire = policy.questionnaire
    table(
        "Questionnaire",
        ["question", "text; answers (score)"],
        [
            (
                escape(q.id),
                escape(q.text)
                + "\n[dim]"
                + escape(", ".join(f"{a.value} ({a.score})" for a in q.answers))
                + "[/dim]",
            )
            for q in questionnaire.questions
        ],
    )
    if questionnaire.rules:
        table(
            "Rules (in order)",
            ["#", "effect", "when"],
            [
                (
                    i,
                    f"tier {r.tier}" if r.tier else f"at least {r.minimum}",
                    escape(_rule_text(r)),
                )
                for i, r in enumerate(questionnaire.rules, start=1)
            ],
        )
    bands = ", ".join(f"{b.tier} from {b.min_score}" for b in questionnaire.scoring)
    console.print(
        f"default tier {escape(questionnaire.default_tier)}"
        + (f"; by score: {escape(bands)}" if bands else "")
        + f"; {len(questionnaire.rules)} rules"
    )
    rows = []
    for tier in policy.tiers:
        for stage in policy.stages.names:
            gate = policy.gate(tier.name, stage)
            if not gate.is_empty():
                rows.append((escape(tier.name), stage, escape("\n".join(gate_lines(gate)))))
    table("Gates (tier x stage)", ["tier", "into stage", "requirements"], rows)
    if policy.raci:
        # Every column of role lists may wrap, so this one is not the shared one-line table.
        grid = Table(title="RACI", title_justify="left")
        grid.add_column("step", no_wrap=True)
        for column in ("responsible", "accountable", "consulted", "informed"):
            grid.add_column(column, overflow="fold")
        for step, r in policy.raci.items():
            grid.add_row(
                *(
                    Text(", ".join(names))
                    for names in ((step,), r.responsible, r.accountable, r.consulted, r.informed)
                )
            )
        console.print(grid)
    sod = policy.separation_of_duties
    console.print(
        f"authors may sign: {'yes' if sod.author_may_sign else 'no'}; evidence producers may "
        f"sign: {'yes' if sod.evidence_producers_may_sign else 'no'}; "
        + (
            f"holders of {escape(', '.join(sod.signers_may_not_hold))} may not sign; "
            if sod.signers_may_not_hold
            else ""
        )
        + f"waivers granted by "
        f"{escape(', '.join(policy.waivers.granted_by) or 'nobody')} for at most "
        f"{policy.waivers.max_days} days"
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = NAME_ARG,
    version: int | None = typer.Option(
        None, "--version", min=1, help="A stored version (default: the newest)."
    ),
    permissions: bool = typer.Option(
        False, "--permissions", help="Only the permissions: each action and the roles allowed it."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a policy: tiers, questionnaire, the gate of each tier and stage, and RACI."""
    stored, policy = client(ctx).policy(name, version)
    if permissions:
        _show_permissions(policy, as_json)
        return
    if as_json:
        print_json(
            {
                "stored": {**_stored_dict(stored), "source": stored.source} if stored else None,
                "document": policy.document(),
            }
        )
    else:
        _show(stored, policy)


def _show_permissions(policy: Policy, as_json: bool) -> None:
    from steward.domain.permissions import ORG_ACTIONS, ORG_ROLES

    if as_json:
        print_json({"policy": policy.name, "permissions": policy.permissions})
        return
    table(
        f"Permissions of policy {escape(policy.name)}",
        ["action", "scope", "allowed to"],
        [
            (
                action,
                "organisation" if action in ORG_ACTIONS else "project",
                ", ".join(roles),
            )
            for action, roles in sorted(policy.permissions.items())
        ],
    )
    console.print(
        "everyone: any identified person; member: anyone holding a role in the project; "
        f"the organisation roles ({', '.join(ORG_ROLES)}) count in every project."
    )


@app.command("validate")
def validate(ctx: typer.Context, file: Path = FILE_ARG, as_json: bool = JSON_OPTION) -> None:
    """Check a policy file without storing it; name the line and field of the first problem."""
    try:
        policy = client(ctx).validate_policy(file)
    except StewardError as exc:
        if not as_json:
            raise
        print_json({"file": str(file), "valid": False, "error": exc.message})
        raise typer.Exit(exc.exit_code) from None
    digest = policy.digest()
    if as_json:
        print_json({"file": str(file), "valid": True, "policy": policy.name, "digest": digest})
    else:
        console.print(
            f"{escape(str(file))}: valid (policy {escape(policy.name)}, digest {digest[:12]}…)"
        )


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Path = FILE_ARG,
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Store a policy file as the next version of its name; the same content again is a no-op.
    A version that removes or loosens a requirement waits for a second person's approval."""
    applied = client(ctx).apply_policy(file, reason)
    if isinstance(applied, PendingChange):
        report_pending(applied, as_json)
        return
    stored = applied.stored
    if as_json:
        print_json({"created": applied.created, **_stored_dict(stored)})
    elif applied.created:
        console.print(f"applied {escape(stored.name)} v{stored.version}")
    else:
        console.print(
            f"unchanged: {escape(stored.name)} v{stored.version} already has this content"
        )


def _rule_text(rule: TierRule) -> str:
    def cond(question: str, match: AnswerMatch) -> str:
        if match.not_:
            return f"{question} not in {'/'.join(match.not_)}"
        return f"{question}={'/'.join(match.in_)}"

    parts = [cond(q, m) for q, m in rule.all.items()]
    if rule.any:
        parts.append("(" + " or ".join(cond(q, m) for q, m in rule.any.items()) + ")")
    text = " and ".join(parts)
    return f"{text}: {rule.reason}" if rule.reason else text


@app.command("history")
def history(ctx: typer.Context, name: str = NAME_ARG, as_json: bool = JSON_OPTION) -> None:
    """List every stored version of a policy, oldest first."""
    versions = client(ctx).policy_history(name)
    if as_json:
        print_json({"name": name, "items": [_stored_dict(s) for s in versions]})
        return
    if not versions:
        console.print(f"{escape(name)} is shipped with Steward and has not been applied yet")
        return
    table(
        None,
        ["version", "digest", "applied", "by"],
        [(f"v{s.version}", s.digest[:12], s.applied_at, escape(s.applied_by)) for s in versions],
    )
