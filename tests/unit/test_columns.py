"""The helpers the stats reports share for reading and checking their input columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from steward.domain.errors import InvalidInputError
from steward.stats.columns import check_rows, first_line, listed


def test_check_rows_accepts_columns_of_the_same_length_and_skips_missing_ones() -> None:
    check_rows(3, {"y_pred": [1, 0, 1], "sample_weight": None, "other": np.zeros(3)})
    check_rows(0, {})


def test_check_rows_names_the_first_column_of_another_length() -> None:
    columns = {"y_pred": [1, 0, 1], "first": [1], "second": [1, 2]}
    with pytest.raises(InvalidInputError, match=r"^first has 1 rows, y_true has 3$"):
        check_rows(3, columns)


def test_listed_shows_every_label_by_default_with_repr() -> None:
    assert listed(("a", 1, None)) == "'a', 1, None"
    assert listed([]) == ""


def test_listed_cuts_after_the_limit() -> None:
    assert listed(["a", "b"], limit=2) == "'a', 'b'"
    assert listed(["a", "b", "c"], limit=2) == "'a', 'b', ..."


def test_listed_renders_numpy_arrays() -> None:
    labels = np.array([-1.0, 0.5, 2.0, 3.0])
    assert listed(labels, limit=3, render="{:g}".format) == "-1, 0.5, 2, ..."


def test_first_line_keeps_one_line_or_the_type_name() -> None:
    assert first_line(pa.ArrowInvalid("bad value\nmore detail")) == "bad value"
    assert first_line(ValueError("  ")) == "ValueError"
