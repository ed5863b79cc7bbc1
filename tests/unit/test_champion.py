"""Champion/challenger comparison: scikit-learn's metrics for both models, paired bootstrap
intervals of the deltas equal to a slow loop over the same resamples with scikit-learn, the
non-inferiority verdict in each metric's orientation, the report's shape, bad input, and the
cost measurement (on a fake clock, so no assertion depends on how fast this machine is)."""

from __future__ import annotations

import json
import math
import tracemalloc
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import BUILTIN_EVIDENCE_KINDS, PERFORMANCE_METRICS
from steward.stats import champion as champion_module
from steward.stats.champion import (
    HIGHER_IS_BETTER,
    ComparisonReport,
    Cost,
    Task,
    compare_models,
)
from steward.stats.resampling import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    BinaryResampler,
    PairedResampler,
    resample_scores,
)


class _Tolerance(TypedDict):
    """Keyword arguments of `pytest.approx`."""

    rel: float
    abs: float


TOL: _Tolerance = {"rel": 1e-12, "abs": 1e-12}
# The orientation the brief fixes, written out here rather than read from the module.
HIGHER = {"auc", "pr_auc", "accuracy", "precision", "recall", "f1", "r2"}


def _binary(seed: int, n: int = 300, *, ties: bool = False, noise: float = 0.4) -> Any:
    """Labels, a champion's scores and a challenger's scores correlated with them."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    signal = rng.normal(0.0, 1.0, n) + 1.5 * (y - 0.5)
    champion = 1.0 / (1.0 + np.exp(-signal))
    challenger = 1.0 / (1.0 + np.exp(-(signal + noise * rng.normal(0.0, 1.0, n))))
    if ties:
        champion, challenger = np.round(champion * 20) / 20, np.round(challenger * 20) / 20
    return y, champion, challenger


def _regression(seed: int, n: int = 300) -> Any:
    rng = np.random.default_rng(seed)
    y = rng.normal(50.0, 10.0, n)
    champion = y + rng.normal(0.0, 4.0, n)
    return y, champion, champion + rng.normal(0.0, 1.0, n)


def _weights(seed: int, n: int) -> Any:
    rng = np.random.default_rng(seed + 1000)
    w = rng.uniform(0.2, 3.0, n)
    w[rng.random(n) < 0.1] = 0.0
    return w


def _sklearn(task: str, y: Any, p: Any, w: Any) -> dict[str, float]:
    if task == "regression":
        return {
            "rmse": skm.root_mean_squared_error(y, p, sample_weight=w),
            "mae": skm.mean_absolute_error(y, p, sample_weight=w),
            "mape": skm.mean_absolute_percentage_error(y, p, sample_weight=w),
            "r2": skm.r2_score(y, p, sample_weight=w),
        }
    predicted = (p >= 0.5).astype(np.int64)
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


def _slow_paired_intervals(
    task: str, y: Any, first: Any, second: Any, w: Any, resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    """The paired bootstrap written out: resample b draws, with the b-th child seed, positives
    and then negatives (in the champion's score order) or every row for regression, and both
    models are scored on those rows by scikit-learn."""
    if task == "classification":
        strata = [np.flatnonzero(y == label) for label in (1, 0)]
        strata = [rows[np.argsort(first[rows], kind="stable")] for rows in strata]
    else:
        strata = [np.arange(len(y))]
    deltas = []
    for child in np.random.SeedSequence(seed).spawn(resamples):
        rng = np.random.default_rng(child)
        drawn = np.zeros(len(y))
        for rows in strata:
            drawn[rows] = np.bincount(rng.integers(0, len(rows), len(rows)), minlength=len(rows))
        drawn = drawn if w is None else drawn * w
        a, b = _sklearn(task, y, first, drawn), _sklearn(task, y, second, drawn)
        deltas.append({name: b[name] - a[name] for name in a})
    out = {}
    for name in deltas[0]:
        values = np.array([d[name] for d in deltas])
        values = values[np.isfinite(values)]
        low, high = np.percentile(values, [2.5, 97.5])
        out[name] = (float(low), float(high))
    return out


# ---- point metrics and paired intervals -------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_point_metrics_and_deltas_are_sklearns(task: Task, weighted: bool) -> None:
    y, first, second = _binary(1) if task == "classification" else _regression(1)
    w = _weights(1, len(y)) if weighted else None
    report = compare_models(y, first, second, task=task, sample_weight=w, bootstrap=0)
    expected_first, expected_second = _sklearn(task, y, first, w), _sklearn(task, y, second, w)
    assert [m.name for m in report.metrics] == list(expected_first)
    for m in report.metrics:
        assert m.champion == pytest.approx(expected_first[m.name], **TOL)
        assert m.challenger == pytest.approx(expected_second[m.name], **TOL)
        assert m.delta == m.challenger - m.champion
        assert math.isnan(m.low) and math.isnan(m.high)


@pytest.mark.parametrize(
    ("task", "weighted", "ties"),
    [
        ("classification", False, False),
        ("classification", True, False),
        ("classification", False, True),
        ("classification", True, True),
        ("regression", False, False),
        ("regression", True, False),
    ],
)
def test_paired_intervals_equal_a_slow_sklearn_loop_over_the_same_resamples(
    task: Task, weighted: bool, ties: bool
) -> None:
    y, first, second = _binary(2, ties=ties) if task == "classification" else _regression(2)
    w = _weights(2, len(y)) if weighted else None
    report = compare_models(y, first, second, task=task, sample_weight=w, bootstrap=40, seed=7)
    expected = _slow_paired_intervals(task, y, first, second, w, 40, 7)
    for m in report.metrics:
        assert (m.low, m.high) == pytest.approx(expected[m.name], **TOL), m.name


def test_paired_interval_is_narrower_than_an_unpaired_one_on_correlated_scores() -> None:
    y, first, second = _binary(3, n=2000, noise=0.2)
    report = compare_models(y, first, second, task="classification", bootstrap=200, seed=1)
    # Unpaired: each model on its own, independent resamples.
    alone = [
        resample_scores(BinaryResampler(y.astype(float), p, None, 0.5), 200, seed)
        for p, seed in ((first, 1), (second, 2))
    ]
    unpaired = alone[1] - alone[0]
    for column, name in enumerate(CLASSIFICATION_METRICS):
        low, high = np.percentile(unpaired[:, column], [2.5, 97.5])
        paired = report.metric(name)
        assert paired.high - paired.low < 0.6 * (high - low), name


def test_the_paired_draw_is_the_champions_own_performance_resample() -> None:
    """The champion's side of every paired resample is the resample its performance report
    draws with the same seed, so the two reports agree on the champion."""
    y, first, second = _binary(4, n=400)
    w = _weights(4, len(y))
    engines = [BinaryResampler(y.astype(float), p, w, 0.5) for p in (first, second)]
    paired = resample_scores(PairedResampler(*engines), 30, 5)
    np.testing.assert_array_equal(paired[:, :8], resample_scores(engines[0], 30, 5))


def test_comparison_is_reproducible_and_depends_on_the_seed() -> None:
    y, first, second = _binary(5)
    report = compare_models(y, first, second, task="classification", seed=3)
    assert compare_models(y, first, second, task="classification", seed=3) == report
    other = compare_models(y, first, second, task="classification", seed=4)
    assert other.metric("auc").low != report.metric("auc").low


# ---- verdict ----------------------------------------------------------------------------


def test_orientation_of_every_metric() -> None:
    assert set(HIGHER_IS_BETTER) == set(PERFORMANCE_METRICS)
    assert {name for name, higher in HIGHER_IS_BETTER.items() if higher} == HIGHER


@pytest.mark.parametrize("primary", [*CLASSIFICATION_METRICS, *REGRESSION_METRICS])
@pytest.mark.parametrize("margin", [0.0, 0.01, 0.2])
def test_verdict_reads_the_lower_end_of_the_oriented_improvement(
    primary: str, margin: float
) -> None:
    task: Task = "classification" if primary in CLASSIFICATION_METRICS else "regression"
    y, first, second = _binary(6) if task == "classification" else _regression(6)
    report = compare_models(
        y, first, second, task=task, primary_metric=primary, margin=margin, bootstrap=50
    )
    m = report.metric(primary)
    assert m.higher_is_better == (primary in HIGHER)
    worst = m.low if primary in HIGHER else -m.high
    assert report.passed == (worst >= -margin)
    assert report.challenger_wins == (worst > 0)


def test_a_better_challenger_wins_and_a_worse_one_fails() -> None:
    y, good, bad = _binary(7, n=2000, noise=1.5)
    better = compare_models(y, bad, good, task="classification")
    assert better.challenger_wins and better.passed
    worse = compare_models(y, good, bad, task="classification")
    assert not worse.passed and not worse.challenger_wins
    yr, close, far = _regression(7, n=2000)
    far = yr + 3.0 * (far - yr)
    lower_rmse = compare_models(yr, far, close, task="regression")
    assert lower_rmse.metric("rmse").delta < 0
    assert lower_rmse.challenger_wins and lower_rmse.passed


def test_the_same_model_passes_without_winning() -> None:
    y, first, _ = _binary(8)
    report = compare_models(y, first, first, task="classification", margin=0.0)
    assert all(m.delta == 0 and (m.low, m.high) == (0, 0) for m in report.metrics)
    assert report.passed and not report.challenger_wins


def test_without_bootstrap_the_verdict_reads_the_point_delta() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    champion, challenger = y + 1.0, y + 1.05  # RMSE 1 against 1.05: 0.05 worse
    just_inside = compare_models(
        y, champion, challenger, task="regression", bootstrap=0, margin=0.06
    )
    assert just_inside.passed and not just_inside.challenger_wins
    outside = compare_models(y, champion, challenger, task="regression", bootstrap=0, margin=0.04)
    assert not outside.passed
    note = "bootstrap is 0: there are no intervals, and the verdict reads the point delta of rmse"
    assert note in outside.notes
    assert outside.as_dict()["metrics"][0]["low"] is None


def test_an_undefined_primary_metric_gives_no_verdict() -> None:
    y, first, second = _regression(9, n=50)
    y[3] = 0.0
    report = compare_models(y, first, second, task="regression", primary_metric="mape")
    assert math.isnan(report.metric("mape").delta)
    assert not report.passed and not report.challenger_wins
    assert "y_true has 1 zeros: MAPE is undefined and reported as NaN" in report.notes
    assert (
        "the delta of the primary metric mape is undefined: "
        "neither passed nor challenger_wins holds" in report.notes
    )
    assert "delta_mape" not in report.evidence_metrics()


def test_deltas_undefined_in_some_resamples_are_noted() -> None:
    y = [0, 1, 0, 1, 0, 1]
    first, second = [0.1, 0.6, 0.3, 0.4, 0.2, 0.3], [0.1, 0.7, 0.2, 0.4, 0.3, 0.2]
    report = compare_models(y, first, second, task="classification", bootstrap=100, seed=1)
    (note,) = [n for n in report.notes if n.startswith("the delta of precision")]
    assert "no drawn row with weight reached the threshold, for one model or both" in note


def test_a_challenger_without_predicted_positives_is_noted() -> None:
    y, first, second = [0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], [0.1, 0.4, 0.3, 0.2]
    report = compare_models(y, first, second, task="classification", bootstrap=0)
    assert (
        "no row has challenger_score >= 0.5: precision is undefined and reported as NaN"
        in report.notes
    )


# ---- the report's shape -----------------------------------------------------------------

COST = Cost(
    model_size_bytes=1234,
    latency_p50_ms=0.5,
    latency_p99_ms=2.0,
    peak_memory_bytes=4096,
    throughput_rows_per_s=1e5,
)


def test_as_dict_is_json_ready_and_evidence_uses_the_catalogs_names() -> None:
    y, first, second = _regression(10)
    y[0] = 0.0  # MAPE undefined: null in the dict, absent from the evidence
    report = compare_models(y, first, second, task="regression", champion="a/b/1", challenger="x")
    data = report.as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert list(data) == [
        "champion",
        "challenger",
        "task",
        "rows",
        "primary_metric",
        "margin",
        "confidence",
        "bootstrap",
        "seed",
        "metrics",
        "passed",
        "challenger_wins",
        "notes",
        "cost",
        "evidence",
    ]
    assert data["champion"] == "a/b/1" and data["rows"] == 300 and data["primary_metric"] == "rmse"
    assert data["metrics"][2]["name"] == "mape" and data["metrics"][2]["delta"] is None
    metric_keys = ["name", "champion", "challenger", "delta", "low", "high", "higher_is_better"]
    assert list(data["metrics"][0]) == metric_keys
    assert data["cost"] == {"champion": None, "challenger": None}
    assert data["evidence"] == {
        "delta_rmse": pytest.approx(report.metric("rmse").delta),
        "delta_mae": pytest.approx(report.metric("mae").delta),
        "delta_r2": pytest.approx(report.metric("r2").delta),
        "challenger_wins": float(report.challenger_wins),
    }


def test_with_cost_adds_the_challengers_cost_to_the_evidence() -> None:
    y, first, second = _binary(11)
    report = compare_models(y, first, second, task="classification", bootstrap=20)
    costed = report.with_cost(None, COST)
    assert report.cost_challenger is None  # a copy, the original is unchanged
    evidence = costed.evidence_metrics()
    assert set(evidence) == {
        *(f"delta_{name}" for name in CLASSIFICATION_METRICS),
        "challenger_wins",
        "latency_p50_ms",
        "latency_p99_ms",
        "model_size_bytes",
        "peak_memory_bytes",
    }
    assert set(evidence) <= BUILTIN_EVIDENCE_KINDS["champion_challenger"]
    assert all(isinstance(v, float) and math.isfinite(v) for v in evidence.values())
    assert evidence["model_size_bytes"] == 1234.0
    assert costed.as_dict()["cost"] == {"champion": None, "challenger": COST.as_dict()}
    cost_keys = "model_size_bytes latency_p50_ms latency_p99_ms peak_memory_bytes"
    assert list(COST.as_dict()) == [*cost_keys.split(), "throughput_rows_per_s"]


def test_scores_may_come_in_any_container() -> None:
    y, first, second = _binary(12, n=100)
    expected = compare_models(y, first, second, task="classification", bootstrap=10)
    report = compare_models(
        pd.Series(y), pd.Series(first), second.tolist(), task="classification", bootstrap=10
    )
    assert isinstance(report, ComparisonReport) and report == expected


# ---- bad input --------------------------------------------------------------------------

Y, P, Q = [0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], [0.2, 0.7, 0.4, 0.9]


@pytest.fixture
def nothing_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must be refused before any metric is computed."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("computed a metric on bad input")

    for name in ("classification_metrics", "regression_metrics", "paired_deltas"):
        monkeypatch.setattr(champion_module, name, refuse)


@pytest.mark.usefixtures("nothing_computed")
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"y_true": [], "champion_score": [], "challenger_score": []},
            "y_true is empty: there is nothing to evaluate",
        ),
        ({"challenger_score": Q[:3]}, "challenger_score has 3 rows, y_true has 4"),
        ({"champion_score": [*P, 0.5]}, "champion_score has 5 rows, y_true has 4"),
        (
            {"challenger_score": [0.2, 1.7, 0.4, 0.9]},
            "challenger_score has 1 values outside [0, 1] (min 0.2, max 1.7): pass probabilities of the positive class",
        ),
        (
            {"champion_score": [0.1, np.nan, 0.3, 0.6]},
            "champion_score has 1 missing, NaN or infinite values",
        ),
        ({"y_true": [1, 1, 1, 1]}, "y_true has a single class (1): ROC AUC is undefined"),
        ({"task": "ranking"}, "task must be 'classification' or 'regression', got 'ranking'"),
        (
            {"primary_metric": "rmse"},
            "primary_metric 'rmse' is not a classification metric: use one of auc, pr_auc, accuracy, precision, recall, f1, log_loss, brier",
        ),
        (
            {"primary_metric": "auc", "task": "regression"},
            "primary_metric 'auc' is not a regression metric: use one of rmse, mae, mape, r2",
        ),
        ({"margin": -0.01}, "margin must be a non-negative number, got -0.01"),
        ({"margin": math.nan}, "margin must be a non-negative number, got nan"),
        ({"bootstrap": -1}, "bootstrap must be a whole number of resamples, got -1"),
        ({"confidence": 1.0}, "confidence must be between 0 and 1, got 1.0"),
        ({"threshold": 2}, "threshold must be between 0 and 1, got 2"),
        ({"sample_weight": [1, -1, 1, 1]}, "sample_weight has 1 negative values"),
        ({"champion": 3}, "champion must be a name or None, got 3"),
        ({"challenger": None}, "challenger must be a name, got None"),
        (
            {
                "y_true": [1.0],
                "champion_score": [1.0],
                "challenger_score": [1.0],
                "task": "regression",
            },
            "y_true has 1 row: R² needs at least 2",
        ),
    ],
)
def test_bad_input_is_refused_with_one_line(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "y_true": Y,
        "champion_score": P,
        "challenger_score": Q,
        "task": "classification",
    }
    arguments.update(kwargs)
    with pytest.raises(InvalidInputError) as caught:
        compare_models(**arguments)
    assert str(caught.value) == message


# ---- cost -------------------------------------------------------------------------------


class FakeModel:
    """A model on a fake clock: a single-row call takes the row's `ms` milliseconds (the first
    call, a cold start, takes 10 s), a batch call takes 250 ms and allocates 8,000 bytes a
    row. It records the rows of every call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0
        self.calls: list[Any] = []
        monkeypatch.setattr(champion_module, "_now_ns", lambda: self.now)

    def predict(self, rows: Any) -> Any:
        self.calls.append(rows)
        if len(rows) == 1:
            cold = len(self.calls) == 1
            self.now += 10_000_000_000 if cold else int(rows["ms"].iloc[0] * 1e6)
            return np.zeros(1)
        self.now += 250_000_000
        return np.ones((len(rows), 1000)).sum(axis=1)


SAMPLE = pd.DataFrame({"ms": np.arange(1.0, 51.0), "other": np.arange(50)})


def test_latency_percentiles_leave_out_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    model = FakeModel(monkeypatch)
    cost = champion_module.measure_cost(model.predict, SAMPLE, size_bytes=10, calls=40)
    singles = [rows for rows in model.calls if len(rows) == 1]
    assert len(singles) == 41 and all(isinstance(rows, pd.DataFrame) for rows in singles)
    timed = [float(rows["ms"].iloc[0]) for rows in singles[1:]]
    assert cost.latency_p50_ms == pytest.approx(np.percentile(timed, 50))
    assert cost.latency_p99_ms == pytest.approx(np.percentile(timed, 99))
    assert cost.latency_p99_ms <= 50.0  # the 10 s cold start is not counted


def test_throughput_memory_and_size(monkeypatch: pytest.MonkeyPatch) -> None:
    model = FakeModel(monkeypatch)
    cost = champion_module.measure_cost(model.predict, SAMPLE, size_bytes=777, batch_rows=1000)
    batches = [rows for rows in model.calls if len(rows) > 1]
    # One timed batch and one traced batch, the same rows (drawn with replacement: 50 < 1000).
    assert len(batches) == 2 and len(batches[0]) == 1000 and batches[0].equals(batches[1])
    assert cost.throughput_rows_per_s == pytest.approx(1000 / 0.25)
    assert 8_000_000 <= cost.peak_memory_bytes < 10_000_000
    assert cost.model_size_bytes == 777
    assert not tracemalloc.is_tracing()


def test_peak_memory_leaves_a_running_trace_running_and_counts_from_its_start() -> None:
    tracemalloc.start()
    try:
        held = np.ones(2_000_000)  # 16 MB allocated before the measurement
        cost = champion_module.measure_cost(
            lambda rows: np.ones((len(rows), 1000)).sum(), SAMPLE, size_bytes=0, calls=3
        )
        assert tracemalloc.is_tracing()
        assert 8_000_000 <= cost.peak_memory_bytes < 10_000_000
        del held
    finally:
        tracemalloc.stop()


def test_rows_are_drawn_with_the_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    def picked(seed: int) -> list[float]:
        model = FakeModel(monkeypatch)
        champion_module.measure_cost(model.predict, SAMPLE, size_bytes=0, calls=20, seed=seed)
        return [float(rows["ms"].iloc[0]) for rows in model.calls if len(rows) == 1]

    assert picked(1) == picked(1) != picked(2)


def test_cost_of_a_real_model_on_a_numpy_sample() -> None:
    from sklearn.linear_model import LogisticRegression

    x = np.random.default_rng(0).normal(size=(200, 3))
    model = LogisticRegression().fit(x, x[:, 0] > 0)
    cost = champion_module.measure_cost(model.predict_proba, x, size_bytes=1, calls=20)
    assert 0 < cost.latency_p50_ms <= cost.latency_p99_ms
    assert cost.throughput_rows_per_s > 0 and cost.peak_memory_bytes > 0


def _boom(rows: Any) -> Any:
    raise ValueError("X has 2 features, but the model expects 3\nmore detail")


@pytest.mark.parametrize(
    ("predict", "sample", "kwargs", "message"),
    [
        (len, [[1.0]], {}, "sample must be a pandas DataFrame of feature rows, got builtins.list"),
        (len, SAMPLE.iloc[:0], {}, "sample has no rows: the cost is measured on feature rows"),
        ("nope", SAMPLE, {}, "predict must be callable: pass the model's predict function"),
        (len, SAMPLE, {"size_bytes": -1}, "size_bytes must be a whole number >= 0, got -1"),
        (len, SAMPLE, {"calls": 0}, "calls must be a whole number >= 1, got 0"),
        (len, SAMPLE, {"batch_rows": 2.5}, "batch_rows must be a whole number >= 1, got 2.5"),
        (
            _boom,
            SAMPLE,
            {},
            "predict failed on the sample: X has 2 features, but the model expects 3",
        ),
    ],
)
def test_bad_cost_input_is_refused_with_one_line(
    predict: Any, sample: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        champion_module.measure_cost(predict, sample, **{"size_bytes": 0, **kwargs})
    assert str(caught.value) == message
