"""Estimated performance without labels: the estimate held to a Monte Carlo oracle (labels drawn
from the scores), expected counts, exact cases, the ROC construction with ties, calibration
checks and isotonic recalibration, the JSON form, containers and bad input."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from scipy.stats import rankdata
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from steward.domain.errors import InvalidInputError
from steward.stats.estimate import (
    ESTIMATED_METRICS,
    PerformanceEstimate,
    estimate_performance,
    expected_calibration_error,
    expected_roc_auc,
)

NAMES = ("accuracy", "precision", "recall", "f1", "auc")


def _sklearn(y: Any, scores: Any, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(np.int64)
    return {
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, zero_division=np.nan),
        "recall": skm.recall_score(y, predicted, zero_division=np.nan),
        "f1": skm.f1_score(y, predicted, zero_division=np.nan),
        "auc": skm.roc_auc_score(y, scores),
    }


def _realised(labels: Any, scores: Any, threshold: float) -> Any:
    """Realised metrics of many label draws at once (one draw a row of `labels`), in the order
    of NAMES. The same formulas as scikit-learn's, vectorised; held to them in the oracle test.
    AUC is the Mann-Whitney statistic with mid-ranks, which is how ties count in roc_auc_score."""
    y = labels.astype(np.float64)
    predicted = (scores >= threshold).astype(np.float64)
    tp = y @ predicted
    positives = y.sum(axis=1)
    fp = predicted.sum() - tp
    fn = positives - tp
    tn = len(scores) - tp - fp - fn
    negatives = len(scores) - positives
    ranks = rankdata(scores)
    rank_sum = y @ ranks
    auc = (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)
    return np.column_stack(
        [(tp + tn) / len(scores), tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn), auc]
    )


def _draw_metrics(
    rng: np.random.Generator, p: Any, scores: Any, threshold: float, draws: int
) -> Any:
    """Realised metrics of `draws` label vectors drawn with y_i ~ Bernoulli(p_i)."""
    chunks = []
    for start in range(0, draws, 100):
        labels = rng.random((min(100, draws - start), len(p))) < p
        chunks.append(_realised(labels, scores, threshold))
    return np.vstack(chunks)


# --- the Monte Carlo oracle -------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_estimate_matches_the_mean_of_realised_metrics_on_labels_drawn_from_the_scores(
    threshold: float,
) -> None:
    rng = np.random.default_rng(20240611)
    n, draws = 20_000, 2_000
    p = rng.beta(2.0, 3.0, n)
    estimate = estimate_performance(p, threshold=threshold)

    # The vectorised oracle is scikit-learn's metrics, draw by draw.
    check = rng.random((5, n)) < p
    fast = _realised(check, p, threshold)
    for row, labels in zip(fast, check, strict=True):
        slow = _sklearn(labels.astype(np.int64), p, threshold)
        assert row == pytest.approx([slow[name] for name in NAMES], rel=1e-12, abs=1e-12)

    realised = _draw_metrics(rng, p, p, threshold, draws)
    mean = realised.mean(axis=0)
    standard_error = realised.std(axis=0, ddof=1) / math.sqrt(draws)
    for i, name in enumerate(NAMES):
        gap = abs(estimate.metrics[name] - mean[i])
        assert gap < 4.0 * standard_error[i], (name, estimate.metrics[name], mean[i])


def test_expected_counts_sum_to_the_rows_and_give_the_metrics() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(1_234)
    estimate = estimate_performance(p, threshold=0.4)
    c = estimate.confusion
    assert c.tp + c.fp + c.fn + c.tn == pytest.approx(1_234, rel=1e-12)
    assert c.tp + c.fp == np.count_nonzero(p >= 0.4)  # predictions do not depend on labels
    assert c.tp + c.fn == pytest.approx(p.sum(), rel=1e-12)
    assert estimate.metrics["accuracy"] == pytest.approx((c.tp + c.tn) / 1_234, rel=1e-12)
    assert estimate.metrics["precision"] == pytest.approx(c.tp / (c.tp + c.fp), rel=1e-12)
    assert estimate.metrics["recall"] == pytest.approx(c.tp / (c.tp + c.fn), rel=1e-12)
    assert estimate.metrics["f1"] == pytest.approx(2 * c.tp / (2 * c.tp + c.fp + c.fn), rel=1e-12)
    assert estimate.rows == 1_234
    assert estimate.estimated is True
    assert tuple(estimate.metrics) == ESTIMATED_METRICS


@pytest.mark.parametrize("threshold", [0.0, 0.5, 1.0])
def test_scores_of_zero_and_one_give_the_exact_metrics(threshold: float) -> None:
    rng = np.random.default_rng(11)
    p = (rng.random(500) < 0.3).astype(np.float64)
    estimate = estimate_performance(p, threshold=threshold)
    exact = _sklearn(p.astype(np.int64), p, threshold)
    for name in NAMES:
        assert estimate.metrics[name] == pytest.approx(exact[name], rel=1e-12, abs=1e-12), name
    if threshold > 0:
        assert all(estimate.metrics[name] == 1.0 for name in NAMES)


def test_roc_area_is_the_pairwise_ratio_of_expectations_with_ties_counting_half() -> None:
    rng = np.random.default_rng(5)
    scores = np.round(rng.random(60) * 8) / 8  # many ties
    p = rng.random(60)
    greater = (scores[:, None] > scores[None, :]) + 0.5 * (scores[:, None] == scores[None, :])
    pairwise = float(p @ greater @ (1 - p)) / (p.sum() * (1 - p).sum())
    assert expected_roc_auc(scores, p) == pytest.approx(pairwise, rel=1e-12)
    # With scores of 0 and 1 it is scikit-learn's AUC, ties and all.
    y = (rng.random(60) < 0.5).astype(np.float64)
    assert expected_roc_auc(scores, y) == pytest.approx(skm.roc_auc_score(y, scores), rel=1e-12)


# --- calibration ------------------------------------------------------------------------------


def _overconfident(q: Any) -> Any:
    """Scores that rank like the true probabilities q but are pushed towards 0 and 1."""
    logit = np.log(q / (1 - q))
    return 1.0 / (1.0 + np.exp(-(2.5 * logit + 0.4)))


def test_miscalibrated_reference_adds_a_note_and_recalibration_reduces_the_error() -> None:
    rng = np.random.default_rng(99)
    q_reference, q_now = rng.beta(2.0, 3.0, 20_000), rng.beta(2.0, 3.0, 20_000)
    reference_scores, scores = _overconfident(q_reference), _overconfident(q_now)
    reference_labels = (rng.random(20_000) < q_reference).astype(np.int64)

    raw = estimate_performance(
        scores, reference_scores=reference_scores, reference_labels=reference_labels
    )
    fixed = estimate_performance(
        scores,
        reference_scores=reference_scores,
        reference_labels=reference_labels,
        recalibrate=True,
    )
    assert raw.reference_calibration_error is not None
    assert raw.reference_calibration_error > 0.05
    assert any("the scores are not calibrated: the estimate may be biased" in n for n in raw.notes)
    assert not raw.recalibrated
    assert fixed.recalibrated
    assert any("isotonic" in note for note in fixed.notes)

    truth = _draw_metrics(rng, q_now, scores, 0.5, 200).mean(axis=0)
    for i, name in enumerate(NAMES):
        raw_error = abs(raw.metrics[name] - truth[i])
        fixed_error = abs(fixed.metrics[name] - truth[i])
        assert fixed_error < raw_error, (name, raw_error, fixed_error)
        assert fixed_error < 0.01, name


def test_calibrated_reference_adds_no_note() -> None:
    rng = np.random.default_rng(8)
    reference = rng.random(20_000)
    labels = (rng.random(20_000) < reference).astype(np.int64)
    estimate = estimate_performance(
        rng.random(100), reference_scores=reference, reference_labels=labels
    )
    assert estimate.reference_calibration_error is not None
    assert estimate.reference_calibration_error < 0.05
    assert estimate.notes == ()


def test_calibration_error_uses_the_bins_of_calibration_curve() -> None:
    rng = np.random.default_rng(21)
    scores = np.r_[rng.random(3_000) ** 2, [0.0, 0.1, 0.2, 0.5, 1.0]]  # edges included
    labels = (rng.random(len(scores)) < scores**0.7).astype(np.float64)
    fraction, mean = calibration_curve(labels, scores, n_bins=10, strategy="uniform")
    ids = np.searchsorted(np.linspace(0, 1, 11)[1:-1], scores)
    counts = np.bincount(ids, minlength=10)
    counts = counts[counts > 0]
    expected = float(np.sum(counts * np.abs(mean - fraction)) / len(scores))
    assert expected_calibration_error(scores, labels) == pytest.approx(expected, rel=1e-12)


# --- the JSON form, undefined metrics and containers ------------------------------------------


def test_as_dict_is_json_ready_and_says_estimate() -> None:
    estimate = estimate_performance([0.1, 0.2, 0.3], threshold=0.9)
    out = estimate.as_dict()
    assert out["estimated"] is True
    assert set(out["estimated_metrics"]) == set(ESTIMATED_METRICS)
    assert out["estimated_metrics"]["precision"] is None  # no row reaches 0.9
    assert any("precision is undefined" in note for note in out["notes"])
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_auc_is_undefined_when_no_positive_is_expected() -> None:
    estimate = estimate_performance([0.0, 0.0, 0.0])
    assert math.isnan(estimate.metrics["auc"])
    assert math.isnan(estimate.metrics["recall"])
    assert estimate.metrics["accuracy"] == 1.0
    assert any("ROC AUC is undefined" in note for note in estimate.notes)


@pytest.mark.parametrize(
    "container",
    [
        list,
        np.array,
        pd.Series,
        pl.Series,
        pa.array,
        lambda v: pa.chunked_array([v[:2], v[2:]]),
        lambda v: np.array(v)[:, None],
    ],
)
def test_containers_give_the_same_estimate(container: Any) -> None:
    values = [0.9, 0.2, 0.65, 0.4, 0.5]
    expected = estimate_performance(np.array(values))
    assert isinstance(expected, PerformanceEstimate)
    assert estimate_performance(container(values)).metrics == expected.metrics


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": []}, "scores is empty"),
        ({"scores": [0.2, float("nan")]}, "scores has 1 missing, NaN or infinite"),
        ({"scores": pa.array([0.2, None])}, "scores has 1 missing"),
        ({"scores": [0.2, 1.5, -0.1]}, r"scores has 2 values outside \[0, 1\]"),
        ({"scores": np.zeros((3, 2))}, "scores must be one column"),
        ({"scores": ["a", "b"]}, "scores must hold numbers"),
        ({"scores": "0.5"}, "scores must be a column of numbers"),
        ({"scores": [0.5], "threshold": 2}, "threshold must be between 0 and 1"),
        ({"scores": [0.5], "reference_scores": [0.5]}, "pass reference_scores and"),
        ({"scores": [0.5], "reference_labels": [1]}, "pass reference_scores and"),
        (
            {"scores": [0.5], "reference_scores": [0.1, 0.2], "reference_labels": [1]},
            "reference_scores has 2 rows but reference_labels has 1",
        ),
        (
            {"scores": [0.5], "reference_scores": [0.1, 2.0], "reference_labels": [1, 0]},
            "reference_scores has 1 values outside",
        ),
        (
            {"scores": [0.5], "reference_scores": [0.1, 0.2], "reference_labels": [1, 2]},
            "reference_labels has values other than 0 and 1",
        ),
        ({"scores": [0.5], "recalibrate": True}, "recalibrate=True needs reference_scores"),
    ],
)
def test_bad_input_is_refused_with_one_line(kwargs: dict[str, Any], message: str) -> None:
    scores = kwargs.pop("scores")
    with pytest.raises(InvalidInputError, match=message) as raised:
        estimate_performance(scores, **kwargs)
    assert "\n" not in str(raised.value)
