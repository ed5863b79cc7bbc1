"""The one window profiler: the same windows whatever the number of worker threads, every
batch counted once, scores summed per window and pieces handed on in the order read."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window
from steward.stats.score_sums import score_sums
from steward.stats.stream import iter_batches
from steward.stats.window_profiler import ScoreTerms, WindowTerms, profile_stream
from tests.unit.test_stream import (
    DAY,
    NOW,
    assert_same_profile,
    expected_windows,
    production,
    reference_for,
)


def scored(rows: int, seed: int) -> pa.Table:
    table = production(rows, seed)
    rng = np.random.default_rng(seed + 100)
    ids = pa.array([f"id-{i}" for i in range(rows)])
    return table.append_column("p", pa.array(rng.random(rows))).append_column("id", ids)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_worker_count_gives_the_profiles_of_the_whole_windows(workers: int) -> None:
    table = production(9_000, seed=11)
    reference = reference_for(production(2_000, seed=12))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0)

    totals = profile_stream(terms, iter_batches(table, batch_rows=700), workers=workers)

    expected = expected_windows(reference, table, "seen_at", Window(DAY))
    assert list(totals.profiles) == sorted(expected)
    for start, profile in expected.items():
        assert_same_profile(totals.profiles[start], profile)
    untimed = table.column("seen_at").null_count
    assert (totals.rows, totals.untimed, totals.batches) == (9_000, untimed, -(-9_000 // 700))
    # Each batch once: the windows hold every timed row, no more.
    assert sum(p.rows for p in totals.profiles.values()) == 9_000 - untimed


def test_scores_are_summed_per_window_and_pieces_come_in_the_order_read() -> None:
    table = scored(5_000, seed=13)
    reference = reference_for(production(2_000, seed=14))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0, ScoreTerms("p", "p_seen"), True)
    seen: list[tuple[int, str]] = []

    def keep(start: int, piece: pa.Table, scores: object) -> None:
        assert np.array_equal(np.asarray(scores), piece.column("p").to_numpy())
        seen.extend((start, i) for i in piece.column("id").to_pylist())

    totals = profile_stream(terms, iter_batches(table, batch_rows=600), workers=2, on_piece=keep)

    order = {f"id-{i}": i for i in range(table.num_rows)}
    batches = [order[i] // 600 for _, i in seen]
    assert batches == sorted(batches)  # batch by batch, as read
    timed = table.filter(table.column("seen_at").is_valid())
    assert sorted(order[i] for _, i in seen) == sorted(order[i] for i in timed["id"].to_pylist())
    for start in totals.profiles:
        ids = [order[i] for s, i in seen if s == start]
        expected = score_sums(table.column("p").to_numpy()[ids])
        found = totals.sums[start]
        assert (found.positive_rows, found.negative_rows, found.bin_rows) == (
            expected.positive_rows,
            expected.negative_rows,
            expected.bin_rows,
        )
        assert found.positive_p == pytest.approx(expected.positive_p, rel=1e-12)
        assert found.rows == totals.profiles[start].rows


def test_workers_must_be_a_whole_number() -> None:
    terms = WindowTerms(reference_for(production(100, seed=17)), None, Window(DAY), NOW)
    with pytest.raises(InvalidInputError, match="workers must be a whole number"):
        profile_stream(terms, [], workers=0)


def test_an_error_in_a_batch_is_raised_with_several_workers() -> None:
    table = scored(2_000, seed=18)
    bad = table.set_column(table.schema.get_field_index("p"), "p", pa.array(["x"] * 2_000))
    terms = WindowTerms(
        reference_for(production(500, seed=19)), None, Window(DAY), NOW, ScoreTerms("p", "q")
    )
    with pytest.raises(InvalidInputError, match="must hold numbers"):
        profile_stream(terms, iter_batches(bad, batch_rows=100), workers=2)


@pytest.mark.parametrize("dirty", [False, True])
def test_a_numeric_window_matches_numpy(dirty: bool) -> None:
    """Counts per bin (lower, upper], missing values, infinities, min, max, mean and M2 against
    numpy, for a clean column (the fast path) and one with NaNs, nulls and infinities."""
    from steward.stats.profile import NumericProfile, profile_like, profile_reference

    rng = np.random.default_rng(21)
    reference = profile_reference(pa.table({"x": rng.normal(0, 1, 5_000)}))
    values = rng.normal(0.3, 1.2, 20_000)
    terms = reference.columns["x"]
    assert isinstance(terms, NumericProfile)
    values[:50] = np.asarray(terms.edges * 3)[:50]  # values on the edges
    mask = None
    if dirty:
        values[rng.random(20_000) < 0.05] = np.nan
        values[[7, 11]], values[13] = np.inf, -np.inf
        mask = rng.random(20_000) < 0.03
    column = profile_like(reference, pa.table({"x": pa.array(values, mask=mask)})).columns["x"]
    assert isinstance(column, NumericProfile)

    nulls = mask if mask is not None else np.zeros(20_000, dtype=bool)
    present = values[~np.isnan(values) & ~nulls]
    finite = present[np.isfinite(present)]
    edges = np.asarray(column.edges)
    expected = np.bincount(np.searchsorted(edges, present, side="left"), minlength=len(edges) + 1)
    assert column.counts == tuple(int(n) for n in expected)
    assert (column.count, column.missing) == (len(present), 20_000 - len(present))
    assert column.infinities == len(present) - len(finite)
    assert (column.min, column.max) == (finite.min(), finite.max())
    assert column.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert column.m2 == pytest.approx(((finite - finite.mean()) ** 2).sum(), rel=1e-9)


def test_a_nan_score_is_refused_and_a_missing_one_left_out() -> None:
    """A null score is missing and left out; NaN is a failed computation upstream, not a
    probability, and counting it as missing would hide it."""
    table = scored(1_000, seed=22)
    terms = WindowTerms(
        reference_for(production(500, seed=23)), None, Window(DAY), NOW, ScoreTerms("p", "q")
    )
    scores = table.column("p").to_numpy().copy()
    missing = pa.array(scores, mask=np.arange(1_000) % 10 == 0)
    with_nulls = table.set_column(table.schema.get_field_index("p"), "p", missing)
    totals = profile_stream(terms, iter_batches(with_nulls, batch_rows=300))
    (sums,) = totals.sums.values()
    assert sums.positive_rows + sums.negative_rows == 900

    scores[[3, 700]] = np.nan
    nan = table.set_column(table.schema.get_field_index("p"), "p", pa.array(scores))
    with pytest.raises(InvalidInputError, match=r"2 score\(s\) are NaN"):
        profile_stream(terms, iter_batches(nan, batch_rows=2_000))
