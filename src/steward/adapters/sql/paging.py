"""Keyset paging shared by the listings: cursors are the last row's key, as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


def page_of(rows: Sequence[Any], limit: int, key: str) -> tuple[Sequence[Any], str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, str(getattr(rows[-1], key))
    return rows, None
