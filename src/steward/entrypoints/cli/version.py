"""`steward version …`: search versions, show lineage, tag, and move between stages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from steward.domain.errors import GateBlockedError
from steward.domain.naming import parse_tag
from steward.entrypoints.cli.gate import blocked
from steward.entrypoints.cli.output import (
    AFTER_OPTION,
    JSON_OPTION,
    LIMIT_OPTION,
    client,
    console,
    key_values,
    metric_values,
    next_page_hint,
    print_json,
    table,
)

if TYPE_CHECKING:
    from steward.domain.entities import Version

app = typer.Typer(
    help="Search versions, show their lineage, tag them and change their stage.",
    no_args_is_help=True,
)


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project."),
    model: str | None = typer.Option(None, "--model", help="Only this model (needs --project)."),
    tag: list[str] = typer.Option(
        [], "--tag", help="key=value the version must carry; repeatable."
    ),
    stage: str | None = typer.Option(None, "--stage", help="Only versions now in this stage."),
    metric: list[str] = typer.Option(
        [], "--metric", help="A metric filter such as 'auc>=0.8'; repeatable."
    ),
    limit: int = LIMIT_OPTION,
    after: str | None = AFTER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search versions, newest first, by project, model, tag, stage and metric."""
    page = client(ctx).versions(
        project, model, tags=tag, stage=stage, metrics=metric, limit=limit, after=after
    )
    if as_json:
        print_json({"items": [v.as_dict() for v in page.items], "next": page.next_cursor})
        return
    table(
        None,
        ["version", "stage", "created", "by", "artifact"],
        [(v.ref, v.stage, v.created_at, v.created_by, v.artifact_digest[:12]) for v in page.items],
    )
    next_page_hint(page.next_cursor)


def _lineage_rows(version: Version) -> list[tuple[str, Any]]:
    r = version.record
    rows: list[tuple[str, Any]] = [
        (
            "artifact",
            f"{r.artifact['format']} sha256:{r.artifact['sha256']} ({r.artifact['size']} bytes)",
        ),
        ("framework", f"{r.framework.get('name')} {r.framework.get('version') or ''}".strip()),
        ("estimator", r.framework.get("estimator_class")),
        ("parameters", len(r.framework.get("params") or {})),
        (
            "inputs",
            ", ".join(f"{c['name']}:{c.get('type')}" for c in r.signature.get("columns", [])[:12])
            + (" …" if len(r.signature.get("columns", [])) > 12 else ""),
        ),
    ]
    for label, data in (("training data", r.training_data), ("validation data", r.validation_data)):
        if data:
            rows.append(
                (
                    label,
                    f"sha256:{data['sha256']} {data['rows']} rows x {data['columns']} columns ({data.get('source')})",
                )
            )
    code = r.code
    if code.get("git_commit"):
        dirty = " (dirty)" if code.get("git_dirty") else ""
        rows.append(("code", f"git {code['git_commit']}{dirty} on {code.get('git_branch') or '?'}"))
    else:
        rows.append(("code", code.get("note") or "no git repository"))
    env = r.environment
    rows.append(
        ("environment", f"Python {env.get('python')} ({len(env.get('packages') or {})} packages)")
    )
    if r.parent:
        rows.append(("parent", r.parent))
    return rows


@app.command("show")
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL/NUMBER"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one version: its record, lineage, stage, tags and metrics."""
    version = client(ctx).version(ref)
    if as_json:
        print_json(version.as_dict())
        return
    r = version.record
    console.print(f"[bold]{version.ref}[/bold]  stage: [bold]{version.stage}[/bold]")
    console.print(
        f"registered {r.created_at} by {r.created_by}; record sha256:{version.record_digest}"
    )
    if r.description:
        console.print(r.description)
    table("Lineage", ["", ""], _lineage_rows(version))
    if r.metrics:
        table(
            "Metrics", ["metric", "value"], [(k, f"{v:.6g}") for k, v in sorted(r.metrics.items())]
        )
    if version.tags:
        table("Tags", ["key", "value"], sorted(version.tags.items()))
    if r.documentation:
        table("Documentation", ["field", "value"], sorted(r.documentation.items()))


@app.command("tag")
def tag(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL/NUMBER"),
    tags: list[str] = typer.Argument(..., help="One or more key=value."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set tags on a version (a new value replaces the old; the trail keeps both)."""
    version = client(ctx).tag(ref, dict(parse_tag(t) for t in tags), reason)
    if as_json:
        print_json(version.as_dict())
    else:
        console.print(
            f"tagged {version.ref}: "
            + ", ".join(f"{k}={v}" for k, v in sorted(version.tags.items()))
        )


@app.command("untag")
def untag(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL/NUMBER"),
    keys: list[str] = typer.Argument(..., help="Tag keys to remove."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove tags from a version."""
    version = client(ctx).untag(ref, keys, reason)
    if as_json:
        print_json(version.as_dict())
    else:
        console.print(f"removed {', '.join(keys)} from {version.ref}")


@app.command("move")
def move(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL/NUMBER"),
    stage: str = typer.Argument(..., help="development, staging, production or retired."),
    reason: str = typer.Option(..., "--reason", help="Why (required): recorded with the change."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a version to another stage through its gate (as `steward promote`). The previous
    holder of staging or production is moved out."""
    try:
        version = client(ctx).move(ref, stage, reason)
    except GateBlockedError as exc:
        blocked(exc, as_json)
    if as_json:
        print_json(version.as_dict())
    else:
        console.print(f"{version.ref} is now in [bold]{version.stage}[/bold]")


@app.command("register")
def register(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL to register a new version of."),
    artifact: Path = typer.Option(
        ...,
        "--artifact",
        exists=True,
        dir_okay=False,
        help="Saved model file (.skops or .joblib/.pkl).",
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="skops or joblib (default: from the file name)."
    ),
    trust: bool = typer.Option(
        False, "--trust", help="Allow loading a pickle-based (joblib) file to describe it."
    ),
    training_data: Path | None = typer.Option(
        None,
        "--training-data",
        exists=True,
        dir_okay=False,
        help="Training data (.parquet or .csv) to fingerprint.",
    ),
    validation_data: Path | None = typer.Option(
        None,
        "--validation-data",
        exists=True,
        dir_okay=False,
        help="Validation data (.parquet or .csv).",
    ),
    target: str | None = typer.Option(
        None, "--target", help="Target column, left out of the input signature."
    ),
    metric: list[str] = typer.Option([], "--metric", help="name=value; repeatable."),
    tag: list[str] = typer.Option([], "--tag", help="key=value; repeatable."),
    doc: list[str] = typer.Option(
        [], "--doc", help="Documentation field as key=value; repeatable."
    ),
    description: str = typer.Option("", "--description", help="What changed in this version."),
    parent: str | None = typer.Option(
        None, "--parent", help="PROJECT/MODEL/NUMBER this version derives from."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the audit trail."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a saved model file as a new version (from Python, use steward.register)."""
    version = client(ctx).register_file(
        artifact,
        ref,
        fmt=fmt,
        trust=trust,
        training_data=training_data,
        validation_data=validation_data,
        target=target,
        metrics=metric_values(metric),
        tags=dict(parse_tag(t) for t in tag),
        documentation=key_values("documentation field", doc),
        description=description,
        parent=parent,
        code_dir=Path.cwd(),
        reason=reason,
    )
    if as_json:
        print_json(version.as_dict())
    else:
        console.print(
            f"registered [bold]{version.ref}[/bold] (artifact sha256:{version.record.artifact['sha256'][:12]}…)"
        )


@app.command("download")
def download(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="PROJECT/MODEL/NUMBER"),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the artifact."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a version's artifact to a file, after checking its SHA-256 against the record."""
    data, fmt = client(ctx).artifact(ref)
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(data)
    partial.replace(output)
    if as_json:
        print_json({"version": ref, "output": str(output), "format": fmt, "bytes": len(data)})
    else:
        console.print(f"wrote {len(data)} bytes ({fmt}) to {output}")
