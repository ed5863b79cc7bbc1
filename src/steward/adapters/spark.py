"""Profiles of data held in Spark, on a reference's terms, windowed like `split_by_window`.

Each partition is profiled where it lives: Spark hands its rows to Python as Arrow record
batches (`mapInArrow`), each batch is profiled by the window profiler every ingest uses
(`steward.stats.window_profiler`) and the profiles are merged within the partition, and only
one small row per (partition, window) travels back to the driver, which merges them. Profiles merge exactly (up to rounding of the mean and M2), so the result is
the profile `profile_like` would give on all the rows of each window at once.

The executors import `steward`, so it must be installed where they run (in local mode it is the
driver's own environment). pyspark is imported only when a function here is called.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window, parse_window
from steward.stats.profile import Profile
from steward.stats.window_profiler import WindowTerms, profile_stream

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_MISSING = "pyspark is not installed: pip install 'steward-governance[spark]'"

# What each partition sends back: one row per window it holds a profile for, and one row with a
# null window counting its rows without a time; `error` carries a refusal of the data (a bad
# time column, a column that cannot be read as the reference's kind) so the driver can raise it
# as one line instead of Spark's wrapped Python traceback.
_RESULT_SCHEMA = pa.schema(
    [
        ("window", pa.int64()),
        ("untimed", pa.int64()),
        ("profile", pa.string()),
        ("error", pa.string()),
    ]
)
_RESULT_DDL = "window long, untimed long, profile string, error string"

# Spark's types that `epoch_seconds` reads as times.
_TIME_TYPES = frozenset({"timestamp", "timestamp_ntz", "date", "string"})


def local_session(app_name: str = "steward") -> SparkSession:
    """A Spark session in this process's machine only: two cores, bound to the loopback
    interface, no web UI, few shuffle partitions, quiet logs and times in UTC."""
    _require_pyspark()
    from pyspark.sql import SparkSession

    # Read by the JVM when it starts, so it must be in the environment before the builder runs.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # Python workers default to `python3` on PATH, which need not have steward or pyarrow;
    # the driver's own interpreter has both.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def profile_spark(
    reference: Profile,
    frame: DataFrame,
    *,
    time_column: str | None = None,
    window: Window | None = None,
    now_epoch: int,
) -> tuple[dict[int, Profile], int]:
    """The profile of each window's rows of `frame` on the reference's terms, keyed by the
    window's start in epoch seconds (ascending), and the number of rows whose time is missing.

    With `time_column`, rows are cut into windows of `window` (default 1d) by that column, as
    `split_by_window` does; without it, every row belongs to the window holding `now_epoch`.
    A reference column the frame lacks is profiled as entirely missing. A frame without rows
    gives no windows."""
    _require_pyspark()
    if isinstance(now_epoch, bool) or not isinstance(now_epoch, int):
        raise InvalidInputError(f"now_epoch must be whole epoch seconds, got {now_epoch!r}")
    width = parse_window("1d") if window is None else window
    if not isinstance(width, Window):
        raise InvalidInputError(f"window must be a Window (see parse_window), got {width!r}")
    selected = _columns_to_read(reference, frame, time_column)
    profiler = _partition_profiler(
        reference.to_dict(),
        time_column,
        width.seconds,
        width.offset,
        width.start_of(now_epoch),
    )
    rows = _select(frame, selected, reference).mapInArrow(profiler, _RESULT_DDL).collect()

    found: dict[int, Profile] = {}
    untimed = 0
    for row in rows:
        if row["error"] is not None:
            raise InvalidInputError(row["error"])
        untimed += int(row["untimed"])
        if row["window"] is None:
            continue
        start = int(row["window"])
        part = Profile.from_dict(json.loads(row["profile"]))
        found[start] = found[start].merge(part) if start in found else part
    return {start: found[start] for start in sorted(found)}, untimed


# ---- driver side -----------------------------------------------------------------------------


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise InvalidInputError(_MISSING) from None


def _columns_to_read(reference: Profile, frame: DataFrame, time_column: str | None) -> list[str]:
    """The reference's columns the frame has, then the time column, each once."""
    present = list(frame.columns)
    wanted = [name for name in reference.columns if name in present]
    if time_column is not None:
        if time_column not in present:
            raise InvalidInputError(f"time column {time_column!r} is not in the data")
        kind = frame.schema[time_column].dataType.typeName()
        if kind not in _TIME_TYPES:
            raise InvalidInputError(
                f"time column {time_column!r} holds {kind}, not timestamps, dates or ISO text"
            )
        if time_column not in wanted:
            wanted.append(time_column)
    for name in wanted:
        if present.count(name) > 1:
            raise InvalidInputError(f"the data has more than one column named {name!r}")
    return wanted


def _select(frame: DataFrame, names: list[str], reference: Profile) -> DataFrame:
    from pyspark.sql import functions as F  # noqa: N812

    # Backticks make Spark read each name literally (a dot would otherwise mean a field).
    columns = [F.col("`" + name.replace("`", "``") + "`") for name in names]
    if not columns:
        # With none of the reference's columns the rows must still be counted, so carry one
        # column the reference does not know (profile_like ignores it).
        filler = "_rows"
        while filler in reference.columns:
            filler = "_" + filler
        columns = [F.lit(0).alias(filler)]
    return frame.select(*columns)


# ---- executor side ---------------------------------------------------------------------------


def _partition_profiler(
    reference: dict[str, Any],
    time_column: str | None,
    window_seconds: int,
    window_offset: int,
    fixed_window: int,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function Spark runs on each partition. It closes over plain values only (the
    reference as its JSON-ready dict, the window as two integers), so it pickles small and
    without steward's object graph."""

    def profile_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        terms = WindowTerms(
            Profile.from_dict(reference),
            time_column,
            Window(window_seconds, window_offset),
            fixed_window,
        )
        tables = (pa.Table.from_batches([b]) for b in batches if b.num_rows)
        try:
            # Spark runs partitions in parallel already: one thread each.
            totals = profile_stream(terms, tables, workers=1)
        except InvalidInputError as exc:
            yield _result(None, 0, None, exc.message)
            return
        merged, untimed = totals.profiles, totals.untimed
        for start in sorted(merged):
            text = json.dumps(merged[start].to_dict(), separators=(",", ":"))
            yield _result(start, 0, text, None)
        if untimed:
            yield _result(None, untimed, None, None)

    return profile_partition


def _result(
    window: int | None, untimed: int, profile: str | None, error: str | None
) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"window": [window], "untimed": [untimed], "profile": [profile], "error": [error]},
        schema=_RESULT_SCHEMA,
    )


__all__ = ["local_session", "profile_spark"]
