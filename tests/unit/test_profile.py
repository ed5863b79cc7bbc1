"""Column profiles: reference figures equal NumPy's, profiles of any split of the rows merge into
the profile of all of them, the JSON form round-trips, new data is counted on the reference's
bins and categories, and every input container gives the same profile."""

from __future__ import annotations

import functools
import itertools
import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from steward.domain.errors import InvalidInputError
from steward.stats.profile import (
    QUANTILE_LEVELS,
    QUANTILE_NAMES,
    CategoricalProfile,
    NumericProfile,
    OtherProfile,
    Profile,
    profile_like,
    profile_reference,
)

TOLERANCE = 1e-9


def mixed_table(rows: int, seed: int) -> pa.Table:
    """Floats with NaN, nulls and infinities; integers with nulls; text with nulls; booleans;
    UTC timestamps: every kind of column and every kind of missing value."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(50.0, 10.0, rows)
    floats[rng.random(rows) < 0.05] = np.nan
    floats[rng.random(rows) < 0.01] = np.inf
    floats[rng.random(rows) < 0.01] = -np.inf
    float_nulls = rng.random(rows) < 0.03
    integers = rng.integers(-1000, 1000, rows)
    integer_nulls = rng.random(rows) < 0.04
    words = rng.choice(["north", "south", "east", "west", "centre"], rows)
    word_nulls = rng.random(rows) < 0.02
    start = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=int(m)) for m in rng.integers(0, 100_000, rows)]
    return pa.table(
        {
            "amount": pa.array(floats, mask=float_nulls),
            "count": pa.array(integers, mask=integer_nulls),
            "region": pa.array(words, mask=word_nulls),
            "flag": pa.array(rng.random(rows) < 0.3),
            "seen_at": pa.array(moments, type=pa.timestamp("us", tz="UTC")),
        }
    )


def finite_values(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    values = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
    return values[np.isfinite(values)]


def assert_same_profile(actual: Profile, expected: Profile) -> None:
    """Counts exactly; mean and M2 to a relative 1e-9."""
    assert actual.rows == expected.rows
    assert list(actual.columns) == list(expected.columns)
    for name, want in expected.columns.items():
        got = actual.columns[name]
        if isinstance(want, NumericProfile):
            assert isinstance(got, NumericProfile)
            exact = ("count", "missing", "infinities", "min", "max", "edges", "counts")
            assert {f: getattr(got, f) for f in exact} == {f: getattr(want, f) for f in exact}
            for field in ("mean", "m2"):
                assert getattr(got, field) == pytest.approx(getattr(want, field), rel=TOLERANCE)
        else:
            assert got == want


# ---- reference figures against NumPy -------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_quantiles_equal_numpys_on_the_finite_values(seed: int) -> None:
    table = mixed_table(5_000, seed)
    profile = profile_reference(table)
    for name in ("amount", "count"):
        column = profile.columns[name]
        assert isinstance(column, NumericProfile)
        expected = np.quantile(finite_values(table, name), QUANTILE_LEVELS)
        assert column.quantiles == tuple(float(v) for v in expected)
        assert column.quantile("p25") == float(expected[QUANTILE_NAMES.index("p25")])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_mean_and_variance_equal_numpys(seed: int) -> None:
    table = mixed_table(5_000, seed)
    column = profile_reference(table).columns["amount"]
    assert isinstance(column, NumericProfile)
    finite = finite_values(table, "amount")
    assert column.mean == pytest.approx(np.mean(finite), rel=1e-12)
    assert column.variance() == pytest.approx(np.var(finite), rel=1e-12)
    assert column.variance(ddof=1) == pytest.approx(np.var(finite, ddof=1), rel=1e-12)
    assert (column.min, column.max) == (float(finite.min()), float(finite.max()))


def test_counts_separate_missing_values_infinities_and_finite_values() -> None:
    values = pa.array([1.0, None, math.nan, math.inf, -math.inf, 2.0, 3.0])
    column = profile_reference(pa.table({"x": values})).columns["x"]
    assert isinstance(column, NumericProfile)
    assert (column.count, column.missing, column.infinities, column.finite) == (5, 2, 2, 3)
    assert (column.min, column.max, column.mean) == (1.0, 3.0, 2.0)
    # Both infinities sit in the open outer bins, and every present value is in some bin.
    assert sum(column.counts) == column.count
    assert column.counts[0] >= 1 and column.counts[-1] >= 1


def test_reference_bins_are_cut_at_the_quantiles_and_deduplicated() -> None:
    rng = np.random.default_rng(3)
    values = rng.exponential(size=2_000)
    column = profile_reference(pa.table({"x": values}), bins=10).columns["x"]
    assert isinstance(column, NumericProfile)
    cuts = np.quantile(values, [i / 10 for i in range(1, 10)], method="inverted_cdf")
    expected = np.unique(cuts)
    assert set(expected) <= set(values)  # edges are values that occur
    assert column.edges == tuple(float(v) for v in expected)
    assert len(column.counts) == len(column.edges) + 1
    # A column of few values keeps one edge per distinct value rather than repeated edges.
    binary = profile_reference(pa.table({"b": [0, 0, 0, 1, 1] * 10})).columns["b"]
    assert isinstance(binary, NumericProfile)
    assert binary.edges == (0.0, 1.0)
    assert binary.counts == (30, 20, 0)


# ---- new data on the reference's terms -------------------------------------------------------


def test_new_data_is_counted_on_the_reference_bins_with_open_outer_bins() -> None:
    reference = profile_reference(pa.table({"x": np.arange(100.0)}), bins=4)
    edges = reference.columns["x"].edges  # type: ignore[union-attr]
    assert edges == (24.0, 49.0, 74.0)
    window = profile_like(reference, pa.table({"x": [-1000.0, 24.0, 30.0, 74.0, 80.0, 1e9]}))
    column = window.columns["x"]
    assert isinstance(column, NumericProfile)
    assert column.edges == edges
    # Bins are (-inf, 24], (24, 49], (49, 74], (74, +inf): closed on the right.
    assert column.counts == (2, 1, 1, 2)
    assert column.quantiles is None


def test_values_outside_a_complete_reference_list_are_other_and_unseen() -> None:
    reference = profile_reference(pa.table({"c": ["a", "b", "b", "c", "c", "c"]}))
    column = reference.columns["c"]
    assert isinstance(column, CategoricalProfile)
    assert column.frequencies == (("c", 3), ("b", 2), ("a", 1))
    assert (column.other, column.complete, column.unseen) == (0, True, 0)

    window = profile_like(reference, pa.table({"c": ["a", "d", "d", None, "e"]})).columns["c"]
    assert isinstance(window, CategoricalProfile)
    assert window.frequencies == (("c", 0), ("b", 0), ("a", 1))
    assert (window.count, window.missing, window.other, window.unseen) == (4, 1, 3, 3)
    assert window.complete is False


def test_an_incomplete_reference_list_counts_other_but_cannot_say_unseen() -> None:
    data = pa.table({"c": ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 3})
    reference = profile_reference(data, max_categories=2)
    column = reference.columns["c"]
    assert isinstance(column, CategoricalProfile)
    # The two most frequent values; "c" and "d" tie and both fall into other.
    assert column.frequencies == (("a", 5), ("b", 4))
    assert (column.other, column.complete) == (6, False)
    window = profile_like(reference, pa.table({"c": ["a", "c", "z"]})).columns["c"]
    assert isinstance(window, CategoricalProfile)
    assert (window.other, window.unseen) == (2, None)


def test_ties_in_the_category_list_are_broken_by_value() -> None:
    data = pa.table({"c": ["z", "y", "x", "y", "z", "x", "w"]})
    column = profile_reference(data, max_categories=3).columns["c"]
    assert isinstance(column, CategoricalProfile)
    assert column.frequencies == (("x", 2), ("y", 2), ("z", 2))
    assert column.other == 1


def test_a_reference_column_absent_from_new_data_is_profiled_as_entirely_missing() -> None:
    reference = profile_reference(pa.table({"x": [1.0, 2.0], "c": ["a", "b"]}))
    window = profile_like(reference, pa.table({"c": ["a", "a", "b"]}))
    column = window.columns["x"]
    assert isinstance(column, NumericProfile)
    assert (column.count, column.missing, sum(column.counts)) == (0, 3, 0)
    assert column.type == "double"


def test_text_in_a_numeric_reference_column_is_refused_naming_the_column() -> None:
    reference = profile_reference(pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(InvalidInputError, match="column 'x' has type string"):
        profile_like(reference, pa.table({"x": ["1.5", "high"]}))


# ---- merging -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_merging_the_profiles_of_a_random_split_equals_profiling_the_whole(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = mixed_table(3_000, seed)
    reference = profile_reference(table)
    whole = profile_like(reference, table)
    cuts = np.sort(
        rng.choice(np.arange(1, table.num_rows), size=rng.integers(1, 12), replace=False)
    )
    bounds = [0, *cuts.tolist(), table.num_rows]
    parts = [
        profile_like(reference, table.slice(start, end - start))
        for start, end in itertools.pairwise(bounds)
    ]
    in_order = functools.reduce(Profile.merge, parts)
    assert_same_profile(in_order, whole)
    # Associativity: merging the parts as a random binary tree gives the same profile.
    assert_same_profile(_merge_as_random_tree(parts, rng), whole)


def _merge_as_random_tree(parts: list[Profile], rng: np.random.Generator) -> Profile:
    while len(parts) > 1:
        at = int(rng.integers(0, len(parts) - 1))
        parts = [*parts[:at], parts[at].merge(parts[at + 1]), *parts[at + 2 :]]
    return parts[0]


def test_merging_with_an_empty_part_keeps_the_reference_quantiles() -> None:
    table = mixed_table(500, 4)
    reference = profile_reference(table)
    merged = reference.merge(profile_like(reference, table.slice(0, 0)))
    assert merged == reference
    both = reference.merge(profile_like(reference, table))
    assert both.columns["amount"].quantiles is None  # type: ignore[union-attr]


def test_profiles_with_different_bins_are_not_merged() -> None:
    first = profile_reference(pa.table({"x": [1.0, 2.0, 3.0]}))
    second = profile_reference(pa.table({"x": [10.0, 20.0, 30.0]}))
    with pytest.raises(InvalidInputError, match="column 'x': the profiles have different"):
        first.merge(second)


def test_profiles_of_different_columns_are_not_merged() -> None:
    first = profile_reference(pa.table({"x": [1.0]}))
    second = profile_reference(pa.table({"y": [1.0]}))
    with pytest.raises(InvalidInputError, match="different columns"):
        first.merge(second)


def test_merging_category_lists_of_two_references_keeps_the_limit_and_the_counts() -> None:
    first = profile_reference(pa.table({"c": ["a", "a", "b"]}), max_categories=2)
    second = profile_reference(pa.table({"c": ["c", "c", "c", "b"]}), max_categories=2)
    merged = first.merge(second).columns["c"]
    assert isinstance(merged, CategoricalProfile)
    assert merged.frequencies == (("c", 3), ("a", 2))
    assert (merged.count, merged.other, merged.complete) == (7, 2, False)


# ---- JSON ----------------------------------------------------------------------------------


def test_the_json_form_round_trips_with_only_finite_floats() -> None:
    table = mixed_table(2_000, 5).append_column(
        "empty", pa.array([None] * 2_000, type=pa.float64())
    )
    for profile in (profile_reference(table), profile_like(profile_reference(table), table)):
        text = json.dumps(profile.to_dict(), allow_nan=False)
        assert Profile.from_dict(json.loads(text)) == profile


def test_a_huge_m2_is_stored_as_null_rather_than_infinity() -> None:
    profile = profile_reference(pa.table({"x": [-1e300, 1e300]}))
    column = profile.columns["x"]
    assert isinstance(column, NumericProfile) and column.m2 == math.inf
    stored = json.loads(json.dumps(profile.to_dict(), allow_nan=False))
    assert stored["columns"][0]["m2"] is None


def test_a_malformed_stored_profile_is_refused_in_one_line() -> None:
    with pytest.raises(InvalidInputError, match="the stored profile is malformed"):
        Profile.from_dict({"format": 1, "rows": 3, "max_categories": 200, "columns": [{}]})
    with pytest.raises(InvalidInputError, match="unknown format"):
        Profile.from_dict({"format": 99})


# ---- column kinds and containers ---------------------------------------------------------


def test_booleans_dictionaries_and_timestamps_are_profiled_by_kind() -> None:
    paris = pa.array(
        [datetime(2024, 6, 1, 12, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), None],
        type=pa.timestamp("ns", tz="Europe/Paris"),
    )
    table = pa.table(
        {
            "flag": [True, False, True],
            "code": pa.array(["x", "y", "x"]).dictionary_encode(),
            "at": paris,
            "day": pa.array([date(2024, 3, 1), date(2023, 3, 1), date(2024, 2, 1)]),
        }
    )
    profile = profile_reference(table)
    assert profile.columns["flag"] == CategoricalProfile(
        "flag", "bool", 3, 0, (("true", 2), ("false", 1)), 0, True, 0
    )
    code = profile.columns["code"]
    assert isinstance(code, CategoricalProfile)
    assert (code.type, code.frequencies) == ("large_string", (("x", 2), ("y", 1)))
    assert profile.columns["at"] == OtherProfile(
        "at",
        "timestamp[ns, tz=Europe/Paris]",
        2,
        1,
        "2024-01-01T00:00:00.000000+00:00",
        "2024-06-01T12:00:00.000000+00:00",
    )
    assert profile.columns["day"] == OtherProfile(
        "day", "date32[day]", 3, 0, "2023-03-01", "2024-03-01"
    )


def test_pandas_polars_and_arrow_inputs_give_the_same_profile() -> None:
    rng = np.random.default_rng(6)
    rows = 1_000
    amount = rng.normal(size=rows)
    amount[::7] = np.nan
    region = rng.choice(["a", "b", "c"], rows).astype(object)
    region[::11] = None
    count = rng.integers(0, 50, rows)
    flag = rng.random(rows) < 0.5
    frame = pd.DataFrame({"amount": amount, "region": region, "count": count, "flag": flag})
    arrow = pa.table(
        {
            "amount": pa.array(amount, from_pandas=True),
            "region": pa.array(region.tolist(), type=pa.large_string()),
            "count": pa.array(count),
            "flag": pa.array(flag),
        }
    )
    polars = pl.from_pandas(frame)
    expected = profile_reference(arrow)
    assert profile_reference(frame) == expected
    assert profile_reference(polars) == expected
    assert profile_like(expected, polars) == profile_like(expected, frame)


def test_exclude_drops_columns_and_must_name_existing_ones() -> None:
    table = pa.table({"x": [1.0], "target": [0]})
    assert list(profile_reference(table, exclude=["target"]).columns) == ["x"]
    with pytest.raises(InvalidInputError, match="exclude: column 'y' is not in the data"):
        profile_reference(table, exclude=["y"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bins": 0}, "bins must be a whole number of at least 1"),
        ({"max_categories": True}, "max_categories must be a whole number"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        profile_reference(pa.table({"x": [1.0]}), **options)


def test_two_columns_with_one_name_are_refused() -> None:
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"])
    with pytest.raises(InvalidInputError, match="more than one column named 'x'"):
        profile_reference(table)
