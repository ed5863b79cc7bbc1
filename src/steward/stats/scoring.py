"""Turning a model and a table into what the checks score: the feature frame the model was
fitted on, its predictions, and the target as the metrics expect it.

A binary classifier is scored by its probability of the positive class, `classes_[1]` as
scikit-learn orders them; the target becomes True where it equals that class. A regressor is
scored by `predict`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError
from steward.stats.columns import first_line, listed

Task = Literal["classification", "regression"]

# Rows scored per call: large enough that per-call overhead vanishes, small enough that the
# batch's pandas copy stays a few tens of megabytes on wide data.
BATCH_ROWS = 65_536


@dataclass(frozen=True, slots=True)
class Scored:
    task: Task
    truth: NDArray[Any]  # bool for classification (True: positive class), float64 otherwise
    scores: NDArray[np.float64]  # probability of the positive class, or the prediction
    positive: Any  # the positive class label (classification), None for regression


def model_features(model: object, signature: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The columns the model reads, in its order: what it was fitted on when it knows, else the
    version's signature. Refuses when one is missing from the data."""
    known = getattr(model, "feature_names_in_", None) if model is not None else None
    wanted = [str(name) for name in known] if known is not None else list(signature)
    if not wanted:
        raise InvalidInputError(
            "cannot tell which columns the model reads: the version has no signature and the "
            "model keeps no feature names; register it with its training data"
        )
    present = set(columns)
    missing = [name for name in wanted if name not in present]
    if missing:
        raise InvalidInputError(
            f"the data lacks {len(missing)} column(s) the model reads: {listed(missing, limit=5)}"
        )
    return wanted


def feature_frame(table: pa.Table, features: Sequence[str], model: object) -> Any:
    """The features as the model takes them: a pandas DataFrame when it was fitted with column
    names, a NumPy matrix otherwise."""
    frame = table.select(list(features)).to_pandas()
    if getattr(model, "feature_names_in_", None) is None:
        return frame.to_numpy()
    return frame


def is_classifier(model: object) -> bool:
    from sklearn.base import is_classifier as sklearn_is_classifier

    return bool(sklearn_is_classifier(model)) or (
        hasattr(model, "predict_proba") and hasattr(model, "classes_")
    )


def score_model(
    model: object, table: pa.Table, features: Sequence[str], target: NDArray[Any]
) -> Scored:
    """Predict with the model, a batch of rows at a time, and read the target to match: a
    classifier must be binary. Batches keep memory bounded: the features are never all
    converted to one pandas frame beside the Arrow table."""
    if is_classifier(model):
        classes = list(getattr(model, "classes_", []))
        if len(classes) != 2:
            raise InvalidInputError(
                f"the model has {len(classes)} classes; the checks score binary "
                "classifiers and regressors"
            )
        truth = truth_of(target, classes[1])
        proba = _predict(model, table, features, "predict_proba")
        return Scored("classification", truth, proba[:, 1].copy(), classes[1])
    return Scored(
        "regression", numeric_target(target), _predict(model, table, features, "predict"), None
    )


def _predict(
    model: object, table: pa.Table, features: Sequence[str], method: str
) -> NDArray[np.float64]:
    predict = getattr(model, method)
    parts = []
    try:
        for batch in table.select(list(features)).to_batches(max_chunksize=BATCH_ROWS):
            x = pa.Table.from_batches([batch])
            parts.append(np.asarray(predict(feature_frame(x, features, model)), dtype=np.float64))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInputError(
            f"the model cannot predict on this data: {first_line(exc)}"
        ) from exc
    if not parts:
        raise InvalidInputError("the data has no rows")
    return np.concatenate(parts)


def scored_column(target: NDArray[Any], predictions: NDArray[Any], column: str) -> Scored:
    """Scores taken from a prediction column: classification when the target has two values
    (0/1 or booleans), with the column holding probabilities; regression otherwise."""
    values = np.asarray(predictions)
    if values.dtype.kind not in "biuf":
        raise InvalidInputError(f"prediction column {column!r} is not numeric ({values.dtype})")
    scores = values.astype(np.float64)
    if np.isnan(scores).any():
        raise InvalidInputError(f"prediction column {column!r} has missing values")
    labels = _distinct(target)
    if labels and set(labels) <= {0, 1}:  # 0/1 or booleans (True == 1)
        return Scored("classification", truth_of(target, 1), scores, 1)
    if len(labels) == 2:
        raise InvalidInputError(
            f"the target has labels {listed(labels)}: with a prediction column, a binary target "
            "must be 0/1 or booleans (1 is the positive class)"
        )
    return Scored("regression", numeric_target(target), scores, None)


def truth_of(target: NDArray[Any], positive: Any) -> NDArray[np.bool_]:
    if _has_missing(target):
        raise InvalidInputError("the target column has missing values")
    labels = _distinct(target)
    if len(labels) < 2:
        raise InvalidInputError(
            f"the target has a single class ({listed(labels)}): classification metrics need both"
        )
    if len(labels) > 2:
        raise InvalidInputError(
            f"the target has {len(labels)} classes ({listed(labels, limit=5)}); "
            "the checks score binary classifiers"
        )
    truth: NDArray[np.bool_] = np.asarray(target == positive, dtype=bool)
    if not truth.any():
        raise InvalidInputError(
            f"no row of the target is the model's positive class {positive!r}: "
            f"the target has {listed(labels)}"
        )
    return truth


def numeric_target(target: NDArray[Any]) -> NDArray[np.float64]:
    if target.dtype.kind not in "biuf":
        raise InvalidInputError(f"the target is not numeric ({target.dtype}) for a regressor")
    values = target.astype(np.float64)
    if np.isnan(values).any():
        raise InvalidInputError("the target column has missing values")
    return values


def _has_missing(values: NDArray[Any]) -> bool:
    if values.dtype.kind == "f":
        return bool(np.isnan(values).any())
    if values.dtype.kind == "O":
        return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)
    return False


def _distinct(values: NDArray[Any]) -> list[Any]:
    try:
        found = np.unique(values)
    except TypeError:  # mixed types cannot be sorted
        found = np.asarray(list(dict.fromkeys(values.tolist())), dtype=object)
    return [v.item() if hasattr(v, "item") else v for v in found[:1000]]
