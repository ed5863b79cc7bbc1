"""Profiling production data into windows batch by batch: the profile of each window equals
`profile_like` on that window's rows taken whole, whatever the container (Parquet, CSV, pandas,
Polars, Arrow) and the batch size; rows without a time are counted apart; a CSV file whose later
blocks do not fit the types of its first block still reads; refusals are one line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window, parse_window
from steward.stats.profile import Profile, profile_like, profile_reference
from steward.stats.profile_values import read_table
from steward.stats.stream import WindowedProfiles, iter_batches, profile_windows

TOLERANCE = 1e-9
DAY = 86_400
START = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # a Monday
NOW = int(datetime(2026, 4, 1, 12, tzinfo=UTC).timestamp())


def production(rows: int, seed: int, *, untimed: float = 0.02) -> pa.Table:
    """Every kind of column and of missing value, rows in random time order over ten days, and a
    share of rows without a time."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(50.0, 10.0, rows)
    amount[rng.random(rows) < 0.05] = np.nan
    amount[rng.random(rows) < 0.01] = np.inf
    offsets = rng.integers(0, 10 * DAY, rows)
    return pa.table(
        {
            "amount": pa.array(amount, mask=rng.random(rows) < 0.03),
            "count": pa.array(rng.integers(-1000, 1000, rows), mask=rng.random(rows) < 0.04),
            "region": pa.array(
                rng.choice(["north", "south", "east", "west", "centre", "far-away"], rows),
                mask=rng.random(rows) < 0.02,
            ),
            "flag": pa.array(rng.random(rows) < 0.3),
            "seen_at": pa.array(
                [START + timedelta(seconds=int(s)) for s in offsets],
                type=pa.timestamp("us", tz="UTC"),
                mask=rng.random(rows) < untimed,
            ),
        }
    )


def reference_for(table: pa.Table) -> Profile:
    # Five of the six regions are listed, so `other` counts too (and `unseen` stays None).
    return profile_reference(table, exclude=["seen_at"], max_categories=5, bins=8)


def expected_windows(
    reference: Profile, table: pa.Table, time_column: str, window: Window
) -> dict[int, Profile]:
    """profile_like on each window's rows taken whole, the windows worked out apart from the
    code under test."""
    ticks = table.column(time_column).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    present = ticks.is_valid().to_numpy(zero_copy_only=False)
    seconds = np.floor_divide(ticks.fill_null(0).to_numpy(), 1_000_000)
    starts = (seconds - window.offset) // window.seconds * window.seconds + window.offset
    return {
        int(start): profile_like(reference, table.filter(pa.array(present & (starts == start))))
        for start in np.unique(starts[present])
    }


def assert_same_profile(actual: Profile, expected: Profile) -> None:
    """The stored forms agree: counts exactly, mean and M2 to a relative 1e-9 (merging batch
    profiles sums the moments in another order than profiling the rows at once)."""
    got, want = actual.to_dict(), expected.to_dict()
    assert len(got["columns"]) == len(want["columns"])
    for mine, theirs in zip(got["columns"], want["columns"], strict=True):
        for key in ("mean", "m2"):
            if key in theirs and theirs[key] is not None:
                assert mine.pop(key) == pytest.approx(theirs.pop(key), rel=TOLERANCE), key
    assert got == want


def assert_same_windows(actual: WindowedProfiles, expected: dict[int, Profile]) -> None:
    assert list(actual.profiles) == sorted(expected)
    for start, profile in expected.items():
        assert_same_profile(actual.profiles[start], profile)


# ---- every container, every batch size -----------------------------------------------------


def as_parquet(table: pa.Table, tmp_path: Path) -> tuple[object, pa.Table]:
    path = tmp_path / "production.parquet"
    pq.write_table(table, path, row_group_size=3_000)
    return path, table


def as_csv(table: pa.Table, tmp_path: Path) -> tuple[object, pa.Table]:
    path = tmp_path / "production.csv"
    pacsv.write_csv(table, path)
    # A CSV file round-trips its values, not its types: the expectation reads it whole.
    return str(path), pacsv.read_csv(path)


def as_pandas(table: pa.Table, _: Path) -> tuple[object, pa.Table]:
    frame = table.to_pandas()
    return frame, read_table(frame)


def as_polars(table: pa.Table, _: Path) -> tuple[object, pa.Table]:
    frame = pl.from_arrow(table)
    return frame, read_table(frame)


def as_arrow(table: pa.Table, _: Path) -> tuple[object, pa.Table]:
    return table, table


CONTAINERS: dict[str, Callable[[pa.Table, Path], tuple[object, pa.Table]]] = {
    "parquet": as_parquet,
    "csv": as_csv,
    "pandas": as_pandas,
    "polars": as_polars,
    "arrow": as_arrow,
}


@pytest.mark.parametrize("batch_rows", [1_000, 1_000_000])
@pytest.mark.parametrize("container", list(CONTAINERS))
def test_each_window_equals_profiling_its_rows_whole(
    container: str, batch_rows: int, tmp_path: Path
) -> None:
    table = production(12_000, seed=1)
    reference = reference_for(production(3_000, seed=2))
    source, as_read = CONTAINERS[container](table, tmp_path)
    seen: list[int] = []

    result = profile_windows(
        reference,
        source,
        time_column="seen_at",
        window=parse_window("1d"),
        now_epoch=NOW,
        batch_rows=batch_rows,
        progress=seen.append,
    )

    assert_same_windows(result, expected_windows(reference, as_read, "seen_at", Window(DAY)))
    assert len(result.profiles) in (10, 11)  # ten days from 05:30 touch eleven dates
    assert result.rows == table.num_rows
    untimed = table.column("seen_at").null_count
    assert untimed > 0
    assert result.untimed == untimed
    assert sum(p.rows for p in result.profiles.values()) == table.num_rows - untimed
    assert result.batches == -(-table.num_rows // batch_rows)
    assert seen == [min((i + 1) * batch_rows, table.num_rows) for i in range(result.batches)]


def test_the_default_window_is_one_day() -> None:
    table = production(2_000, seed=3)
    reference = reference_for(table)
    result = profile_windows(reference, table, time_column="seen_at", window=None, now_epoch=NOW)
    assert result.window == Window(DAY)
    assert_same_windows(result, expected_windows(reference, table, "seen_at", Window(DAY)))


def test_without_a_time_column_every_row_goes_in_the_window_holding_now() -> None:
    table = production(5_000, seed=4)
    reference = reference_for(table)
    result = profile_windows(
        reference, table, time_column=None, window=parse_window("6h"), now_epoch=NOW, batch_rows=700
    )
    assert list(result.profiles) == [NOW - NOW % (6 * 3_600)]
    assert (result.rows, result.untimed, result.batches) == (5_000, 0, 8)
    assert_same_profile(result.profiles[NOW - NOW % (6 * 3_600)], profile_like(reference, table))


def test_rows_without_a_time_are_counted_apart_and_profiled_nowhere() -> None:
    table = production(1_000, seed=5, untimed=1.0)
    result = profile_windows(
        reference_for(production(500, seed=6)),
        table,
        time_column="seen_at",
        window=None,
        now_epoch=NOW,
    )
    assert (result.rows, result.untimed, result.profiles) == (1_000, 1_000, {})


def test_a_reference_column_the_data_lacks_is_profiled_as_missing(tmp_path: Path) -> None:
    table = production(1_000, seed=7)
    path = tmp_path / "part.parquet"
    pq.write_table(table.drop_columns(["region"]), path)
    result = profile_windows(
        reference_for(table), path, time_column=None, window=None, now_epoch=NOW
    )
    (profile,) = result.profiles.values()
    assert (profile.columns["region"].count, profile.columns["region"].missing) == (0, 1_000)


# ---- times ---------------------------------------------------------------------------------


def test_a_time_column_of_iso_text_is_read_with_or_without_a_zone() -> None:
    table = production(3_000, seed=8)
    reference = reference_for(table)
    moments = table.column("seen_at").to_pylist()
    zoned = [None if m is None else m.isoformat().replace("+00:00", "Z") for m in moments]
    plain = [None if m is None else m.replace(tzinfo=None).isoformat() for m in moments]
    want = expected_windows(reference, table, "seen_at", Window(DAY))
    for text in (zoned, plain):
        data = table.set_column(4, "seen_at", pa.array(text, pa.string()))
        result = profile_windows(
            reference, data, time_column="seen_at", window=None, now_epoch=NOW, batch_rows=500
        )
        assert_same_windows(result, want)
        assert result.untimed == table.column("seen_at").null_count


def test_week_windows_start_on_monday_midnight_utc() -> None:
    sunday_night = datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC)
    moments = [sunday_night, sunday_night + timedelta(seconds=1), datetime(2026, 3, 4, tzinfo=UTC)]
    table = pa.table({"x": [1.0, 2.0, 3.0], "t": pa.array(moments, pa.timestamp("s", tz="UTC"))})
    reference = profile_reference(table, exclude=["t"])
    result = profile_windows(
        reference, table, time_column="t", window=parse_window("1w"), now_epoch=NOW
    )
    starts = [datetime.fromtimestamp(s, UTC) for s in result.profiles]
    assert starts == [datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)]
    assert [p.rows for p in result.profiles.values()] == [2, 1]


def test_nanosecond_times_just_before_midnight_stay_in_their_day() -> None:
    # Nanosecond ticks lie beyond float64's exact integers; they must not round into the next day.
    midnight = int(datetime(2026, 3, 3, tzinfo=UTC).timestamp()) * 1_000_000_000
    ticks = pa.array([midnight - 1, midnight], pa.int64()).cast(pa.timestamp("ns"))
    frame = pd.DataFrame({"x": [1.0, 2.0], "t": ticks.to_pandas()})
    reference = profile_reference(frame, exclude=["t"])
    result = profile_windows(reference, frame, time_column="t", window=None, now_epoch=NOW)
    assert list(result.profiles) == [midnight // 10**9 - DAY, midnight // 10**9]


# ---- CSV types -----------------------------------------------------------------------------


def late_float_csv(path: Path) -> None:
    """A CSV file whose `count` column holds integers for far longer than the first block
    reads, then one float."""
    rows = 120_000
    counts = [str(i % 97) for i in range(rows)]
    counts[-3] = "2.5"
    day = START.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [f"{day},{count},north" for count in counts]
    path.write_text("seen_at,count,region\n" + "\n".join(lines) + "\n", encoding="utf-8")


def test_a_float_after_the_first_csv_block_in_an_integer_column_is_read(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    late_float_csv(path)
    reference = profile_reference(pa.table({"count": [1, 2, 3], "region": ["a", "b", "c"]}))
    result = profile_windows(
        reference, path, time_column="seen_at", window=None, now_epoch=NOW, batch_rows=10_000
    )
    (profile,) = result.profiles.values()
    whole = pacsv.read_csv(
        path, convert_options=pacsv.ConvertOptions(column_types={"count": pa.float64()})
    )
    assert_same_profile(profile, profile_like(reference, whole))
    assert result.batches > 1


def test_without_types_a_float_after_the_first_csv_block_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    late_float_csv(path)
    with pytest.raises(InvalidInputError) as caught:
        for _ in iter_batches(path, batch_rows=10_000):
            pass
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot read 'late.csv': column 'count': ")
    assert "'2.5'" in message


def test_csv_text_columns_keep_their_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code\n007\n042\n007\n", encoding="utf-8")
    reference = profile_reference(pa.table({"code": ["007", "042", "100"]}))
    result = profile_windows(reference, path, time_column=None, window=None, now_epoch=NOW)
    (profile,) = result.profiles.values()
    assert profile.columns["code"].to_dict()["frequencies"] == [["007", 2], ["042", 1], ["100", 0]]


# ---- reading only what is needed -----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".csv"])
def test_files_are_read_column_by_column_in_batches(suffix: str, tmp_path: Path) -> None:
    table = production(2_500, seed=9)
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path, row_group_size=1_000)
    batches = list(iter_batches(path, columns=["region", "absent", "amount"], batch_rows=600))
    assert all(batch.column_names == ["region", "amount"] for batch in batches)
    assert all(batch.num_rows <= 600 for batch in batches)
    assert sum(batch.num_rows for batch in batches) == 2_500


def test_in_memory_data_is_sliced_into_batches() -> None:
    table = production(2_500, seed=10)
    batches = list(iter_batches(table.to_pandas(), columns=["flag"], batch_rows=1_000))
    assert [(b.column_names, b.num_rows) for b in batches] == [
        (["flag"], n) for n in (1_000, 1_000, 500)
    ]


# ---- refusals ------------------------------------------------------------------------------


def refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(InvalidInputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def windows_of(source: object, **options: Any) -> Callable[[], WindowedProfiles]:
    reference = profile_reference(pa.table({"x": [1.0, 2.0]}))
    settings: dict[str, Any] = {"time_column": None, "window": None, "now_epoch": NOW}
    return lambda: profile_windows(reference, source, **(settings | options))


def test_empty_data_is_refused(tmp_path: Path) -> None:
    empty = pa.table({"x": pa.array([], pa.float64()), "t": pa.array([], pa.timestamp("s"))})
    pq.write_table(empty, tmp_path / "empty.parquet")
    (tmp_path / "header.csv").write_text("x,t\n", encoding="utf-8")
    (tmp_path / "blank.csv").write_bytes(b"")
    for source in (
        empty,
        tmp_path / "empty.parquet",
        tmp_path / "header.csv",
        tmp_path / "blank.csv",
    ):
        assert refusal(windows_of(source, time_column="t")) == "the data has no rows"


def test_missing_and_unsupported_files_are_refused(tmp_path: Path) -> None:
    missing = tmp_path / "gone.parquet"
    assert refusal(windows_of(missing)) == f"data file {str(missing)!r} does not exist"
    (tmp_path / "data.json").write_text("{}", encoding="utf-8")
    assert refusal(windows_of(tmp_path / "data.json")) == (
        "cannot read 'data.json': only .parquet, .pq and .csv files are supported"
    )
    # Refused when called, not when first iterated.
    assert "does not exist" in refusal(lambda: iter_batches(missing))
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    assert refusal(windows_of(tmp_path / "broken.parquet")).startswith(
        "cannot read 'broken.parquet': "
    )


def test_absent_time_and_extra_columns_are_refused(tmp_path: Path) -> None:
    table = pa.table({"x": [1.0, 2.0]})
    pq.write_table(table, tmp_path / "data.parquet")
    for source in (table, tmp_path / "data.parquet"):
        assert refusal(windows_of(source, time_column="t")) == "time column 't' is not in the data"
        assert (
            refusal(windows_of(source, extra_columns=["y"]))
            == "extra column 'y' is not in the data"
        )


def test_a_time_column_that_is_not_time_is_refused() -> None:
    message = refusal(windows_of(pa.table({"x": [1.0], "t": [3]}), time_column="t"))
    assert message == "time column 't' holds int64, not timestamps, dates or ISO text"
    message = refusal(windows_of(pa.table({"x": [1.0], "t": ["yesterday"]}), time_column="t"))
    assert message.startswith("time column 't': ")


@pytest.mark.parametrize("batch_rows", [0, -5, True, 2.5])
def test_batch_rows_must_be_a_positive_whole_number(batch_rows: Any) -> None:
    message = refusal(windows_of(pa.table({"x": [1.0]}), batch_rows=batch_rows))
    assert message.startswith("batch_rows must be a whole number of at least 1")
