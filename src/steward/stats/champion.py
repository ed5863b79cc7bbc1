"""Champion/challenger: is a new model (the challenger) at least as good as the model in
service (the champion) on the same labelled rows, and what does each cost to run?

Point metrics of both models come from scikit-learn, through the same path as the performance
report, and each metric's delta is challenger minus champion. The interval of a delta comes
from a paired percentile bootstrap: every resample draws one set of rows (stratified by class
for classification) and scores both models on it, so the delta of each resample keeps the
correlation between the two models' errors. Scoring the two models on independent resamples
would add both models' sampling noise and give a much wider interval.

The verdict is a non-inferiority test on the primary metric (AUC for classification and RMSE
for regression unless `primary_metric` says otherwise). The improvement is the delta oriented so
that positive is better (the delta for metrics where higher is better, minus the delta for
losses and errors). The verdict reads the lower end of the improvement's interval:

- `passed`: that lower end is at least `-margin`, so the challenger is, with the report's
  confidence, no worse than the champion by more than `margin` (in the metric's own units);
- `challenger_wins`: that lower end is above 0, so the challenger is better.

With `bootstrap=0` there are no intervals, and the verdict reads the point improvement instead
(a note says so). When the primary metric is undefined, neither holds.
"""

from __future__ import annotations

import dataclasses
import math
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from steward.domain.errors import InvalidInputError
from steward.stats.columns import first_line
from steward.stats.performance import classification_metrics, regression_metrics
from steward.stats.performance_inputs import (
    check_labels,
    check_probabilities,
    check_regression_rows,
    check_settings,
    check_threshold,
    is_real,
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
    paired_deltas,
    percentile_intervals,
)

Task = Literal["classification", "regression"]

HIGHER_IS_BETTER: Mapping[str, bool] = MappingProxyType(
    {
        **dict.fromkeys(("auc", "pr_auc", "accuracy", "precision", "recall", "f1", "r2"), True),
        **dict.fromkeys(("log_loss", "brier", "rmse", "mae", "mape"), False),
    }
)
DEFAULT_PRIMARY: Mapping[str, str] = MappingProxyType(
    {"classification": "auc", "regression": "rmse"}
)
_METRICS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"classification": CLASSIFICATION_METRICS, "regression": REGRESSION_METRICS}
)
_SCORES = ("champion_score", "challenger_score")

# The clock the cost timings read; tests replace it to get known durations.
_now_ns: Callable[[], int] = time.perf_counter_ns


@dataclass(frozen=True)
class MetricComparison:
    """One metric of both models; `low` and `high` bound the delta (challenger - champion),
    NaN when there was no bootstrap or the metric is undefined."""

    name: str
    champion: float
    challenger: float
    delta: float
    low: float
    high: float
    higher_is_better: bool

    def as_dict(self) -> dict[str, Any]:
        fields = dataclasses.asdict(self)
        return {key: _json(v) if isinstance(v, float) else v for key, v in fields.items()}


@dataclass(frozen=True)
class Cost:
    """What running a model costs: its serialised size, single-row latency, peak memory of a
    batch prediction and batch throughput."""

    model_size_bytes: int
    latency_p50_ms: float
    latency_p99_ms: float
    peak_memory_bytes: int
    throughput_rows_per_s: float

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ComparisonReport:
    """The comparison of a challenger with the champion; see the module docstring for the
    verdict. `metrics` lists every metric of the task in the performance report's order."""

    champion: str | None
    challenger: str
    task: Task
    rows: int
    primary_metric: str
    margin: float
    confidence: float
    bootstrap: int
    seed: int
    metrics: tuple[MetricComparison, ...]
    passed: bool
    challenger_wins: bool
    notes: tuple[str, ...] = field(default=())
    cost_champion: Cost | None = None
    cost_challenger: Cost | None = None

    def metric(self, name: str) -> MetricComparison:
        """The comparison of metric `name`."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)

    def with_cost(self, champion: Cost | None, challenger: Cost | None) -> ComparisonReport:
        """A copy carrying the measured costs of both models."""
        return dataclasses.replace(self, cost_champion=champion, cost_challenger=challenger)

    def evidence_metrics(self) -> dict[str, float]:
        """The metrics `champion_challenger` evidence carries, all finite: the delta of every
        defined metric, the win as 1 or 0, and the challenger's cost when it was measured."""
        out = {f"delta_{m.name}": m.delta for m in self.metrics if math.isfinite(m.delta)}
        out["challenger_wins"] = 1.0 if self.challenger_wins else 0.0
        cost = self.cost_challenger
        if cost is not None:
            out["latency_p50_ms"] = cost.latency_p50_ms
            out["latency_p99_ms"] = cost.latency_p99_ms
            out["model_size_bytes"] = float(cost.model_size_bytes)
            out["peak_memory_bytes"] = float(cost.peak_memory_bytes)
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN becomes null, since JSON has no NaN."""
        return {
            "champion": self.champion,
            "challenger": self.challenger,
            "task": self.task,
            "rows": self.rows,
            "primary_metric": self.primary_metric,
            "margin": self.margin,
            "confidence": self.confidence,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "metrics": [metric.as_dict() for metric in self.metrics],
            "passed": self.passed,
            "challenger_wins": self.challenger_wins,
            "notes": list(self.notes),
            "cost": {
                "champion": self.cost_champion and self.cost_champion.as_dict(),
                "challenger": self.cost_challenger and self.cost_challenger.as_dict(),
            },
            "evidence": self.evidence_metrics(),
        }


def _json(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ---- comparison -------------------------------------------------------------------------


def compare_models(
    y_true: object,
    champion_score: object,
    challenger_score: object,
    *,
    task: Task,
    threshold: float = 0.5,
    sample_weight: object = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    primary_metric: str | None = None,
    margin: float = 0.01,
    champion: str | None = None,
    challenger: str = "",
) -> ComparisonReport:
    """Compare the challenger's predictions with the champion's on the same rows.

    Scores are probabilities of the positive class for classification (y_true 0/1) and
    predictions for regression. `margin` is how much worse, in the primary metric's units, the
    challenger may be and still pass; the interval of each delta is a paired percentile
    bootstrap interval at `confidence` over `bootstrap` resamples seeded by `seed`."""
    primary = _check_options(task, primary_metric, margin, champion, challenger)
    check_settings(bootstrap, confidence, seed)
    data = _read(task, y_true, (champion_score, challenger_score), sample_weight, threshold)
    (first, second), notes = _point_metrics(data)
    names = _METRICS[task]
    delta = {name: second[name] - first[name] for name in names}
    intervals = {name: (math.nan, math.nan) for name in names}
    if bootstrap:
        first_engine, second_engine = data.resamplers()
        deltas = paired_deltas(first_engine, second_engine, bootstrap, seed)
        intervals, missing = percentile_intervals(deltas, names, delta, confidence)
        notes.extend(
            f"the delta of {name} was undefined in {count} of {bootstrap} resamples "
            f"({first_engine.why(name)}, for one model or both); "
            f"its interval uses the other {bootstrap - count}"
            for name, count in missing.items()
        )
    metrics = tuple(
        MetricComparison(
            name, first[name], second[name], delta[name], *intervals[name], HIGHER_IS_BETTER[name]
        )
        for name in names
    )
    headline = next(metric for metric in metrics if metric.name == primary)
    passed, wins = _verdict(headline, float(margin), bootstrap, notes)
    return ComparisonReport(
        champion=champion,
        challenger=challenger,
        task=task,
        rows=len(data.y),
        primary_metric=primary,
        margin=float(margin),
        confidence=confidence,
        bootstrap=bootstrap,
        seed=seed,
        metrics=metrics,
        passed=passed,
        challenger_wins=wins,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class _Data:
    """Checked inputs: labels, the champion's and the challenger's scores, sample weights."""

    task: Task
    y: Floats
    scores: tuple[Floats, ...]
    w: Floats | None
    threshold: float
    mape: bool  # MAPE is defined (y_true has no zeros), for regression

    def resamplers(self) -> list[Resampler]:
        """One resampler per model, champion first."""
        if self.task == "classification":
            return [BinaryResampler(self.y, p, self.w, self.threshold) for p in self.scores]
        return [RegressionResampler(self.y, p, self.w, mape=self.mape) for p in self.scores]


def _check_options(
    task: str, primary_metric: str | None, margin: float, champion: object, challenger: object
) -> str:
    """Refuse bad settings; return the primary metric."""
    if task not in _METRICS:
        raise InvalidInputError(f"task must be 'classification' or 'regression', got {task!r}")
    names = _METRICS[task]
    primary = DEFAULT_PRIMARY[task] if primary_metric is None else primary_metric
    if primary not in names:
        raise InvalidInputError(
            f"primary_metric {primary!r} is not a {task} metric: use one of {', '.join(names)}"
        )
    if not (is_real(margin) and math.isfinite(margin) and margin >= 0):
        raise InvalidInputError(f"margin must be a non-negative number, got {margin!r}")
    if champion is not None and not isinstance(champion, str):
        raise InvalidInputError(f"champion must be a name or None, got {champion!r}")
    if not isinstance(challenger, str):
        raise InvalidInputError(f"challenger must be a name, got {challenger!r}")
    return primary


def _read(
    task: Task, y_true: object, scores: tuple[object, object], w_in: object, threshold: float
) -> _Data:
    if task == "classification":
        check_threshold(threshold)
    y, columns, w = read_columns(y_true, dict(zip(_SCORES, scores, strict=True)), w_in)
    if task == "classification":
        for name, p in zip(_SCORES, columns, strict=True):
            check_probabilities(name, p)
        check_labels(y, w)
        return _Data(task, y, columns, w, float(threshold), mape=False)
    check_regression_rows(y, w)
    mape, _, _ = undefined_regression_metrics(y, w)
    return _Data(task, y, columns, w, float(threshold), mape=mape)


def _point_metrics(data: _Data) -> tuple[list[dict[str, float]], list[str]]:
    """scikit-learn's metrics of each model, and notes on those that are undefined."""
    y, w = data.y, data.w
    if data.task == "regression":
        mape, r2, notes = undefined_regression_metrics(y, w)
        return [regression_metrics(y, p, w, mape=mape, r2=r2) for p in data.scores], notes
    points: list[dict[str, float]] = []
    notes = []
    for name, p in zip(_SCORES, data.scores, strict=True):
        metrics, _, undefined = classification_metrics(y, p, w, data.threshold, scores=name)
        points.append(metrics)
        notes.extend(undefined)
    return points, notes


def _verdict(
    primary: MetricComparison, margin: float, bootstrap: int, notes: list[str]
) -> tuple[bool, bool]:
    """(passed, challenger_wins) from the lower end of the primary metric's improvement."""
    if bootstrap:
        worst = primary.low if primary.higher_is_better else -primary.high
    else:
        worst = primary.delta if primary.higher_is_better else -primary.delta
        notes.append(
            f"bootstrap is 0: there are no intervals, and the verdict reads the point delta of "
            f"{primary.name}"
        )
    if math.isnan(worst):
        notes.append(
            f"the delta of the primary metric {primary.name} is undefined: "
            "neither passed nor challenger_wins holds"
        )
        return False, False
    return worst >= -margin, worst > 0


# ---- cost -------------------------------------------------------------------------------


def measure_cost(
    predict: Callable[[Any], Any],
    sample: Any,
    *,
    size_bytes: int,
    calls: int = 200,
    batch_rows: int = 1000,
    seed: int = 0,
) -> Cost:
    """Measure what calling `predict` costs on rows of `sample` (a pandas DataFrame, or a 2-D
    NumPy array, of feature rows).

    Latency: `calls` calls on one row each (rows drawn with `seed`, sliced before the clock
    starts), after one warm-up call that is not counted; p50 and p99 in milliseconds.
    Throughput: one call on `batch_rows` rows drawn with `seed` (with replacement when the
    sample has fewer rows), in rows per second. Peak memory: the most memory tracemalloc saw
    allocated during a second call on that batch, above what was allocated before it; tracing
    slows Python down, so it is kept out of the timed calls. `size_bytes`, the serialised
    model's size, is passed through."""
    take, rows = _row_taker(sample)
    _check_cost_options(predict, size_bytes, calls, batch_rows, seed, rows)
    rng = np.random.default_rng(seed)
    singles = [take([int(row)]) for row in rng.integers(0, rows, calls + 1)]
    batch = take(rng.choice(rows, size=batch_rows, replace=rows < batch_rows).tolist())
    latencies = _latencies_ms(predict, singles)
    p50, p99 = np.percentile(latencies, [50.0, 99.0])
    return Cost(
        model_size_bytes=int(size_bytes),
        latency_p50_ms=float(p50),
        latency_p99_ms=float(p99),
        peak_memory_bytes=_peak_memory(predict, batch),
        throughput_rows_per_s=batch_rows / (max(_elapsed_ns(predict, batch), 1) / 1e9),
    )


def _row_taker(sample: Any) -> tuple[Callable[[list[int]], Any], int]:
    """A function picking rows of `sample` by position, and its number of rows."""
    if hasattr(sample, "iloc") and hasattr(sample, "columns"):  # a pandas DataFrame
        return (lambda positions: sample.iloc[positions]), len(sample)
    if isinstance(sample, np.ndarray) and sample.ndim == 2:
        return (lambda positions: sample[positions]), len(sample)
    kind = type(sample)
    raise InvalidInputError(
        f"sample must be a pandas DataFrame of feature rows, "
        f"got {kind.__module__}.{kind.__qualname__}"
    )


def _check_cost_options(
    predict: object, size_bytes: int, calls: int, batch_rows: int, seed: int, rows: int
) -> None:
    if not callable(predict):
        raise InvalidInputError("predict must be callable: pass the model's predict function")
    if not rows:
        raise InvalidInputError("sample has no rows: the cost is measured on feature rows")
    for name, value, least in (
        ("size_bytes", size_bytes, 0),
        ("calls", calls, 1),
        ("batch_rows", batch_rows, 1),
        ("seed", seed, 0),
    ):
        if not (is_whole(value) and value >= least):
            raise InvalidInputError(f"{name} must be a whole number >= {least}, got {value!r}")


def _latencies_ms(predict: Callable[[Any], Any], singles: Sequence[Any]) -> Floats:
    """Milliseconds of each call on one row, after the first call (the warm-up)."""
    warm_up, *timed = singles
    _call(predict, warm_up)
    latencies = np.empty(len(timed))
    for i, row in enumerate(timed):
        latencies[i] = _elapsed_ns(predict, row) / 1e6
    return latencies


def _elapsed_ns(predict: Callable[[Any], Any], rows: Any) -> int:
    start = _now_ns()
    _call(predict, rows)
    return _now_ns() - start


def _peak_memory(predict: Callable[[Any], Any], rows: Any) -> int:
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        _call(predict, rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:  # leave a trace someone else started running
            tracemalloc.stop()
    return max(peak - before, 0)


def _call(predict: Callable[[Any], Any], rows: Any) -> None:
    # A model that fails on the sample is the caller's problem to fix: one line, no traceback.
    try:
        predict(rows)
    except Exception as exc:
        raise InvalidInputError(f"predict failed on the sample: {first_line(exc)}") from exc


__all__ = [
    "DEFAULT_PRIMARY",
    "HIGHER_IS_BETTER",
    "ComparisonReport",
    "Cost",
    "MetricComparison",
    "Task",
    "compare_models",
    "measure_cost",
]
