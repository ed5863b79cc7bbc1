"""When a monitoring rule may act: sample floors (insufficient data raises nothing), destructive
performance rules on the confidence bound, runs of breaching qualifying windows, the cooldown
after an alert closes, and the intervals themselves against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from steward.domain.alerting import (
    MIN_LABELLED_ROWS,
    MIN_WINDOW_ROWS,
    RuleHistory,
    insufficient,
    min_rows,
    read,
    unboundable,
)
from steward.domain.monitoring import WindowResult
from steward.domain.policy import MonitoringRule
from steward.domain.weakening import monitoring_weakenings
from steward.stats.performance_bounds import auc_interval, wilson_interval

DRIFT = MonitoringRule(signal="drift.psi_max", op=">", value=0.2, action="open_review")
DEMOTE = MonitoringRule(signal="performance.auc", op="<", value=0.7, action="demote")


def _drift(start: str, rows: int, psi: float) -> WindowResult:
    return WindowResult("p/m/1", start, "drift", {"rows": rows, "drift.psi_max": psi}, {}, "")


def _performance(labelled: int, auc: float, upper: float) -> WindowResult:
    signals = {"labelled_rows": labelled, "performance.auc": auc, "performance.auc.upper": upper}
    return WindowResult("p/m/1", "2026-11-02T00:00:00Z", "performance", signals, {}, "")


def test_each_family_of_signal_has_a_floor_and_a_rule_may_set_its_own() -> None:
    assert min_rows(DRIFT) == MIN_WINDOW_ROWS == 500
    assert min_rows(DEMOTE) == MIN_LABELLED_ROWS == 200
    assert min_rows(MonitoringRule(signal="kpi.sales.out_of_control", op=">", value=0)) == 0
    assert min_rows(DRIFT.model_copy(update={"min_rows": 50})) == 50


def test_a_window_below_the_floor_is_insufficient_data_and_raises_nothing() -> None:
    """The hostile walk's case: AUC from 17 labelled rows, far below the threshold."""
    small = _performance(17, 0.31, 0.52)
    assert read(DEMOTE, small).state == "insufficient"
    assert insufficient([DEMOTE, DRIFT], small) == [
        "insufficient data for performance.auc < 0.7 -> demote: 17 of the 200 rows it needs"
    ]
    assert read(DRIFT, _drift("2026-11-02T00:00:00Z", 499, 0.9)).state == "insufficient"
    assert read(DRIFT, _drift("2026-11-02T00:00:00Z", 500, 0.9)).state == "breach"


def test_a_destructive_performance_rule_reads_the_upper_bound_not_the_estimate() -> None:
    """A point estimate of 0.66 whose interval reaches 0.74 does not demote; one whose upper
    bound is 0.69 does. A notifying rule reads the estimate."""
    assert read(DEMOTE, _performance(400, 0.66, 0.74)).state == "clear"
    breach = read(DEMOTE, _performance(400, 0.60, 0.69))
    assert (breach.state, breach.value) == ("breach", 0.69)
    notify = DEMOTE.model_copy(update={"action": "notify"})
    assert read(notify, _performance(400, 0.66, 0.74)).state == "breach"
    # Without a bound the destructive rule cannot act at all.
    no_bound = WindowResult("p/m/1", "w", "performance", {"labelled_rows": 400,
                            "performance.auc": 0.1}, {}, "")  # fmt: skip
    assert read(DEMOTE, no_bound).state == "unmeasured"
    assert unboundable(DEMOTE.model_copy(update={"signal": "performance.f1"}))
    assert not unboundable(DEMOTE) and not unboundable(DRIFT)


def test_demotion_waits_for_three_breaching_qualifying_windows_in_a_row() -> None:
    days = [f"2026-11-0{d}T00:00:00Z" for d in range(1, 8)]
    windows = [
        _drift(days[0], 600, 0.3),
        _drift(days[1], 600, 0.3),
        _drift(days[2], 40, 0.01),  # too few rows: neither breaks nor extends the run
        _drift(days[3], 600, 0.3),
        _drift(days[4], 600, 0.1),  # recovered: the run starts again
        _drift(days[5], 600, 0.3),
    ]
    demote = DRIFT.model_copy(update={"action": "demote"})
    assert demote.windows_needed == 3 and DRIFT.windows_needed == 1
    history = RuleHistory(demote, windows)
    assert [history.run_at(d) for d in days[:6]] == [1, 2, 0, 3, 0, 1]
    assert history.windows_after(days[0], days[5]) == 4  # qualifying ones only
    assert history.windows_after(days[5], days[6]) == 0


def test_loosening_a_floor_run_or_cooldown_is_a_weakening() -> None:
    stricter = [DEMOTE]
    for change in ({"min_rows": 1_000}, {"consecutive": 5}, {"cooldown": 10}):
        found = monitoring_weakenings(stricter, [DEMOTE.model_copy(update=change)])
        assert found == ["rule performance.auc < 0.7 (demote) is loosened"], change
    assert monitoring_weakenings(stricter, [DEMOTE.model_copy(update={"consecutive": 2})]) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_auc_interval_is_delongs_against_its_definition(seed: int) -> None:
    """DeLong's variance from mid-ranks equals the variance computed from the pairwise
    comparisons themselves (ties counting half)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 300).astype(np.float64)
    scores = np.round(rng.normal(labels * 0.8, 1.0), 1)  # rounded: ties
    found = auc_interval(labels, scores)
    assert found is not None
    auc, lower, upper = found
    positive, negative = scores[labels == 1], scores[labels == 0]
    wins = (positive[:, None] > negative[None, :]) + 0.5 * (positive[:, None] == negative[None, :])
    v10, v01 = wins.mean(axis=1), wins.mean(axis=0)
    variance = v10.var(ddof=1) / len(positive) + v01.var(ddof=1) / len(negative)
    assert auc == pytest.approx(wins.mean(), abs=1e-12)
    assert (upper - lower) / 2 == pytest.approx(1.959963984540054 * np.sqrt(variance), rel=1e-9)
    assert auc_interval(np.ones(5), scores[:5]) is None


@pytest.mark.parametrize(("hits", "trials"), [(0, 10), (7, 10), (180, 200), (200, 200)])
def test_proportions_use_the_wilson_interval(hits: int, trials: int) -> None:
    expected = binomtest(hits, trials).proportion_ci(confidence_level=0.95, method="wilson")
    found = wilson_interval(hits, trials)
    assert found == pytest.approx((expected.low, expected.high), abs=1e-9)
    assert wilson_interval(0, 0) is None
