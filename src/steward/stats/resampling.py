"""Fast bootstrap resampling for the performance and champion/challenger reports.

A resample is a vector of row weights: how often each row was drawn, times its sample weight.
Every metric here is then a weighted sum or, for the ranking metrics, a sum over cumulative
weights of the rows sorted once by score, so a resample costs a few passes over NumPy arrays
instead of a call to scikit-learn. The tests hold each formula to scikit-learn called with the
same weights as `sample_weight`.

Resampling is seeded per resample: resample b draws from the b-th child of
`SeedSequence(seed)`, so the same inputs and seed give the same intervals, and asking for more
resamples keeps the first ones.

Rows are drawn within strata: classification draws positives from the positives and negatives
from the negatives, so every resample keeps both classes and ROC AUC is always defined (the
default of R's pROC, for the same reason). Regression has one stratum, every row.

`PairedResampler` scores two models on the same resamples: it draws once, in the first model's
layout, and hands the second model the same row weights rearranged to its own layout. The
difference of the two models' metrics then keeps the correlation between them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
# Row indices: int32 where the rows fit, which halves the engines' largest arrays.
Ints = NDArray[np.int32] | NDArray[np.int64]

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
EPS = float(np.finfo(np.float64).eps)


class SupportsResample(Protocol):
    """Anything that scores one resample drawn with `rng`."""

    def resample(self, rng: np.random.Generator) -> Floats: ...


class Resampler:
    """Scores resamples of the rows it was built on.

    `strata` holds the rows of each stratum in the order `draw` lays out their weights and
    `score` reads them; `weights` holds the sample weights in that same order (None: all 1).
    """

    names: ClassVar[tuple[str, ...]]
    # Why a metric can be undefined in a resample, for the report's notes ("*": any other).
    undefined_why: ClassVar[Mapping[str, str]]
    strata: tuple[Ints, ...]
    weights: tuple[Floats | None, ...]

    def draw(self, rng: np.random.Generator) -> tuple[Floats, ...]:
        """Row weights of one resample, one array per stratum."""
        return tuple(
            _draw(rng, len(rows), weights)
            for rows, weights in zip(self.strata, self.weights, strict=True)
        )

    def score(self, *drawn: Floats) -> Floats:
        """The metrics, in the order of `names`, of the rows with these weights."""
        raise NotImplementedError

    def resample(self, rng: np.random.Generator) -> Floats:
        return self.score(*self.draw(rng))

    def why(self, name: str) -> str:
        """Why `name` can be undefined in a resample."""
        return self.undefined_why.get(name, self.undefined_why["*"])


class BinaryResampler(Resampler):
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
        self.strata = (_sorted_rows(p, positive), _sorted_rows(p, ~positive))
        pos_rows, neg_rows = self.strata
        pos, neg = p[pos_rows], p[neg_rows]
        self.weights = (None, None) if w is None else (w[pos_rows], w[neg_rows])
        self.below = _compact(np.searchsorted(neg, pos, side="left"))
        self.at_or_below = _compact(np.searchsorted(neg, pos, side="right"))
        # The first positive of each run of tied positive scores.
        self.first = _compact(np.searchsorted(pos, pos, side="left"))
        self.cuts = (
            int(np.searchsorted(pos, threshold, side="left")),
            int(np.searchsorted(neg, threshold, side="left")),
        )
        # log_loss clips the probability of the true class, as scikit-learn does.
        self.log_loss = (
            -np.log(np.clip(pos, EPS, 1.0 - EPS)),
            -np.log(np.clip(1.0 - neg, EPS, 1.0 - EPS)),
        )
        self.brier = ((1.0 - pos) ** 2, neg**2)

    def score(self, *drawn: Floats) -> Floats:
        pos_w, neg_w = drawn
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


class RegressionResampler(Resampler):
    """Regression metrics of weighted rows as weighted sums, over one stratum of every row.

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
        self.strata = (np.arange(len(y), dtype=np.int64),)
        self.weights = (w,)
        self.squared = error**2
        self.absolute = np.abs(error)
        # scikit-learn's MAPE divides by max(|y|, eps); it is only used without zeros in y.
        self.relative = self.absolute / np.maximum(np.abs(y), EPS) if mape else None
        self.centred = y - y.mean()
        self.centred_sq = self.centred**2

    def score(self, *drawn: Floats) -> Floats:
        (w,) = drawn
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


class PairedResampler:
    """Scores two models of the same rows on the same resamples.

    `resample` returns the first model's metrics followed by the second's. The draw is the
    first model's, so the first model's scores equal those its own resampler gives with the
    same generator.
    """

    def __init__(self, first: Resampler, second: Resampler) -> None:
        if [len(rows) for rows in first.strata] != [len(rows) for rows in second.strata]:
            raise ValueError("paired resamplers must be built on the same rows")
        self.first, self.second = first, second
        # For each stratum, where in the first model's layout each row of the second's sits;
        # None when the layouts agree, which saves a gather per resample.
        self.layouts = tuple(
            None if np.array_equal(lead, own) else _positions(lead, own)
            for lead, own in zip(first.strata, second.strata, strict=True)
        )

    def resample(self, rng: np.random.Generator) -> Floats:
        drawn = self.first.draw(rng)
        theirs = tuple(
            part if where is None else part[where]
            for part, where in zip(drawn, self.layouts, strict=True)
        )
        return np.concatenate([self.first.score(*drawn), self.second.score(*theirs)])


def resample_scores(engine: SupportsResample, resamples: int, seed: int) -> Floats:
    """The scores of `resamples` resamples, one row each; resample b uses the b-th child seed."""
    children = np.random.SeedSequence(seed).spawn(resamples)
    # One resample at a time, so no resamples x rows matrix ever exists. Beyond the inputs,
    # an engine's sorted indices and per-row terms take at most 45 bytes a row and scoring a
    # resample about 30 more: under 80 MB at a million rows however many resamples there are
    # (measured with tracemalloc), plus 8 bytes per metric and resample for the scores. A
    # paired run holds two engines and 8 bytes a row of layout: about 100 MB at a million rows.
    scores: Floats = np.array([engine.resample(np.random.default_rng(c)) for c in children])
    return scores


def paired_deltas(first: Resampler, second: Resampler, resamples: int, seed: int) -> Floats:
    """Per resample (row) and metric (column), the second model's metric minus the first's on
    the same resample; NaN where either is undefined."""
    scores = resample_scores(PairedResampler(first, second), resamples, seed)
    width = len(first.names)
    deltas: Floats = scores[:, width:] - scores[:, :width]
    return deltas


def percentile_intervals(
    scores: Floats, names: Sequence[str], point: Mapping[str, float], confidence: float
) -> tuple[dict[str, tuple[float, float]], dict[str, int]]:
    """Percentile intervals of each column of `scores` (a metric per column, named by `names`),
    and, for the metrics whose interval is finite, how many resamples left them undefined.

    A resample where a metric is NaN is left out of that metric's interval. A metric whose
    point estimate is NaN, or that is NaN in every resample, gets (NaN, NaN)."""
    tail = 100.0 * (1.0 - confidence) / 2.0
    intervals: dict[str, tuple[float, float]] = {}
    missing: dict[str, int] = {}
    for column, name in enumerate(names):
        values = scores[:, column]
        defined = values[np.isfinite(values)]
        if math.isnan(point[name]) or not len(defined):
            intervals[name] = (math.nan, math.nan)
            continue
        low, high = np.percentile(defined, [tail, 100.0 - tail])
        intervals[name] = (float(low), float(high))
        if len(defined) < len(values):
            missing[name] = len(values) - len(defined)
    return intervals, missing


def _draw(rng: np.random.Generator, rows: int, weights: Floats | None) -> Floats:
    """How often each of `rows` rows is drawn in `rows` draws with replacement, times its
    sample weight: the classic bootstrap, as weights."""
    counts = np.bincount(rng.integers(0, rows, rows), minlength=rows)
    drawn: Floats = counts * weights if weights is not None else counts.astype(np.float64)
    return drawn


def _sorted_rows(p: Floats, keep: NDArray[np.bool_]) -> Ints:
    """The indices of the kept rows, ordered by score."""
    rows = np.flatnonzero(keep)
    return _compact(rows[np.argsort(p[rows], kind="stable")])


def _compact(indices: NDArray[np.intp]) -> Ints:
    """The same indices as int32 when every one fits, else unchanged."""
    if len(indices) and int(indices.max()) >= 2**31 - 1:
        return indices.astype(np.int64, copy=False)
    return indices.astype(np.int32)


def _positions(lead: Ints, own: Ints) -> Ints:
    """For each row in `own`, its position in `lead` (both hold the same rows)."""
    where = np.empty(int(lead.max()) + 1, dtype=np.int64)
    where[lead] = np.arange(len(lead), dtype=np.int64)
    out: Ints = where[own]
    return out


def _cumulative(w: Floats) -> Floats:
    """Cumulative sums with a leading 0: out[k] is the weight of the first k rows."""
    out = np.zeros(len(w) + 1)
    np.cumsum(w, out=out[1:])
    return out


__all__ = [
    "CLASSIFICATION_METRICS",
    "EPS",
    "REGRESSION_METRICS",
    "BinaryResampler",
    "Floats",
    "Ints",
    "PairedResampler",
    "RegressionResampler",
    "Resampler",
    "SupportsResample",
    "paired_deltas",
    "percentile_intervals",
    "resample_scores",
]
