"""Cutting a table of production rows into monitoring windows by a time column."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window
from steward.stats.arrow_numpy import arrow_of, integers, valid_mask

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


def epoch_seconds(table: pa.Table, time_column: str) -> pa.Array:
    """The time column as int64 seconds since the epoch, UTC (nulls stay null). Timestamps
    without a zone are taken as UTC; dates mean their midnight; text is parsed as ISO 8601."""
    if time_column not in table.column_names:
        raise InvalidInputError(f"time column {time_column!r} is not in the data")
    column = table.column(time_column).combine_chunks()
    dtype = column.type
    try:
        if pa.types.is_dictionary(dtype):
            column = column.cast(dtype.value_type)
            dtype = column.type
        if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
            column = _parse_text(pc.cast(column, pa.string()))
        elif pa.types.is_date(dtype):
            column = pc.cast(pc.cast(column, pa.date32()), pa.timestamp("s"))
        elif not pa.types.is_timestamp(dtype):
            raise InvalidInputError(
                f"time column {time_column!r} holds {dtype}, not timestamps, dates or ISO text"
            )
        # A timestamp's storage is the count of its unit since the epoch, zone or not.
        unit = column.type.unit
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
        ticks = column.cast(pa.int64())
    except _ARROW_ERRORS as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(f"time column {time_column!r}: {first}") from None
    if per_second == 1:
        return ticks
    # Integer floor division: nanosecond ticks exceed float64's exact range (2**53), and
    # flooring rounds pre-1970 times towards the earlier second, as window starts need.
    seconds = np.floor_divide(integers(ticks), per_second)
    missing = None if ticks.null_count == 0 else ~valid_mask(ticks)
    return arrow_of(seconds, pa.int64(), missing=missing)


def _parse_text(column: pa.Array) -> pa.Array:
    """ISO 8601 text as UTC timestamps: text with a zone offset (`Z`, `+02:00`) is converted
    to UTC, text without one is taken as UTC, as timestamps without a zone are."""
    try:
        return pc.cast(column, pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        # Arrow parses text with an offset only into a zoned type and text without one only
        # into a plain type; a column mixing both fails here too, with the plain parse's error.
        return pc.cast(column, pa.timestamp("us"))


def split_by_window(
    table: pa.Table, time_column: str, window: Window, seconds: pa.Array | None = None
) -> tuple[dict[int, pa.Table], int]:
    """The rows of each window (keyed by the window's start in epoch seconds, ascending) and
    the number of rows whose time is missing, which belong to no window. `seconds`: the time
    column as `epoch_seconds` gives it, when the caller has it already."""
    if seconds is None:
        seconds = epoch_seconds(table, time_column)
    valid = valid_mask(seconds)
    starts = integers(seconds)
    starts = (starts - window.offset) // window.seconds * window.seconds + window.offset
    untimed = int((~valid).sum())
    found = np.unique(starts[valid])
    if len(found) == 1 and untimed == 0:
        return {int(found[0]): table}, 0
    out: dict[int, pa.Table] = {}
    for start in found:
        mask = arrow_of(valid & (starts == start), pa.bool_())
        out[int(start)] = table.filter(mask)
    return out, untimed
