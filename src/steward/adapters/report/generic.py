"""A key/value rendering of any data: the fallback for kinds without their own layout and for
details that are missing or not of the expected shape. It accepts anything and never raises."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from steward.adapters.report.values import as_list, esc, plain, text, truncate

MAX_DEPTH = 4
MAX_ITEMS = 50
_COMPACT_LIMIT = 240


def render_generic(details: object) -> str:
    """`details` as nested key/value tables; a short sentence when there is nothing to show."""
    if details is None or (isinstance(details, Mapping | list | tuple) and not details):
        return '<p class="muted">No details were recorded.</p>'
    return _value(details, 0)


def _value(value: object, depth: int) -> str:
    if isinstance(value, Mapping):
        return _mapping(value, depth)
    if isinstance(value, Set):
        # A set has no order of its own: sort by the shown text so renders are identical.
        return _sequence(sorted(value, key=lambda item: (plain(item), type(item).__name__)), depth)
    items = as_list(value)
    if items or isinstance(value, list | tuple):
        return _sequence(items, depth)
    return text(value)


def _mapping(value: Mapping[Any, Any], depth: int) -> str:
    if not value:
        return '<span class="muted">(empty)</span>'
    if depth >= MAX_DEPTH:
        return esc(truncate(plain(dict(value)), _COMPACT_LIMIT))
    entries = list(value.items())
    rows = [
        f'<tr><th scope="row">{text(key)}</th><td>{_value(item, depth + 1)}</td></tr>'
        for key, item in entries[:MAX_ITEMS]
    ]
    if len(entries) > MAX_ITEMS:
        rows.append(
            f'<tr><td colspan="2" class="muted">… {len(entries) - MAX_ITEMS} more</td></tr>'
        )
    return f'<table class="kv"><tbody>{"".join(rows)}</tbody></table>'


def _sequence(items: list[Any], depth: int) -> str:
    if not items:
        return '<span class="muted">(none)</span>'
    shown, rest = items[:MAX_ITEMS], len(items) - MAX_ITEMS
    more = f" … {rest} more" if rest > 0 else ""
    if all(_is_scalar(item) for item in shown):
        return ", ".join(text(item) for item in shown) + more
    if depth >= MAX_DEPTH:
        return esc(truncate(plain(items), _COMPACT_LIMIT))
    listed = "".join(f"<li>{_value(item, depth + 1)}</li>" for item in shown)
    tail = f'<li class="muted">{rest} more</li>' if rest > 0 else ""
    return f'<ol class="generic">{listed}{tail}</ol>'


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
