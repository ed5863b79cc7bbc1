"""Reading and checking the inputs of the performance and champion/challenger reports.

Every column becomes float64 with NaN for a missing value, whatever container it came in, and
every refusal is one `InvalidInputError` line naming the argument and the problem. The checks
run before anything is computed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError
from steward.stats.columns import check_rows, first_line, listed
from steward.stats.fingerprint import to_arrow_table
from steward.stats.resampling import Floats

_ACCEPTED = "a NumPy array, a list, a pandas or polars Series, or a pyarrow Array"


def is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_settings(bootstrap: int, confidence: float, seed: int) -> None:
    if not (is_whole(bootstrap) and bootstrap >= 0):
        raise InvalidInputError(f"bootstrap must be a whole number of resamples, got {bootstrap!r}")
    if not (is_real(confidence) and 0.0 < confidence < 1.0):
        raise InvalidInputError(f"confidence must be between 0 and 1, got {confidence!r}")
    if not (is_whole(seed) and seed >= 0):
        raise InvalidInputError(f"seed must be a non-negative integer, got {seed!r}")


def check_threshold(threshold: float) -> None:
    if not (is_real(threshold) and 0.0 <= threshold <= 1.0):
        raise InvalidInputError(f"threshold must be between 0 and 1, got {threshold!r}")


def read_columns(
    y_true: object, predicted: Mapping[str, object], sample_weight: object
) -> tuple[Floats, tuple[Floats, ...], Floats | None]:
    """Read and check y_true, the predicted columns (by argument name) and the sample weights:
    equal lengths, at least one row, finite values, no negative weight."""
    y = _column(y_true, "y_true")
    columns = {name: _column(values, name) for name, values in predicted.items()}
    w = None if sample_weight is None else _column(sample_weight, "sample_weight")
    check_rows(len(y), {**columns, "sample_weight": w})
    if not len(y):
        raise InvalidInputError("y_true is empty: there is nothing to evaluate")
    for name, values in {"y_true": y, **columns, "sample_weight": w}.items():
        if values is not None:
            _check_finite(name, values)
    if w is not None and (negative := int(np.count_nonzero(w < 0))):
        raise InvalidInputError(f"sample_weight has {negative} negative values")
    return y, tuple(columns.values()), w


def check_probabilities(name: str, p: Floats) -> None:
    outside = int(np.count_nonzero((p < 0) | (p > 1)))
    if outside:
        raise InvalidInputError(
            f"{name} has {outside} values outside [0, 1] (min {p.min():g}, max {p.max():g}): "
            "pass probabilities of the positive class"
        )


def check_labels(y: Floats, w: Floats | None) -> None:
    """Binary labels with both classes present, each with some weight."""
    other = (y != 0) & (y != 1)
    if other.any():
        shown = listed(np.unique(y[other]), limit=3, render="{:g}".format)
        raise InvalidInputError(
            f"y_true has labels other than 0 and 1 ({shown}): "
            "pass 1 for the positive class and 0 for the negative"
        )
    positives = int(np.count_nonzero(y))
    if positives in (0, len(y)):
        raise InvalidInputError(f"y_true has a single class ({y[0]:g}): ROC AUC is undefined")
    if w is not None:
        for label in (1, 0):
            if not w[y == label].sum() > 0:
                raise InvalidInputError(
                    f"sample_weight is 0 for every row with y_true = {label}: ROC AUC is undefined"
                )


def check_regression_rows(y: Floats, w: Floats | None) -> None:
    if len(y) < 2:
        raise InvalidInputError("y_true has 1 row: R² needs at least 2")
    if w is not None and not w.sum() > 0:
        raise InvalidInputError("sample_weight sums to 0: there is nothing to average")


def undefined_regression_metrics(y: Floats, w: Floats | None) -> tuple[bool, bool, list[str]]:
    """Whether MAPE and R² are defined on this y_true, and notes on those that are not."""
    notes: list[str] = []
    # Rows of zero weight do not count, as in scikit-learn's weighted sums.
    counted = y if w is None else y[w > 0]
    zeros = int(np.count_nonzero(counted == 0))
    if zeros:
        notes.append(f"y_true has {zeros} zeros: MAPE is undefined and reported as NaN")
    constant = bool(np.ptp(counted) == 0)
    if constant:
        notes.append(f"y_true is constant ({counted[0]:g}): R² is undefined and reported as NaN")
    return not zeros, not constant, notes


def _check_finite(name: str, values: Floats) -> None:
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise InvalidInputError(f"{name} has {bad} missing, NaN or infinite values")


def _column(values: object, name: str) -> Floats:
    """Return one column of numbers or booleans as float64, NaN where a value is missing."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return _from_numpy(values, name)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return _from_arrow(values, name)
    if isinstance(values, np.ndarray | list | tuple):
        if isinstance(values, np.ndarray) and values.ndim != 1:
            raise _not_one_column(name, values.shape)
        try:
            array = pa.array(list(values) if isinstance(values, np.ndarray) else values)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InvalidInputError(f"{name} must hold numbers: {first_line(exc)}") from exc
        return _from_arrow(array, name)
    kind = type(values)
    if kind.__module__.split(".")[0] in ("pandas", "polars"):
        table = to_arrow_table(values)
        if table.num_columns != 1:
            raise InvalidInputError(f"{name} has {table.num_columns} columns: pass one column")
        return _from_arrow(table.column(0), name)
    raise InvalidInputError(
        f"cannot read {name} of type {kind.__module__}.{kind.__qualname__}: pass {_ACCEPTED}"
    )


def _from_numpy(values: NDArray[Any], name: str) -> Floats:
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise _not_one_column(name, values.shape)
    return np.asarray(values, dtype=np.float64)


def _from_arrow(values: pa.Array | pa.ChunkedArray, name: str) -> Floats:
    dtype = values.type
    if pa.types.is_dictionary(dtype):
        values, dtype = pc.cast(values, dtype.value_type), dtype.value_type
    if pa.types.is_null(dtype):  # an empty list, or nothing but missing values
        if len(values):
            raise InvalidInputError(f"{name} has {len(values)} missing, NaN or infinite values")
        return np.empty(0)
    numeric = pa.types.is_integer(dtype) or pa.types.is_floating(dtype)
    numeric = numeric or pa.types.is_decimal(dtype) or pa.types.is_boolean(dtype)
    if not numeric:
        raise InvalidInputError(f"{name} must hold numbers or booleans, got {dtype}")
    # safe=False: integers past 2**53 round rather than fail; they are not labels or scores.
    as_float = pc.cast(values, pa.float64(), safe=False)
    if as_float.null_count:
        as_float = pc.fill_null(as_float, math.nan)
    out: Floats = np.asarray(as_float.to_numpy(zero_copy_only=False), dtype=np.float64)
    return out


def _not_one_column(name: str, shape: Sequence[int]) -> InvalidInputError:
    # Scores of a classifier are the usual culprit: predict_proba gives one column per class.
    hint = (
        ": pass the positive-class column, e.g. predict_proba(X)[:, 1]"
        if name.endswith("_score")
        else ""
    )
    return InvalidInputError(f"{name} must be one column, got shape {tuple(shape)}{hint}")


__all__ = [
    "check_labels",
    "check_probabilities",
    "check_regression_rows",
    "check_settings",
    "check_threshold",
    "is_real",
    "is_whole",
    "read_columns",
    "undefined_regression_metrics",
]
