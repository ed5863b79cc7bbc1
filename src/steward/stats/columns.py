"""Small pieces that the stats reports share when they read and check their input columns.

Each report keeps its own reader, because the readers promise different things: performance
turns every column into float64 with NaN for missing values, fairness keeps labels and group
values as they are. What they share is how a refusal reads: the row-count check, the list of
offending labels, and the first line of a pyarrow error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Sized
from typing import Any

import numpy as np

from steward.domain.errors import InvalidInputError


def check_rows(rows: int, columns: Mapping[str, Sized | None]) -> None:
    """Refuse the first column (in the mapping's order) whose length is not `rows`, the number
    of rows of y_true. Columns that were not given (None) are skipped."""
    for name, values in columns.items():
        if values is not None and len(values) != rows:
            raise InvalidInputError(f"{name} has {len(values)} rows, y_true has {rows}")


def listed(
    labels: Sequence[Any] | np.ndarray[Any, Any],
    *,
    limit: int | None = None,
    render: Callable[[Any], str] = repr,
) -> str:
    """The labels, each shown by `render`, joined by commas; with more than `limit` labels,
    only the first `limit` and then "..."."""
    shown = labels if limit is None else labels[:limit]
    text = ", ".join(render(label) for label in shown)
    return text + (", ..." if limit is not None and len(labels) > limit else "")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), so a
    refusal stays one line even when pyarrow's message runs over several."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["check_rows", "first_line", "listed"]
