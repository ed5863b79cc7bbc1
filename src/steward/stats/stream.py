"""Profiling production data into monitoring windows batch by batch, so files larger than
memory can be profiled: memory grows with the batch size and the number of windows, never with
the size of the file.

Files are read as a stream of Arrow batches (Parquet row group by row group, CSV block by block)
holding only the columns the profiles need. Each batch is cut into windows by its time column,
each piece is profiled on the reference's terms (`profile_like`) and merged into the running
profile of its window, and then the batch is dropped; the profiling itself is the one window
profiler of `steward.stats.window_profiler`.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from steward.domain.errors import InvalidInputError
from steward.domain.windows import BATCH_ROWS, Window
from steward.stats.columns import first_line
from steward.stats.profile import CategoricalProfile, NumericProfile, Profile
from steward.stats.profile_values import read_table
from steward.stats.window_profiler import DEFAULT_WORKERS, WindowTerms, profile_passes

DEFAULT_BATCH_ROWS = BATCH_ROWS
DEFAULT_WINDOW = Window(86_400)

_PARQUET = (".parquet", ".pq")
_CSV = (".csv",)
# CSV blocks are sized from the mean row length so that a block holds about one batch; the floor
# leaves room for long rows (a row must fit in one block), the ceiling bounds the memory the
# reader's read-ahead of a few blocks takes when rows are long.
_CSV_SAMPLE_BYTES = 1 << 20
_CSV_MIN_BLOCK = 1 << 20
_CSV_MAX_BLOCK = 64 << 20
# Parquet column chunks are read through a buffer of this size instead of whole, so a file
# written as one huge row group still streams. The reader keeps one per column read: 64 KiB
# instead of 1 MiB took about 11 MiB off a 20-column ingest's peak, and no time.
_PARQUET_BUFFER = 64 << 10
# The reader also holds, for each column it reads, the column chunk's dictionary page and a
# decoded data page (about 2 MiB for a float64 column in row groups of 1,000,000 rows), so its
# memory grows with the number of columns read at once. A Parquet file is columnar: a pass
# decodes only its own columns, so a wide file is read in passes of at most this many profiled
# columns (plus the time column in each), which bounds the reader near 70 MiB however wide the
# file. A pass is not free (the time column is read and cut again, and the work per row grows):
# two passes over bench/out_of_core.py's 20 columns took 23 MiB off its peak but 0.2-0.4 s
# more at 2 million rows and up to a third more time at 50 million, so narrower files are read
# in one.
COLUMNS_PER_PASS = 32
_CSV_COLUMN = re.compile(r"^In CSV column #(\d+): (.*)$")


@dataclass(frozen=True, slots=True)
class WindowedProfiles:
    """The profile of each window that holds rows, keyed by the window's start in epoch seconds
    (ascending); `rows` counts every row read, `untimed` those whose time was missing (they are
    in no window), `batches` the batches read."""

    window: Window
    profiles: dict[int, Profile]
    rows: int
    untimed: int
    batches: int


def iter_batches(
    source: object,
    *,
    columns: Sequence[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    column_types: Mapping[str, pa.DataType] | None = None,
) -> Iterator[pa.Table]:
    """The rows of `source` as tables of at most `batch_rows` rows, holding the `columns` the
    data has (all columns when None; a named column the data lacks is left out, not refused).

    A Parquet path (.parquet, .pq) is read row group by row group and a CSV path (.csv) block by
    block, so only about one batch is in memory at a time. For CSV, `column_types` fixes the
    type of the columns it names; other columns take the type inferred from the first block,
    and a later block that does not fit it (a float in a column of integers) is refused with a
    message naming the column. Anything else (pandas, Polars, Arrow) is converted as a whole
    and sliced without copying. A missing file or an unsupported kind of file is refused at
    once; errors met while reading are raised by the iteration."""
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise InvalidInputError(
            f"batch_rows must be a whole number of at least 1, got {batch_rows!r}"
        )
    wanted = None if columns is None else list(dict.fromkeys(columns))
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        suffix = path.suffix.lower()
        if suffix not in _PARQUET + _CSV:
            raise InvalidInputError(
                f"cannot read {path.name!r}: only .parquet, .pq and .csv files are supported"
            )
        if not path.is_file():
            raise InvalidInputError(f"data file {str(path)!r} does not exist")
        if suffix in _PARQUET:
            return _sliced(_parquet_batches(path, wanted, batch_rows), batch_rows)
        return _sliced(_csv_batches(path, wanted, batch_rows, column_types or {}), batch_rows)
    table = read_table(source)
    if wanted is not None:
        table = table.select([name for name in wanted if name in table.column_names])
    return _sliced(iter((table,)), batch_rows)


def profile_windows(
    reference: Profile,
    source: object,
    *,
    time_column: str | None,
    window: Window | None,
    now_epoch: int,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    extra_columns: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> WindowedProfiles:
    """Profile `source` on the reference's terms, one profile per `window` (1 day when None) of
    `time_column`; without a time column every row goes in the window holding `now_epoch`.

    Files are read `batch_rows` rows at a time, and only the reference's columns, the time
    column and `extra_columns` (columns a caller needs read although the reference lacks them;
    each must be in the data) are read. Numeric and text columns of a CSV file are read as the
    reference's kinds (float64, text), so inference on the first block cannot fail on a later
    one. `progress` receives the number of rows read after each batch. Batches are profiled by
    `workers` threads (see `steward.stats.window_profiler`)."""
    window = DEFAULT_WINDOW if window is None else window
    extras = [extra_columns] if isinstance(extra_columns, str) else list(extra_columns)
    passes = read_in_passes(
        source,
        list(reference.columns),
        every_pass=[time_column] if time_column is not None else [],
        first_pass=extras,
        batch_rows=batch_rows,
        column_types=csv_types(reference),
    )
    terms = WindowTerms(reference, time_column, window, window.start_of(now_epoch))
    totals = profile_passes(
        terms,
        passes,
        workers=workers,
        first=lambda batch: _check_columns(batch, time_column, extras),
        progress=progress,
    )
    if totals.rows == 0:
        raise InvalidInputError("the data has no rows")
    return WindowedProfiles(window, totals.profiles, totals.rows, totals.untimed, totals.batches)


def read_in_passes(
    source: object,
    columns: Sequence[str],
    *,
    every_pass: Sequence[str] = (),
    first_pass: Sequence[str] = (),
    batch_rows: int = DEFAULT_BATCH_ROWS,
    column_types: Mapping[str, pa.DataType] | None = None,
) -> list[tuple[list[str], Iterator[pa.Table]]]:
    """The profiled `columns` split into groups, each with the batches of one pass over
    `source` that read the group, `every_pass` (the time column) and, in the first pass only,
    `first_pass` (scores, ids). Several passes only for a Parquet file with more than
    COLUMNS_PER_PASS of the columns; anything else is read once (a CSV file would be parsed
    whole on every pass). Columns the file lacks go in the first group. Each pass opens the
    file when its batches are first asked for."""
    groups = column_passes(source, columns)
    passes = [
        (
            group,
            iter_batches(
                source,
                columns=[*group, *every_pass, *(first_pass if number == 0 else ())],
                batch_rows=batch_rows,
                column_types=column_types,
            ),
        )
        for number, group in enumerate(groups)
    ]
    if len(passes) == 1 or not isinstance(source, str | os.PathLike):
        return passes
    path = Path(source)
    signature = _signature(path)
    return [(group, _unchanged(path, signature, batches)) for group, batches in passes]


def column_passes(source: object, columns: Sequence[str]) -> list[list[str]]:
    """`columns` in groups of nearly equal size, at most COLUMNS_PER_PASS of the file's columns
    each, when `source` is a Parquet file; otherwise one group."""
    names = list(dict.fromkeys(columns))
    if len(names) <= COLUMNS_PER_PASS or not isinstance(source, str | os.PathLike):
        return [names]
    path = Path(source)
    if path.suffix.lower() not in _PARQUET or not path.is_file():
        return [names]  # iter_batches refuses what it cannot read, with its own message
    present = set(_parquet_names(path))
    found = [name for name in names if name in present]
    if len(found) <= COLUMNS_PER_PASS:
        return [names]
    count = -(-len(found) // COLUMNS_PER_PASS)
    size, larger = divmod(len(found), count)  # the first `larger` groups hold one more
    bounds = [n * size + min(n, larger) for n in range(count + 1)]
    groups = [found[start:end] for start, end in itertools.pairwise(bounds)]
    groups[0] = [*(name for name in names if name not in present), *groups[0]]
    return groups


def _signature(path: Path) -> tuple[int, int, int]:
    found = path.stat()
    return found.st_ino, found.st_size, found.st_mtime_ns


def _unchanged(
    path: Path, signature: tuple[int, int, int], batches: Iterator[pa.Table]
) -> Iterator[pa.Table]:
    """The batches of one pass, refused when the file is not the one the first pass began on
    (replaced, rewritten or appended to): joining passes over two files would mix their rows."""
    _check_unchanged(path, signature)
    yield from batches
    _check_unchanged(path, signature)


def _check_unchanged(path: Path, signature: tuple[int, int, int]) -> None:
    if _signature(path) != signature:
        raise InvalidInputError(
            f"the file changed while it was read: {path.name!r} was modified between passes "
            "over its columns"
        )


# ---- reading files -----------------------------------------------------------------------


def _parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"cannot read {path.name!r}: {first_line(exc)}") from None


def _parquet_batches(path: Path, columns: list[str] | None, batch_rows: int) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    try:
        # Without pre-buffering each column is read through a small buffer, page by page,
        # instead of whole column chunks of a row group being held beside the decoded batch.
        parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=_PARQUET_BUFFER)
        names = parquet.schema_arrow.names
        present = None if columns is None else [name for name in columns if name in names]
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=present):
            yield pa.Table.from_batches([batch])
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"cannot read {path.name!r}: {first_line(exc)}") from None


def _csv_batches(
    path: Path,
    columns: list[str] | None,
    batch_rows: int,
    column_types: Mapping[str, pa.DataType],
) -> Iterator[pa.Table]:
    import pyarrow.csv as pacsv

    header = _csv_header(path)
    if header is None:
        return  # an empty file has no rows
    present = header if columns is None else [name for name in columns if name in header]
    types = {name: dtype for name, dtype in column_types.items() if name in present}
    read = pacsv.ReadOptions(block_size=_csv_block_size(path, batch_rows))
    convert = pacsv.ConvertOptions(include_columns=present, column_types=types)
    try:
        reader = pacsv.open_csv(path, read_options=read, convert_options=convert)
        for batch in reader:
            yield pa.Table.from_batches([batch])
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"cannot read {path.name!r}: {_csv_error(exc, header)}") from None


def _csv_header(path: Path) -> list[str] | None:
    """The column names on the first line, read as Arrow's default CSV dialect reads them."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInputError(f"cannot read {path.name!r}: {first_line(exc)}") from None


def _csv_block_size(path: Path, batch_rows: int) -> int:
    with path.open("rb") as handle:
        sample = handle.read(_CSV_SAMPLE_BYTES)
    row_bytes = len(sample) / max(sample.count(b"\n"), 1)
    return int(min(max(row_bytes * batch_rows, _CSV_MIN_BLOCK), _CSV_MAX_BLOCK))


def _csv_error(exc: BaseException, header: list[str]) -> str:
    """Arrow's first line, with the column it numbers named, as the user knows it."""
    text = first_line(exc)
    found = _CSV_COLUMN.match(text)
    if found is None:
        return text
    number, rest = int(found.group(1)), found.group(2)
    name = header[number] if number < len(header) else f"#{number}"
    return f"column {name!r}: {rest}"


def csv_types(reference: Profile) -> dict[str, pa.DataType]:
    """The types a CSV file's columns are read as: float64 for numeric columns (the profile
    reads them as float64 anyway, and a float in a later block of a column that looked integer
    in the first no longer fails), text for categorical columns (codes such as "007" stay as
    written), booleans where the reference held booleans. Other columns keep inference."""
    types: dict[str, pa.DataType] = {}
    for name, column in reference.columns.items():
        if isinstance(column, NumericProfile):
            types[name] = pa.float64()
        elif isinstance(column, CategoricalProfile):
            types[name] = pa.bool_() if column.type == "bool" else pa.large_string()
    return types


# ---- helpers -----------------------------------------------------------------------------


def _sliced(tables: Iterator[pa.Table], batch_rows: int) -> Iterator[pa.Table]:
    """The tables cut into slices of at most `batch_rows` rows (views, not copies); tables
    without rows are left out."""
    for table in tables:
        for start in range(0, table.num_rows, batch_rows):
            yield table.slice(start, batch_rows)


def _check_columns(batch: pa.Table, time_column: str | None, extras: Sequence[str]) -> None:
    if time_column is not None and time_column not in batch.column_names:
        raise InvalidInputError(f"time column {time_column!r} is not in the data")
    for name in extras:
        if name not in batch.column_names:
            raise InvalidInputError(f"extra column {name!r} is not in the data")


__all__ = [
    "COLUMNS_PER_PASS",
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_WINDOW",
    "WindowedProfiles",
    "column_passes",
    "iter_batches",
    "profile_windows",
    "read_in_passes",
]


def content_digest(source: object) -> str:
    """What names an ingest's data: the SHA-256 of a file's bytes (read in blocks, so a large
    file costs no memory), or the content fingerprint of a frame or table, which is the same
    for the same rows in any container."""
    import hashlib

    from steward.stats.fingerprint import fingerprint

    if isinstance(source, str | os.PathLike):
        if not Path(source).is_file():
            raise InvalidInputError(f"data file {str(source)!r} does not exist")
        digest = hashlib.sha256()
        with open(source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return f"file:{digest.hexdigest()}"
    return f"data:{fingerprint(source)['sha256']}"


def read_column(source: object, column: str, batch_rows: int = DEFAULT_BATCH_ROWS) -> pa.Array:
    """One column of the source, whole (ids are read before profiling to find repeats)."""
    chunks = [
        batch.column(column).combine_chunks()
        for batch in iter_batches(source, columns=[column], batch_rows=batch_rows)
        if column in batch.column_names
    ]
    if not chunks:
        raise InvalidInputError(f"column {column!r} is not in the data")
    return pa.concat_arrays(chunks)
