"""Keyset paging shared by the listings: cursors are the last row's key, as text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from steward.domain.errors import InvalidInputError
from steward.services.ports import MAX_PAGE_SIZE, PageRequest

if TYPE_CHECKING:
    from collections.abc import Sequence


def page_after(page: PageRequest) -> int | None:
    if page.limit < 1 or page.limit > MAX_PAGE_SIZE:
        raise InvalidInputError(
            f"page size must be between 1 and {MAX_PAGE_SIZE}, got {page.limit}"
        )
    if page.after is None:
        return None
    if not re.fullmatch(r"[0-9]+", page.after):
        raise InvalidInputError(f"malformed page cursor {page.after!r}")
    return int(page.after)


def page_of(rows: Sequence[Any], limit: int, key: str) -> tuple[Sequence[Any], str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, str(getattr(rows[-1], key))
    return rows, None
