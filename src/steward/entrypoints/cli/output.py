"""Printing: Rich tables for people, JSON for scripts, one plain line on stderr for errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from steward.domain.errors import InvalidInputError
from steward.domain.naming import parse_number

if TYPE_CHECKING:
    from steward.sdk import Client

JSON_OPTION = typer.Option(False, "--json", help="Print JSON for scripts instead of tables.")
LIMIT_OPTION = typer.Option(50, "--limit", min=1, max=1000, help="Rows per page (1-1000).")
AFTER_OPTION = typer.Option(None, "--after", help="Cursor printed by the previous page.")

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def client(ctx: typer.Context) -> Client:
    factory: Callable[[], Client] = ctx.obj
    return factory()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    wrap: bool = False,
) -> None:
    grid = Table(title=title, title_justify="left", show_lines=wrap)
    for i, column in enumerate(columns):
        # Identifiers and times stay on one line; only the last column wraps (unless every
        # column holds lists, as in a RACI matrix).
        grid.add_column(column, overflow="fold", no_wrap=not wrap and i < len(columns) - 1)
    for row in rows:
        grid.add_row(*["" if cell is None else str(cell) for cell in row])
    console.print(grid)


def next_page_hint(cursor: str | None) -> None:
    if cursor is not None:
        console.print(f"[dim]more: --after {cursor}[/dim]")


def key_values(label: str, items: list[str]) -> dict[str, str]:
    """`key=value` options (repeatable) as a dict; a malformed one is a one-line error."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"malformed {label} {item!r}: expected key=value")
        result[key.strip()] = value.strip()
    return result


def metric_values(items: list[str], label: str = "metric") -> dict[str, float]:
    """`name=number` options as a dict; `label` names them in the one-line error."""
    metrics: dict[str, float] = {}
    for key, value in key_values(label, items).items():
        number = parse_number(value)
        if number is None:
            raise InvalidInputError(
                f"{label} {key!r} must be a finite decimal number, got {value!r}"
            )
        metrics[key] = number
    return metrics


def split_list(values: list[str]) -> list[str]:
    """Repeatable options that also take comma-separated lists (`--sensitive a,b --sensitive c`)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def short_number(value: float | None) -> str:
    """A figure in a table cell: four significant digits, blank when unknown."""
    return "" if value is None else f"{value:.4g}"


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"steward: error: {message}\n")
    raise typer.Exit(code)
