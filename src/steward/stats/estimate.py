"""Estimated performance of a binary classifier without labels (confidence-based estimation).

When the scores are calibrated probabilities of the positive class, each row is a Bernoulli
trial: with probability p_i it is a positive. The expected confusion counts at a threshold t
(a row is predicted positive when its score is >= t, as in `steward.stats.performance`) are

    E[TP] = sum of p_i over rows with score >= t     E[FP] = sum of 1 - p_i over those rows
    E[FN] = sum of p_i over rows with score <  t     E[TN] = sum of 1 - p_i over those rows

and they sum to the row count. Accuracy and precision are exact expectations, since their
denominators (the rows, the rows predicted positive) do not depend on the labels. Recall, F1
and ROC AUC are ratios of the expected counts, not expectations of the ratios; the two differ
by a term of order 1/rows, which is small next to the sampling spread on a real batch.

The estimated ROC AUC follows the usual confidence-based construction: with the rows sorted by
score, falling, the expected true and false positive rates at each distinct score are the
cumulative sums of p and of 1 - p divided by their totals, and the area is the trapezoidal area
under those points. Tied scores form one step of the curve, so a tied pair counts one half, as
in scikit-learn's `roc_auc_score`. The area equals

    sum over rows i, j of p_i (1 - p_j) K(i, j)  /  (sum of p  *  sum of 1 - p)

with K = 1 when score_i > score_j, 1/2 when they tie and 0 otherwise, a row paired with itself
included as a tie: again a ratio of expectations.

Everything rests on calibration. Given reference scores with their labels, the expected
calibration error (10 equal-width bins, the bin rule of scikit-learn's `calibration_curve`) is
checked and a note added when it is above 0.05. With `recalibrate=True`, an isotonic regression
fitted on the reference maps the scores to probabilities; predictions still come from the raw
scores and the threshold, only the probabilities change.

The result is always an estimate and says so: `estimated` is True and `as_dict()` carries
`"estimated": true` and `"estimated_metrics"`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression

from steward.domain.errors import InvalidInputError
from steward.stats.performance_inputs import check_probabilities, check_threshold

Floats = NDArray[np.float64]

ESTIMATED_METRICS: tuple[str, ...] = ("auc", "accuracy", "precision", "recall", "f1")
CALIBRATION_BINS = 10
CALIBRATION_TOLERANCE = 0.05
METHOD = "confidence-based performance estimation (expected confusion counts)"


@dataclass(frozen=True)
class ExpectedConfusion:
    """Expected counts at `threshold` under the calibration assumption; they sum to the rows."""

    threshold: float
    tn: float
    fp: float
    fn: float
    tp: float


@dataclass(frozen=True)
class PerformanceEstimate:
    """Estimated metrics (NaN where undefined, with a note saying why), never measured ones.

    `reference_calibration_error` is the expected calibration error of the raw reference
    scores (None without a reference); `recalibrated` says whether an isotonic map fitted on
    the reference turned the scores into the probabilities used."""

    rows: int
    threshold: float
    metrics: dict[str, float]
    confusion: ExpectedConfusion
    reference_calibration_error: float | None = None
    recalibrated: bool = False
    notes: tuple[str, ...] = field(default=())
    estimated: bool = True

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN becomes null, since JSON has no NaN."""
        c = self.confusion
        return {
            "estimated": True,
            "method": METHOD,
            "rows": self.rows,
            "threshold": self.threshold,
            "estimated_metrics": {name: _json(value) for name, value in self.metrics.items()},
            "estimated_confusion": {"tn": c.tn, "fp": c.fp, "fn": c.fn, "tp": c.tp},
            "reference_calibration_error": (
                None
                if self.reference_calibration_error is None
                else _json(self.reference_calibration_error)
            ),
            "recalibrated": self.recalibrated,
            "notes": list(self.notes),
        }


def estimate_performance(
    scores: object,
    *,
    threshold: float = 0.5,
    reference_scores: object = None,
    reference_labels: object = None,
    recalibrate: bool = False,
) -> PerformanceEstimate:
    """Estimate accuracy, precision, recall, F1 and ROC AUC of a binary classifier from its
    scores alone, assuming they are calibrated probabilities of the positive class.

    `reference_scores` and `reference_labels` (given together) are a labelled sample of the
    same model, used to check the calibration and, with `recalibrate=True`, to fix it."""
    check_threshold(threshold)
    if not isinstance(recalibrate, bool):
        raise InvalidInputError(f"recalibrate must be True or False, got {recalibrate!r}")
    raw = _read(scores, "scores")
    check_probabilities("scores", raw)
    notes: list[str] = []
    probabilities = raw
    ece: float | None = None
    if (reference_scores is None) != (reference_labels is None):
        raise InvalidInputError("pass reference_scores and reference_labels together, or neither")
    if reference_scores is not None:
        ref_scores = _read(reference_scores, "reference_scores")
        ref_labels = _read(reference_labels, "reference_labels")
        if len(ref_scores) != len(ref_labels):
            raise InvalidInputError(
                f"reference_scores has {len(ref_scores)} rows but reference_labels has "
                f"{len(ref_labels)}: pass one label per score"
            )
        check_probabilities("reference_scores", ref_scores)
        if np.any((ref_labels != 0) & (ref_labels != 1)):
            raise InvalidInputError(
                "reference_labels has values other than 0 and 1: "
                "pass 1 for the positive class and 0 for the negative"
            )
        ece = expected_calibration_error(ref_scores, ref_labels)
        if ece > CALIBRATION_TOLERANCE:
            notes.append(
                f"the scores are not calibrated: the estimate may be biased (expected "
                f"calibration error {ece:.3f} on {len(ref_scores)} reference rows, above "
                f"{CALIBRATION_TOLERANCE:g})"
            )
        if recalibrate:
            probabilities = _isotonic(ref_scores, ref_labels, raw)
            notes.append(
                f"the scores were recalibrated with isotonic regression fitted on "
                f"{len(ref_scores)} reference rows; predictions still use the raw scores "
                f"and the threshold"
            )
    elif recalibrate:
        raise InvalidInputError(
            "recalibrate=True needs reference_scores and reference_labels to fit on"
        )
    predicted = raw >= threshold
    confusion = expected_confusion(probabilities, predicted, threshold)
    metrics, undefined = _metrics(confusion)
    metrics["auc"] = expected_roc_auc(raw, probabilities)
    if math.isnan(metrics["auc"]):
        undefined.append("ROC AUC is undefined: the expected positives or negatives are 0")
    notes.extend(undefined)
    ordered = {name: metrics[name] for name in ESTIMATED_METRICS}
    return PerformanceEstimate(
        rows=len(raw),
        threshold=float(threshold),
        metrics=ordered,
        confusion=confusion,
        reference_calibration_error=ece,
        recalibrated=recalibrate,
        notes=tuple(notes),
    )


def expected_confusion(
    probabilities: Floats, predicted: NDArray[np.bool_], threshold: float
) -> ExpectedConfusion:
    """Expected counts when row i is a positive with probability `probabilities[i]` and is
    predicted positive where `predicted` is True."""
    p = probabilities
    tp = float(p[predicted].sum())
    fp = float((1.0 - p[predicted]).sum())
    fn = float(p[~predicted].sum())
    tn = float((1.0 - p[~predicted]).sum())
    return ExpectedConfusion(threshold=float(threshold), tn=tn, fp=fp, fn=fn, tp=tp)


def expected_roc_auc(scores: Floats, probabilities: Floats) -> float:
    """The trapezoidal area under the expected ROC curve of `scores`, with row i a positive
    with probability `probabilities[i]`. NaN when the expected positives or negatives are 0.

    Sorting by score, falling, the expected true and false positives above each distinct
    score are cumulative sums of p and 1 - p; tied scores are one point of the curve."""
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    p = probabilities[order]
    positives = float(p.sum())
    negatives = float(len(p) - positives)
    if not (positives > 0 and negatives > 0):
        return math.nan
    # The last row of each run of tied scores closes one step of the curve.
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    tpr = np.r_[0.0, np.cumsum(p)[last] / positives]
    fpr = np.r_[0.0, np.cumsum(1.0 - p)[last] / negatives]
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
    return min(max(area, 0.0), 1.0)


def expected_calibration_error(
    scores: Floats, labels: Floats, bins: int = CALIBRATION_BINS
) -> float:
    """Expected calibration error: the row-weighted mean, over equal-width bins of [0, 1], of
    |mean score - fraction of positives|. Bins follow scikit-learn's `calibration_curve`."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], scores)
    total = np.bincount(ids, minlength=bins).astype(np.float64)
    score_sum = np.bincount(ids, weights=scores, minlength=bins)
    label_sum = np.bincount(ids, weights=labels, minlength=bins)
    return float(np.abs(score_sum - label_sum).sum() / total.sum())


def _metrics(c: ExpectedConfusion) -> tuple[dict[str, float], list[str]]:
    rows = c.tp + c.fp + c.fn + c.tn
    undefined: list[str] = []
    predicted_positive = c.tp + c.fp
    if predicted_positive > 0:
        precision = c.tp / predicted_positive
    else:
        precision = math.nan
        undefined.append("precision is undefined: no row reaches the threshold")
    if c.tp + c.fn > 0:
        recall = c.tp / (c.tp + c.fn)
    else:
        recall = math.nan
        undefined.append("recall is undefined: the expected positives are 0")
    f1_denominator = 2.0 * c.tp + c.fp + c.fn
    if f1_denominator > 0:
        f1 = 2.0 * c.tp / f1_denominator
    else:
        f1 = math.nan
        undefined.append("F1 is undefined: the expected positives and predicted positives are 0")
    metrics = {
        "accuracy": (c.tp + c.tn) / rows,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    return metrics, undefined


def _isotonic(ref_scores: Floats, ref_labels: Floats, scores: Floats) -> Floats:
    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    model.fit(ref_scores, ref_labels)
    out: Floats = np.clip(np.asarray(model.predict(scores), dtype=np.float64), 0.0, 1.0)
    return out


def _read(values: object, name: str) -> Floats:
    """One column of numbers as float64: a NumPy array, a list, a pandas or polars Series or
    a pyarrow Array. Missing values become NaN and are refused by the checks."""
    if isinstance(values, str | bytes) or values is None:
        raise InvalidInputError(f"{name} must be a column of numbers, got {type(values).__name__}")
    try:
        if isinstance(values, pa.Array | pa.ChunkedArray):
            values = values.to_numpy(zero_copy_only=False)
        elif not isinstance(values, np.ndarray) and callable(getattr(values, "to_numpy", None)):
            values = values.to_numpy()  # type: ignore[attr-defined]  # pandas, polars
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must hold numbers: {str(exc).splitlines()[0]}") from exc
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise InvalidInputError(
            f"{name} must be one column, got shape {array.shape}: "
            "pass the positive-class column, e.g. predict_proba(X)[:, 1]"
        )
    if not len(array):
        raise InvalidInputError(f"{name} is empty: there is nothing to estimate")
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise InvalidInputError(f"{name} has {bad} missing, NaN or infinite values")
    return array


def _json(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = [
    "CALIBRATION_BINS",
    "CALIBRATION_TOLERANCE",
    "ESTIMATED_METRICS",
    "ExpectedConfusion",
    "PerformanceEstimate",
    "estimate_performance",
    "expected_calibration_error",
    "expected_confusion",
    "expected_roc_auc",
]
