"""How well a binary classifier or a regressor performs, with bootstrap confidence intervals.

Point estimates come from scikit-learn's metric functions. Each interval is a percentile
bootstrap interval, but the resamples are scored with weighted sums in NumPy rather than by
calling scikit-learn again: a resample is a vector of row weights (how often each row was drawn,
times its sample weight), and every metric here is a weighted sum or, for the ranking metrics,
a sum over cumulative weights of the rows sorted once by score. The tests hold each formula to
scikit-learn called with the same weights as `sample_weight`.

Resampling is seeded per resample: resample b draws from the b-th child of
`SeedSequence(seed)`, so the same inputs and seed give the same intervals, and asking for more
resamples keeps the first ones.

Classification resamples are stratified: positives are drawn from the positives and negatives
from the negatives, so every resample keeps both classes and ROC AUC is always defined (the
default of R's pROC, for the same reason). A metric that is undefined in a resample, such as
precision when no drawn row reaches the threshold, is left out of its interval, and the report
says so in a note.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError
from steward.stats.columns import check_rows, first_line, listed
from steward.stats.fingerprint import to_arrow_table

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

CLASSIFICATION_METRICS: tuple[str, ...] = (
    "auc",
    "pr_auc",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "log_loss",
    "brier",
)
REGRESSION_METRICS: tuple[str, ...] = ("rmse", "mae", "mape", "r2")

# The clipping scikit-learn's log_loss applies to float64 probabilities.
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Confusion:
    """Counts at `threshold` (a row is predicted positive when y_score >= threshold, as in
    scikit-learn's FixedThresholdClassifier). Weighted sums when sample weights were given."""

    threshold: float
    tn: float
    fp: float
    fn: float
    tp: float


@dataclass(frozen=True)
class Calibration:
    """A reliability curve over equal-width bins of [0, 1], with the bin rule of
    `sklearn.calibration.calibration_curve(strategy="uniform")`. Bins without rows are left
    out, as there; `counts` are rows, the means are weighted when sample weights were given."""

    bins: int
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    mean_predicted: tuple[float, ...]
    fraction_positive: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class PerformanceReport:
    """Metrics (NaN where undefined, with a note saying why), their bootstrap intervals
    (absent when `bootstrap` was 0) and, for classification, the confusion and calibration."""

    task: Literal["classification", "regression"]
    rows: int
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    confidence: float
    bootstrap: int
    seed: int
    weighted: bool
    confusion: Confusion | None = None
    calibration: Calibration | None = None
    notes: tuple[str, ...] = field(default=())

    def evidence_metrics(self) -> dict[str, float]:
        """The metrics as `performance` evidence carries them. Undefined (NaN) metrics are left
        out, because evidence metrics must be finite numbers."""
        return {name: value for name, value in self.metrics.items() if math.isfinite(value)}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN becomes null, since JSON has no NaN."""
        out: dict[str, Any] = {
            "task": self.task,
            "rows": self.rows,
            "weighted": self.weighted,
            "metrics": {name: _json(value) for name, value in self.metrics.items()},
            "intervals": {
                name: [_json(low), _json(high)] for name, (low, high) in self.intervals.items()
            },
            "confidence": self.confidence,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "notes": list(self.notes),
        }
        if self.confusion is not None:
            c = self.confusion
            counts = {"tn": c.tn, "fp": c.fp, "fn": c.fn, "tp": c.tp}
            if not self.weighted:
                counts = {key: int(value) for key, value in counts.items()}
            out["confusion"] = {"threshold": c.threshold, **counts}
        if self.calibration is not None:
            cal = self.calibration
            out["calibration"] = {
                "bins": cal.bins,
                "lower": list(cal.lower),
                "upper": list(cal.upper),
                "mean_predicted": list(cal.mean_predicted),
                "fraction_positive": list(cal.fraction_positive),
                "counts": list(cal.counts),
            }
        return out


def _json(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ---- public entry points ----------------------------------------------------------------


def classification_report(
    y_true: object,
    y_score: object,
    *,
    threshold: float = 0.5,
    sample_weight: object = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    calibration_bins: int = 10,
) -> PerformanceReport:
    """Score a binary classifier from its labels (0/1 or booleans, 1 is positive) and its
    predicted probabilities of the positive class."""
    _check_settings(bootstrap, confidence, seed)
    if not (_is_real(threshold) and 0.0 <= threshold <= 1.0):
        raise InvalidInputError(f"threshold must be between 0 and 1, got {threshold!r}")
    if not (_is_whole(calibration_bins) and calibration_bins >= 1):
        raise InvalidInputError(f"calibration_bins must be at least 1, got {calibration_bins!r}")
    y, p, w = _read_inputs(y_true, y_score, sample_weight, "y_score")
    _check_binary(y, p, w)

    notes: list[str] = []
    metrics, confusion = _sklearn_classification(y, p, w, float(threshold))
    if math.isnan(metrics["precision"]):
        notes.append(
            f"no row has y_score >= {threshold:g}: precision is undefined and reported as NaN"
        )
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap:
        engine = _BinaryResampler(y, p, w, float(threshold))
        intervals = _bootstrap(engine, bootstrap, seed, confidence, metrics, notes)
    return PerformanceReport(
        task="classification",
        rows=len(y),
        metrics=metrics,
        intervals=intervals,
        confidence=confidence,
        bootstrap=bootstrap,
        seed=seed,
        weighted=w is not None,
        confusion=confusion,
        calibration=_calibration(y, p, w, calibration_bins),
        notes=tuple(notes),
    )


def regression_report(
    y_true: object,
    y_pred: object,
    *,
    sample_weight: object = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> PerformanceReport:
    """Score a regressor. MAPE is NaN (with a note) when y_true has zeros, where it is
    undefined, and R² is NaN when y_true is constant; the other metrics are still reported."""
    _check_settings(bootstrap, confidence, seed)
    y, p, w = _read_inputs(y_true, y_pred, sample_weight, "y_pred")
    if len(y) < 2:
        raise InvalidInputError("y_true has 1 row: R² needs at least 2")
    if w is not None and not w.sum() > 0:
        raise InvalidInputError("sample_weight sums to 0: there is nothing to average")

    notes: list[str] = []
    # Rows of zero weight do not count, as in scikit-learn's weighted sums.
    counted = y if w is None else y[w > 0]
    zeros = int(np.count_nonzero(counted == 0))
    if zeros:
        notes.append(f"y_true has {zeros} zeros: MAPE is undefined and reported as NaN")
    constant = bool(np.ptp(counted) == 0)
    if constant:
        notes.append(f"y_true is constant ({counted[0]:g}): R² is undefined and reported as NaN")
    metrics = _sklearn_regression(y, p, w, mape=not zeros, r2=not constant)
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap:
        engine = _RegressionResampler(y, p, w, mape=not zeros)
        intervals = _bootstrap(engine, bootstrap, seed, confidence, metrics, notes)
    return PerformanceReport(
        task="regression",
        rows=len(y),
        metrics=metrics,
        intervals=intervals,
        confidence=confidence,
        bootstrap=bootstrap,
        seed=seed,
        weighted=w is not None,
        notes=tuple(notes),
    )


# ---- point estimates (scikit-learn) -----------------------------------------------------


def _sklearn_classification(
    y: Floats, p: Floats, w: Floats | None, threshold: float
) -> tuple[dict[str, float], Confusion]:
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        brier_score_loss,
        confusion_matrix,
        log_loss,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    labels = y.astype(np.int64)
    predicted = (p >= threshold).astype(np.int64)
    # The probability arguments go by position: scikit-learn renamed them in 1.9.
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, average="binary", sample_weight=w, zero_division=np.nan
    )
    metrics = {
        "auc": float(roc_auc_score(labels, p, sample_weight=w)),
        "pr_auc": float(average_precision_score(labels, p, sample_weight=w)),
        "accuracy": float(accuracy_score(labels, predicted, sample_weight=w)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "log_loss": float(log_loss(labels, p, sample_weight=w, labels=[0, 1])),
        "brier": float(brier_score_loss(labels, p, sample_weight=w)),
    }
    cells = confusion_matrix(labels, predicted, labels=[0, 1], sample_weight=w).ravel()
    tn, fp, fn, tp = (float(value) if w is not None else int(value) for value in cells)
    return metrics, Confusion(threshold=threshold, tn=tn, fp=fp, fn=fn, tp=tp)


def _sklearn_regression(
    y: Floats, p: Floats, w: Floats | None, *, mape: bool, r2: bool
) -> dict[str, float]:
    from sklearn.metrics import (
        mean_absolute_error,
        mean_absolute_percentage_error,
        r2_score,
        root_mean_squared_error,
    )

    return {
        "rmse": float(root_mean_squared_error(y, p, sample_weight=w)),
        "mae": float(mean_absolute_error(y, p, sample_weight=w)),
        "mape": float(mean_absolute_percentage_error(y, p, sample_weight=w)) if mape else math.nan,
        "r2": float(r2_score(y, p, sample_weight=w)) if r2 else math.nan,
    }


def _calibration(y: Floats, p: Floats, w: Floats | None, bins: int) -> Calibration:
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The bin rule of calibration_curve: right-closed bins, the first one also holding 0.
    ids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(ids, minlength=bins)
    # Unit weights keep the unweighted sums exact, so they equal calibration_curve's.
    weights = np.ones_like(p) if w is None else w
    totals = np.bincount(ids, weights=weights, minlength=bins)
    predicted = np.bincount(ids, weights=weights * p, minlength=bins)
    positive = np.bincount(ids, weights=weights * y, minlength=bins)
    kept = (counts > 0) & (totals > 0)
    return Calibration(
        bins=bins,
        lower=tuple(edges[:-1][kept].tolist()),
        upper=tuple(edges[1:][kept].tolist()),
        mean_predicted=tuple((predicted[kept] / totals[kept]).tolist()),
        fraction_positive=tuple((positive[kept] / totals[kept]).tolist()),
        counts=tuple(int(count) for count in counts[kept]),
    )


# ---- bootstrap --------------------------------------------------------------------------


class _Resampler:
    """Scores one bootstrap resample drawn with `rng` from the rows it was built on."""

    names: ClassVar[tuple[str, ...]]
    # Why a metric can be undefined in a resample, for the report's notes.
    undefined_why: ClassVar[Mapping[str, str]]

    def resample(self, rng: np.random.Generator) -> Floats:
        raise NotImplementedError


def _bootstrap(
    engine: _Resampler,
    resamples: int,
    seed: int,
    confidence: float,
    point: dict[str, float],
    notes: list[str],
) -> dict[str, tuple[float, float]]:
    """Percentile intervals over `resamples` resamples; notes metrics undefined in some."""
    children = np.random.SeedSequence(seed).spawn(resamples)
    # One resample at a time, so no resamples x rows matrix ever exists. Beyond the inputs,
    # the engine's sorted indices and per-row terms take at most 45 bytes a row and scoring a
    # resample about 30 more: under 80 MB at a million rows however many resamples there are
    # (measured with tracemalloc), plus 8 bytes per metric and resample for the scores.
    scores = np.array([engine.resample(np.random.default_rng(child)) for child in children])
    tail = 100.0 * (1.0 - confidence) / 2.0
    intervals: dict[str, tuple[float, float]] = {}
    for column, name in enumerate(engine.names):
        values = scores[:, column]
        defined = values[np.isfinite(values)]
        if math.isnan(point[name]) or not len(defined):
            intervals[name] = (math.nan, math.nan)
            continue
        low, high = np.percentile(defined, [tail, 100.0 - tail])
        intervals[name] = (float(low), float(high))
        if len(defined) < resamples:
            notes.append(
                f"{name} was undefined in {resamples - len(defined)} of {resamples} resamples "
                f"({engine.undefined_why.get(name, engine.undefined_why['*'])}); "
                f"its interval uses the other {len(defined)}"
            )
    return intervals


class _BinaryResampler(_Resampler):
    """Classification metrics of weighted rows, from each class's rows sorted once by score.

    With the negatives' cumulative weights C (C[k] = weight of the k lowest-scored negatives),
    a positive scored above `below` negatives and at or above `at_or_below` of them outranks
    (C[below] + C[at_or_below]) / 2 of the negative weight: ties count one half, as in
    scikit-learn's roc_auc_score. Average precision sums, over the positives, weight times the
    precision at that positive's score, where the ties among positives form one threshold.
    """

    names: ClassVar[tuple[str, ...]] = CLASSIFICATION_METRICS
    undefined_why: ClassVar[Mapping[str, str]] = {
        "precision": "no drawn row with weight reached the threshold",
        "*": "the rows drawn from a class all had zero weight",
    }

    def __init__(self, y: Floats, p: Floats, w: Floats | None, threshold: float) -> None:
        positive = y == 1
        self.rows = (_sorted_rows(p, positive), _sorted_rows(p, ~positive))
        pos_rows, neg_rows = self.rows
        pos, neg = p[pos_rows], p[neg_rows]
        self.weights: tuple[Floats, Floats] | tuple[None, None] = (
            (None, None) if w is None else (w[pos_rows], w[neg_rows])
        )
        self.below = np.searchsorted(neg, pos, side="left")
        self.at_or_below = np.searchsorted(neg, pos, side="right")
        # The first positive of each run of tied positive scores.
        self.first = np.searchsorted(pos, pos, side="left")
        self.cuts = (
            int(np.searchsorted(pos, threshold, side="left")),
            int(np.searchsorted(neg, threshold, side="left")),
        )
        # log_loss clips the probability of the true class, as scikit-learn does.
        self.log_loss = (
            -np.log(np.clip(pos, _EPS, 1.0 - _EPS)),
            -np.log(np.clip(1.0 - neg, _EPS, 1.0 - _EPS)),
        )
        self.brier = ((1.0 - pos) ** 2, neg**2)

    def resample(self, rng: np.random.Generator) -> Floats:
        return self.score(*self.draw(rng))

    def draw(self, rng: np.random.Generator) -> tuple[Floats, Floats]:
        """Row weights of one stratified resample, for the positives and the negatives."""
        pos_w, neg_w = (
            _draw(rng, len(rows), weights)
            for rows, weights in zip(self.rows, self.weights, strict=True)
        )
        return pos_w, neg_w

    def score(self, pos_w: Floats, neg_w: Floats) -> Floats:
        """The metrics of rows with these weights (positives and negatives in sorted order)."""
        total_pos, total_neg = float(pos_w.sum()), float(neg_w.sum())
        if not (total_pos > 0 and total_neg > 0):
            return np.full(len(self.names), math.nan)  # sample weights can zero out a class
        neg_cum = _cumulative(neg_w)
        ranked = np.dot(pos_w, neg_cum[self.below] + neg_cum[self.at_or_below])
        auc = 0.5 * ranked / (total_pos * total_neg)

        # At the threshold of each positive: positive weight scored at least as high, and
        # negative weight scored at least as high (tied negatives included).
        true_above = total_pos - _cumulative(pos_w)[self.first]
        false_above = total_neg - neg_cum[self.below]
        flagged = true_above + false_above
        precisions = np.divide(true_above, flagged, out=np.zeros_like(flagged), where=flagged > 0)
        pr_auc = float(np.dot(pos_w, precisions)) / total_pos

        # Suffix sums rather than differences of cumulative sums, so "none" is exactly 0.
        tp = float(pos_w[self.cuts[0] :].sum())
        fp = float(neg_w[self.cuts[1] :].sum())
        fn, tn = total_pos - tp, total_neg - fp
        total = total_pos + total_neg
        log_loss = np.dot(pos_w, self.log_loss[0]) + np.dot(neg_w, self.log_loss[1])
        brier = np.dot(pos_w, self.brier[0]) + np.dot(neg_w, self.brier[1])
        return np.array(
            [
                auc,
                pr_auc,
                (tp + tn) / total,
                tp / (tp + fp) if tp + fp > 0 else math.nan,
                tp / total_pos,
                2.0 * tp / (2.0 * tp + fp + fn),
                log_loss / total,
                brier / total,
            ]
        )


class _RegressionResampler(_Resampler):
    """Regression metrics of weighted rows as weighted sums.

    R²'s total sum of squares is taken as S(y²) - S(y)²/S(1) on y centred at its overall mean:
    a resample's mean sits close to that, so the subtraction loses almost nothing.
    """

    names: ClassVar[tuple[str, ...]] = REGRESSION_METRICS
    undefined_why: ClassVar[Mapping[str, str]] = {
        "r2": "the drawn rows had a constant y_true",
        "*": "the drawn rows all had zero weight",
    }

    def __init__(self, y: Floats, p: Floats, w: Floats | None, *, mape: bool) -> None:
        error = p - y
        self.weights = w
        self.squared = error**2
        self.absolute = np.abs(error)
        # scikit-learn's MAPE divides by max(|y|, eps); it is only used without zeros in y.
        self.relative = self.absolute / np.maximum(np.abs(y), _EPS) if mape else None
        self.centred = y - y.mean()
        self.centred_sq = self.centred**2

    def resample(self, rng: np.random.Generator) -> Floats:
        return self.score(self.draw(rng))

    def draw(self, rng: np.random.Generator) -> Floats:
        """Row weights of one resample."""
        return _draw(rng, len(self.squared), self.weights)

    def score(self, w: Floats) -> Floats:
        """The metrics of the rows with weights `w`."""
        total = float(w.sum())
        if not total > 0:
            return np.full(len(self.names), math.nan)  # only zero-weight rows were drawn
        residual = float(np.dot(w, self.squared))
        spread = float(np.dot(w, self.centred_sq)) - float(np.dot(w, self.centred)) ** 2 / total
        # A spread this small relative to the squares is a constant y_true up to rounding.
        flat = spread <= 1e-12 * float(np.dot(w, self.centred_sq))
        relative = self.relative
        return np.array(
            [
                math.sqrt(residual / total),
                float(np.dot(w, self.absolute)) / total,
                float(np.dot(w, relative)) / total if relative is not None else math.nan,
                math.nan if flat else 1.0 - residual / spread,
            ]
        )


def _draw(rng: np.random.Generator, rows: int, weights: Floats | None) -> Floats:
    """How often each of `rows` rows is drawn in `rows` draws with replacement, times its
    sample weight: the classic bootstrap, as weights."""
    counts = np.bincount(rng.integers(0, rows, rows), minlength=rows)
    drawn: Floats = counts * weights if weights is not None else counts.astype(np.float64)
    return drawn


def _sorted_rows(p: Floats, keep: NDArray[np.bool_]) -> Ints:
    """The indices of the kept rows, ordered by score."""
    rows = np.flatnonzero(keep)
    ordered: Ints = rows[np.argsort(p[rows], kind="stable")]
    return ordered


def _cumulative(w: Floats) -> Floats:
    """Cumulative sums with a leading 0: out[k] is the weight of the first k rows."""
    out = np.zeros(len(w) + 1)
    np.cumsum(w, out=out[1:])
    return out


# ---- input checks -----------------------------------------------------------------------


def _check_settings(bootstrap: int, confidence: float, seed: int) -> None:
    if not (_is_whole(bootstrap) and bootstrap >= 0):
        raise InvalidInputError(f"bootstrap must be a whole number of resamples, got {bootstrap!r}")
    if not (_is_real(confidence) and 0.0 < confidence < 1.0):
        raise InvalidInputError(f"confidence must be between 0 and 1, got {confidence!r}")
    if not (_is_whole(seed) and seed >= 0):
        raise InvalidInputError(f"seed must be a non-negative integer, got {seed!r}")


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _read_inputs(
    y_true: object, predicted: object, sample_weight: object, predicted_name: str
) -> tuple[Floats, Floats, Floats | None]:
    """Read and check the columns every report takes; nothing is computed on bad input."""
    y = _column(y_true, "y_true")
    p = _column(predicted, predicted_name)
    w = None if sample_weight is None else _column(sample_weight, "sample_weight")
    check_rows(len(y), {predicted_name: p, "sample_weight": w})
    if not len(y):
        raise InvalidInputError("y_true is empty: there is nothing to evaluate")
    for name, values in (("y_true", y), (predicted_name, p), ("sample_weight", w)):
        if values is not None:
            _check_finite(name, values)
    if w is not None and (negative := int(np.count_nonzero(w < 0))):
        raise InvalidInputError(f"sample_weight has {negative} negative values")
    return y, p, w


def _check_finite(name: str, values: Floats) -> None:
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise InvalidInputError(f"{name} has {bad} missing, NaN or infinite values")


def _check_binary(y: Floats, p: Floats, w: Floats | None) -> None:
    outside = int(np.count_nonzero((p < 0) | (p > 1)))
    if outside:
        raise InvalidInputError(
            f"y_score has {outside} values outside [0, 1] (min {p.min():g}, max {p.max():g}): "
            "pass probabilities of the positive class"
        )
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


_ACCEPTED = "a NumPy array, a list, a pandas or polars Series, or a pyarrow Array"


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
    hint = (
        ": pass the positive-class column, e.g. predict_proba(X)[:, 1]" if name == "y_score" else ""
    )
    return InvalidInputError(f"{name} must be one column, got shape {tuple(shape)}{hint}")


__all__ = [
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "Calibration",
    "Confusion",
    "PerformanceReport",
    "classification_report",
    "regression_report",
]
