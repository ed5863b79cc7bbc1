"""`steward audit …`: verify, read and export the tamper-evident trail."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from steward.entrypoints.cli.output import (
    AFTER_OPTION,
    JSON_OPTION,
    LIMIT_OPTION,
    client,
    console,
    err_console,
    fail,
    next_page_hint,
    print_json,
    table,
)

app = typer.Typer(
    help="Verify, read and export the hash-chained audit trail.", no_args_is_help=True
)

ENTITY = typer.Option(
    None, "--entity", help="PROJECT, PROJECT/MODEL or PROJECT/MODEL/NUMBER (or TYPE:ID)."
)
ACTOR = typer.Option(None, "--actor", help="Only events by this person.")
ACTION = typer.Option(None, "--action", help="Only this action, e.g. version.stage_changed.")
SINCE = typer.Option(None, "--since", help="Only events at or after this ISO 8601 time.")
UNTIL = typer.Option(None, "--until", help="Only events at or before this ISO 8601 time.")


@app.command("verify")
def verify(
    ctx: typer.Context,
    checkpoint: list[Path] = typer.Option(
        [],
        "--checkpoint",
        help="A signed checkpoint file the chain must still contain; repeatable.",
    ),
    public_key: str | None = typer.Option(
        None, "--public-key", help="Accept only checkpoints signed by this Ed25519 key (hex)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Recompute the whole chain; name the first broken link and exit non-zero if there is one."""
    c = client(ctx)
    if as_json or not err_console.is_terminal:
        result = c.verify_audit(raise_on_break=False, checkpoints=checkpoint, public_key=public_key)
    else:
        # Loaded here, not at start-up: most commands draw no progress bar.
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("verify", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = c.verify_audit(
                raise_on_break=False,
                on_progress=on_progress,
                checkpoints=checkpoint,
                public_key=public_key,
            )
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        rate = f" ({result.events_per_second:,.0f} events/s)" if result.checked >= 10_000 else ""
        console.print(
            f"audit chain intact: {result.checked} events, head {result.head_hash[:16]}…{rate}"
        )
        if checkpoint:
            console.print(f"{len(checkpoint)} signed checkpoint(s) still in the chain")
    if not result.ok:
        if result.broken_seq is not None:
            fail(f"audit chain broken at event {result.broken_seq}: {result.problem}", 7)
        fail(f"audit checkpoint check failed: {result.problem}", 7)


@app.command("log")
def log(
    ctx: typer.Context,
    entity: str | None = ENTITY,
    actor: str | None = ACTOR,
    action: str | None = ACTION,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    oldest_first: bool = typer.Option(
        False, "--oldest-first", help="Oldest events first (default: newest)."
    ),
    limit: int = LIMIT_OPTION,
    after: str | None = AFTER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Who did what, when and why: events filtered by entity, actor, action and time."""
    page = client(ctx).audit_log(
        entity=entity,
        actor=actor,
        action=action,
        since=since,
        until=until,
        newest_first=not oldest_first,
        limit=limit,
        after=after,
    )
    if as_json:
        print_json({"items": [e.as_dict() for e in page.items], "next": page.next_cursor})
        return
    table(
        None,
        ["seq", "time", "actor", "action", "entity", "reason"],
        [(e.seq, e.ts, e.actor, e.action, e.entity_id, e.reason or "") for e in page.items],
    )
    next_page_hint(page.next_cursor)


@app.command("export")
def export(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: standard output)."
    ),
    entity: str | None = ENTITY,
    actor: str | None = ACTOR,
    action: str | None = ACTION,
    since: str | None = SINCE,
    until: str | None = UNTIL,
) -> None:
    """Write events as JSON Lines (one event per line, oldest first) with their hashes."""
    filters = {"entity": entity, "actor": actor, "action": action, "since": since, "until": until}
    c = client(ctx)
    if output is None:
        c.audit_export(sys.stdout, **filters)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            count = c.audit_export(handle, **filters)
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    err_console.print(f"wrote {count} events to {output}")


@app.command("keygen")
def keygen(
    ctx: typer.Context,
    output: Path = typer.Option(
        ..., "--output", "-o", help="Where to write the private key (PEM)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an Ed25519 key for signing checkpoints. Keep it away from the database admins."""
    public = client(ctx).audit_keygen(output)
    if as_json:
        print_json({"private_key": str(output), "public_key": public})
    else:
        console.print(f"wrote {output} (owner-only); public key: {public}")


@app.command("checkpoint")
def checkpoint_(
    ctx: typer.Context,
    key: Path = typer.Option(..., "--key", help="Ed25519 private key from `steward audit keygen`."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: stdout)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Sign the chain's current head. Store the file outside the database's reach; later,
    `steward audit verify --checkpoint FILE` proves the chain was not rewritten since."""
    signed = client(ctx).audit_checkpoint(key)
    text = json.dumps(signed.as_dict(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    if as_json:
        print_json({"output": str(output), **signed.as_dict()})
    else:
        console.print(f"signed event {signed.seq} (hash {signed.hash[:16]}…) into {output}")
