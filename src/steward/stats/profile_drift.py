"""Drift between a reference profile and the profile of a production window, without raw data.

A window is profiled with `profile_like(reference, rows)`, so both profiles count values on
the same terms: a numeric column on the reference's histogram bins (-inf, e0], (e0, e1], ...,
(e_last, +inf), whose inner edges are the reference's inverted-CDF quantiles, and a
categorical column on the reference's list of categories plus one "other" bucket. Every
method compares those bucket counts, and the result is a `DriftReport` as `detect_drift`
makes it, so the same report and JSON output serve both.

Methods (thresholds and the comparison that means drift are those of
`steward.stats.drift_methods`: 0.1 for the distances, 0.05 for the p-values):

- numeric "psi" and "jensenshannon": exact on the profile's bins, the two outer bins
  included; buckets empty on both sides are dropped, and PSI fills empty buckets as
  `drift_methods.filled_shares` does.
- numeric "ks": D is the largest gap between the two empirical CDFs at the bin edges, where
  both are known exactly. It is a lower bound of the two-sample statistic on the raw values
  (equal when every value lies on an edge) and falls short of it by at most the larger share
  of one bin on either side. The p-value is SciPy's asymptotic one (Kolmogorov's distribution
  for n*m/(n+m) values, `ks_2samp(method="asymp")`).
- numeric "wasserstein": the integral of |F_ref - F_cur|, divided by the reference's
  population standard deviation (at least `drift_methods.MIN_STD`), with each side's values
  spread evenly over each of its bins cut to its own [min, max]. Within a bin both the true
  and the spread CDF stay between the bin's end values, so the distance is off by at most
  the sum over both sides of bin share times bin width (over the standard deviation).
- categorical "chisquare", "z" (at most two non-empty buckets; listed categories in text
  order, "other" last), "jensenshannon" and "psi": on the listed categories and the "other"
  bucket, dropping buckets empty on both sides.

Without a method, every column gets "jensenshannon" at 0.1: it is exact from profiles, unlike
K-S and Wasserstein, and it is Evidently's default for categories on a large reference.
`detect_drift`'s choice by size is not repeated, because a window profile does not hold the
distinct values it would need.

What is left out and why: missing values always; infinities too, counted in
`reference_infinite` and `current_infinite`. A profile counts infinities in the outer bins
without their sign; when a side's min or max shows that one outer bin holds no finite value,
the split is exact, and otherwise the infinities are taken from the two outer bins in
proportion to the finite values they can hold, with a note. `reference_distinct` and
`current_distinct` count non-empty buckets, since a profile does not keep distinct values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np
from scipy import stats

from steward.domain.errors import InvalidInputError
from steward.stats import drift_methods as dm
from steward.stats.drift import CHART_CATEGORIES, ColumnDrift, DriftKind, DriftReport
from steward.stats.profile import CategoricalProfile, ColumnProfile, NumericProfile, Profile

DEFAULT_METHOD: Final = "jensenshannon"
AUTO: Final = "auto"
NUMERIC_METHODS: Final[tuple[str, ...]] = ("psi", "jensenshannon", "ks", "wasserstein")
CATEGORICAL_METHODS: Final[tuple[str, ...]] = ("psi", "jensenshannon", "chisquare", "z")
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
    """Compare the window profile `current` with `reference`, column by column, and decide
    dataset drift as `detect_drift` does. `columns` defaults to every numeric and categorical
    column of the reference. A column's method is its `column_methods` entry ("auto" restores
    the default), else `method`, else "jensenshannon"; its threshold is its
    `column_thresholds` entry, else `threshold`, else the method's default."""
    forced = _method_name(method, None)
    per_column = {str(k): _method_name(v, str(k)) for k, v in (column_methods or {}).items()}
    limits = {str(k): _threshold(str(k), v) for k, v in (column_thresholds or {}).items()}
    common = None if threshold is None else _threshold("every column", threshold)
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
        chosen = per_column.get(name, forced)
        limit = limits.get(name, common)
        results[name] = _compare(pair, chosen or DEFAULT_METHOD, limit)
    notes = [f"column {name!r}: {why}" for name, why in skipped.items()]
    notes += [f"column {name!r}: {note}" for name, r in results.items() for note in r.notes]
    notes += [
        f"{k!r} in the drift options is not a column of the reference"
        for k in dict.fromkeys([*per_column, *limits])
        if k not in reference.columns
    ]
    if not results:
        notes.append("no column could be compared, so the dataset does not drift")
    drifted = sum(result.drifted for result in results.values())
    share = drifted / len(results) if results else 0.0
    return DriftReport(
        columns=results,
        skipped=skipped,
        drift_share=float(drift_share),
        drifted=drifted,
        share=share,
        dataset_drift=bool(results) and share >= drift_share,
        reference_rows=reference.rows,
        current_rows=current.rows,
        notes=tuple(notes),
    )


def column_psi(reference_column: ColumnProfile, current_column: ColumnProfile) -> float:
    """PSI of one column's window profile against its reference profile, on the buckets the
    module docstring describes; refused when a side has no value to compare."""
    pair = _column_pair(reference_column, current_column)
    if isinstance(pair, str):
        raise InvalidInputError(f"column {reference_column.name!r}: {pair}")
    return _outcome(pair, "psi").statistic


def psi_by_column(
    reference: Profile, current: Profile, columns: Sequence[str] | None = None
) -> dict[str, float]:
    """PSI of each column (by default every numeric and categorical column of the reference);
    columns `profile_drift` would skip are left out."""
    found: dict[str, float] = {}
    for name in _selected(reference, columns):
        pair = _pair(name, reference, current)
        if not isinstance(pair, str):
            found[name] = _outcome(pair, "psi").statistic
    return found


# ---- options and columns ----------------------------------------------------------------------


def _method_name(name: object, column: str | None) -> str | None:
    if name is None or name == AUTO:
        return None
    if isinstance(name, str) and name in dm.METHODS:
        return name
    where = "" if column is None else f" for column {column!r}"
    raise InvalidInputError(
        f"unknown drift method {name!r}{where}: use one of {AUTO}, {', '.join(dm.METHODS)}"
    )


def _threshold(key: str, value: object) -> float:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number <= 0:
        raise InvalidInputError(
            f"drift threshold for {key!r} must be a number above 0, got {value!r}"
        )
    return float(number)


def _selected(reference: Profile, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return [
            name
            for name, column in reference.columns.items()
            if isinstance(column, NumericProfile | CategoricalProfile)
        ]
    wanted = [columns] if isinstance(columns, str) else [str(name) for name in columns]
    for name in wanted:
        if name not in reference.columns:
            raise InvalidInputError(f"column {name!r} is not in the reference profile")
    return list(dict.fromkeys(wanted))


# ---- one column -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    """One column's finite bucket counts on both sides, aligned, and what was left out."""

    name: str
    kind: DriftKind
    counts: tuple[dm.Counts, dm.Counts]
    missing: tuple[int, int]
    infinite: tuple[int, int]
    notes: tuple[str, ...]
    labels: tuple[str, ...] = ()  # categorical: the listed categories, then OTHER_LABEL
    # Numeric: the inner bin edges, each side's finite [min, max], the reference's std.
    edges: tuple[float, ...] = ()
    ranges: tuple[tuple[float, float], tuple[float, float]] | None = None
    std: float = 0.0
    moments: tuple[tuple[float, float], tuple[float, float]] = ((math.nan,) * 2,) * 2


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
    if not isinstance(ref, NumericProfile | CategoricalProfile):
        return f"type {ref.type} is not compared"
    for side, column in zip(SIDES, (ref, cur), strict=True):
        if column.count == 0:
            return (
                f"no rows in the {side}"
                if column.missing == 0
                else f"all values missing in the {side}"
            )
    if isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile):
        return _numeric_pair(ref, cur)
    if isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile):
        return _categorical_pair(ref, cur)
    raise AssertionError("kinds already checked")  # pragma: no cover


def _numeric_pair(ref: NumericProfile, cur: NumericProfile) -> _Pair | str:
    if ref.edges != cur.edges:
        raise InvalidInputError(
            f"column {ref.name!r}: the profiles have different histogram bins; profile the "
            "window with profile_like(reference, rows)"
        )
    notes: list[str] = []
    sides, spans, moments = [], [], []
    for side, column in zip(SIDES, (ref, cur), strict=True):
        if column.finite == 0 or column.min is None or column.max is None:
            return f"no finite value in the {side}"
        counts, exact = _finite_counts(column)
        sides.append(counts)
        spans.append((column.min, column.max))
        moments.append((math.nan if column.mean is None else column.mean, column.m2 or math.nan))
        if column.infinities:
            notes.append(f"{_many(column.infinities, 'infinite value')} in the {side} left out")
        if not exact:
            notes.append(
                f"the {side} profile does not say which outer bin holds its infinite values; "
                "they are taken from both in proportion"
            )
    return _Pair(
        *(ref.name, "numeric", (sides[0], sides[1]), (ref.missing, cur.missing)),
        *((ref.infinities, cur.infinities), tuple(notes)),
        edges=ref.edges,
        ranges=(spans[0], spans[1]),
        std=math.sqrt(ref.variance() or 0.0),
        moments=(moments[0], moments[1]),
    )


def _finite_counts(column: NumericProfile) -> tuple[dm.Counts, bool]:
    """The bin counts without infinities, and whether their split between the outer bins is
    known rather than estimated."""
    counts = np.asarray(column.counts, dtype=np.int64)
    infinite = column.infinities
    if infinite == 0:
        return counts, True
    if len(counts) == 1:
        counts[0] -= infinite
        return counts, True
    low, high = column.edges[0], column.edges[-1]
    # The finite values lie in [min, max]: an outer bin beyond them holds only infinities.
    if column.min is not None and column.min > low:
        negative, exact = int(counts[0]), True
    elif column.max is not None and column.max <= high:
        negative, exact = infinite - int(counts[-1]), True
    else:
        # Each outer bin holds at least one finite value (the min, the max); the rest of each
        # may be infinite, and the split of `infinite` between them is unknown.
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
    counts = tuple(
        np.asarray([*(n for _, n in column.frequencies), column.other], dtype=np.int64)
        for column in (ref, cur)
    )
    notes = []
    if cur.unseen:
        notes.append(
            f"{_many(cur.unseen, 'current value')} of categories never seen in the reference"
        )
    labels = (*ref.categories, OTHER_LABEL)
    return _Pair(
        *(ref.name, "categorical", (counts[0], counts[1]), (ref.missing, cur.missing)),
        *((0, 0), tuple(notes), labels),
    )


def _compare(pair: _Pair, method: str, threshold: float | None) -> ColumnDrift:
    allowed = NUMERIC_METHODS if pair.kind == "numeric" else CATEGORICAL_METHODS
    if method not in allowed:
        raise InvalidInputError(
            f"column {pair.name!r} is {pair.kind}; from profiles drift method {method!r} "
            f"does not apply to it (use one of {', '.join(allowed)})"
        )
    limit = dm.DEFAULT_THRESHOLDS[method] if threshold is None else threshold
    if method in dm.P_VALUE_METHODS and limit > 1:
        raise InvalidInputError(
            f"column {pair.name!r}: drift method {method!r} compares a p-value, so its "
            f"threshold must be at most 1, got {limit!r}"
        )
    outcome = _outcome(pair, method)
    notes = list(pair.notes)
    ref_counts, cur_counts = pair.counts
    if method == "chisquare" and bool(((ref_counts == 0) & (cur_counts > 0)).any()):
        notes.append(
            "the current window has values in a bucket empty in the reference; chi-square is "
            "infinite and its p-value 0"
        )
    return ColumnDrift(
        column=pair.name,
        kind=pair.kind,
        method=method,
        statistic=outcome.statistic,
        p_value=outcome.p_value,
        threshold=limit,
        drifted=dm.is_drift(method, outcome, limit),
        reference_count=int(ref_counts.sum()),
        current_count=int(cur_counts.sum()),
        reference_missing=pair.missing[0],
        current_missing=pair.missing[1],
        reference_infinite=pair.infinite[0],
        current_infinite=pair.infinite[1],
        reference_distinct=int(np.count_nonzero(ref_counts)),
        current_distinct=int(np.count_nonzero(cur_counts)),
        chart=_chart(pair),
        notes=tuple(notes),
    )


def _outcome(pair: _Pair, method: str) -> dm.Outcome:
    ref_counts, cur_counts = pair.counts
    if method == "ks":
        return _ks(ref_counts, cur_counts)
    if method == "wasserstein":
        return _wasserstein(pair)
    keep = (ref_counts + cur_counts) > 0
    ref_counts, cur_counts = ref_counts[keep], cur_counts[keep]
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


# ---- numeric methods on bins ------------------------------------------------------------------


def _ks(ref_counts: dm.Counts, cur_counts: dm.Counts) -> dm.Outcome:
    n, m = int(ref_counts.sum()), int(cur_counts.sum())
    # The CDFs at each edge: bins are closed on the right, so counts up to bin i are exact.
    gaps = np.cumsum(ref_counts)[:-1] / n - np.cumsum(cur_counts)[:-1] / m
    statistic = float(np.abs(gaps).max()) if len(gaps) else 0.0
    effective = max(1.0, float(np.round(n * m / (n + m))))
    return dm.Outcome(statistic, float(stats.kstwo.sf(statistic, effective)))


def _wasserstein(pair: _Pair) -> dm.Outcome:
    ranges = pair.ranges or ((0.0, 0.0), (0.0, 0.0))
    sides = [
        _segments(pair.edges, counts, span, moments)
        for counts, span, moments in zip(pair.counts, ranges, pair.moments, strict=True)
    ]
    grid = np.unique(np.concatenate([bounds for low, high, _ in sides for bounds in (low, high)]))
    # Each CDF is linear between grid points; at a point mass it jumps, so each piece runs
    # from the right limit at its start to the left limit at its end.
    starts = _cdf(sides[0], grid[:-1], True) - _cdf(sides[1], grid[:-1], True)
    ends = _cdf(sides[0], grid[1:], False) - _cdf(sides[1], grid[1:], False)
    total = np.abs(starts) + np.abs(ends)
    safe = np.where(total > 0, total, 1.0)
    # |d| over a piece where d changes sign: two triangles, (d0^2 + d1^2) / (2 (|d0| + |d1|)).
    pieces = np.where(starts * ends >= 0, total / 2, (starts**2 + ends**2) / (2 * safe))
    distance = float(np.dot(np.diff(grid), pieces))
    # The distance is at least the gap between the means, which the profiles hold exactly;
    # it also makes up for values stacked on bin edges, which spreading them ignores.
    floor = abs(pair.moments[0][0] - pair.moments[1][0])
    distance = max(distance, floor) if math.isfinite(floor) else distance
    return dm.Outcome(distance / max(pair.std, dm.MIN_STD))


Segments: TypeAlias = tuple[dm.Floats, dm.Floats, dm.Floats]


def _segments(
    inner: tuple[float, ...],
    counts: dm.Counts,
    span: tuple[float, float],
    moments: tuple[float, float],
) -> Segments:
    """One side's values as pieces spread evenly from low to high (a point when they meet),
    with their shares: each inner bin over its range cut to [min, max]; each outer bin as its
    extreme value (the min or the max, which is known) and the rest spread from the inner edge
    over the width that best fits the side's mean and M2 (see `_tail_widths`)."""
    edges = np.asarray(inner, dtype=np.float64)
    low = np.maximum(np.concatenate(([-np.inf], edges)), span[0])
    high = np.minimum(np.concatenate((edges, [np.inf])), span[1])
    low = np.minimum(low, high)  # an estimated infinity split can leave a bin beyond the range
    first, last = int(counts[0]), int(counts[-1])
    below, above = _tail_widths(low, high, counts, moments)
    starts = np.concatenate((low[1:-1], [low[0], high[0] - below, high[-1], low[-1]]))
    ends = np.concatenate((high[1:-1], [low[0], high[0], high[-1], low[-1] + above]))
    weights = np.concatenate((counts[1:-1], [min(first, 1), first - 1, min(last, 1), last - 1]))
    keep = weights > 0
    shares: dm.Floats = weights[keep] / counts.sum()
    return starts[keep], ends[keep], shares


def _tail_widths(
    low: dm.Floats, high: dm.Floats, counts: dm.Counts, moments: tuple[float, float]
) -> tuple[float, float]:
    """How far from the inner edge the outer bins' values other than the extreme spread: the
    widths that give the side's exact mean (inner bins taken as even) and, among those, the
    M2 closest to the side's. A heavy tail thus stays near its edge with one far value,
    instead of spreading its whole share up to that value."""
    mean, m2 = moments
    rooms = (float(high[0] - low[0]), float(high[-1] - low[-1]))
    rest = (max(int(counts[0]) - 1, 0), max(int(counts[-1]) - 1, 0))
    if not (math.isfinite(mean) and math.isfinite(m2)) or rest == (0, 0):
        return rooms
    mids, inner = (low + high)[1:-1] / 2, counts[1:-1]
    ext = [(float(low[0]), float(high[0])), (float(high[-1]), float(low[-1]))]
    ext = [pair for pair, n in zip(ext, (counts[0], counts[-1]), strict=True) if n > 0]
    base = float(np.dot(inner, mids)) + sum(x for x, _ in ext)
    base += rest[0] * float(high[0]) + rest[1] * float(low[-1])
    need = 2 * (mean * float(counts.sum()) - base)  # = rest[1] * above - rest[0] * below
    if rest[0] == 0:
        return 0.0, float(np.clip(need / rest[1], 0.0, rooms[1]))
    if rest[1] == 0:
        return float(np.clip(-need / rest[0], 0.0, rooms[0])), 0.0
    if need >= rest[1] * rooms[1]:
        return 0.0, rooms[1]
    if need <= -rest[0] * rooms[0]:
        return rooms[0], 0.0
    lowest, highest = (
        max(0.0, -need / rest[0]),
        min(rooms[0], (rest[1] * rooms[1] - need) / rest[0]),
    )
    below = np.linspace(lowest, highest, 257)
    above = (need + rest[0] * below) / rest[1]
    fixed = float(np.dot(inner, (mids - mean) ** 2 + ((high - low)[1:-1]) ** 2 / 12))
    fixed += sum((x - mean) ** 2 for x, _ in ext)
    spread = rest[0] * ((high[0] - below / 2 - mean) ** 2 + below**2 / 12)
    spread += rest[1] * ((low[-1] + above / 2 - mean) ** 2 + above**2 / 12)
    best = int(np.argmin(np.abs(fixed + spread - m2)))
    return float(below[best]), float(above[best])


def _cdf(side: tuple[dm.Floats, dm.Floats, dm.Floats], at: dm.Floats, right: bool) -> dm.Floats:
    """The spread CDF at each point of `at`: its right limit, or its left one."""
    low, high, shares = side
    x = at[:, None]
    width = high - low
    spread = np.clip((x - low) / np.where(width > 0, width, 1.0), 0.0, 1.0)
    point = (x >= low) if right else (x > low)
    fraction = np.where(width > 0, spread, point)
    values: dm.Floats = fraction @ shares
    return values


# ---- charts and words -------------------------------------------------------------------------


def _chart(pair: _Pair) -> dm.Histogram | dm.CategoryShares:
    ref_counts, cur_counts = pair.counts
    ref_shares = ref_counts / max(int(ref_counts.sum()), 1)
    cur_shares = cur_counts / max(int(cur_counts.sum()), 1)
    if pair.ranges is not None:
        # The outer bins reach the extreme finite values of both sides.
        (ref_low, ref_high), (cur_low, cur_high) = pair.ranges
        edges = (min(ref_low, cur_low), *pair.edges, max(ref_high, cur_high))
        return dm.Histogram(edges, tuple(ref_shares.tolist()), tuple(cur_shares.tolist()))
    listed = len(pair.labels) - 1
    # The top listed categories by their larger share; the rest, the "other" bucket included,
    # go to the chart's other share.
    order = np.argsort(-np.maximum(ref_shares[:listed], cur_shares[:listed]), kind="stable")
    chosen = order[:CHART_CATEGORIES]
    return dm.CategoryShares(
        tuple(pair.labels[i] for i in chosen),
        tuple(ref_shares[chosen].tolist()),
        tuple(cur_shares[chosen].tolist()),
        max(0.0, 1.0 - float(ref_shares[chosen].sum())),
        max(0.0, 1.0 - float(cur_shares[chosen].sum())),
    )


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
