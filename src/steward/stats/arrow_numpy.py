"""NumPy arrays of Arrow arrays and Arrow arrays of NumPy arrays, made from their buffers.

pyarrow's own conversions (`Array.to_numpy`, `pa.array`, `pa.scalar`) pass through its pandas
bridge, which imports pandas on first use whenever pandas is installed: about 0.2 s and 30 MiB
in a process that never needs it, such as `steward monitor ingest`. The window profiler and
the profiles convert here instead. Only fixed-width numbers, boolean masks and text are
handled; that is all the profiles read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt


def single(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The column as one array (chunks joined; an array is returned as it is)."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return column.chunk(0)
        return column.combine_chunks()
    return column


def valid_mask(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """True where a value is present."""
    array = single(column)
    if array.null_count == 0:
        return np.ones(len(array), dtype=np.bool_)
    if pa.types.is_null(array.type):
        return np.zeros(len(array), dtype=np.bool_)
    return _bits(array.buffers()[0], array.offset, len(array))


def floats(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.float64]:
    """A float64 column as float64 values, NaN where a value is missing; without missing
    values this is a read-only view of the column's buffer, not a copy."""
    array = single(column)
    if not pa.types.is_float64(array.type):
        raise TypeError(f"floats() reads float64 arrays, not {array.type}")
    values = _view(array, np.dtype(np.float64))
    if array.null_count == 0:
        return values
    out = values.copy()
    out[~valid_mask(array)] = np.nan
    return out


def integers(column: pa.Array | pa.ChunkedArray, *, missing: int = 0) -> npt.NDArray[np.int64]:
    """An integer column as int64 values, `missing` where a value is missing."""
    array = single(column)
    dtype = array.type
    if not pa.types.is_integer(dtype):
        raise TypeError(f"integers() reads integer arrays, not {dtype}")
    kind = "i" if pa.types.is_signed_integer(dtype) else "u"
    values = _view(array, np.dtype(f"{kind}{dtype.bit_width // 8}")).astype(np.int64)
    if array.null_count:
        values[~valid_mask(array)] = missing
    return values


def arrow_of(
    values: npt.NDArray[np.generic],
    dtype: pa.DataType,
    *,
    missing: npt.NDArray[np.bool_] | None = None,
) -> pa.Array:
    """An Arrow array of `dtype` holding `values` (a 1-d array of the matching NumPy type, or
    booleans for a boolean array), null where `missing` is True."""
    count = len(values)
    validity = None
    nulls = 0
    if missing is not None and missing.any():
        nulls = int(missing.sum())
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    if pa.types.is_boolean(dtype):
        data = pa.py_buffer(np.packbits(np.asarray(values, dtype=np.bool_), bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values, dtype=np.dtype(dtype.to_pandas_dtype())))
    return pa.Array.from_buffers(dtype, count, [validity, data], null_count=nulls)


def texts(strings: Sequence[str]) -> pa.Array:
    """A large_string array of `strings`."""
    encoded = [text.encode("utf-8") for text in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.large_string(), len(encoded), buffers)


def _view(array: pa.Array, dtype: np.dtype[np.generic]) -> npt.NDArray[Any]:
    data = array.buffers()[1]
    if data is None:
        return np.zeros(len(array), dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _bits(buffer: pa.Buffer | None, offset: int, count: int) -> npt.NDArray[np.bool_]:
    if buffer is None:
        return np.ones(count, dtype=np.bool_)
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, count=offset + count, bitorder="little")[offset:].astype(np.bool_)


__all__ = ["arrow_of", "floats", "integers", "single", "texts", "valid_mask"]
