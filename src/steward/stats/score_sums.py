"""Mergeable sums of a binary classifier's scores, from which a window's performance is estimated
without labels (see `steward.stats.estimate` for the method and its assumptions).

Per window we keep, for the rows predicted positive (raw score >= threshold) and for the rest,
the row count and the sum of the probabilities (the raw scores, or the scores mapped through the
reference's isotonic calibration). Those four numbers give the expected confusion counts, hence
accuracy, precision, recall and F1 exactly as `estimate_performance` computes them. ROC AUC needs
the order of the rows, which sums lose; it is estimated from 100 equal-width score bins, rows in
one bin counted as tied. The binned estimate differs from the row-level one by at most the mass
of pairs that share a bin; for scores spread over [0, 1] that is a few thousandths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError

Floats = NDArray[np.float64]
BINS = 100


@dataclass(frozen=True, slots=True)
class ScoreSums:
    threshold: float
    positive_rows: int  # predicted positive
    positive_p: float  # sum of probabilities over those rows
    negative_rows: int
    negative_p: float
    bin_rows: tuple[int, ...]  # per raw-score bin
    bin_p: tuple[float, ...]

    @property
    def rows(self) -> int:
        return self.positive_rows + self.negative_rows

    def merge(self, other: ScoreSums) -> ScoreSums:
        if other.threshold != self.threshold:
            raise InvalidInputError("score sums with different thresholds do not merge")
        return ScoreSums(
            self.threshold,
            self.positive_rows + other.positive_rows,
            self.positive_p + other.positive_p,
            self.negative_rows + other.negative_rows,
            self.negative_p + other.negative_p,
            tuple(a + b for a, b in zip(self.bin_rows, other.bin_rows, strict=True)),
            tuple(a + b for a, b in zip(self.bin_p, other.bin_p, strict=True)),
        )

    def estimate(self) -> dict[str, float | None]:
        """Expected accuracy, precision, recall, F1 and ROC AUC; None where undefined."""
        tp = self.positive_p
        fp = self.positive_rows - tp
        fn = self.negative_p
        tn = self.negative_rows - fn
        rows = self.rows
        precision = tp / (tp + fp) if tp + fp > 0 else None
        recall = tp / (tp + fn) if tp + fn > 0 else None
        f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn > 0 else None
        return {
            "accuracy": (tp + tn) / rows if rows else None,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "auc": self._auc(),
        }

    def _auc(self) -> float | None:
        n = np.asarray(self.bin_rows, dtype=np.float64)
        p = np.asarray(self.bin_p, dtype=np.float64)
        q = n - p
        positives, negatives = float(p.sum()), float(q.sum())
        if positives <= 0 or negatives <= 0:
            return None
        # Negatives in lower bins beat nothing; a positive beats every negative in a lower bin
        # and ties with those in its own bin.
        lower = np.concatenate(([0.0], np.cumsum(q)[:-1]))
        area = float(np.dot(p, lower) + 0.5 * np.dot(p, q))
        return area / (positives * negatives)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "positive_rows": self.positive_rows,
            "positive_p": self.positive_p,
            "negative_rows": self.negative_rows,
            "negative_p": self.negative_p,
            "bin_rows": list(self.bin_rows),
            "bin_p": list(self.bin_p),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreSums:
        return cls(
            float(data["threshold"]),
            int(data["positive_rows"]),
            float(data["positive_p"]),
            int(data["negative_rows"]),
            float(data["negative_p"]),
            tuple(int(v) for v in data["bin_rows"]),
            tuple(float(v) for v in data["bin_p"]),
        )


def score_sums(
    scores: Floats, *, threshold: float = 0.5, calibration: Mapping[str, Any] | None = None
) -> ScoreSums:
    """The sums of one batch of scores (NaNs dropped). `calibration` is the reference's isotonic
    map, {"x": [...], "y": [...]}, applied to get probabilities; predictions use raw scores."""
    raw = scores[~np.isnan(scores)]
    if len(raw) and (float(raw.min()) < 0.0 or float(raw.max()) > 1.0):
        raise InvalidInputError(
            f"scores must be probabilities in [0, 1]; they range from {float(raw.min()):g} "
            f"to {float(raw.max()):g}"
        )
    probability = apply_calibration(raw, calibration)
    predicted = raw >= threshold
    bins = np.minimum((raw * BINS).astype(np.int64), BINS - 1)
    return ScoreSums(
        float(threshold),
        int(predicted.sum()),
        float(probability[predicted].sum()),
        int((~predicted).sum()),
        float(probability[~predicted].sum()),
        tuple(int(v) for v in np.bincount(bins, minlength=BINS)),
        tuple(float(v) for v in np.bincount(bins, weights=probability, minlength=BINS)),
    )


def apply_calibration(raw: Floats, calibration: Mapping[str, Any] | None) -> Floats:
    if not calibration:
        return raw
    x = np.asarray(calibration["x"], dtype=np.float64)
    y = np.asarray(calibration["y"], dtype=np.float64)
    return np.asarray(np.interp(raw, x, y), dtype=np.float64)


def fit_calibration(scores: Floats, labels: Floats) -> dict[str, Any]:
    """Check the reference's calibration and fit an isotonic map from scores to probabilities;
    the map is stored with the reference and applied to every window."""
    from sklearn.isotonic import IsotonicRegression

    from steward.stats.estimate import expected_calibration_error

    keep = ~(np.isnan(scores) | np.isnan(labels))
    s, y = scores[keep], labels[keep]
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
    ece = expected_calibration_error(s, y)
    return {
        "expected_calibration_error": ece if math.isfinite(ece) else None,
        "recalibrated": True,
        "x": [float(v) for v in fitted.X_thresholds_],
        "y": [float(v) for v in fitted.y_thresholds_],
        "rows": len(s),
    }
