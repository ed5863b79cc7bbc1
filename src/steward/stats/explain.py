"""Which features a fitted model relies on, globally and for a few individual rows.

Global importance is scikit-learn's `permutation_importance`: the drop in the model's score
when one column is shuffled, repeated `n_repeats` times with a seeded shuffle. With
`max_rows`, a seeded sample of that many rows is scored instead of every row, and the report
says so.

Local explanations cover `local_sample` rows drawn with the same seed. By default they use
occlusion: for each row and feature, the feature's value is replaced by a reference value and
the contribution is the row's score minus the score with that replacement, so a positive
contribution means the row's actual value pushes the score up. The reference value of a column
is taken from `x` itself (pass the training data to explain against the training set): the
median for numeric columns (the lower median for integer columns, so the value keeps the
column's type) and the most frequent value for any other column. The score is
`predict_proba[:, 1]` for a binary classifier (`decision_function` when it has no
probabilities) and `predict` for a regressor.

When the optional `shap` package is importable and the model itself is a tree ensemble, the
local explanations are SHAP values from `shap.TreeExplainer` instead, in the explainer's output
units (probability or log-odds, depending on the model). If shap fails on the model, occlusion
is used and the report notes why. The report names the method used either way.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError, MissingExtraError
from steward.stats.fingerprint import to_arrow_table

Floats = NDArray[np.float64]

GLOBAL_METHOD = "permutation_importance"
OCCLUSION = "occlusion"
SHAP_TREE = "shap_tree"
NO_LOCAL = "none"

# Tree ensembles shap's TreeExplainer reads directly.
_SKLEARN_TREE_ENSEMBLES = (
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
)
_OTHER_TREE_PACKAGES = ("xgboost", "lightgbm", "catboost")


@dataclass(frozen=True, slots=True)
class FeatureImportance:
    """One feature's permutation importance; rank 1 is the most important (NaN ranks last)."""

    name: str
    importance_mean: float
    importance_std: float
    rank: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "importance_mean": _json_float(self.importance_mean),
            "importance_std": _json_float(self.importance_std),
            "rank": self.rank,
        }


@dataclass(frozen=True, slots=True)
class LocalExplanation:
    """One row's explanation. `row` is the row's position in `x` (0-based), `base_score` the
    model's score for the row, `contributions` each feature's contribution, in column order."""

    row: int
    base_score: float
    contributions: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "base_score": _json_float(self.base_score),
            "contributions": {
                name: _json_float(value) for name, value in self.contributions.items()
            },
        }


@dataclass(frozen=True, slots=True)
class ExplanationReport:
    """What `explain_model` found. `features` are in rank order."""

    global_method: str
    local_method: str  # "occlusion", "shap_tree", or "none" when no row was explained
    scoring: str
    score_output: str  # what the local explanations explain, e.g. "predict_proba[:, 1]"
    rows: int  # rows in x
    rows_scored: int  # rows permutation importance used (fewer than `rows` with max_rows)
    n_repeats: int
    seed: int
    features: tuple[FeatureImportance, ...]
    local: tuple[LocalExplanation, ...]
    reference: dict[str, Any] = field(default_factory=dict)  # occlusion's replacement values
    notes: tuple[str, ...] = ()

    @property
    def subsampled(self) -> bool:
        return self.rows_scored < self.rows

    def evidence_metrics(self) -> dict[str, float]:
        """The `explainability` evidence metrics. `top_feature_share` is the top importance over
        the sum of the positive importances; it is left out when no importance is positive,
        because evidence metrics must be finite numbers."""
        means = [f.importance_mean for f in self.features]
        positive = [m for m in means if math.isfinite(m) and m > 0]
        metrics = {
            "features_explained": float(len(self.features)),
            "local_explanations": float(len(self.local)),
        }
        if positive:
            metrics["top_feature_share"] = max(positive) / math.fsum(positive)
        return metrics

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; NaN becomes None."""
        return {
            "global_method": self.global_method,
            "local_method": self.local_method,
            "scoring": self.scoring,
            "score_output": self.score_output,
            "rows": self.rows,
            "rows_scored": self.rows_scored,
            "subsampled": self.subsampled,
            "n_repeats": self.n_repeats,
            "seed": self.seed,
            "features": [feature.as_dict() for feature in self.features],
            "local": [explanation.as_dict() for explanation in self.local],
            "reference": {name: _json_value(value) for name, value in self.reference.items()},
            "notes": list(self.notes),
            "evidence": self.evidence_metrics(),
        }


def explain_model(
    model: Any,
    x: object,
    y: object,
    *,
    scoring: Any = None,
    n_repeats: int = 5,
    seed: int = 0,
    local_sample: int = 5,
    max_rows: int | None = None,
) -> ExplanationReport:
    """Explain a fitted scikit-learn model (or pipeline) on features `x` and target `y`.

    `x` is a pandas DataFrame, a Polars DataFrame or a pyarrow Table (a 2-D NumPy array works
    for models fitted without column names); `y` is one column in any container. `scoring` is
    passed to `permutation_importance` (None: the model's own `score`). Raises
    InvalidInputError, before any computing, for empty data, a row-count mismatch, an unfitted
    model, or columns that differ from the ones the model was fitted on.
    """
    _check_options(n_repeats, local_sample, max_rows)
    frame = _to_pandas(x)
    rows, width = frame.shape
    if rows == 0:
        raise InvalidInputError("x has no rows")
    if width == 0:
        raise InvalidInputError("x has no columns")
    target = _to_numpy_column(y)
    if len(target) != rows:
        raise InvalidInputError(f"x has {rows} rows but y has {len(target)}")
    _check_fitted(model)
    frame = _align_columns(model, frame)
    scorer_name = _check_scoring(model, scoring)
    score_output, score = _score_function(model, local_sample)

    from sklearn.inspection import permutation_importance

    sample_seed, local_seed = np.random.SeedSequence(seed).spawn(2)
    notes: list[str] = []
    scored = np.arange(rows)
    if max_rows is not None and max_rows < rows:
        chosen = np.random.default_rng(sample_seed).choice(rows, size=max_rows, replace=False)
        scored = np.sort(chosen)
        notes.append(f"permutation importance used a seeded sample of {max_rows} of {rows} rows")
    result = permutation_importance(
        model,
        _model_input(model, frame.iloc[scored]),
        target[scored],
        scoring=scoring,
        n_repeats=n_repeats,
        random_state=seed,
    )
    names = [str(name) for name in frame.columns]
    features = _rank(names, result.importances_mean, result.importances_std)

    picks = min(local_sample, rows)
    positions = np.sort(np.random.default_rng(local_seed).choice(rows, size=picks, replace=False))
    local_method = NO_LOCAL
    local: tuple[LocalExplanation, ...] = ()
    reference: dict[str, Any] = {}
    if picks:
        explained = _shap_explanations(model, frame, positions, score, notes)
        if explained is not None:
            local_method, local = SHAP_TREE, explained
        else:
            reference = {
                name: _reference_value(frame[column])
                for name, column in zip(names, frame.columns, strict=True)
            }
            local_method = OCCLUSION
            local = _occlusion(model, frame, positions, score, list(reference.values()))

    return ExplanationReport(
        global_method=GLOBAL_METHOD,
        local_method=local_method,
        scoring=scorer_name,
        score_output=score_output,
        rows=rows,
        rows_scored=len(scored),
        n_repeats=n_repeats,
        seed=seed,
        features=features,
        local=local,
        reference=reference,
        notes=tuple(notes),
    )


# ---- validation ------------------------------------------------------------------------


def _check_options(n_repeats: int, local_sample: int, max_rows: int | None) -> None:
    if n_repeats < 1:
        raise InvalidInputError(f"n_repeats must be at least 1, got {n_repeats}")
    if local_sample < 0:
        raise InvalidInputError(f"local_sample must be 0 or more, got {local_sample}")
    if max_rows is not None and max_rows < 1:
        raise InvalidInputError(f"max_rows must be at least 1, got {max_rows}")


def _to_pandas(x: object) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise MissingExtraError("checks", "Explaining a model") from None
    if isinstance(x, pd.DataFrame):
        return x
    if isinstance(x, np.ndarray) and x.ndim != 2:
        raise InvalidInputError(f"x must be a table (2-D), got a {x.ndim}-D NumPy array")
    table: pa.Table = to_arrow_table(x)
    return table.to_pandas()


def _to_numpy_column(y: object) -> NDArray[Any]:
    if isinstance(y, pa.ChunkedArray | pa.Array):
        values: NDArray[Any] = y.to_numpy(zero_copy_only=False)
    elif hasattr(y, "to_numpy") and not isinstance(y, np.ndarray):
        values = np.asarray(y.to_numpy())
    else:
        values = np.asarray(y)
    if values.ndim != 1:
        raise InvalidInputError(f"y must be one column, got an array of shape {values.shape}")
    return values


def _check_fitted(model: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise InvalidInputError("the model is not fitted") from exc
    except TypeError as exc:
        kind = type(model)
        raise InvalidInputError(
            f"the model ({kind.__module__}.{kind.__qualname__}) is not a scikit-learn estimator"
        ) from exc


def _align_columns(model: Any, frame: Any) -> Any:
    """Return `frame` with the model's columns in the model's order, or fail on a mismatch."""
    seen = getattr(model, "feature_names_in_", None)
    columns = [str(name) for name in frame.columns]
    if seen is None:
        expected = getattr(model, "n_features_in_", None)
        if expected is not None and int(expected) != len(columns):
            raise InvalidInputError(
                f"the model expects {int(expected)} columns, the data has {len(columns)}"
            )
        return frame
    wanted = [str(name) for name in seen]
    for name in wanted:
        if name not in columns:
            raise InvalidInputError(f"column {name!r} is missing from the data")
    for name in columns:
        if name not in wanted:
            raise InvalidInputError(f"unexpected column {name!r}")
    if len(set(columns)) != len(columns):
        raise InvalidInputError("x has duplicate column names")
    renamed = frame.set_axis(columns, axis=1)
    return renamed[wanted]


def _check_scoring(model: Any, scoring: Any) -> str:
    from sklearn.metrics import check_scoring

    try:
        check_scoring(model, scoring=scoring)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"invalid scoring {scoring!r}: {_first_line(exc)}") from exc
    if scoring is None:
        return "model.score"
    if isinstance(scoring, str):
        return scoring
    return str(getattr(scoring, "__name__", type(scoring).__name__))


def _score_function(model: Any, local_sample: int) -> tuple[str, Callable[[Any], Floats]]:
    """Name and function of the score local explanations explain."""
    from sklearn.base import is_classifier

    if not is_classifier(model):
        return "predict", lambda data: np.asarray(model.predict(data), dtype=np.float64)
    classes = getattr(model, "classes_", None)
    if local_sample > 0 and classes is not None and len(classes) != 2:
        raise InvalidInputError(
            f"local explanations need a binary classifier, the model has {len(classes)} "
            "classes: pass local_sample=0"
        )
    if hasattr(model, "predict_proba"):
        return "predict_proba[:, 1]", lambda data: np.asarray(
            model.predict_proba(data), dtype=np.float64
        )[:, 1]
    return "decision_function", lambda data: np.asarray(
        model.decision_function(data), dtype=np.float64
    )


# ---- computing -------------------------------------------------------------------------


def _model_input(model: Any, frame: Any) -> Any:
    """A model fitted on named columns gets the frame; one fitted on a bare array, the array
    (so scikit-learn does not warn about feature names either way)."""
    if getattr(model, "feature_names_in_", None) is not None:
        return frame
    return frame.to_numpy()


def _rank(names: list[str], means: Floats, stds: Floats) -> tuple[FeatureImportance, ...]:
    def key(i: int) -> tuple[bool, float, int]:
        # Highest mean first, NaN last, ties in column order.
        mean = float(means[i])
        finite = math.isfinite(mean)
        return (not finite, -mean if finite else 0.0, i)

    order = sorted(range(len(names)), key=key)
    return tuple(
        FeatureImportance(
            name=names[i],
            importance_mean=float(means[i]),
            importance_std=float(stds[i]),
            rank=rank,
        )
        for rank, i in enumerate(order, start=1)
    )


def _reference_value(series: Any) -> Any:
    """The occlusion value of a column: its median if numeric, else its most frequent value."""
    import pandas as pd

    values = series.dropna()
    dtype = series.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if len(values) == 0:
        return np.nan if numeric else None
    if numeric and pd.api.types.is_integer_dtype(dtype):
        ordered = np.sort(values.to_numpy())
        return ordered[(len(ordered) - 1) // 2].item()
    if numeric:
        return float(values.median())
    try:
        return values.mode().iloc[0]
    except TypeError:  # values that cannot be sorted: the most frequent, first seen on ties
        return values.value_counts(sort=True).index[0]


def _occlusion(
    model: Any,
    frame: Any,
    positions: NDArray[Any],
    score: Callable[[Any], Floats],
    reference: list[Any],
) -> tuple[LocalExplanation, ...]:
    """Score each chosen row once as is and once per feature with that feature occluded, all
    in one batch: block i holds row i, then row i with column j replaced, for every j."""
    width = frame.shape[1]
    block = width + 1
    batch = frame.iloc[np.repeat(positions, block)].reset_index(drop=True)
    for j, value in enumerate(reference):
        occluded = np.arange(len(positions)) * block + j + 1
        batch.iloc[occluded, j] = value
    scores = score(_model_input(model, batch)).reshape(len(positions), block)
    names = [str(name) for name in frame.columns]
    return tuple(
        LocalExplanation(
            row=int(position),
            base_score=float(row_scores[0]),
            contributions={
                name: float(row_scores[0] - row_scores[j + 1]) for j, name in enumerate(names)
            },
        )
        for position, row_scores in zip(positions, scores, strict=True)
    )


def _is_tree_ensemble(model: Any) -> bool:
    cls = type(model)
    package = cls.__module__.split(".")[0]
    if package == "sklearn":
        return cls.__name__ in _SKLEARN_TREE_ENSEMBLES
    return package in _OTHER_TREE_PACKAGES


def _shap_explanations(
    model: Any,
    frame: Any,
    positions: NDArray[Any],
    score: Callable[[Any], Floats],
    notes: list[str],
) -> tuple[LocalExplanation, ...] | None:
    """SHAP values for the chosen rows, or None to fall back to occlusion."""
    if not _is_tree_ensemble(model):
        return None
    try:
        shap = importlib.import_module("shap")
    except ImportError:
        notes.append("shap is not installed: local explanations use occlusion")
        return None
    rows = _model_input(model, frame.iloc[positions])
    try:
        raw = shap.TreeExplainer(model).shap_values(rows)
        values = _positive_class(raw, frame.shape[1], len(positions))
    except Exception as exc:  # shap raises many kinds of error for models it cannot read
        notes.append(f"shap could not explain the model ({_first_line(exc)}): used occlusion")
        return None
    base = score(rows)
    names = [str(name) for name in frame.columns]
    return tuple(
        LocalExplanation(
            row=int(position),
            base_score=float(base[i]),
            contributions={name: float(values[i, j]) for j, name in enumerate(names)},
        )
        for i, position in enumerate(positions)
    )


def _positive_class(raw: Any, width: int, count: int) -> Floats:
    """Reduce shap's output to rows x features: older shap returns one array per class, newer
    shap a rows x features x classes array; the last class is the positive one."""
    if isinstance(raw, list):
        raw = raw[-1]
    values = np.asarray(raw, dtype=np.float64)
    if values.ndim == 3:
        values = values[:, :, -1]
    if values.shape != (count, width):
        raise ValueError(f"unexpected SHAP output of shape {values.shape}")
    return values


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return _json_float(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
