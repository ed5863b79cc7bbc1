"""Buffer-level conversions between Arrow and NumPy: the same values as pyarrow's own
conversions (the oracle), for sliced, chunked and null-holding arrays, without importing
pandas."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.stats.arrow_numpy import arrow_of, floats, integers, texts, valid_mask

_MAYBE_FLOATS = st.lists(st.one_of(st.none(), st.floats(allow_nan=False, width=64)), max_size=80)
_MAYBE_INTS = st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=80)


def _sliced(array: pa.Array, start: int) -> pa.Array:
    """A slice that starts inside the buffers, so offsets (in bits, for bitmaps) matter."""
    return array.slice(min(start, len(array)))


@given(_MAYBE_FLOATS, st.integers(0, 9))
def test_floats_match_pyarrow_with_nan_for_missing(values: list[float | None], start: int) -> None:
    array = _sliced(pa.array(values, type=pa.float64()), start)
    np.testing.assert_array_equal(floats(array), array.to_numpy(zero_copy_only=False))
    np.testing.assert_array_equal(valid_mask(array), array.is_valid().to_numpy(False))


@given(_MAYBE_INTS, st.integers(0, 9), st.sampled_from([pa.int64(), pa.int32(), pa.uint8()]))
def test_integers_match_pyarrow_with_the_fill_for_missing(
    values: list[int | None], start: int, dtype: pa.DataType
) -> None:
    info = np.iinfo(dtype.to_pandas_dtype())
    fitting = [None if v is None else int(np.clip(v, info.min, info.max)) for v in values]
    array = _sliced(pa.array(fitting, type=dtype), start)
    expected = [(-1 if v is None else v) for v in array.to_pylist()]
    got = integers(array, missing=-1)
    assert got.dtype == np.int64
    assert got.tolist() == expected


def test_chunked_columns_are_joined() -> None:
    column = pa.chunked_array([[1.0, None], [3.0], []], type=pa.float64())
    np.testing.assert_array_equal(floats(column), [1.0, np.nan, 3.0])
    assert floats(pa.chunked_array([], type=pa.float64())).tolist() == []


@given(_MAYBE_INTS)
def test_arrow_of_round_trips_with_missing_values(values: list[int | None]) -> None:
    missing = np.array([v is None for v in values], dtype=np.bool_)
    data = np.array([0 if v is None else v for v in values], dtype=np.int64)
    array = arrow_of(data, pa.int64(), missing=missing)
    array.validate(full=True)
    assert array.to_pylist() == values


@given(st.lists(st.booleans(), max_size=70))
def test_arrow_of_packs_booleans(values: list[bool]) -> None:
    array = arrow_of(np.array(values, dtype=np.bool_), pa.bool_())
    array.validate(full=True)
    assert array.to_pylist() == values


@given(st.lists(st.text(max_size=6), max_size=30))
def test_texts_hold_the_strings(strings: list[str]) -> None:
    array = texts(strings)
    array.validate(full=True)
    assert array.type == pa.large_string()
    assert array.to_pylist() == strings


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="float64"):
        floats(pa.array([1, 2]))
    with pytest.raises(TypeError, match="integer"):
        integers(pa.array([1.5]))


def test_profiling_a_window_does_not_import_pandas() -> None:
    """pyarrow's own conversions import pandas whenever it is installed (0.2 s, 30 MiB);
    windowing and profiling production rows must not."""
    pytest.importorskip("pandas")  # without it there is nothing to avoid
    script = """
import sys
import pyarrow as pa
from datetime import datetime, timezone
from steward.stats.arrow_numpy import arrow_of, texts
from steward.stats.profile import profile_reference, profile_like
from steward.stats.windows import split_by_window
from steward.domain.windows import parse_window
import numpy as np
n = 1000
rng = np.random.default_rng(1)
table = pa.table({
    "x": arrow_of(rng.normal(size=n), pa.float64(), missing=rng.random(n) < 0.1),
    "k": texts([str(i % 7) for i in range(n)]),
    "t": arrow_of(np.arange(n, dtype=np.int64) * 600, pa.int64()).cast(pa.timestamp("s")),
})
reference = profile_reference(table.drop_columns(["t"]))
assert "pandas" not in sys.modules, "reference"
pieces, untimed = split_by_window(table, "t", parse_window("1d"))
for piece in pieces.values():
    profile_like(reference, piece)
assert "pandas" not in sys.modules, "window"
"""
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
