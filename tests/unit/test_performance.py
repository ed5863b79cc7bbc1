"""Performance reports: scikit-learn's numbers, fast bootstrap formulas held to scikit-learn with
the same weights, reproducible intervals, the calibration curve, bad input and containers."""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import PERFORMANCE_METRICS
from steward.stats import performance, resampling
from steward.stats.performance import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    PerformanceReport,
    classification_report,
    regression_report,
)


class _Tolerance(TypedDict):
    """Keyword arguments of `pytest.approx`."""

    rel: float
    abs: float


TOL: _Tolerance = {"rel": 1e-9, "abs": 1e-9}


def _binary(seed: int, n: int = 400, *, ties: bool = False) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    p = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, n) + 1.5 * (y - 0.5))))
    if ties:
        # A 0.05 grid puts many scores on each value, 0.5 (the threshold) included.
        p = np.round(p * 20.0) / 20.0
    return y, p


def _weights(seed: int, n: int) -> Any:
    rng = np.random.default_rng(seed + 1000)
    w = rng.uniform(0.2, 3.0, n)
    w[rng.random(n) < 0.1] = 0.0  # zero weights must behave like absent rows
    return w


def _sklearn_binary(y: Any, p: Any, w: Any, threshold: float = 0.5) -> dict[str, float]:
    predicted = (p >= threshold).astype(np.int64)
    return {
        "auc": skm.roc_auc_score(y, p, sample_weight=w),
        "pr_auc": skm.average_precision_score(y, p, sample_weight=w),
        "accuracy": skm.accuracy_score(y, predicted, sample_weight=w),
        "precision": skm.precision_score(y, predicted, sample_weight=w, zero_division=np.nan),
        "recall": skm.recall_score(y, predicted, sample_weight=w),
        "f1": skm.f1_score(y, predicted, sample_weight=w),
        "log_loss": skm.log_loss(y, p, sample_weight=w, labels=[0, 1]),
        "brier": skm.brier_score_loss(y, p, sample_weight=w),
    }


def _regression(seed: int, n: int = 400) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.normal(50.0, 10.0, n)
    return y, y + rng.normal(0.0, 4.0, n)


def _sklearn_regression(y: Any, p: Any, w: Any) -> dict[str, float]:
    return {
        "rmse": skm.root_mean_squared_error(y, p, sample_weight=w),
        "mae": skm.mean_absolute_error(y, p, sample_weight=w),
        "mape": skm.mean_absolute_percentage_error(y, p, sample_weight=w),
        "r2": skm.r2_score(y, p, sample_weight=w),
    }


# ---- point estimates --------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, True])
def test_classification_metrics_are_sklearns(seed: int, weighted: bool, ties: bool) -> None:
    y, p = _binary(seed, ties=ties)
    w = _weights(seed, len(y)) if weighted else None
    report = classification_report(y, p, sample_weight=w, bootstrap=0)
    expected = _sklearn_binary(y, p, w)
    assert report.metrics == pytest.approx(expected, **TOL)
    assert list(report.metrics) == list(CLASSIFICATION_METRICS)
    tn, fp, fn, tp = skm.confusion_matrix(y, p >= 0.5, sample_weight=w).ravel()
    confusion = report.confusion
    assert confusion is not None
    assert (confusion.tn, confusion.fp, confusion.fn, confusion.tp) == pytest.approx(
        (tn, fp, fn, tp)
    )
    assert report.intervals == {}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_are_sklearns(seed: int, weighted: bool) -> None:
    y, p = _regression(seed)
    w = _weights(seed, len(y)) if weighted else None
    report = regression_report(y, p, sample_weight=w, bootstrap=0)
    assert report.metrics == pytest.approx(_sklearn_regression(y, p, w), **TOL)
    assert list(report.metrics) == list(REGRESSION_METRICS)


def test_metric_names_are_the_performance_evidence_kinds() -> None:
    assert set(CLASSIFICATION_METRICS) | set(REGRESSION_METRICS) == set(PERFORMANCE_METRICS)


def test_threshold_counts_a_score_equal_to_it_as_positive() -> None:
    report = classification_report([0, 1, 0, 1], [0.2, 0.5, 0.5, 0.9], bootstrap=0)
    assert report.confusion == performance.Confusion(threshold=0.5, tn=1, fp=1, fn=0, tp=2)
    stricter = classification_report([0, 1, 0, 1], [0.2, 0.5, 0.5, 0.9], threshold=0.6)
    assert stricter.metrics["recall"] == 0.5


# ---- fast bootstrap paths against scikit-learn with the same weights --------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, True])
def test_classification_resamples_equal_sklearn_with_their_weights(
    seed: int, weighted: bool, ties: bool
) -> None:
    y, p = _binary(seed, n=300, ties=ties)
    w = _weights(seed, len(y)) if weighted else None
    engine = resampling.BinaryResampler(y.astype(float), p, w, 0.5)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        pos_w, neg_w = engine.draw(rng)
        rows = np.zeros(len(y))
        rows[engine.strata[0]], rows[engine.strata[1]] = pos_w, neg_w
        if w is None:  # a stratified resample: each class keeps its number of rows
            assert rows[y == 1].sum() == y.sum() and rows[y == 0].sum() == len(y) - y.sum()
        fast = dict(zip(CLASSIFICATION_METRICS, engine.score(pos_w, neg_w), strict=True))
        assert fast == pytest.approx(_sklearn_binary(y, p, rows), **TOL)


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 1.0])
def test_classification_formulas_hold_for_any_weights(threshold: float) -> None:
    y, p = _binary(7, n=250, ties=True)
    p[:5] = [0.0, 1.0, 1.0, 0.0, 0.3]
    engine = resampling.BinaryResampler(y.astype(float), p, None, threshold)
    w = _weights(7, len(y))
    fast = engine.score(w[engine.strata[0]], w[engine.strata[1]])
    expected = _sklearn_binary(y, p, w, threshold)
    assert dict(zip(CLASSIFICATION_METRICS, fast, strict=True)) == pytest.approx(
        expected, nan_ok=True, **TOL
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_resamples_equal_sklearn_with_their_weights(seed: int, weighted: bool) -> None:
    y, p = _regression(seed, n=300)
    y = y + 1e4  # a large offset must not cost R² its precision
    p = p + 1e4
    w = _weights(seed, len(y)) if weighted else None
    engine = resampling.RegressionResampler(y, p, w, mape=True)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        (rows,) = engine.draw(rng)
        fast = dict(zip(REGRESSION_METRICS, engine.score(rows), strict=True))
        assert fast == pytest.approx(_sklearn_regression(y, p, rows), **TOL)


# ---- intervals --------------------------------------------------------------------------


def test_intervals_are_reproducible_and_depend_on_the_seed() -> None:
    y, p = _binary(3, n=1000)
    first = classification_report(y, p, seed=11)
    assert classification_report(y, p, seed=11).intervals == first.intervals
    other = classification_report(y, p, seed=12).intervals
    assert all(other[name] != first.intervals[name] for name in CLASSIFICATION_METRICS)
    yr, pr = _regression(3, n=1000)
    reg = regression_report(yr, pr, seed=11)
    assert regression_report(yr, pr, seed=11).intervals == reg.intervals
    assert regression_report(yr, pr, seed=12).intervals != reg.intervals


def test_more_resamples_keep_the_first_ones() -> None:
    """Resample b always uses the b-th child seed, so 50 resamples are a prefix of 100."""
    y, p = _binary(4, n=200)
    engine = resampling.BinaryResampler(y.astype(float), p, None, 0.5)
    children = np.random.SeedSequence(5).spawn(100)
    scores = [engine.resample(np.random.default_rng(child)) for child in children]
    again = [engine.resample(np.random.default_rng(c)) for c in np.random.SeedSequence(5).spawn(50)]
    np.testing.assert_array_equal(np.array(scores[:50]), np.array(again))


@pytest.mark.parametrize("weighted", [False, True])
def test_intervals_contain_the_point_estimate(weighted: bool) -> None:
    y, p = _binary(5, n=2000)
    w = _weights(5, len(y)) if weighted else None
    report = classification_report(y, p, sample_weight=w, confidence=0.9)
    for name, (low, high) in report.intervals.items():
        assert low < report.metrics[name] < high, name
    yr, pr = _regression(5, n=2000)
    reg = regression_report(yr, pr, sample_weight=w)
    for name, (low, high) in reg.intervals.items():
        assert low < reg.metrics[name] < high, name


def test_wider_confidence_gives_wider_intervals() -> None:
    y, p = _binary(6, n=500)
    narrow = classification_report(y, p, confidence=0.5).intervals["auc"]
    wide = classification_report(y, p, confidence=0.99).intervals["auc"]
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


# ---- calibration ------------------------------------------------------------------------


@pytest.mark.parametrize("bins", [1, 5, 10, 23])
@pytest.mark.parametrize("seed", [0, 1])
def test_calibration_is_sklearns_curve(bins: int, seed: int) -> None:
    y, p = _binary(seed, ties=True)
    p[:4] = [0.0, 1.0, 0.1, 0.2]  # the ends and bin edges
    report = classification_report(y, p, calibration_bins=bins, bootstrap=0)
    fraction, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    curve = report.calibration
    assert curve is not None
    np.testing.assert_array_equal(curve.fraction_positive, fraction)
    np.testing.assert_array_equal(curve.mean_predicted, predicted)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    assert curve.counts == tuple(int(c) for c in np.bincount(ids, minlength=bins) if c)
    assert sum(curve.counts) == len(y)
    assert all(
        low <= mean <= high
        for low, mean, high in zip(curve.lower, predicted, curve.upper, strict=True)
    )


def test_calibration_leaves_out_empty_bins_and_weights_the_means() -> None:
    report = classification_report(
        [0, 1, 1, 0], [0.05, 0.15, 0.95, 0.95], sample_weight=[1, 1, 3, 1], bootstrap=0
    )
    curve = report.calibration
    assert curve is not None
    assert curve.lower == pytest.approx((0.0, 0.1, 0.9))
    assert curve.counts == (1, 1, 2)
    assert curve.fraction_positive == pytest.approx((0.0, 1.0, 0.75))


# ---- ROC and precision-recall curves ----------------------------------------------------


def _sklearn_curves(y: Any, p: Any, w: Any, **pr_options: Any) -> dict[str, list[Any]]:
    """sklearn's ROC and PR curves as lists of points, in sklearn's order."""
    fpr, tpr, _ = skm.roc_curve(y, p, sample_weight=w)
    precision, recall, _ = skm.precision_recall_curve(y, p, sample_weight=w, **pr_options)
    return {
        "roc": list(zip(fpr, tpr, strict=True)),
        "pr": list(zip(recall, precision, strict=True)),
    }


def _report_curves(report: PerformanceReport) -> dict[str, list[Any]]:
    assert report.roc is not None and report.pr is not None
    return {
        "roc": list(zip(report.roc.fpr, report.roc.tpr, strict=True)),
        "pr": list(zip(report.pr.recall, report.pr.precision, strict=True)),
    }


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [3000, 20000])
def test_curves_are_thinned_subsets_of_sklearns_with_both_ends(n: int, weighted: bool) -> None:
    y, p = _binary(11, n=n)
    w = _weights(11, n) if weighted else None
    kept = _report_curves(classification_report(y, p, sample_weight=w, bootstrap=0))
    for name, full in _sklearn_curves(y, p, w).items():
        assert len(full) > 101 and 50 < len(kept[name]) <= 101, name
        assert kept[name][0] == full[0] and kept[name][-1] == full[-1], name
        positions = [full.index(point) for point in kept[name]]  # raises if not on the curve
        assert positions == sorted(positions), name


def test_short_curves_are_kept_whole() -> None:
    y, p = _binary(12, n=400, ties=True)  # a 0.05 grid: at most 21 thresholds
    w = _weights(12, len(y))
    kept = _report_curves(classification_report(y, p, sample_weight=w, bootstrap=0))
    # The PR curve leaves out the thresholds that do not change the plotted curve.
    assert kept == _sklearn_curves(y, p, w, drop_intermediate=True)
    assert kept["roc"] == _sklearn_curves(y, p, w)["roc"]


@pytest.mark.parametrize("n", [3000, 20000])
def test_curve_points_are_spread_evenly_along_the_curve(n: int) -> None:
    """No stretch of the curve is left without points: between two kept points lies at most
    a hundredth of the curve's length plus one of sklearn's steps."""
    y, p = _binary(13, n=n)
    kept = _report_curves(classification_report(y, p, bootstrap=0))
    for name, full in _sklearn_curves(y, p, None).items():
        steps = np.hypot(*np.diff(np.array(full), axis=0).T)
        along = np.concatenate([[0.0], np.cumsum(steps)])
        gaps = np.diff(along[[full.index(point) for point in kept[name]]])
        assert gaps.max() <= along[-1] / 100 + steps.max() + 1e-12, name


def test_curve_points_caps_the_points_kept() -> None:
    y, p = _binary(14, n=2000)
    ends = _report_curves(classification_report(y, p, bootstrap=0, curve_points=2))
    assert ends["roc"] == [(0.0, 0.0), (1.0, 1.0)]
    assert ends["pr"] == [(1.0, float(y.mean())), (0.0, 1.0)]
    few = _report_curves(classification_report(y, p, bootstrap=0, curve_points=11))
    assert 2 < len(few["roc"]) <= 11 and 2 < len(few["pr"]) <= 11


def test_curves_are_in_the_dict_of_classification_reports_only() -> None:
    y, p = _binary(15, n=500)
    report = classification_report(y, p, bootstrap=0)
    assert report.roc is not None and report.pr is not None
    data = report.as_dict()
    assert data["roc"] == {"fpr": list(report.roc.fpr), "tpr": list(report.roc.tpr)}
    assert data["pr"] == {"recall": list(report.pr.recall), "precision": list(report.pr.precision)}
    yr, pr = _regression(15, n=100)
    assert {"roc", "pr"}.isdisjoint(regression_report(yr, pr, bootstrap=0).as_dict())


# ---- undefined metrics and the report's shape -------------------------------------------


def test_zeros_in_y_true_make_mape_nan_with_a_note() -> None:
    y, p = _regression(8, n=200)
    y[[3, 9]] = 0.0
    report = regression_report(y, p)
    assert math.isnan(report.metrics["mape"])
    assert all(math.isnan(bound) for bound in report.intervals["mape"])
    assert "y_true has 2 zeros: MAPE is undefined and reported as NaN" in report.notes
    assert report.metrics["rmse"] == pytest.approx(skm.root_mean_squared_error(y, p))
    assert "mape" not in report.evidence_metrics()
    json.dumps(report.as_dict(), allow_nan=False)
    assert report.as_dict()["metrics"]["mape"] is None


def test_constant_y_true_makes_r2_nan_with_a_note() -> None:
    report = regression_report([3.0, 3.0, 3.0], [2.0, 3.0, 4.0])
    assert math.isnan(report.metrics["r2"])
    assert "y_true is constant (3): R² is undefined and reported as NaN" in report.notes
    weighted = regression_report([1.0, 2.0, 5.0], [1.0, 2.5, 4.0], sample_weight=[0, 0, 2])
    assert "y_true is constant (5): R² is undefined and reported as NaN" in weighted.notes
    assert weighted.metrics["mae"] == 1.0


def test_precision_without_predicted_positives_is_nan_with_a_note() -> None:
    report = classification_report([0, 1, 0, 1], [0.1, 0.4, 0.3, 0.2], threshold=0.9)
    assert math.isnan(report.metrics["precision"])
    assert (
        report.notes[0] == "no row has y_score >= 0.9: precision is undefined and reported as NaN"
    )
    assert report.metrics["recall"] == 0.0


def test_metrics_undefined_in_some_resamples_are_noted() -> None:
    # Only one row reaches the threshold, so about a third of the resamples miss it.
    y = [0, 1, 0, 1, 0, 1]
    report = classification_report(y, [0.1, 0.6, 0.3, 0.4, 0.2, 0.3], bootstrap=100, seed=1)
    (note,) = report.notes
    assert re.fullmatch(
        r"precision was undefined in (\d+) of 100 resamples \(no drawn row with weight reached "
        r"the threshold\); its interval uses the other (\d+)",
        note,
    )
    assert report.intervals["precision"] == (1.0, 1.0)


def test_resamples_whose_rows_all_have_zero_weight_are_left_out() -> None:
    y, p = [0, 1, 0, 1, 0, 1], [0.1, 0.6, 0.3, 0.4, 0.2, 0.7]
    report = classification_report(y, p, sample_weight=[1, 1, 1, 0, 1, 0], seed=2)
    assert any("the rows drawn from a class all had zero weight" in note for note in report.notes)
    assert all(math.isfinite(low) for low, _ in report.intervals.values())
    reg = regression_report([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.5], sample_weight=[0, 0, 0, 1])
    assert any("the drawn rows all had zero weight" in note for note in reg.notes)


def test_report_as_dict_and_evidence_metrics() -> None:
    y, p = _binary(9, n=300)
    report = classification_report(y, p, bootstrap=20)
    data = report.as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["task"] == "classification" and data["rows"] == 300
    assert data["confusion"]["tp"] + data["confusion"]["fn"] == int(y.sum())
    assert isinstance(data["confusion"]["tp"], int)
    assert data["intervals"]["auc"] == list(report.intervals["auc"])
    assert report.evidence_metrics() == report.metrics
    assert set(report.evidence_metrics()) <= set(PERFORMANCE_METRICS)


# ---- bad input --------------------------------------------------------------------------

GOOD_Y = [0, 1, 0, 1]
GOOD_P = [0.1, 0.8, 0.3, 0.6]


@pytest.fixture
def nothing_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must be refused before any metric is computed."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("computed a metric on bad input")

    names = (
        "classification_metrics",
        "regression_metrics",
        "_calibration",
        "_curves",
        "_bootstrap",
    )
    for name in names:
        monkeypatch.setattr(performance, name, refuse)


@pytest.mark.usefixtures("nothing_computed")
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [], "y_score": []}, "y_true is empty: there is nothing to evaluate"),
        (
            {"y_true": [0, 1] * 50, "y_score": [0.5] * 99},
            "y_score has 99 rows, y_true has 100",
        ),
        (
            {"y_true": [0, 1, 0], "y_score": [0.1, np.nan, 0.2]},
            "y_score has 1 missing, NaN or infinite values",
        ),
        (
            {"y_true": [0, 1, 0], "y_score": [0.1, np.inf, 0.2]},
            "y_score has 1 missing, NaN or infinite values",
        ),
        (
            {"y_true": [0, None, 1], "y_score": [0.1, 0.2, 0.3]},
            "y_true has 1 missing, NaN or infinite values",
        ),
        (
            {"y_true": [0, 1] * 10, "y_score": [-0.2, 1.3] * 6 + [0.5] * 8},
            "y_score has 12 values outside [0, 1] (min -0.2, max 1.3): "
            "pass probabilities of the positive class",
        ),
        (
            {"y_true": [1, 1, 1], "y_score": [0.1, 0.2, 0.3]},
            "y_true has a single class (1): ROC AUC is undefined",
        ),
        (
            {"y_true": [0, 1, 2, 3, 4, 1], "y_score": [0.1] * 6},
            "y_true has labels other than 0 and 1 (2, 3, 4): "
            "pass 1 for the positive class and 0 for the negative",
        ),
        (
            {"y_true": ["no", "yes"], "y_score": [0.1, 0.9]},
            "y_true must hold numbers or booleans, got string",
        ),
        (
            {"y_true": GOOD_Y, "y_score": np.full((4, 2), 0.5)},
            "y_score must be one column, got shape (4, 2): "
            "pass the positive-class column, e.g. predict_proba(X)[:, 1]",
        ),
        (
            {"y_true": GOOD_Y, "y_score": {"a": 1}},
            "cannot read y_score of type builtins.dict: pass a NumPy array, a list, "
            "a pandas or polars Series, or a pyarrow Array",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "sample_weight": [1, 1, -1, -2]},
            "sample_weight has 2 negative values",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "sample_weight": [1, 1, 1]},
            "sample_weight has 3 rows, y_true has 4",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "sample_weight": [1, 0, 1, 0]},
            "sample_weight is 0 for every row with y_true = 1: ROC AUC is undefined",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "threshold": 1.5},
            "threshold must be between 0 and 1, got 1.5",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "bootstrap": -1},
            "bootstrap must be a whole number of resamples, got -1",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "confidence": 95},
            "confidence must be between 0 and 1, got 95",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "seed": -3},
            "seed must be a non-negative integer, got -3",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "calibration_bins": 0},
            "calibration_bins must be at least 1, got 0",
        ),
        (
            {"y_true": GOOD_Y, "y_score": GOOD_P, "curve_points": 1},
            "curve_points must be at least 2, got 1",
        ),
    ],
)
def test_bad_classification_input_is_one_line(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        classification_report(**kwargs)
    assert str(caught.value) == message


@pytest.mark.usefixtures("nothing_computed")
@pytest.mark.parametrize(
    ("y_true", "y_pred", "weights", "message"),
    [
        ([], [], None, "y_true is empty: there is nothing to evaluate"),
        ([1.0, 2.0], [1.0], None, "y_pred has 1 rows, y_true has 2"),
        ([1.0, -np.inf], [1.0, 2.0], None, "y_true has 1 missing, NaN or infinite values"),
        ([1.0], [1.0], None, "y_true has 1 row: R² needs at least 2"),
        ([1.0, 2.0], [1.0, 2.0], [0, 0], "sample_weight sums to 0: there is nothing to average"),
    ],
)
def test_bad_regression_input_is_one_line(
    y_true: Any, y_pred: Any, weights: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        regression_report(y_true, y_pred, sample_weight=weights)
    assert str(caught.value) == message


# ---- containers -------------------------------------------------------------------------


def _containers(values: Any) -> list[Any]:
    half = len(values) // 2
    return [
        values,
        values.tolist(),
        tuple(values.tolist()),
        values.reshape(-1, 1),
        pd.Series(values),
        pl.Series("scores", values),
        pa.array(values),
        pa.chunked_array([values[:half], values[half:]]),
    ]


def _same(a: PerformanceReport, b: PerformanceReport) -> bool:
    return bool(a.as_dict() == b.as_dict())


def test_every_container_gives_the_same_report() -> None:
    y, p = _binary(10, n=120, ties=True)
    w = _weights(10, len(y))
    expected = classification_report(y, p, sample_weight=w, bootstrap=30)
    for y_in, p_in, w_in in zip(_containers(y), _containers(p), _containers(w), strict=True):
        report = classification_report(y_in, p_in, sample_weight=w_in, bootstrap=30)
        assert _same(report, expected), type(p_in)
    labels = [
        y.astype(bool),
        pd.Series(y, dtype="Int64"),
        pd.Series(y.astype(bool), dtype="category"),
        pl.Series(y.astype(np.int8)),
        pa.array(y.astype(bool)),
    ]
    for y_in in labels:
        assert _same(classification_report(y_in, p, sample_weight=w, bootstrap=30), expected)
    yr, pr = _regression(10, n=120)
    expected = regression_report(yr, pr, bootstrap=30)
    for y_in, p_in in zip(_containers(yr), _containers(pr), strict=True):
        assert _same(regression_report(y_in, p_in, bootstrap=30), expected)


def test_missing_values_in_any_container_are_refused() -> None:
    y = [0, 1, 0, 1]
    for p in (
        pd.Series([0.1, None, 0.2, 0.4]),
        pd.Series([0.1, None, 0.2, 0.4], dtype="Float64"),
        pl.Series([0.1, None, 0.2, 0.4]),
        pa.array([0.1, None, 0.2, 0.4]),
        np.array([0.1, None, 0.2, 0.4], dtype=object),
    ):
        with pytest.raises(InvalidInputError, match="y_score has 1 missing, NaN or infinite"):
            classification_report(y, p)
    with pytest.raises(InvalidInputError, match="y_score has 2 columns: pass one column"):
        classification_report(y, pd.DataFrame({"a": [0.1] * 4, "b": [0.2] * 4}))
