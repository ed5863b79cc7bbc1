"""A wide Parquet file is read in passes over groups of its columns, so the reader's memory is
bounded by the group, not the file's width: the windows come out the same as from one pass,
the scores and ids are read once, progress ends at the number of rows, and a file that changes
between passes is refused rather than joined from two different sets of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window, parse_window
from steward.stats import stream
from steward.stats.profile import Profile
from steward.stats.stream import column_passes, iter_batches, profile_windows, read_in_passes
from steward.stats.window_profiler import ScoreTerms, WindowTerms, profile_passes, profile_stream
from tests.unit.test_stream import (
    DAY,
    NOW,
    assert_same_profile,
    assert_same_windows,
    expected_windows,
    production,
    reference_for,
)
from tests.unit.test_window_profiler import scored


def _parquet(table: pa.Table, tmp_path: Path) -> Path:
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path, row_group_size=2_500)
    return path


@pytest.fixture
def one_column_per_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "COLUMNS_PER_PASS", 1)


# ---- which columns go together ------------------------------------------------------------


def test_a_parquet_files_columns_are_split_into_even_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"c{i}" for i in range(7)]
    path = _parquet(pa.table({n: [1.0, 2.0] for n in names}), tmp_path)
    monkeypatch.setattr(stream, "COLUMNS_PER_PASS", 3)
    # Three groups of at most three, as even as they go (not 3, 3, 1).
    assert column_passes(path, names) == [["c0", "c1", "c2"], ["c3", "c4"], ["c5", "c6"]]
    monkeypatch.setattr(stream, "COLUMNS_PER_PASS", 7)
    assert column_passes(path, names) == [names]


def test_columns_the_file_lacks_go_in_the_first_group_and_cost_no_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _parquet(pa.table({"a": [1.0], "b": [2.0], "c": [3.0]}), tmp_path)
    monkeypatch.setattr(stream, "COLUMNS_PER_PASS", 2)
    assert column_passes(path, ["gone", "a", "b", "c"]) == [["gone", "a", "b"], ["c"]]
    assert column_passes(path, ["gone", "also_gone", "a"]) == [["gone", "also_gone", "a"]]


def test_anything_but_a_parquet_file_is_read_in_one_pass(
    tmp_path: Path, one_column_per_pass: None
) -> None:
    """A CSV file would be parsed whole on every pass; data in memory is already in memory."""
    table = pa.table({"a": [1.0], "b": [2.0]})
    csv = tmp_path / "wide.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    assert column_passes(str(csv), ["a", "b"]) == [["a", "b"]]
    assert column_passes(table, ["a", "b"]) == [["a", "b"]]
    assert column_passes(tmp_path / "missing.parquet", ["a", "b"]) == [["a", "b"]]


def test_each_pass_reads_its_group_the_time_column_and_the_first_pass_the_extras(
    tmp_path: Path, one_column_per_pass: None
) -> None:
    path = _parquet(scored(3_000, seed=3), tmp_path)
    passes = read_in_passes(
        path, ["amount", "region"], every_pass=["seen_at"], first_pass=["p", "id"]
    )
    read = [(group, next(iter(batches)).column_names) for group, batches in passes]
    assert read == [
        (["amount"], ["amount", "seen_at", "p", "id"]),
        (["region"], ["region", "seen_at"]),
    ]


# ---- the same windows as one pass ---------------------------------------------------------


def test_windows_read_in_passes_equal_profiling_each_windows_rows_whole(
    tmp_path: Path, one_column_per_pass: None
) -> None:
    table = production(9_000, seed=5)
    reference = reference_for(production(3_000, seed=6))
    assert len(reference.columns) == 4  # four passes of one column
    seen: list[int] = []

    result = profile_windows(
        reference,
        _parquet(table, tmp_path),
        time_column="seen_at",
        window=parse_window("1d"),
        now_epoch=NOW,
        batch_rows=1_000,
        progress=seen.append,
    )

    assert_same_windows(result, expected_windows(reference, table, "seen_at", Window(DAY)))
    for profile in result.profiles.values():
        assert list(profile.columns) == list(reference.columns)  # the reference's order
    assert (result.rows, result.untimed) == (9_000, table.column("seen_at").null_count)
    assert result.batches == 4 * 9
    assert seen == sorted(seen) and seen[-1] == 9_000


def test_scores_and_pieces_come_from_the_first_pass_only(
    tmp_path: Path, one_column_per_pass: None
) -> None:
    table = scored(6_000, seed=7)
    reference = reference_for(production(2_000, seed=8))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0, ScoreTerms("p", "p_seen"), True)
    pieces: list[str] = []

    def keep(start: int, piece: pa.Table, scores: object) -> None:
        pieces.extend(piece.column("id").to_pylist())

    passes = read_in_passes(
        _parquet(table, tmp_path),
        list(reference.columns),
        every_pass=["seen_at"],
        first_pass=["p", "id"],
        batch_rows=700,
    )
    assert len(passes) == 4
    totals = profile_passes(terms, passes, on_piece=keep)
    whole = profile_stream(terms, iter_batches(table, batch_rows=700))

    timed = table.filter(table.column("seen_at").is_valid())
    assert sorted(pieces) == sorted(timed.column("id").to_pylist())  # each row once
    assert totals.profiles.keys() == whole.profiles.keys()
    for start, profile in whole.profiles.items():
        assert_same_profile(totals.profiles[start], profile)
        found, expected = totals.sums[start], whole.sums[start]
        assert (found.rows, found.bin_rows) == (expected.rows, expected.bin_rows)
        assert found.positive_p == pytest.approx(expected.positive_p, rel=1e-12)


def test_a_file_that_changed_between_passes_is_refused() -> None:
    """Passes that saw different rows would join two files' columns into one window."""
    reference = reference_for(production(1_000, seed=9))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0)
    before, after = production(2_000, seed=10), production(2_100, seed=10)
    columns = list(reference.columns)
    passes = [
        (columns[:2], iter_batches(before, batch_rows=500)),
        (columns[2:], iter_batches(after, batch_rows=500)),
    ]
    with pytest.raises(InvalidInputError, match="the file changed while it was read"):
        profile_passes(terms, passes)


def test_one_pass_is_the_window_profiler_itself() -> None:
    table = production(3_000, seed=11)
    reference = reference_for(production(1_000, seed=12))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0)
    once = profile_passes(terms, [(list(reference.columns), iter_batches(table))])
    direct = profile_stream(terms, iter_batches(table))
    assert isinstance(next(iter(once.profiles.values())), Profile)
    assert {s: p.to_dict() for s, p in once.profiles.items()} == {
        s: p.to_dict() for s, p in direct.profiles.items()
    }
    assert np.array_equal(sorted(once.profiles), sorted(direct.profiles))


def test_a_file_rewritten_with_as_many_rows_between_passes_is_refused(
    tmp_path: Path, one_column_per_pass: None
) -> None:
    """The same number of rows would pass the rows check; the file's identity does not."""
    path = _parquet(production(3_000, seed=13), tmp_path)
    reference = reference_for(production(1_000, seed=14))
    terms = WindowTerms(reference, "seen_at", Window(DAY), 0)
    passes = read_in_passes(path, list(reference.columns), every_pass=["seen_at"])
    first_group, first_batches = passes[0]
    rewritten = [(first_group, _then_rewrite(first_batches, path)), *passes[1:]]
    with pytest.raises(InvalidInputError, match=r"'wide\.parquet' was modified between passes"):
        profile_passes(terms, rewritten)


def _then_rewrite(batches: Iterable[pa.Table], path: Path) -> Iterator[pa.Table]:
    """The first pass's batches, after which the file is replaced by another of as many rows."""
    yield from batches
    replacement = path.with_name("other.parquet")
    pq.write_table(production(3_000, seed=15), replacement, row_group_size=2_500)
    replacement.replace(path)
