"""Confidence intervals of a window's performance metrics, so that a destructive monitoring
action reads the bound on the healthy side instead of a noisy point estimate.

AUC: DeLong's variance of the Mann-Whitney statistic (DeLong, DeLong and Clarke-Pearson,
1988), from mid-ranks, so ties count half as in `roc_auc_score`. Accuracy, precision and
recall: Wilson score intervals of a proportion.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Z_95 = 1.959963984540054


def auc_interval(
    labels: NDArray[np.float64], scores: NDArray[np.float64], z: float = Z_95
) -> tuple[float, float, float] | None:
    """(AUC, lower, upper); None unless both classes are present."""
    from scipy.stats import rankdata

    positive = scores[labels == 1]
    negative = scores[labels == 0]
    m, n = len(positive), len(negative)
    if m == 0 or n == 0:
        return None
    every = rankdata(np.concatenate([positive, negative]))
    within_positive = rankdata(positive)
    within_negative = rankdata(negative)
    # Structural components: the share of negatives each positive outranks, and of positives
    # each negative is outranked by.
    v10 = (every[:m] - within_positive) / n
    v01 = 1.0 - (every[m:] - within_negative) / m
    auc = float(v10.mean())
    variance = 0.0
    if m > 1:
        variance += float(v10.var(ddof=1)) / m
    if n > 1:
        variance += float(v01.var(ddof=1)) / n
    half = z * math.sqrt(max(variance, 0.0))
    return auc, max(0.0, auc - half), min(1.0, auc + half)


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None for no trials."""
    if trials <= 0:
        return None
    share = successes / trials
    z2 = z * z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    half /= 1 + z2 / trials
    return max(0.0, centre - half), min(1.0, centre + half)


def metric_bounds(
    labels: NDArray[np.float64], scores: NDArray[np.float64], threshold: float
) -> dict[str, float]:
    """`{metric}.lower` and `{metric}.upper` for AUC, accuracy, precision and recall, where
    defined."""
    out: dict[str, float] = {}
    auc = auc_interval(labels, scores)
    if auc is not None:
        out["auc.lower"], out["auc.upper"] = auc[1], auc[2]
    truth = labels == 1
    predicted = scores >= threshold
    counts = {
        "accuracy": (int(np.sum(predicted == truth)), len(labels)),
        "precision": (int(np.sum(predicted & truth)), int(np.sum(predicted))),
        "recall": (int(np.sum(predicted & truth)), int(np.sum(truth))),
    }
    for name, (hits, trials) in counts.items():
        interval = wilson_interval(hits, trials)
        if interval is not None:
            out[f"{name}.lower"], out[f"{name}.upper"] = interval
    return out
