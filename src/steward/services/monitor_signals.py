"""What a window's profile says: drift against the reference, prediction drift, missing values
and estimated performance, as flat signals that monitoring rules compare with thresholds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from steward.domain.monitoring import PREDICTION, WindowPart, WindowResult
from steward.domain.policy import DriftSettings, Monitoring, MonitoringRule
from steward.services.governed import Governed
from steward.stats.profile import Profile
from steward.stats.profile_columns import CategoricalProfile, NumericProfile
from steward.stats.score_sums import ScoreSums


def merged_window(
    reference: Profile, parts: Sequence[WindowPart], width: int
) -> tuple[Profile | None, ScoreSums | None, int]:
    """The profile of every row ingested into one window of `width` seconds (None when no part
    counts), its score sums if any part had scores, and how many parts were left out: only
    parts of this width made on the reference's terms add up (an earlier reference had other
    bins)."""
    profile: Profile | None = None
    sums: ScoreSums | None = None
    left_out = 0
    for part in parts:
        if part.width != width:
            continue
        mine = Profile.from_dict(part.profile)
        if not same_terms(reference, mine):
            left_out += 1
            continue
        profile = mine if profile is None else profile.merge(mine)
        if part.scores:
            more = ScoreSums.from_dict(part.scores)
            sums = more if sums is None else sums.merge(more)
    return profile, sums, left_out


def same_terms(reference: Profile, profile: Profile) -> bool:
    """Whether `profile` was made on the reference's terms (columns, bins, category lists), so
    that it merges with other windows and compares with the reference bin by bin."""
    if list(reference.columns) != list(profile.columns):
        return False
    for name, wanted in reference.columns.items():
        got = profile.columns[name]
        if type(got) is not type(wanted):
            return False
        numeric = isinstance(wanted, NumericProfile) and isinstance(got, NumericProfile)
        if numeric and wanted.edges != got.edges:  # type: ignore[union-attr]
            return False
        listed = isinstance(wanted, CategoricalProfile) and isinstance(got, CategoricalProfile)
        if listed and wanted.categories != got.categories:  # type: ignore[union-attr]
            return False
    return True


def window_result(
    version_ref: str,
    window_start: str,
    reference: Profile,
    current: Profile,
    sums: ScoreSums | None,
    settings: DriftSettings,
    now: str,
) -> WindowResult:
    """Drift of the features and of the prediction, data health and estimated performance."""
    from steward.stats.profile_drift import profile_drift, psi_by_column

    features = [
        name
        for name, column in reference.columns.items()
        if name != PREDICTION and isinstance(column, NumericProfile | CategoricalProfile)
    ]
    signals: dict[str, float] = {"rows": float(current.rows)}
    detail: dict[str, Any] = {"rows": current.rows}
    if features:
        report = profile_drift(
            reference,
            current,
            columns=features,
            method=settings.method,
            column_methods=settings.column_methods,
            threshold=settings.threshold,
            column_thresholds=settings.column_thresholds,
            drift_share=settings.drift_share,
        )
        psi = psi_by_column(reference, current, list(report.columns))
        signals["drift.share"] = report.share
        signals["drift.dataset"] = 1.0 if report.dataset_drift else 0.0
        signals["drift.columns_drifted"] = float(report.drifted)
        finite = [v for v in psi.values() if v is not None and math.isfinite(v)]
        if finite:
            signals["drift.psi_max"] = max(finite)
        detail["drift"] = report.as_dict()
        detail["psi"] = {k: _json(v) for k, v in psi.items()}
    if PREDICTION in reference.columns and current.columns[PREDICTION].count > 0:
        prediction = profile_drift(reference, current, columns=[PREDICTION], method="psi")
        column = prediction.columns.get(PREDICTION)
        if column is not None:
            signals["prediction.psi"] = column.statistic
            signals["prediction.drifted"] = 1.0 if column.drifted else 0.0
            detail["prediction"] = column.as_dict()
    missing = [current.missing_share(name) for name in features]
    if missing and current.rows:
        signals["data.missing_share_max"] = max(missing)
    if sums is not None and sums.rows:
        estimate = sums.estimate()
        for name, value in estimate.items():
            if value is not None:
                signals[f"estimated.{name}"] = value
        detail["estimated"] = {"rows": sums.rows, "threshold": sums.threshold, **estimate}
    return WindowResult(version_ref, window_start, "drift", signals, detail, now)


def _json(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def noted(result: WindowResult, rules: Sequence[MonitoringRule]) -> WindowResult:
    """The result with the rules it has too few rows for named in its detail, so that status,
    reports and charts say "insufficient data" where a rule could not read the window."""
    from steward.domain.alerting import insufficient

    notes = insufficient(rules, result)
    if notes:
        result.detail["insufficient"] = notes
    return result


def tier_monitoring(governed: Governed) -> Monitoring:
    """The monitoring settings of the version's tier (none for an unclassified project)."""
    if governed.tier is None:
        return Monitoring()
    return governed.policy.monitoring.get(governed.tier, Monitoring())
