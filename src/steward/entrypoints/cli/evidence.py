"""`steward evidence …`: facts appended to a version for its gates."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from steward.domain.errors import InvalidInputError
from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    key_values,
    metric_values,
    print_json,
    table,
)

if TYPE_CHECKING:
    from steward.domain.governance import Evidence

app = typer.Typer(
    help="Attach the results of checks and documents to a version, and list them.",
    no_args_is_help=True,
)


VERSION_ARG = typer.Argument(..., help="PROJECT/MODEL/NUMBER")


REASON = typer.Option(None, "--reason", help="Why, for the audit trail.")


def _config_value(text: str) -> Any:
    """Numbers, true, false and null keep their type; anything else is text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if value is None or isinstance(value, bool | int | float) else text


def _passed_text(passed: bool | None) -> str:
    return "-" if passed is None else ("passed" if passed else "failed")


@app.command("add")
def add(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    kind: str = typer.Option(..., "--kind", help="Evidence kind, e.g. performance, fairness."),
    metric: list[str] = typer.Option([], "--metric", help="name=number; repeatable."),
    passed: bool | None = typer.Option(
        None, "--passed/--failed", help="Whether the check passed (omit if it only measures)."
    ),
    config: list[str] = typer.Option(
        [], "--config", help="How the check was run, as key=value; repeatable."
    ),
    summary: str = typer.Option("", "--summary", help="One or two sentences on the result."),
    report: Path | None = typer.Option(
        None, "--report", exists=True, dir_okay=False, help="A report file to store with it."
    ),
    reason: str | None = REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Attach the result of a check (or a document) to a version; new evidence makes earlier
    sign-offs stale."""
    evidence = client(ctx).add_evidence(
        ref,
        kind,
        passed=passed,
        metrics=metric_values(metric),
        config={k: _config_value(v) for k, v in key_values("config entry", config).items()},
        summary=summary,
        report=report,
        reason=reason,
    )
    if as_json:
        print_json(evidence.as_dict())
        return
    metrics = ", ".join(f"{k}={v:.6g}" for k, v in sorted(evidence.metrics.items()))
    console.print(
        f"added {escape(evidence.kind)} evidence #{evidence.id} to {evidence.version_ref}: "
        f"{_passed_text(evidence.passed)}"
        + (f"; {escape(metrics)}" if metrics else "")
        + f" (sha256:{evidence.digest[:12]}…)"
    )


@app.command("list")
def list_(ctx: typer.Context, ref: str = VERSION_ARG, as_json: bool = JSON_OPTION) -> None:
    """List the evidence of a version, oldest first (gates read the newest of each kind)."""
    items = client(ctx).evidence(ref)
    if as_json:
        print_json({"items": [e.as_dict() for e in items]})
        return
    table(
        None,
        [
            "id",
            "kind",
            "provenance",
            "result",
            "by",
            "added (UTC)",
            "digest",
            "metrics, summary, report",
        ],
        [
            (
                e.id,
                escape(e.kind),
                e.provenance,
                _passed_text(e.passed),
                escape(e.producer),
                e.created_at[:16].replace("T", " "),
                e.digest[:12],
                escape("\n".join(_details(e))),
            )
            for e in items
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., help="The evidence's id (see steward evidence list)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one evidence record: provenance, inputs with fingerprints, configuration, metrics,
    verdict and report digest."""
    item = client(ctx).evidence_item(evidence_id)
    if as_json:
        print_json(item.as_dict())
        return
    console.print(
        f"[bold]evidence {item.id}[/bold] of {escape(item.version_ref)}: {escape(item.kind)}"
    )
    how = (
        "computed by steward check run" if item.provenance == "computed" else "attested by a person"
    )
    console.print(f"provenance: {item.provenance} ({how})")
    console.print(f"by {escape(item.producer)} at {item.created_at}")
    console.print(f"verdict: {_passed_text(item.passed)}")
    for name, value in sorted(item.metrics.items()):
        console.print(f"metric {escape(name)} = {value:g}")
    for name, value in sorted(item.inputs.items()):
        console.print(f"input {escape(name)}: {escape(json.dumps(value, sort_keys=True))}")
    for name, value in sorted(item.config.items()):
        console.print(f"config {escape(name)}: {escape(json.dumps(value, sort_keys=True))}")
    console.print(f"report: {item.report or 'none'}")
    console.print(f"digest: {item.digest}")
    if item.summary:
        console.print(f"summary: {escape(item.summary)}")


@app.command("report")
def report(
    ctx: typer.Context,
    ref: str = VERSION_ARG,
    evidence_id: int = typer.Option(..., "--id", min=1, help="The evidence id (evidence list)."),
    output: Path = typer.Option(
        ..., "--output", "-o", dir_okay=False, help="File to write the report to."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the report stored with an evidence item (a check's HTML report) to a file; its
    SHA-256 is checked against the digest the evidence recorded."""
    data = client(ctx).evidence_report(ref, evidence_id)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise InvalidInputError(f"cannot write {output}: {exc.strerror}") from None
    if as_json:
        digest = hashlib.sha256(data).hexdigest()
        print_json({"evidence": evidence_id, "output": str(output), "sha256": digest})
        return
    console.print(f"wrote the report of evidence #{evidence_id} to {escape(str(output))}")


def _details(evidence: Evidence) -> list[str]:
    lines = []
    if evidence.metrics:
        lines.append(", ".join(f"{k}={v:.6g}" for k, v in sorted(evidence.metrics.items())))
    if evidence.summary:
        lines.append(evidence.summary)
    if evidence.report:
        lines.append(f"report sha256:{evidence.report[:12]}…")
    return lines or ["-"]
