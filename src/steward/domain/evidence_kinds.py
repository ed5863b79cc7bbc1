"""The kinds of evidence Steward knows and the metrics each one produces.

A gate check names a kind and, for a threshold, one of its metrics (`performance.auc >= 0.75`).
The built-in kinds are the ones Steward's evidence engine produces; a policy can declare more
(`evidence_kinds:`) for results produced elsewhere, such as a load test or an independent
validation report. Every kind also has `passed`, the verdict of the check as a whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from steward.domain.errors import InvalidInputError
from steward.domain.policy import Policy

PASSED = "passed"

PERFORMANCE_METRICS: tuple[str, ...] = (
    "auc",
    "pr_auc",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "log_loss",
    "brier",
    "rmse",
    "mae",
    "mape",
    "r2",
)

# Kind -> its metrics, in the order they are listed to users.
_CATALOG: dict[str, tuple[str, ...]] = {
    "data_quality": (
        "passed",
        "failed_rules",
        "missing_share_max",
        "duplicate_share",
        "schema_errors",
        "unseen_category_share",
        "outlier_share",
        "constant_columns",
    ),
    "performance": PERFORMANCE_METRICS,
    "champion_challenger": (
        *(f"delta_{name}" for name in PERFORMANCE_METRICS),
        "latency_p50_ms",
        "latency_p99_ms",
        "model_size_bytes",
        "peak_memory_bytes",
        "challenger_wins",
    ),
    "fairness": (
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equal_opportunity_difference",
        "min_group_size",
        "small_groups",
    ),
    "explainability": ("features_explained", "top_feature_share", "local_explanations"),
    "documentation": ("complete", "missing_fields"),
}


def _with_passed(names: tuple[str, ...]) -> tuple[str, ...]:
    return names if PASSED in names else (*names, PASSED)


BUILTIN_EVIDENCE_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {kind: frozenset(_with_passed(names)) for kind, names in _CATALOG.items()}
)
"""Built-in evidence kind -> the metrics it produces (`passed` included)."""


def metric_names(kind: str, policy: Policy | None = None) -> tuple[str, ...] | None:
    """The metrics of `kind` in a stable order (built-in first, then the policy's own), or None
    when neither Steward nor the policy knows the kind."""
    builtin = _CATALOG.get(kind)
    declared = policy.evidence_kinds.get(kind) if policy is not None else None
    if builtin is None and declared is None:
        return None
    names = list(builtin or ())
    for name in declared.metrics if declared is not None else ():
        if name not in names:
            names.append(name)
    return _with_passed(tuple(names))


def metrics_for(kind: str, policy: Policy | None = None) -> frozenset[str] | None:
    """The metrics evidence of `kind` may carry under `policy`, or None for an unknown kind."""
    names = metric_names(kind, policy)
    return None if names is None else frozenset(names)


def known_kinds(policy: Policy | None = None) -> tuple[str, ...]:
    """Every evidence kind a check may name under `policy`: built-in first, then declared."""
    declared = tuple(policy.evidence_kinds) if policy is not None else ()
    return (*_CATALOG, *(kind for kind in declared if kind not in _CATALOG))


# The values each built-in metric can take: a value outside is a typing error or a forgery
# (`auc=5`, `demographic_parity_ratio=42`), never a result, and it would pass thresholds such as
# `>= 0.8`. Counts are whole numbers. Metrics a policy declares carry no range.
_UNIT = (0.0, 1.0)
_NON_NEGATIVE = (0.0, math.inf)
_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("auc", "pr_auc", "accuracy", "precision", "recall", "f1", "brier"), _UNIT),
    **dict.fromkeys(("log_loss", "rmse", "mae", "mape"), _NON_NEGATIVE),
    "r2": (-math.inf, 1.0),
    **dict.fromkeys(
        (
            "missing_share_max",
            "duplicate_share",
            "unseen_category_share",
            "outlier_share",
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equalized_odds_difference",
            "equal_opportunity_difference",
            "top_feature_share",
        ),
        _UNIT,
    ),
    **dict.fromkeys(("latency_p50_ms", "latency_p99_ms"), _NON_NEGATIVE),
}
_COUNTS = frozenset(
    {
        "failed_rules",
        "schema_errors",
        "constant_columns",
        "model_size_bytes",
        "peak_memory_bytes",
        "min_group_size",
        "small_groups",
        "features_explained",
        "local_explanations",
        "missing_fields",
    }
)
_FLAGS = frozenset({"passed", "complete", "challenger_wins"})


def metric_range(kind: str, name: str) -> tuple[float, float]:
    """The values a built-in metric of a built-in kind can take; unbounded for others."""
    if kind not in _CATALOG or name not in _CATALOG[kind]:
        return (-math.inf, math.inf)
    if name in _FLAGS:
        return (0.0, 1.0)
    if name in _COUNTS:
        return _NON_NEGATIVE
    if name.startswith("delta_"):
        return _delta_range(name)
    return _RANGES.get(name, (-math.inf, math.inf))


def check_metric_value(kind: str, name: str, value: float) -> None:
    """Refuse a value a built-in metric of a built-in kind cannot take, naming the range."""
    if kind not in _CATALOG or (name not in _CATALOG[kind] and name != PASSED):
        return
    what = f"metric {name!r} of {kind} evidence"
    if name in _FLAGS:
        if value not in (0.0, 1.0):
            raise InvalidInputError(f"{what} is a yes/no flag: 1 or 0, got {value:g}")
        return
    if name in _COUNTS:
        if value < 0 or not float(value).is_integer():
            raise InvalidInputError(
                f"{what} is a count: a whole number of at least 0, got {value:g}"
            )
        return
    low, high = (
        _delta_range(name)
        if name.startswith("delta_")
        else _RANGES.get(name, (-math.inf, math.inf))
    )
    if not low <= value <= high:
        raise InvalidInputError(f"{what} must be {_range_text(low, high)}, got {value:g}")


def _delta_range(name: str) -> tuple[float, float]:
    """A champion-challenger delta of a metric bounded in [low, high] lies within ±(high - low)."""
    low, high = _RANGES.get(name.removeprefix("delta_"), (-math.inf, math.inf))
    span = high - low
    return (-span, span)


def _range_text(low: float, high: float) -> str:
    if math.isinf(low):
        return f"at most {high:g}"
    if math.isinf(high):
        return f"at least {low:g}"
    return f"between {low:g} and {high:g}"
