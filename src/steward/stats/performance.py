"""How well a binary classifier or a regressor performs, with bootstrap confidence intervals.

Point estimates come from scikit-learn's metric functions, and so do the ROC and
precision-recall curves of a classifier, thinned to at most `curve_points` points each. Each
interval is a percentile bootstrap interval over resamples scored by the fast weighted-sum
formulas of `steward.stats.resampling` (stratified by class for classification, seeded per
resample). A metric that is undefined in a resample, such as precision when no drawn row reaches
the threshold, is left out of its interval, and the report says so in a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError
from steward.stats.performance_inputs import (
    check_labels,
    check_probabilities,
    check_regression_rows,
    check_settings,
    check_threshold,
    is_whole,
    read_columns,
    undefined_regression_metrics,
)
from steward.stats.resampling import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    BinaryResampler,
    Floats,
    RegressionResampler,
    Resampler,
    percentile_intervals,
    resample_scores,
)

CURVE_POINTS = 101


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
class RocCurve:
    """Points of scikit-learn's `roc_curve`, in its order (falling threshold), thinned to at
    most `curve_points` points spread evenly along the curve, both ends kept."""

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]


@dataclass(frozen=True)
class PrecisionRecallCurve:
    """Points of scikit-learn's `precision_recall_curve`, in its order (falling recall, ending
    at recall 0, precision 1), thinned like `RocCurve`."""

    recall: tuple[float, ...]
    precision: tuple[float, ...]


@dataclass(frozen=True)
class PerformanceReport:
    """Metrics (NaN where undefined, with a note saying why), their bootstrap intervals
    (absent when `bootstrap` was 0) and, for classification, the confusion, the calibration
    and the ROC and precision-recall curves."""

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
    roc: RocCurve | None = None
    pr: PrecisionRecallCurve | None = None
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
        if self.roc is not None:
            out["roc"] = {"fpr": list(self.roc.fpr), "tpr": list(self.roc.tpr)}
        if self.pr is not None:
            out["pr"] = {"recall": list(self.pr.recall), "precision": list(self.pr.precision)}
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
    curve_points: int = CURVE_POINTS,
) -> PerformanceReport:
    """Score a binary classifier from its labels (0/1 or booleans, 1 is positive) and its
    predicted probabilities of the positive class. The ROC and precision-recall curves keep
    at most `curve_points` points each."""
    check_settings(bootstrap, confidence, seed)
    check_threshold(threshold)
    if not (is_whole(calibration_bins) and calibration_bins >= 1):
        raise InvalidInputError(f"calibration_bins must be at least 1, got {calibration_bins!r}")
    if not (is_whole(curve_points) and curve_points >= 2):
        raise InvalidInputError(f"curve_points must be at least 2, got {curve_points!r}")
    y, (p,), w = read_columns(y_true, {"y_score": y_score}, sample_weight)
    check_probabilities("y_score", p)
    check_labels(y, w)

    metrics, confusion, notes = classification_metrics(y, p, w, float(threshold))
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap:
        engine = BinaryResampler(y, p, w, float(threshold))
        intervals = _bootstrap(engine, bootstrap, seed, confidence, metrics, notes)
    roc, pr = _curves(y, p, w, curve_points)
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
        roc=roc,
        pr=pr,
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
    check_settings(bootstrap, confidence, seed)
    y, (p,), w = read_columns(y_true, {"y_pred": y_pred}, sample_weight)
    check_regression_rows(y, w)

    mape, r2, notes = undefined_regression_metrics(y, w)
    metrics = regression_metrics(y, p, w, mape=mape, r2=r2)
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap:
        engine = RegressionResampler(y, p, w, mape=mape)
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


# ---- point estimates and curves (scikit-learn) ------------------------------------------


def classification_metrics(
    y: Floats, p: Floats, w: Floats | None, threshold: float, *, scores: str = "y_score"
) -> tuple[dict[str, float], Confusion, list[str]]:
    """scikit-learn's metrics and confusion counts of checked inputs, and notes on the metrics
    that are undefined; `scores` names the score column in those notes."""
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
    notes = []
    if math.isnan(metrics["precision"]):
        notes.append(
            f"no row has {scores} >= {threshold:g}: precision is undefined and reported as NaN"
        )
    cells = confusion_matrix(labels, predicted, labels=[0, 1], sample_weight=w).ravel()
    tn, fp, fn, tp = (float(value) if w is not None else int(value) for value in cells)
    return metrics, Confusion(threshold=threshold, tn=tn, fp=fp, fn=fn, tp=tp), notes


def regression_metrics(
    y: Floats, p: Floats, w: Floats | None, *, mape: bool, r2: bool
) -> dict[str, float]:
    """scikit-learn's metrics of checked inputs; MAPE and R² are NaN unless said defined."""
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


def _curves(
    y: Floats, p: Floats, w: Floats | None, points: int
) -> tuple[RocCurve, PrecisionRecallCurve]:
    from sklearn.metrics import precision_recall_curve, roc_curve

    labels = y.astype(np.int64)
    fpr, tpr, _ = roc_curve(labels, p, sample_weight=w)
    # Dropping the thresholds that leave the plotted curve unchanged keeps the thinning cheap
    # on a million distinct scores; what is left is still a subset of the full curve.
    precision, recall, _ = precision_recall_curve(
        labels, p, sample_weight=w, drop_intermediate=True
    )
    roc_kept = _evenly_along(fpr, tpr, points)
    pr_kept = _evenly_along(recall, precision, points)
    return (
        RocCurve(fpr=tuple(fpr[roc_kept].tolist()), tpr=tuple(tpr[roc_kept].tolist())),
        PrecisionRecallCurve(
            recall=tuple(recall[pr_kept].tolist()), precision=tuple(precision[pr_kept].tolist())
        ),
    )


def _evenly_along(x: Floats, y: Floats, points: int) -> NDArray[np.intp]:
    """Indices of at most `points` vertices of the polyline (x, y), both ends included, spread
    evenly by distance along it, so steep and flat stretches get their share of points."""
    if len(x) <= points:
        return np.arange(len(x))
    along = np.zeros(len(x))
    np.cumsum(np.hypot(np.diff(x), np.diff(y)), out=along[1:])
    # The first vertex at or past each of `points` evenly spaced distances.
    kept = np.searchsorted(along, np.linspace(0.0, along[-1], points), side="left")
    kept[0], kept[-1] = 0, len(x) - 1
    return np.unique(kept)


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


def _bootstrap(
    engine: Resampler,
    resamples: int,
    seed: int,
    confidence: float,
    point: dict[str, float],
    notes: list[str],
) -> dict[str, tuple[float, float]]:
    """Percentile intervals over `resamples` resamples; notes metrics undefined in some."""
    scores = resample_scores(engine, resamples, seed)
    intervals, missing = percentile_intervals(scores, engine.names, point, confidence)
    for name, count in missing.items():
        notes.append(
            f"{name} was undefined in {count} of {resamples} resamples ({engine.why(name)}); "
            f"its interval uses the other {resamples - count}"
        )
    return intervals


__all__ = [
    "CLASSIFICATION_METRICS",
    "CURVE_POINTS",
    "REGRESSION_METRICS",
    "Calibration",
    "Confusion",
    "PerformanceReport",
    "PrecisionRecallCurve",
    "RocCurve",
    "classification_report",
    "regression_report",
]
