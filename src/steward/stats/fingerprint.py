"""Content fingerprints and column signatures of tabular data, whatever container it came in.

The hash covers a canonical per-column encoding rather than Arrow IPC bytes. IPC is stable
under slicing and chunking, but it copies whatever bytes sit under null slots and in the
unused bits of validity bitmaps, and producers disagree there for equal data (pandas leaves
1 under a masked Int64 value, polars leaves 0), so it cannot give one hash per logical table.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError

# Bump when the canonical encoding changes, so old and new fingerprints never collide.
_SCHEME = b"steward-data-fingerprint-v1"
_ACCEPTED = (
    "a pandas or polars DataFrame/Series, a pyarrow Table/RecordBatch, "
    "a 1-D or 2-D NumPy array, or a path to a .parquet or .csv file"
)


def to_arrow_table(data: object) -> pa.Table:
    """Return `data` as a pyarrow Table without copying where the source allows it."""
    table, _ = _load(data)
    return table


def fingerprint(data: object) -> dict[str, Any]:
    """Return a content hash that is the same for the same logical data in any container.

    Column names and normalised types are hashed; schema metadata, chunking, slicing,
    dictionary encoding and string/list offset widths are not. NaN counts as missing,
    because pandas cannot keep NaN and null apart and would otherwise hash differently.
    """
    table, source = _load(data)
    digest = hashlib.sha256(_SCHEME)
    digest.update(struct.pack("<qq", table.num_rows, table.num_columns))
    for field, column in zip(table.schema, table.columns, strict=True):
        normalised = normalise_type(field.type)
        digest.update(_framed(str(field.name)))
        digest.update(_framed(str(normalised)))
        hasher = _ColumnHasher(normalised)
        for chunk in column.chunks:
            hasher.feed(chunk)
        digest.update(hasher.digest())
    return {
        "sha256": digest.hexdigest(),
        "rows": int(table.num_rows),
        "columns": int(table.num_columns),
        "bytes": int(table.nbytes),
        "source": source,
    }


def signature(data: object, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """Return the name, normalised type and nullability of every column not in `exclude`."""
    table, _ = _load(data)
    names = [str(name) for name in table.column_names]
    skipped = (exclude,) if isinstance(exclude, str) else tuple(exclude)
    for name in skipped:
        if name not in names:
            raise InvalidInputError(f"target column {name!r} is not in the training data")
    columns = [
        {
            "name": name,
            "type": str(normalise_type(field.type)),
            "nullable": _has_missing(column),
        }
        for name, field, column in zip(names, table.schema, table.columns, strict=True)
        if name not in skipped
    ]
    return {"columns": columns}


def normalise_type(dtype: pa.DataType) -> pa.DataType:
    """Map an Arrow type to the one type that stands for all its physical layouts."""
    if pa.types.is_dictionary(dtype):
        return normalise_type(dtype.value_type)
    if isinstance(dtype, pa.ExtensionType):
        return normalise_type(dtype.storage_type)
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or _is("string_view", dtype):
        return pa.large_string()
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or _is("binary_view", dtype):
        return pa.large_binary()
    if _is_variable_list(dtype):
        # A fresh large_list also resets the child field's name ("item" vs parquet's "element").
        return pa.large_list(normalise_type(dtype.value_type))
    if pa.types.is_fixed_size_list(dtype):
        return pa.list_(normalise_type(dtype.value_type), dtype.list_size)
    if pa.types.is_map(dtype):
        return pa.map_(normalise_type(dtype.key_type), normalise_type(dtype.item_type))
    if pa.types.is_struct(dtype):
        fields = [dtype.field(i) for i in range(dtype.num_fields)]
        return pa.struct([(field.name, normalise_type(field.type)) for field in fields])
    return dtype


class _ColumnHasher:
    """Hashes one column fed chunk by chunk; every stream is chunk-independent by design."""

    def __init__(self, dtype: pa.DataType) -> None:
        self.rows = 0
        self.missing = hashlib.sha256()  # global row numbers of null (or NaN) entries
        self.lengths = hashlib.sha256()  # per-row lengths of strings, binaries and lists
        self.values = hashlib.sha256()  # the values themselves, zeroed under missing rows
        self.children = [_ColumnHasher(child) for child in _child_types(dtype)]

    def feed(self, chunk: pa.Array) -> None:
        chunk = _decode(chunk)
        valid = _valid_mask(chunk)
        if valid is not None:
            rows = np.flatnonzero(~valid).astype("<i8") + self.rows
            self.missing.update(rows.tobytes())
        if len(chunk):
            self._feed_values(chunk, valid)
        self.rows += len(chunk)

    def digest(self) -> bytes:
        out = hashlib.sha256(struct.pack("<q", self.rows))
        for part in (self.missing, self.lengths, self.values):
            out.update(part.digest())
        for child in self.children:
            out.update(child.digest())
        return out.digest()

    def _feed_values(self, chunk: pa.Array, valid: np.ndarray[Any, Any] | None) -> None:
        dtype = chunk.type
        if pa.types.is_null(dtype):
            return  # every row is already recorded as missing
        if pa.types.is_boolean(dtype):
            filled = pc.fill_null(chunk, False) if valid is not None else chunk
            self.values.update(filled.to_numpy(zero_copy_only=False).view(np.uint8))
        elif _is_fixed_width(dtype):
            self.values.update(_fixed_width_bytes(chunk, valid).data)
        elif pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
            self._feed_variable(pc.fill_null(chunk, "") if valid is not None else chunk)
        elif pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
            self._feed_variable(pc.fill_null(chunk, b"") if valid is not None else chunk)
        elif _is_variable_list(dtype) or pa.types.is_fixed_size_list(dtype):
            # flatten() drops the values hidden behind null lists, so producers agree.
            sizes = pc.fill_null(pc.list_value_length(chunk), 0)
            self.lengths.update(sizes.to_numpy(zero_copy_only=False).astype("<i8"))
            self.children[0].feed(chunk.flatten())
        elif pa.types.is_struct(dtype):
            for child, values in zip(self.children, chunk.flatten(), strict=True):
                child.feed(values)
        else:
            # Unions and other rare types: slow but canonical, since it only sees Python values.
            for value in chunk.to_pylist():
                self.values.update(_framed(repr(value)))

    def _feed_variable(self, chunk: pa.Array) -> None:
        width = 4 if pa.types.is_string(chunk.type) or pa.types.is_binary(chunk.type) else 8
        offsets = np.frombuffer(
            chunk.buffers()[1],
            dtype=np.int32 if width == 4 else np.int64,
            count=len(chunk) + 1,
            offset=chunk.offset * width,
        )
        self.lengths.update(np.diff(offsets).astype("<i8").data)
        start, end = int(offsets[0]), int(offsets[-1])
        if end > start:
            self.values.update(memoryview(chunk.buffers()[2])[start:end])


def _child_types(dtype: pa.DataType) -> list[pa.DataType]:
    if pa.types.is_map(dtype):
        return [pa.struct([("key", dtype.key_type), ("value", dtype.item_type)])]
    if _is_variable_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return [dtype.value_type]
    if pa.types.is_struct(dtype):
        return [dtype.field(i).type for i in range(dtype.num_fields)]
    return []


def _decode(chunk: pa.Array) -> pa.Array:
    """Turn an encoding of values into the plain values, so only the logical content is hashed."""
    while True:
        dtype = chunk.type
        if pa.types.is_dictionary(dtype):
            chunk = chunk.dictionary_decode()
        elif isinstance(chunk, pa.ExtensionArray):
            chunk = chunk.storage
        elif _is("string_view", dtype):
            chunk = chunk.cast(pa.large_string())
        elif _is("binary_view", dtype):
            chunk = chunk.cast(pa.large_binary())
        elif pa.types.is_map(dtype):
            # Maps have no list kernels; as a list of key/value structs they reuse the list path.
            entries = pa.struct([("key", dtype.key_type), ("value", dtype.item_type)])
            chunk = chunk.cast(pa.large_list(entries))
        else:
            return chunk


def _valid_mask(chunk: pa.Array) -> np.ndarray[Any, Any] | None:
    """Return a boolean mask of present rows, or None when no row is missing."""
    if pa.types.is_floating(chunk.type):
        missing = pc.is_null(chunk, nan_is_null=True)
        if not pc.any(missing).as_py():
            return None
        mask: np.ndarray[Any, Any] = ~missing.to_numpy(zero_copy_only=False)
        return mask
    if chunk.null_count == 0:
        return None
    present: np.ndarray[Any, Any] = chunk.is_valid().to_numpy(zero_copy_only=False)
    return present


def _has_missing(column: pa.ChunkedArray) -> bool:
    return any(_valid_mask(_decode(chunk)) is not None for chunk in column.chunks)


def _fixed_width_bytes(chunk: pa.Array, valid: np.ndarray[Any, Any] | None) -> np.ndarray[Any, Any]:
    """Return the chunk's value bytes without copying, unless missing rows must be zeroed."""
    width = chunk.type.bit_width // 8
    raw: np.ndarray[Any, Any] = np.frombuffer(
        chunk.buffers()[1], dtype=np.uint8, count=len(chunk) * width, offset=chunk.offset * width
    )
    if valid is None:
        return raw
    # Bytes under a null slot are whatever the producer left there; zero them.
    rows = raw.reshape(len(chunk), width).copy()
    rows[~valid] = 0
    return rows


def _is_fixed_width(dtype: pa.DataType) -> bool:
    fixed = pa.types.is_primitive(dtype) or pa.types.is_decimal(dtype)
    fixed = fixed or pa.types.is_fixed_size_binary(dtype)
    return bool(fixed) and dtype.bit_width % 8 == 0


def _is_variable_list(dtype: pa.DataType) -> bool:
    plain = pa.types.is_list(dtype) or pa.types.is_large_list(dtype)
    return bool(plain) or _is("list_view", dtype) or _is("large_list_view", dtype)


def _is(kind: str, dtype: pa.DataType) -> bool:
    # View types arrived in pyarrow 16; older versions simply have none to detect.
    check = getattr(pa.types, f"is_{kind}", None)
    return check is not None and bool(check(dtype))


def _framed(text: str) -> bytes:
    """Length-prefix a string so adjacent fields cannot run into each other."""
    raw = text.encode("utf-8")
    return struct.pack("<q", len(raw)) + raw


# ---- loading ---------------------------------------------------------------------------


def _load(data: object) -> tuple[pa.Table, str]:
    """Return the data as an Arrow table and the name of the container it came in."""
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "arrow"
    if isinstance(data, np.ndarray):
        return _from_numpy(data), "numpy"
    if isinstance(data, str | os.PathLike):
        return _read_file(Path(data))
    kind = _foreign_kind(data)
    if kind in ("pandas.DataFrame", "pandas.Series"):
        return _from_pandas(data, kind), "pandas"
    if kind in ("polars.DataFrame", "polars.Series"):
        return _from_polars(data, kind), "polars"
    if kind == "polars.LazyFrame":
        raise InvalidInputError("got a polars LazyFrame: call .collect() on it first")
    cls = type(data)
    raise InvalidInputError(
        f"cannot read data of type {cls.__module__}.{cls.__qualname__}: pass {_ACCEPTED}"
    )


def _foreign_kind(data: object) -> str | None:
    """Name a pandas or polars container by duck typing, so neither library is imported here."""
    for cls in type(data).__mro__:
        package = cls.__module__.split(".")[0]
        if package in ("pandas", "polars") and cls.__name__ in ("DataFrame", "Series", "LazyFrame"):
            return f"{package}.{cls.__name__}"
    return None


def _series_name(name: object) -> str:
    # Unnamed series get the same name as a 1-D NumPy array, so all three hash alike.
    return "x0" if name is None or name == "" else str(name)


def _from_pandas(data: Any, kind: str) -> pa.Table:
    frame = data.to_frame(name=_series_name(data.name)) if kind == "pandas.Series" else data
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InvalidInputError(
            f"cannot convert the pandas data to Arrow: {_first_line(exc)}"
        ) from exc


def _from_polars(data: Any, kind: str) -> pa.Table:
    if kind == "polars.Series":
        return pa.table({_series_name(data.name): data.to_arrow()})
    table: pa.Table = data.to_arrow()
    return table


def _from_numpy(array: np.ndarray[Any, Any]) -> pa.Table:
    if array.ndim not in (1, 2):
        raise InvalidInputError(f"NumPy input must be 1-D or 2-D, got {array.ndim}-D")
    columns = [array] if array.ndim == 1 else [array[:, i] for i in range(array.shape[1])]
    try:
        arrays = [pa.array(np.ascontiguousarray(column)) for column in columns]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InvalidInputError(
            f"cannot convert the NumPy array to Arrow: {_first_line(exc)}"
        ) from exc
    return pa.table(arrays, names=[f"x{i}" for i in range(len(arrays))])


def _read_file(path: Path) -> tuple[pa.Table, str]:
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvalidInputError(
            f"cannot read {path.name!r}: only .parquet and .csv files are supported"
        )
    if not path.is_file():
        raise InvalidInputError(f"data file {str(path)!r} does not exist")
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            # Without pre-buffering, the reader does not keep whole column chunks of the file
            # in Arrow's pool beside the decoded table; what the pool still holds afterwards
            # goes back to the OS.
            table = pq.read_table(path, pre_buffer=False)
            pa.default_memory_pool().release_unused()
            return table, "parquet"
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path), "csv"
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"cannot read {path.name!r}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
