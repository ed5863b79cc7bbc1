"""Profiles computed by Spark, partition by partition, equal the profiles computed in memory
with pyarrow on the same rows: per window, without windows, with no rows, and counting the
rows that have no time."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window, parse_window
from steward.stats.profile import Profile, profile_like, profile_reference
from steward.stats.windows import split_by_window

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = [
    # PySpark warns on every Arrow map when pandas 3 is installed, although mapInArrow hands
    # Arrow batches over without going through pandas at all.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

TOLERANCE = 1e-9
DAY = 86_400
# Not at midnight, so the first and last of the six days touched are partial.
START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
NOW = int(datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp())


def reference_table(rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "amount": pa.array(rng.normal(50.0, 10.0, rows)),
            "count": pa.array(rng.integers(0, 100, rows)),
            "segment": pa.array(rng.choice(["a", "b", "c", "d"], rows)),
            "flag": pa.array(rng.random(rows) < 0.3),
            "region": pa.array(rng.choice(["north", "south"], rows)),
            "seen_at": pa.array(
                [START - timedelta(days=30) + timedelta(minutes=int(m)) for m in range(rows)],
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )


def production_table(rows: int, seed: int) -> pa.Table:
    """Floats with NaN, nulls and infinities; integers with nulls; categories with one the
    reference never saw; no `region` column; an extra column; times over five days, some
    missing."""
    rng = np.random.default_rng(seed)
    amounts = rng.normal(55.0, 12.0, rows)
    amounts[rng.random(rows) < 0.05] = np.nan
    amounts[rng.random(rows) < 0.01] = np.inf
    amounts[rng.random(rows) < 0.01] = -np.inf
    moments = [START + timedelta(seconds=int(s)) for s in rng.integers(0, 5 * DAY, rows)]
    return pa.table(
        {
            "amount": pa.array(amounts, mask=rng.random(rows) < 0.03),
            "count": pa.array(rng.integers(0, 120, rows), mask=rng.random(rows) < 0.04),
            "segment": pa.array(
                rng.choice(["a", "b", "c", "d", "unseen"], rows), mask=rng.random(rows) < 0.02
            ),
            "flag": pa.array(rng.random(rows) < 0.5),
            "extra": pa.array(rng.random(rows)),
            "seen_at": pa.array(
                moments, type=pa.timestamp("us", tz="UTC"), mask=rng.random(rows) < 0.02
            ),
        }
    )


@pytest.fixture(scope="module")
def reference() -> Profile:
    return profile_reference(reference_table(3_000, seed=1), bins=10)


@pytest.fixture(scope="module")
def production() -> pa.Table:
    return production_table(4_000, seed=2)


@pytest.fixture(scope="module")
def frame(spark: SparkSession, production: pa.Table) -> DataFrame:
    # Several partitions, each fed to Python as several Arrow batches (see conftest).
    return spark.createDataFrame(production).repartition(4).cache()


def assert_same(actual: Profile, expected: Profile) -> None:
    """Equal to_dict forms, except that the mean and M2 may differ by rounding."""
    mine, theirs = actual.to_dict(), expected.to_dict()
    assert [c["name"] for c in mine["columns"]] == [c["name"] for c in theirs["columns"]]
    for a, b in zip(mine["columns"], theirs["columns"], strict=True):
        for key in ("mean", "m2"):
            if key in b:
                assert_close(a.pop(key), b.pop(key), f"{b['name']}.{key}")
    assert mine == theirs


def assert_close(a: Any, b: Any, what: str) -> None:
    if b is None:
        assert a is None, what
    else:
        assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (what, a, b)


def test_profiles_per_day_equal_the_local_profiles_of_each_day(
    frame: DataFrame, production: pa.Table, reference: Profile
) -> None:
    from steward.adapters.spark import profile_spark

    assert frame.rdd.getNumPartitions() == 4
    window = parse_window("1d")
    found, untimed = profile_spark(
        reference, frame, time_column="seen_at", window=window, now_epoch=NOW
    )

    expected, expected_untimed = split_by_window(production, "seen_at", window)
    assert untimed == expected_untimed == production.column("seen_at").null_count > 0
    assert list(found) == list(expected)
    assert len(found) == 6  # five days from 07:30 touch six calendar days
    for start, rows in expected.items():
        assert_same(found[start], profile_like(reference, rows))
    # The data's own quirks reached the profiles, so the comparison above compared something.
    merged = found[min(found)]
    for profile in list(found.values())[1:]:
        merged = merged.merge(profile)
    amount, segment, region = (merged.columns[n] for n in ("amount", "segment", "region"))
    assert amount.to_dict()["infinities"] > 0 and amount.missing > 0
    assert segment.to_dict()["unseen"] > 0
    assert region.missing == merged.rows == production.num_rows - untimed


def test_default_window_is_one_day(frame: DataFrame, reference: Profile) -> None:
    from steward.adapters.spark import profile_spark

    daily, _ = profile_spark(reference, frame, time_column="seen_at", now_epoch=NOW)
    assert all(start % DAY == 0 for start in daily)
    assert len(daily) == 6


def test_without_a_time_column_everything_is_the_window_of_now(
    frame: DataFrame, production: pa.Table, reference: Profile
) -> None:
    from steward.adapters.spark import profile_spark

    window = Window(6 * 3_600)
    found, untimed = profile_spark(reference, frame, window=window, now_epoch=NOW)

    assert untimed == 0
    assert list(found) == [window.start_of(NOW)]
    assert_same(found[window.start_of(NOW)], profile_like(reference, production))


def test_a_frame_without_rows_gives_no_windows(frame: DataFrame, reference: Profile) -> None:
    from steward.adapters.spark import profile_spark

    empty = frame.limit(0)
    assert profile_spark(reference, empty, time_column="seen_at", now_epoch=NOW) == ({}, 0)
    assert profile_spark(reference, empty, now_epoch=NOW) == ({}, 0)


def test_rows_without_a_time_are_counted_even_alone(
    spark: SparkSession, reference: Profile
) -> None:
    from steward.adapters.spark import profile_spark

    rows = pa.table(
        {"amount": [1.0, 2.0, 3.0], "seen_at": pa.nulls(3, pa.timestamp("us", tz="UTC"))}
    )
    untimed_only = spark.createDataFrame(rows).repartition(2)
    assert profile_spark(reference, untimed_only, time_column="seen_at", now_epoch=NOW) == ({}, 3)


def test_a_frame_without_any_reference_column_profiles_all_missing(
    spark: SparkSession, reference: Profile
) -> None:
    from steward.adapters.spark import profile_spark

    other = spark.createDataFrame(pa.table({"unrelated.name": list(range(10))}))
    found, _ = profile_spark(reference, other, now_epoch=NOW)
    (profile,) = found.values()
    assert profile.rows == 10
    assert all(column.missing == 10 for column in profile.columns.values())
    assert_same(profile, profile_like(reference, pa.table({"x": list(range(10))})))


def test_bad_time_columns_are_refused_in_one_line(
    spark: SparkSession, frame: DataFrame, reference: Profile
) -> None:
    from steward.adapters.spark import profile_spark

    with pytest.raises(InvalidInputError, match="time column 'nowhere' is not in the data"):
        profile_spark(reference, frame, time_column="nowhere", now_epoch=NOW)
    with pytest.raises(InvalidInputError, match="time column 'count' holds long"):
        profile_spark(reference, frame, time_column="count", now_epoch=NOW)
    # Text that is not a time is found only where the rows are read, on the executors.
    texts = spark.createDataFrame(pa.table({"amount": [1.0], "seen_at": ["yesterday"]}))
    with pytest.raises(InvalidInputError, match="time column 'seen_at'") as caught:
        profile_spark(reference, texts, time_column="seen_at", now_epoch=NOW)
    assert "\n" not in str(caught.value)


def test_without_pyspark_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, reference: Profile
) -> None:
    from steward.adapters import spark as adapter

    # A None entry in sys.modules makes `import pyspark` raise ImportError.
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(InvalidInputError, match=r"pip install 'steward-governance\[spark\]'"):
        adapter.local_session()
    with pytest.raises(InvalidInputError, match="pyspark is not installed"):
        adapter.profile_spark(reference, object(), now_epoch=NOW)  # type: ignore[arg-type]
