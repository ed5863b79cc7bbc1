"""Fingerprints identify logical data, whatever container, chunking or encoding it arrives in."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.errors import InvalidInputError
from steward.stats.fingerprint import fingerprint, signature, to_arrow_table


def _sha(data: object) -> str:
    value: str = fingerprint(data)["sha256"]
    return value


def _arrow_frame() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
            "score": pa.array([0.5, 1.25, -3.0, 0.0, 9.75], pa.float64()),
            "name": pa.array(["a", "bb", "", "dddd", "é"], pa.string()),
            "flag": pa.array([True, False, True, True, False]),
        }
    )


def _arrow_frame_with_nulls() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([1, None, 3, 4, None], pa.int64()),
            "score": pa.array([0.5, None, -3.0, None, 9.75], pa.float64()),
            "name": pa.array(["a", None, "", "dddd", None], pa.string()),
            "flag": pa.array([True, None, True, False, None]),
        }
    )


def test_same_hash_for_pandas_polars_and_arrow_without_nulls() -> None:
    table = _arrow_frame()
    frame = table.to_pandas()
    assert _sha(frame) == _sha(pl.from_arrow(table)) == _sha(table)


def test_same_hash_for_pandas_polars_and_arrow_with_nulls() -> None:
    """pandas nullable dtypes, NaN-for-missing floats and polars nulls all mean 'missing'."""
    frame = pd.DataFrame(
        {
            "id": pd.array([1, None, 3, 4, None], dtype="Int64"),
            "score": [0.5, np.nan, -3.0, np.nan, 9.75],
            "name": ["a", None, "", "dddd", None],
            "flag": pd.array([True, None, True, False, None], dtype="boolean"),
        }
    )
    polars_frame = pl.DataFrame(
        {
            "id": [1, None, 3, 4, None],
            "score": [0.5, None, -3.0, None, 9.75],
            "name": ["a", None, "", "dddd", None],
            "flag": [True, None, True, False, None],
        }
    )
    expected = _sha(_arrow_frame_with_nulls())
    assert _sha(frame) == expected
    assert _sha(polars_frame) == expected


def test_categorical_columns_hash_as_their_values() -> None:
    plain = pa.table({"c": pa.array(["x", "y", "x", None])})
    assert _sha(pd.DataFrame({"c": pd.Categorical(["x", "y", "x", None])})) == _sha(plain)
    assert _sha(pl.DataFrame({"c": pl.Series(["x", "y", "x", None], dtype=pl.Categorical)})) == (
        _sha(plain)
    )
    assert _sha(pa.table({"c": plain["c"].dictionary_encode()})) == _sha(plain)


def test_string_layouts_hash_alike() -> None:
    values = ["a", None, "ccc"]
    hashes = {
        _sha(pa.table({"s": pa.array(values, dtype)}))
        for dtype in (pa.string(), pa.large_string(), pa.string_view())
    }
    assert len(hashes) == 1


def test_schema_metadata_is_ignored() -> None:
    table = _arrow_frame()
    assert _sha(table.replace_schema_metadata({"origin": "somewhere"})) == _sha(table)


def test_chunked_and_sliced_tables_hash_like_the_contiguous_one() -> None:
    table = _arrow_frame_with_nulls()
    chunked = pa.concat_tables([table.slice(0, 2), table.slice(2, 1), table.slice(3)])
    assert chunked.column(0).num_chunks == 3
    padded = pa.concat_tables([table, table, table]).combine_chunks()
    sliced = padded.slice(table.num_rows, table.num_rows)  # non-zero offsets in every buffer
    assert _sha(chunked) == _sha(sliced) == _sha(table)
    assert _sha(table.to_batches()[0]) == _sha(table)


def test_bytes_hidden_under_null_slots_do_not_matter() -> None:
    """Arrow IPC bytes differ here although the data is equal, which is why IPC is not hashed."""
    validity = pa.py_buffer(bytes([0b01]))
    zeros = pa.Array.from_buffers(
        pa.int64(), 2, [validity, pa.py_buffer(np.array([7, 0], np.int64).tobytes())]
    )
    junk = pa.Array.from_buffers(
        pa.int64(), 2, [validity, pa.py_buffer(np.array([7, 99], np.int64).tobytes())]
    )
    assert zeros.equals(junk)
    assert _sha(pa.table({"a": zeros})) == _sha(pa.table({"a": junk}))


def test_hash_changes_with_a_value() -> None:
    table = _arrow_frame()
    changed = table.set_column(1, "score", pa.array([0.5, 1.25, -3.0, 0.0, 9.5]))
    assert _sha(changed) != _sha(table)


def test_hash_changes_with_a_column_name() -> None:
    table = _arrow_frame()
    assert _sha(table.rename_columns(["id", "score", "label", "flag"])) != _sha(table)


def test_hash_changes_with_row_order() -> None:
    table = _arrow_frame()
    assert _sha(table.take([1, 0, 2, 3, 4])) != _sha(table)


def test_hash_changes_when_a_value_becomes_missing() -> None:
    base = pa.table({"a": pa.array([0, 1], pa.int64())})
    assert _sha(pa.table({"a": pa.array([None, 1], pa.int64())})) != _sha(base)


def test_hash_changes_with_type() -> None:
    assert _sha(pa.table({"a": pa.array([1, 2], pa.int32())})) != (
        _sha(pa.table({"a": pa.array([1, 2], pa.int64())}))
    )


def test_hash_is_not_fooled_by_moving_characters_between_strings() -> None:
    left = pa.table({"s": ["ab", "c"]})
    right = pa.table({"s": ["a", "bc"]})
    assert _sha(left) != _sha(right)


def test_fingerprint_reports_shape_size_and_source() -> None:
    result = fingerprint(_arrow_frame().to_pandas())
    assert result["rows"] == 5
    assert result["columns"] == 4
    assert result["bytes"] > 0
    assert result["source"] == "pandas"
    assert len(result["sha256"]) == 64
    assert fingerprint(pl.from_arrow(_arrow_frame()))["source"] == "polars"
    assert fingerprint(_arrow_frame())["source"] == "arrow"


def test_numpy_columns_are_named_x0_x1() -> None:
    matrix = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    table = to_arrow_table(matrix)
    assert table.column_names == ["x0", "x1"]
    assert table.column("x1").to_pylist() == [2.0, 4.0, 6.0]
    expected = pa.table({"x0": [1.0, 3.0, 5.0], "x1": [2.0, 4.0, 6.0]})
    assert _sha(matrix) == _sha(expected)
    assert fingerprint(matrix)["source"] == "numpy"


def test_unnamed_series_and_1d_array_hash_alike() -> None:
    values = np.array([1, 2, 3], np.int64)
    assert _sha(values) == _sha(pd.Series(values)) == _sha(pl.Series(values))


def test_numpy_with_three_dimensions_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="3-D"):
        fingerprint(np.zeros((2, 2, 2)))


def test_parquet_file_hashes_like_its_content(tmp_path: Path) -> None:
    table = _arrow_frame_with_nulls()
    path = tmp_path / "train.parquet"
    pq.write_table(table, path, row_group_size=2)  # several row groups -> several chunks
    result = fingerprint(path)
    assert result["source"] == "parquet"
    assert result["sha256"] == _sha(table)
    assert _sha(str(path)) == _sha(table)


def test_csv_file_hashes_like_its_content(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("id,name\n1,a\n2,b\n")
    result = fingerprint(path)
    assert result["source"] == "csv"
    assert result["sha256"] == _sha(pa.table({"id": [1, 2], "name": ["a", "b"]}))


def test_missing_file_and_unknown_suffix_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        fingerprint(tmp_path / "absent.parquet")
    with pytest.raises(InvalidInputError, match=r"\.parquet and \.csv"):
        fingerprint(tmp_path / "data.xlsx")


def test_unsupported_type_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidInputError, match=r"builtins\.dict"):
        fingerprint({"a": [1, 2]})


def test_signature_lists_types_and_nullability_without_excluded_columns() -> None:
    result = signature(_arrow_frame_with_nulls().to_pandas(), exclude=["flag"])
    assert result == {
        "columns": [
            {"name": "id", "type": "double", "nullable": True},  # pandas turns int+None to float
            {"name": "score", "type": "double", "nullable": True},
            {"name": "name", "type": "large_string", "nullable": True},
        ]
    }
    no_nulls = signature(pl.from_arrow(_arrow_frame()))
    assert no_nulls["columns"][0] == {"name": "id", "type": "int64", "nullable": False}


def test_signature_refuses_an_unknown_target_column() -> None:
    with pytest.raises(
        InvalidInputError, match="target column 'label' is not in the training data"
    ):
        signature(_arrow_frame(), exclude=["label"])


def test_nested_columns_hash_alike_across_layouts() -> None:
    lists = pa.array([[1, 2], None, [], [3]], pa.list_(pa.int64()))
    large = lists.cast(pa.large_list(pa.int64()))
    assert _sha(pa.table({"l": lists})) == _sha(pa.table({"l": large}))
    assert _sha(pa.table({"l": lists.slice(1)})) == _sha(pa.table({"l": large.slice(1)}))
    structs = pa.array(
        [{"a": 1, "b": "x"}, None], pa.struct([("a", pa.int64()), ("b", pa.string())])
    )
    chunked = pa.chunked_array([structs.slice(0, 1), structs.slice(1)])
    assert _sha(pa.table({"s": structs})) == _sha(pa.table({"s": chunked}))


_rows = st.lists(
    st.tuples(
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.floats(allow_nan=False),
        st.none() | st.text(max_size=8),
        st.none() | st.booleans(),
    ),
    max_size=40,
)


def _table_from_rows(rows: list[tuple[Any, ...]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    types = [pa.int64(), pa.float64(), pa.string(), pa.bool_()]
    names = ["i", "f", "s", "b"]
    return pa.table(
        [pa.array(list(values), dtype) for values, dtype in zip(columns, types, strict=True)],
        names=names,
    )


@settings(max_examples=150, deadline=None)
@given(rows=_rows, cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=6))
def test_chunking_never_changes_the_hash(rows: list[tuple[Any, ...]], cuts: list[int]) -> None:
    table = _table_from_rows(rows)
    bounds = sorted({0, table.num_rows, *(cut for cut in cuts if cut <= table.num_rows)})
    pieces = [table.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds)]
    chunked = pa.concat_tables(pieces) if pieces else table.slice(0, 0)
    assert _sha(chunked) == _sha(table)
