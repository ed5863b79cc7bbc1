"""HTML building blocks of the report: tables, badges, lists, notices.

Arguments named `*_html` (and table cells) are markup that the caller has already escaped;
plain-text arguments are escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from steward.adapters.report.values import esc, text


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell of escaped markup; `numeric` right-aligns it with tabular figures."""

    html: str
    numeric: bool = False
    css_class: str = ""


def num(html: str) -> Cell:
    return Cell(html, numeric=True)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell | str]],
    *,
    css_class: str = "data",
    row_classes: Sequence[str] | None = None,
    caption: str = "",
) -> str:
    """A table with a header row. `headers` are plain text; a `str` cell is escaped markup."""
    head = "".join(f'<th scope="col">{esc(header)}</th>' for header in headers)
    body: list[str] = []
    for index, row in enumerate(rows):
        extra = row_classes[index] if row_classes and index < len(row_classes) else ""
        attribute = f' class="{esc(extra)}"' if extra else ""
        body.append(f"<tr{attribute}>{''.join(_cell(cell) for cell in row)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{max(1, len(headers))}" class="empty">none</td></tr>')
    top = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table class="{esc(css_class)}">{top}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _cell(cell: Cell | str) -> str:
    if isinstance(cell, str):
        return f"<td>{cell}</td>"
    classes = " ".join(name for name in ("num" if cell.numeric else "", cell.css_class) if name)
    attribute = f' class="{esc(classes)}"' if classes else ""
    return f"<td{attribute}>{cell.html}</td>"


def facts(pairs: Iterable[tuple[str, str]], *, css_class: str = "facts") -> str:
    """A two-column label/value table. Labels are plain text, values escaped markup."""
    rows = "".join(
        f'<tr><th scope="row">{esc(name)}</th><td>{value}</td></tr>' for name, value in pairs
    )
    return f'<table class="{esc(css_class)}"><tbody>{rows}</tbody></table>'


def badge(passed: bool | None, *, yes: str = "passed", no: str = "failed") -> str:
    """A coloured verdict; None (unknown) is neutral."""
    if passed is None:
        return '<span class="badge unknown">n/a</span>'
    kind, word = ("pass", yes) if passed else ("fail", no)
    mark = "✓" if passed else "✗"
    return f'<span class="badge {kind}"><span aria-hidden="true">{mark} </span>{esc(word)}</span>'


def bullets(items: Iterable[object], *, css_class: str = "") -> str:
    """A bulleted list of values shown as text; empty string for no items."""
    shown = [f"<li>{text(item)}</li>" for item in items]
    if not shown:
        return ""
    attribute = f' class="{esc(css_class)}"' if css_class else ""
    return f"<ul{attribute}>{''.join(shown)}</ul>"


def heading(level: int, title: str) -> str:
    return f"<h{level}>{esc(title)}</h{level}>"


def notice(message_html: str, *, kind: str = "info") -> str:
    """A boxed remark (kind "info" or "warning") of escaped markup."""
    return f'<p class="notice {esc(kind)}">{message_html}</p>'


def paragraph(message: str, *, css_class: str = "") -> str:
    attribute = f' class="{esc(css_class)}"' if css_class else ""
    return f"<p{attribute}>{esc(message)}</p>"
