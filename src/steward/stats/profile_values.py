"""How profiles and data-quality checks read a column: its kind, its values as numbers or as
text, and the time span of a timestamp or date column.

Every reader returns plain values whatever the physical layout: dictionary encodings are
decoded, extension types read through their storage, and chunks are joined where a single
array is needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.stats.arrow_numpy import floats
from steward.stats.columns import first_line
from steward.stats.fingerprint import normalise_type, to_arrow_table

Kind: TypeAlias = Literal["numeric", "categorical", "other"]
Floats: TypeAlias = npt.NDArray[np.float64]

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


def read_table(data: object) -> pa.Table:
    """`data` as an Arrow table whose column names are unique, so a name means one column."""
    table = to_arrow_table(data)
    seen: set[str] = set()
    for name in table.column_names:
        if name in seen:
            raise InvalidInputError(f"the data has more than one column named {name!r}")
        seen.add(name)
    return table


def column_kind(dtype: pa.DataType) -> Kind:
    """How a column of this Arrow type is profiled and checked."""
    if pa.types.is_dictionary(dtype):
        return "categorical"
    plain = normalise_type(dtype)
    if pa.types.is_integer(plain) or pa.types.is_floating(plain) or pa.types.is_decimal(plain):
        return "numeric"
    if pa.types.is_large_string(plain) or pa.types.is_boolean(plain):
        return "categorical"
    return "other"


def numeric_values(name: str, column: pa.ChunkedArray) -> Floats:
    """The column as float64, NaN where a value is missing. Text is parsed as numbers."""
    column = _storage(column)
    try:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if not pa.types.is_float64(column.type):
            column = pc.cast(column, pa.float64(), safe=False)
    except _ARROW_ERRORS as exc:
        raise InvalidInputError(
            f"column {name!r} has type {column.type}, which cannot be read as numbers: "
            f"{first_line(exc)}"
        ) from None
    return floats(column)


def text_values(name: str, column: pa.ChunkedArray) -> pa.Array:
    """The column as one large_string array: dictionaries decoded, booleans as true/false."""
    column = _storage(column)
    try:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if not pa.types.is_large_string(column.type):
            column = pc.cast(column, pa.large_string())
    except _ARROW_ERRORS as exc:
        raise InvalidInputError(
            f"column {name!r} has type {column.type}, which cannot be read as text: "
            f"{first_line(exc)}"
        ) from None
    return column.combine_chunks()


def iso_range(column: pa.ChunkedArray) -> tuple[str | None, str | None]:
    """The oldest and newest value of a timestamp or date column as ISO text (UTC for
    timestamps with a time zone); (None, None) for other types or without values."""
    column = _storage(column)
    dtype = column.type
    if pa.types.is_timestamp(dtype):
        column = column.cast(pa.timestamp("us", tz=dtype.tz), safe=False)
    elif pa.types.is_date(dtype):
        column = column.cast(pa.date32())
    else:
        return None, None
    extremes = pc.min_max(column)
    return _iso(extremes["min"].as_py()), _iso(extremes["max"].as_py())


def type_name(dtype: pa.DataType) -> str:
    """The normalised type as text, as a version's signature records it."""
    return str(normalise_type(dtype))


def _storage(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if isinstance(column.type, pa.ExtensionType):
        return pa.chunked_array(
            [chunk.storage for chunk in column.chunks], column.type.storage_type
        )
    return column


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return None


__all__ = [
    "Floats",
    "Kind",
    "column_kind",
    "iso_range",
    "numeric_values",
    "read_table",
    "text_values",
    "type_name",
]
