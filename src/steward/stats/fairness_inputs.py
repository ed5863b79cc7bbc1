"""Reading and checking the inputs of a fairness report: the arguments, the label and sensitive
columns in any of the containers accepted, binary labels, and attribute codes."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.stats.columns import check_rows, first_line, listed
from steward.stats.fingerprint import to_arrow_table

Codes = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Column: TypeAlias = "pa.Array | np.ndarray[Any, Any]"  # pyarrow has no type hints

_SHOWN_LABELS = 5
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


def check_arguments(sensitive: Mapping[str, object], min_group_size: int, pos_label: Any) -> None:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int):
        raise InvalidInputError(f"min_group_size must be an integer, got {min_group_size!r}")
    if min_group_size < 0:
        raise InvalidInputError(f"min_group_size must be 0 or more, got {min_group_size}")
    if pos_label is None:
        raise InvalidInputError("pos_label must be a label value, not None")
    if not sensitive:
        raise InvalidInputError("sensitive is empty: give at least one attribute and its column")
    for name in sensitive:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"sensitive attribute names must be strings, got {name!r}")


def read_columns(
    y_true: object, y_pred: object, sensitive: Mapping[str, object]
) -> tuple[Column, Column, dict[str, Column]]:
    """Read every column and check they all have as many rows as `y_true` (at least one)."""
    truth = _column("y_true", y_true)
    rows = len(truth)
    if rows == 0:
        raise InvalidInputError("y_true has no rows")
    pred = _column("y_pred", y_pred)
    columns = {name: _column(describe(name), values) for name, values in sensitive.items()}
    check_rows(rows, {"y_pred": pred} | {describe(name): c for name, c in columns.items()})
    return truth, pred, columns


def describe(name: str) -> str:
    return f"sensitive column {name!r}"


def _column(what: str, values: object) -> Column:
    """Return the values as a 1-D NumPy array or a single pyarrow Array, copying as little as
    the container allows."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InvalidInputError(f"{what} must be one-dimensional, got a {values.ndim}-D array")
        return values
    if isinstance(values, pa.ChunkedArray):
        return _single(values)
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, str | bytes):
        raise InvalidInputError(f"{what} must be a column of values, not a single string")
    if isinstance(values, list | tuple | range):
        try:
            return pa.array(values, from_pandas=True)
        except _ARROW_ERRORS as exc:
            raise InvalidInputError(f"{what} cannot be read: {first_line(exc)}") from None
    return _column_from_frame_library(what, values)


def _column_from_frame_library(what: str, values: object) -> Column:
    try:
        table = to_arrow_table(values)  # pandas and Polars Series, without importing either
    except InvalidInputError:
        if hasattr(values, "__array__"):
            return _column(what, np.asarray(values))
        kind = f"{type(values).__module__}.{type(values).__qualname__}"
        raise InvalidInputError(
            f"{what} is a {kind}: pass a NumPy array, a pandas or Polars Series, "
            "a pyarrow Array or a list"
        ) from None
    if table.num_columns != 1:
        raise InvalidInputError(f"{what} must be one column, got {table.num_columns}")
    return _single(table.column(0))


def _single(column: pa.ChunkedArray) -> pa.Array:
    # combine_chunks also unifies the dictionaries of dictionary-encoded chunks.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _to_arrow(what: str, values: np.ndarray[Any, Any]) -> pa.Array:
    try:
        return pa.array(values, from_pandas=True)  # NaN and None become nulls
    except _ARROW_ERRORS as exc:
        raise InvalidInputError(f"{what} cannot be read: {first_line(exc)}") from None


def binary(what: str, column: Column, pos_label: Any) -> tuple[Mask, tuple[Any, ...]]:
    """Return which rows hold `pos_label` and the distinct labels (at most two) that occur."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "biuf":
        return _binary_numeric(what, column, pos_label)
    array = _to_arrow(what, column) if isinstance(column, np.ndarray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    missing = _missing(array)
    if missing:
        raise InvalidInputError(f"{what} has {missing} missing values")
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return _binary_numeric(what, array.to_numpy(), pos_label)
    if pa.types.is_boolean(array.type):
        return _binary_numeric(what, array.to_numpy(zero_copy_only=False), pos_label)
    try:
        encoded = array.dictionary_encode()
    except _ARROW_ERRORS:
        raise InvalidInputError(f"{what} has type {array.type}, which is not a label") from None
    labels = encoded.dictionary.to_pylist()
    if len(labels) > 2:
        raise InvalidInputError(_not_binary(what, labels))
    indices = encoded.indices.to_numpy()
    positive = np.zeros(len(array), dtype=np.bool_)
    for code, label in enumerate(labels):
        if _equal(label, pos_label):
            positive = indices == code
    return positive, tuple(labels)


def _binary_numeric(
    what: str, values: np.ndarray[Any, Any], pos_label: Any
) -> tuple[Mask, tuple[Any, ...]]:
    if values.dtype.kind == "f":
        missing = int(np.count_nonzero(np.isnan(values)))
        if missing:
            raise InvalidInputError(f"{what} has {missing} missing values")
    low, high = values.min(), values.max()
    if low != high:
        # Binary means every value is the smallest or the largest: cheap passes, no sort.
        extremes = np.count_nonzero(values == low) + np.count_nonzero(values == high)
        if extremes < len(values):
            raise InvalidInputError(_not_binary(what, np.unique(values).tolist()))
    labels = (low.item(),) if low == high else (low.item(), high.item())
    if isinstance(pos_label, numbers.Number | np.bool_):
        positive: Mask = np.asarray(values == pos_label, dtype=np.bool_)
    else:
        positive = np.zeros(len(values), dtype=np.bool_)
    return positive, labels


def check_labels(truth: tuple[Any, ...], pred: tuple[Any, ...], pos_label: Any) -> None:
    if len(truth) == 1:
        raise InvalidInputError(
            f"y_true has a single class ({truth[0]!r}): true/false positive rates are undefined"
        )
    if not any(_equal(label, pos_label) for label in truth):
        raise InvalidInputError(
            f"pos_label {pos_label!r} is not one of y_true's labels ({listed(truth)})"
        )
    for label in pred:
        if not any(_equal(label, known) for known in truth):
            raise InvalidInputError(
                f"y_pred has the label {label!r}, which y_true does not have ({listed(truth)})"
            )


def _equal(a: Any, b: Any) -> bool:
    # Python equality, so True == 1 == 1.0 as in NumPy; a failed comparison is inequality.
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _not_binary(what: str, labels: list[Any]) -> str:
    shown = listed(labels, limit=_SHOWN_LABELS)
    return f"{what} is not binary: it has {len(labels)} distinct values ({shown})"


def _missing(array: pa.Array) -> int:
    if pa.types.is_floating(array.type):
        return int(pc.sum(pc.is_null(array, nan_is_null=True)).as_py() or 0)
    return int(array.null_count)


def encode(what: str, column: Column) -> tuple[Codes, list[Any]]:
    """Return an integer code per row and the distinct values the codes stand for, sorted."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "US":
        return _encode_fixed_width(column)
    array = _to_arrow(what, column) if isinstance(column, np.ndarray) else column
    if pa.types.is_dictionary(array.type):
        indices, dictionary = array.indices, array.dictionary
    else:
        try:
            encoded = array.dictionary_encode()
        except _ARROW_ERRORS:
            raise InvalidInputError(
                f"{what} has type {array.type}, which cannot be grouped"
            ) from None
        indices, dictionary = encoded.indices, encoded.dictionary
    missing = _missing_codes(indices, dictionary)
    if missing:
        raise InvalidInputError(f"{what} has {missing} missing values")
    # A dictionary array may repeat values; re-encoding the (small) dictionary merges them.
    unique = dictionary.dictionary_encode()
    order = pc.array_sort_indices(unique.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    code_of_entry = rank[unique.indices.to_numpy()]
    codes: Codes = code_of_entry[indices.to_numpy()]
    return codes, unique.dictionary.take(order).to_pylist()


def _missing_codes(indices: pa.Array, dictionary: pa.Array) -> int:
    """Rows that are null themselves, or that point at a null or NaN dictionary entry."""
    missing = int(indices.null_count)
    bad = pc.is_null(dictionary, nan_is_null=True).to_numpy(zero_copy_only=False)
    if bad.any():
        valid = indices.is_valid().to_numpy(zero_copy_only=False)
        filled = pc.fill_null(indices, 0).to_numpy()
        missing += int(np.count_nonzero(bad[filled] & valid))
    return missing


def _encode_fixed_width(values: np.ndarray[Any, Any]) -> tuple[Codes, list[Any]]:
    """NumPy str/bytes arrays: hash their fixed-width cells as Arrow binary without copying;
    converting them to Arrow strings first would cost more than the encoding itself."""
    values = np.ascontiguousarray(values)
    if values.dtype.itemsize == 0:  # only empty strings: one group
        return np.zeros(len(values), dtype=np.int64), [values.dtype.type()]
    cells = pa.Array.from_buffers(
        pa.binary(values.dtype.itemsize), len(values), [None, pa.py_buffer(values)]
    )
    encoded = cells.dictionary_encode()
    distinct = np.frombuffer(
        encoded.dictionary.buffers()[1], dtype=values.dtype, count=len(encoded.dictionary)
    )
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    codes: Codes = rank[encoded.indices.to_numpy()]
    return codes, distinct[order].tolist()
