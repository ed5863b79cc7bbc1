"""`steward monitor drift`: compare two datasets column by column, without a registry.

The method per column follows Evidently's default choice (statistical tests on small
references, distances on large ones) unless `--method` or `--column-method` says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    key_values,
    metric_values,
    print_json,
    split_list,
)


def drift(
    ctx: typer.Context,
    reference: Path = typer.Argument(..., help="Reference data (.parquet or .csv)."),
    current: Path = typer.Argument(..., help="Current data (.parquet or .csv)."),
    column: list[str] = typer.Option(
        [], "--column", help="Compare only these columns (repeatable or comma-separated)."
    ),
    exclude: list[str] = typer.Option(
        [], "--exclude", help="Leave these columns out (ids, timestamps, the target)."
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        help="One method for every column: ks, chisquare, z, wasserstein, jensenshannon, psi.",
    ),
    column_method: list[str] = typer.Option(
        [], "--column-method", help="COLUMN=METHOD for one column; repeatable."
    ),
    threshold: list[str] = typer.Option(
        [], "--threshold", help="COLUMN=VALUE or METHOD=VALUE; repeatable (the column wins)."
    ),
    drift_share: float = typer.Option(
        0.5, "--drift-share", help="Dataset drift when at least this share of columns drifted."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write an HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare CURRENT with REFERENCE column by column and say whether the dataset drifted."""
    split = split_list(column)
    dropped = split_list(exclude)
    found = client(ctx).drift(
        reference,
        current,
        columns=split or None,
        exclude=dropped,
        method=method,
        methods=key_values("column method", column_method),
        thresholds=metric_values(threshold, "threshold"),
        drift_share=drift_share,
        report=report,
    )
    if as_json:
        data = found.as_dict()
        if report is not None:
            data["report"] = str(report)
        print_json(data)
        return
    grid = Table()
    for name in ("column", "kind", "method", "score", "threshold", "drifted"):
        grid.add_column(name, no_wrap=name != "column", overflow="fold")
    for name, result in found.columns.items():
        grid.add_row(
            Text(name),
            result.kind,
            result.method,
            _short(result.score),
            f"{result.threshold:g}",
            Text("yes", style="red") if result.drifted else Text("no", style="green"),
        )
    console.print(grid)
    for name, why in found.skipped.items():
        console.print(f"not compared: {escape(name)}: {escape(why)}")
    verdict = (
        "[bold red]drift[/bold red]" if found.dataset_drift else "[bold green]no drift[/bold green]"
    )
    console.print(
        f"dataset: {verdict} ({found.drifted} of {len(found.columns)} columns drifted, "
        f"share {found.share:.2f}; drift at {found.drift_share:g})"
    )
    if report is not None:
        console.print(f"report: {escape(str(report))}")


def _short(value: float) -> str:
    return "inf" if value == float("inf") else f"{value:.4g}"
