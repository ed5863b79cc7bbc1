"""Drift between a reference profile and the profile of a production window, without raw data.

A window profiled with `profile_like(reference, rows)` counts values on the reference's terms:
a numeric column on the bins (-inf, e0], (e0, e1], ..., (e_last, +inf), inner edges at the
reference's inverted-CDF quantiles; a categorical column on the reference's categories plus
an "other" bucket. Every method compares those counts; the result is `detect_drift`'s
`DriftReport`, so its HTML report and JSON serve both. Thresholds and the comparison that
means drift are `steward.stats.drift_methods`'s; buckets empty on both sides are dropped.

- numeric "psi", "jensenshannon": exact on the bins, outer bins included.
- numeric "ks": D is the largest gap between the empirical CDFs at the edges, where both are
  exact: a lower bound of the raw D (equal when every value is on an edge), short of it by at
  most the largest share of one bin on either side. The p-value is SciPy's asymptotic one
  (`kstwo` for round(n*m/(n+m)) values, as `ks_2samp(method="asymp")`).
- numeric "wasserstein": the integral of |F_ref - F_cur| over pieces spreading each side's
  values evenly, over the reference's population std (at least `drift_methods.MIN_STD`).
  Inner bins spread over their range cut to the side's [min, max]. An outer bin is its
  extreme value (the min or the max) plus the rest spread from the inner edge over the width
  giving the side's exact mean and the M2 closest to its own, so one far value does not
  spread a whole bin up to it. When every edge and extreme lies on a grid (integers, ...),
  each value stands for its grid cell. The result is at least the exact gap between the
  means. Both the true and the spread CDF stay between a bin's end values, so the error is
  at most the sum over both sides of bin share times bin width (over the std); measured
  errors are far smaller, except where one side sits on the edges and the other between.
- categorical "chisquare", "z" (at most two non-empty buckets, in text order, "other" last),
  "jensenshannon", "psi": on the listed categories and the "other" bucket.

Without a method, the choice follows Evidently's rule of size: when either side holds at most
SMALL_SAMPLE (1,000) values, a test, whose p-value accounts for the sample sizes: "ks" on a
numeric column (its binned form), "chisquare" on a categorical one (p < 0.05); otherwise
"jensenshannon" at 0.1, which is exact from profiles, unlike K-S and Wasserstein, and
Evidently's default for categories on a large reference. A distance at a fixed threshold is too
noisy for small samples: two samples of 300 rows from one normal distribution give a
Jensen-Shannon distance of about 0.13 on 20 bins.

Missing values and infinities are left out and counted. A profile counts infinities in the
outer bins without their sign: when a side's min or max shows an outer bin holds no finite
value the split is exact, otherwise they are taken from both in proportion to the finite
values those can hold, with a note. The distinct counts of a result count non-empty buckets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from steward.domain.errors import InvalidInputError
from steward.stats import drift_methods as dm
from steward.stats.binned_distances import ks_binned, wasserstein_binned
from steward.stats.drift import CHART_CATEGORIES, ColumnDrift, DriftKind, DriftReport
from steward.stats.profile import CategoricalProfile, ColumnProfile, NumericProfile, Profile

DEFAULT_METHOD: Final = "jensenshannon"
SMALL_SAMPLE: Final = 1000
NUMERIC_METHODS: Final[tuple[str, ...]] = ("psi", "jensenshannon", "ks", "wasserstein")
CATEGORICAL_METHODS: Final[tuple[str, ...]] = ("psi", "jensenshannon", "chisquare", "z")
KIND_METHODS: Final = {"numeric": NUMERIC_METHODS, "categorical": CATEGORICAL_METHODS}
OTHER_LABEL: Final = "(other)"
SIDES: Final = ("reference", "current window")


def profile_drift(
    reference: Profile,
    current: Profile,
    *,
    columns: Sequence[str] | None = None,
    method: str | None = None,
    column_methods: Mapping[str, str] | None = None,
    threshold: float | None = None,
    column_thresholds: Mapping[str, float] | None = None,
    drift_share: float = 0.5,
) -> DriftReport:
    """Compare the window profile `current` with `reference` column by column, and decide
    dataset drift as `detect_drift` does. `columns` defaults to every numeric and categorical
    column of the reference. A column's method is its `column_methods` entry ("auto": the
    default), else `method` where it suits the column's kind, else "jensenshannon"; its
    threshold is its `column_thresholds` entry, else `threshold` (unless `method` did not
    suit), else the method's default."""
    forced = dm.method_name(method, None)
    per_column = {str(k): dm.method_name(v, str(k)) for k, v in (column_methods or {}).items()}
    limits = {str(k): dm.checked_threshold(str(k), v) for k, v in (column_thresholds or {}).items()}
    common = None if threshold is None else dm.checked_threshold("every column", threshold)
    share_ok = isinstance(drift_share, int | float) and not isinstance(drift_share, bool)
    if not (share_ok and 0 < drift_share <= 1):
        raise InvalidInputError(f"drift_share must be above 0 and at most 1, got {drift_share!r}")
    results: dict[str, ColumnDrift] = {}
    skipped: dict[str, str] = {}
    for name in _selected(reference, columns):
        pair = _pair(name, reference, current)
        if isinstance(pair, str):
            skipped[name] = pair
            continue
        chosen, limit, notes = per_column.get(name, forced), limits.get(name, common), []
        if name not in per_column and chosen not in (None, *KIND_METHODS[pair.kind]):
            # One method for every column of a mixed table: where it does not apply, the
            # default (and its threshold) does, rather than no report at all.
            notes.append(
                f"drift method {chosen!r} does not apply to {pair.kind} profiles; the default used"
            )
            chosen, limit = None, limits.get(name)
        results[name] = _compare(pair, chosen or _default_method(pair), limit, notes)
    unknown = [
        f"{k!r} in the drift options is not a column of the reference"
        for k in dict.fromkeys([*per_column, *limits])
        if k not in reference.columns
    ]
    return DriftReport.of_columns(
        results, skipped, unknown, drift_share, reference.rows, current.rows
    )


def column_psi(reference_column: ColumnProfile, current_column: ColumnProfile) -> float:
    """PSI of one column's window profile against its reference profile, on the buckets
    `profile_drift` compares; refused when a side has no value to compare."""
    pair = _column_pair(reference_column, current_column)
    if isinstance(pair, str):
        raise InvalidInputError(f"column {reference_column.name!r}: {pair}")
    return _outcome(pair, "psi").statistic


def psi_by_column(
    reference: Profile, current: Profile, columns: Sequence[str] | None = None
) -> dict[str, float]:
    """PSI of each column (by default every numeric and categorical column of the reference);
    the columns `profile_drift` would skip are left out."""
    pairs = {name: _pair(name, reference, current) for name in _selected(reference, columns)}
    return {
        name: _outcome(pair, "psi").statistic
        for name, pair in pairs.items()
        if not isinstance(pair, str)
    }


# ---- options and columns -------------------------------------------------------------------------


def _default_method(pair: _Pair) -> str:
    smallest = min(int(pair.counts[0].sum()), int(pair.counts[1].sum()))
    if smallest > SMALL_SAMPLE:
        return DEFAULT_METHOD
    return "ks" if pair.kind == "numeric" else "chisquare"


def _selected(reference: Profile, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        kinds = (NumericProfile, CategoricalProfile)
        return [name for name, col in reference.columns.items() if isinstance(col, kinds)]
    wanted = [columns] if isinstance(columns, str) else [str(name) for name in columns]
    for name in wanted:
        if name not in reference.columns:
            raise InvalidInputError(f"column {name!r} is not in the reference profile")
    return list(dict.fromkeys(wanted))


# ---- one column ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    """One column's bucket counts of finite values on both sides, and what was left out."""

    name: str
    kind: DriftKind
    counts: tuple[dm.Counts, dm.Counts]
    missing: tuple[int, int]
    infinite: tuple[int, int] = (0, 0)
    notes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # categorical: the listed categories, then OTHER_LABEL
    unseen: int = 0  # categorical: current values of categories the reference never had
    # Numeric: the inner edges; per side the finite [min, max] and (mean, M2); reference std.
    edges: tuple[float, ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()
    moments: tuple[tuple[float, float], ...] = ()
    std: float = 0.0


def _pair(name: str, reference: Profile, current: Profile) -> _Pair | str:
    if name not in current.columns:
        return "not in the current profile"
    return _column_pair(reference.columns[name], current.columns[name])


def _column_pair(ref: ColumnProfile, cur: ColumnProfile) -> _Pair | str:
    """The column's buckets, or why it is not compared."""
    if ref.kind != cur.kind:
        raise InvalidInputError(
            f"column {ref.name!r} is {ref.kind} in the reference profile and {cur.kind} in the "
            "current one"
        )
    for side, column in zip(SIDES, (ref, cur), strict=True):
        if column.count == 0:
            return f"{'no rows' if column.missing == 0 else 'all values missing'} in the {side}"
    if isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile):
        return _numeric_pair(ref, cur)
    if isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile):
        return _categorical_pair(ref, cur)
    return f"type {ref.type} is not compared"


def _numeric_pair(ref: NumericProfile, cur: NumericProfile) -> _Pair | str:
    if ref.edges != cur.edges:
        raise InvalidInputError(
            f"column {ref.name!r}: the profiles have different histogram bins; profile the "
            "window with profile_like(reference, rows)"
        )
    counts, ranges, moments, notes = [], [], [], []
    for side, column in zip(SIDES, (ref, cur), strict=True):
        if column.min is None or column.max is None:
            return f"no finite value in the {side}"
        finite, exact = _finite_counts(column)
        counts.append(finite)
        ranges.append((column.min, column.max))
        moments.append((_or_nan(column.mean), _or_nan(column.m2)))
        if column.infinities:
            notes.append(f"{_many(column.infinities, 'infinite value')} in the {side} left out")
        if not exact:
            notes.append(
                f"the {side} profile does not say which outer bin holds its infinite values; "
                "they are taken from both in proportion"
            )
    return _Pair(
        *(ref.name, "numeric", (counts[0], counts[1]), (ref.missing, cur.missing)),
        *((ref.infinities, cur.infinities), tuple(notes)),
        edges=ref.edges,
        ranges=tuple(ranges),
        moments=tuple(moments),
        std=math.sqrt(ref.variance() or 0.0),
    )


def _finite_counts(column: NumericProfile) -> tuple[dm.Counts, bool]:
    """The bin counts without infinities, and whether their split between the outer bins is
    known rather than estimated."""
    counts = np.asarray(column.counts, dtype=np.int64)
    infinite = column.infinities
    if infinite == 0 or len(counts) == 1:
        counts[0] -= infinite
        return counts, True
    # The finite values lie in [min, max]: an outer bin beyond them holds only infinities.
    if column.min is not None and column.min > column.edges[0]:
        negative, exact = int(counts[0]), True
    elif column.max is not None and column.max <= column.edges[-1]:
        negative, exact = infinite - int(counts[-1]), True
    else:
        # Each outer bin holds a finite value (the min, the max) and maybe infinities.
        low_room, high_room = int(counts[0]) - 1, int(counts[-1]) - 1
        negative, exact = round(infinite * low_room / (low_room + high_room)), False
    counts[0] -= negative
    counts[-1] -= infinite - negative
    return counts, exact


def _categorical_pair(ref: CategoricalProfile, cur: CategoricalProfile) -> _Pair:
    if ref.categories != cur.categories:
        raise InvalidInputError(
            f"column {ref.name!r}: the profiles list different categories; profile the window "
            "with profile_like(reference, rows)"
        )
    counts = [
        np.asarray([*(n for _, n in column.frequencies), column.other], dtype=np.int64)
        for column in (ref, cur)
    ]
    return _Pair(
        *(ref.name, "categorical", (counts[0], counts[1]), (ref.missing, cur.missing)),
        labels=(*ref.categories, OTHER_LABEL),
        unseen=cur.unseen or 0,
    )


def _compare(pair: _Pair, method: str, threshold: float | None, notes: list[str]) -> ColumnDrift:
    allowed = KIND_METHODS[pair.kind]
    if method not in allowed:
        raise InvalidInputError(
            f"column {pair.name!r} is {pair.kind}; drift method {method!r} does not apply to "
            f"its profile (use one of {', '.join(allowed)})"
        )
    limit = dm.DEFAULT_THRESHOLDS[method] if threshold is None else threshold
    if method in dm.P_VALUE_METHODS and limit > 1:
        raise InvalidInputError(
            f"column {pair.name!r}: drift method {method!r} compares a p-value, so its "
            f"threshold must be at most 1, got {limit!r}"
        )
    outcome = _outcome(pair, method)
    notes = [*pair.notes, *notes]
    if pair.unseen:
        infinite = method == "chisquare" and math.isinf(outcome.statistic)
        notes.append(
            f"{_many(pair.unseen, 'current value')} of categories never seen in the reference"
            + ("; chi-square is infinite and its p-value 0" if infinite else "")
        )
    ref, cur = pair.counts
    return ColumnDrift(
        *(pair.name, pair.kind, method, outcome.statistic, outcome.p_value, limit),
        *(dm.is_drift(method, outcome, limit), int(ref.sum()), int(cur.sum()), *pair.missing),
        *(*pair.infinite, int(np.count_nonzero(ref)), int(np.count_nonzero(cur))),
        *(_chart(pair), tuple(notes)),
    )


def _outcome(pair: _Pair, method: str) -> dm.Outcome:
    if method == "ks":
        return ks_binned(*pair.counts)
    if method == "wasserstein":
        return wasserstein_binned(pair.edges, pair.counts, pair.ranges, pair.moments, pair.std)
    keep = (pair.counts[0] + pair.counts[1]) > 0
    ref_counts, cur_counts = pair.counts[0][keep], pair.counts[1][keep]
    if method == "z":
        if len(ref_counts) > 2:
            raise InvalidInputError(
                f"column {pair.name!r} has {len(ref_counts)} non-empty categories; drift "
                "method 'z' compares at most two"
            )
        # The z statistic's sign follows the categories' text order, as in detect_drift.
        labels = [label for label, kept in zip(pair.labels, keep, strict=True) if kept]
        order = sorted(range(len(labels)), key=lambda i: (labels[i] == OTHER_LABEL, labels[i]))
        return dm.z_test(ref_counts[order], cur_counts[order])
    compute = {"chisquare": dm.chisquare, "jensenshannon": dm.jensenshannon, "psi": dm.psi}
    return compute[method](ref_counts, cur_counts)


# ---- charts and words ----------------------------------------------------------------------------


def _chart(pair: _Pair) -> dm.Histogram | dm.CategoryShares:
    ref_shares, cur_shares = (counts / max(int(counts.sum()), 1) for counts in pair.counts)
    if pair.kind == "numeric":
        # The outer bins reach the extreme finite values of both sides.
        (ref_low, ref_high), (cur_low, cur_high) = pair.ranges
        edges = (min(ref_low, cur_low), *pair.edges, max(ref_high, cur_high))
        return dm.Histogram(edges, tuple(ref_shares.tolist()), tuple(cur_shares.tolist()))
    listed = len(pair.labels) - 1
    # The top listed categories by their larger share; the rest and the "other" bucket make
    # the chart's other share.
    order = np.argsort(-np.maximum(ref_shares[:listed], cur_shares[:listed]), kind="stable")
    chosen = order[:CHART_CATEGORIES]
    return dm.CategoryShares(
        tuple(pair.labels[i] for i in chosen),
        tuple(ref_shares[chosen].tolist()),
        tuple(cur_shares[chosen].tolist()),
        max(0.0, 1.0 - float(ref_shares[chosen].sum())),
        max(0.0, 1.0 - float(cur_shares[chosen].sum())),
    )


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def _many(count: int, one: str) -> str:
    return f"{count} {one if count == 1 else one + 's'}"


__all__ = [
    "CATEGORICAL_METHODS",
    "DEFAULT_METHOD",
    "NUMERIC_METHODS",
    "column_psi",
    "profile_drift",
    "psi_by_column",
]
