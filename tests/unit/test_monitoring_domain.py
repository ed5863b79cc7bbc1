"""Pure monitoring rules: window widths and alignment, which rules a window's signals breach and
how alerts are deduplicated, the policy's monitoring settings, and the mergeable score sums that
estimate performance without labels (against `estimate_performance` on the rows)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.alerting import read
from steward.domain.errors import InvalidInputError
from steward.domain.monitoring import WindowResult, dedup_key
from steward.domain.policy import Monitoring, MonitoringRule
from steward.domain.windows import parse_window, window_epoch, window_text
from steward.stats.estimate import estimate_performance
from steward.stats.score_sums import ScoreSums, score_sums


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("text", "seconds", "label"),
    [("30m", 1800, "30m"), ("1h", 3600, "1h"), ("6h", 21600, "6h"), ("1d", 86400, "1d"),
     ("2w", 1209600, "2w"), (" 7d ", 604800, "1w")],
)  # fmt: skip
def test_window_widths_parse_and_name_themselves(text: str, seconds: int, label: str) -> None:
    window = parse_window(text)
    assert window.seconds == seconds
    assert window.label == label  # 7d is a week, aligned to Mondays like 1w


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "1y", "-1h", "1.5h", "fortnight"])
def test_malformed_windows_are_refused_in_one_line(text: str) -> None:
    with pytest.raises(InvalidInputError, match="malformed window"):
        parse_window(text)


def test_day_windows_start_at_midnight_utc_and_weeks_on_monday() -> None:
    day, week = parse_window("1d"), parse_window("1w")
    moment = _epoch("2026-11-05T17:45:00")  # a Thursday
    assert window_text(day.start_of(moment)) == "2026-11-05T00:00:00Z"
    assert window_text(week.start_of(moment)) == "2026-11-02T00:00:00Z"
    assert datetime.fromtimestamp(week.start_of(moment), UTC).weekday() == 0


@given(st.integers(min_value=0, max_value=4_000_000_000))
def test_a_moment_lies_in_its_window_and_the_name_round_trips(moment: int) -> None:
    for window in (parse_window("1h"), parse_window("1d"), parse_window("1w")):
        start = window.start_of(moment)
        assert start <= moment < start + window.seconds
        assert window_epoch(window_text(start)) == start


RULES = (
    MonitoringRule(signal="drift.psi_max", op=">", value=0.2, action="open_review"),
    MonitoringRule(signal="performance.auc", op="<", value=0.7, action="retrain"),
    MonitoringRule(signal="errors.rate", op=">=", value=0.05),
)


def _window(signals: dict[str, float], kind: str = "drift") -> WindowResult:
    return WindowResult("credit/scorer/1", "2026-11-02T00:00:00Z", kind, signals, {}, "")


def test_only_measured_signals_that_cross_their_threshold_are_breaches() -> None:
    drift, _, errors = RULES
    assert read(drift, _window({"rows": 600, "drift.psi_max": 0.35})).state == "breach"
    # Not measured (no labels yet), or not a number: absence is not a breach.
    assert read(drift, _window({"rows": 600, "drift.psi_max": float("nan")})).state == (
        "unmeasured"
    )
    assert read(drift, _window({"rows": 600})).state == "unmeasured"
    # The threshold itself: strict and non-strict comparisons as written.
    assert read(drift, _window({"rows": 600, "drift.psi_max": 0.2})).state == "clear"
    assert read(errors, _window({"errors.rate": 0.05}, "series")).state == "breach"


def test_one_alert_per_version_window_and_rule() -> None:
    rule = RULES[0]
    key = dedup_key("credit/scorer/1", "2026-11-02T00:00:00Z", rule)
    assert key == dedup_key("credit/scorer/1", "2026-11-02T00:00:00Z", rule)
    assert key != dedup_key("credit/scorer/1", "2026-11-09T00:00:00Z", rule)
    assert key != dedup_key("credit/scorer/2", "2026-11-02T00:00:00Z", rule)
    assert key != dedup_key("credit/scorer/1", "2026-11-02T00:00:00Z", RULES[2])


def test_monitoring_settings_default_to_daily_windows_and_evidently_like_drift() -> None:
    settings = Monitoring()
    assert settings.window == "1d" and settings.drift.method is None
    assert settings.drift.drift_share == 0.5


def _rows(seed: int, n: int = 5000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.beta(2, 5, n), 0.0, 1.0)


def test_score_sums_give_the_row_level_estimate_for_the_confusion_metrics() -> None:
    scores = _rows(1)
    sums = score_sums(scores, threshold=0.4).estimate()
    rows = estimate_performance(scores, threshold=0.4).metrics
    for name in ("accuracy", "precision", "recall", "f1"):
        assert sums[name] == pytest.approx(rows[name], rel=1e-12)
    # AUC from 100 score bins: rows sharing a bin count as ties.
    assert sums["auc"] == pytest.approx(rows["auc"], abs=0.005)


def test_score_sums_of_parts_merge_into_the_sums_of_the_whole() -> None:
    scores = _rows(2)
    whole = score_sums(scores)
    parts = [score_sums(part) for part in np.array_split(scores, 7)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.bin_rows == whole.bin_rows
    assert merged.estimate() == pytest.approx(whole.estimate(), rel=1e-12)
    assert ScoreSums.from_dict(merged.to_dict()) == merged


def test_calibration_maps_scores_before_the_expected_counts() -> None:
    scores = _rows(3)
    halved = {"x": [0.0, 1.0], "y": [0.0, 0.5]}
    plain, mapped = score_sums(scores), score_sums(scores, calibration=halved)
    assert mapped.positive_rows == plain.positive_rows  # predictions use the raw scores
    assert mapped.positive_p == pytest.approx(plain.positive_p / 2)


def test_scores_outside_zero_one_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"probabilities in \[0, 1\]"):
        score_sums(np.array([0.2, 1.7]))
