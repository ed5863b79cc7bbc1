"""The drift methods of `steward.stats.drift`, and the column values they compare.

Each side of a column is read once: numeric values into one sorted float64 array of the
finite values, categorical values into counts per category (Arrow's hash-based value
counts). Every statistic is then a handful of vectorised passes: `np.searchsorted` over the
sorted arrays instead of per-value Python, and binned counts from cumulative positions.

Methods, their default thresholds, and when a column counts as drifted (as Evidently decides
it, including its mix of strict and non-strict comparisons):

| name          | statistic                                   | default | drifted when        |
|---------------|---------------------------------------------|---------|---------------------|
| ks            | two-sample Kolmogorov-Smirnov D, p-value    | 0.05    | p <= threshold      |
| chisquare     | chi-square of current counts against the    | 0.05    | p < threshold       |
|               | reference shares scaled to the current size |         |                     |
| z             | two-proportion z-test (two categories)      | 0.05    | p < threshold       |
| wasserstein   | Wasserstein-1 distance / reference std      | 0.1     | statistic >= thr.   |
| jensenshannon | Jensen-Shannon distance (natural log)       | 0.1     | statistic >= thr.   |
| psi           | population stability index                  | 0.1     | statistic >= thr.   |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.stats.profile_values import column_kind, numeric_values, text_values

Floats: TypeAlias = npt.NDArray[np.float64]
Counts: TypeAlias = npt.NDArray[np.int64]
Family: TypeAlias = Literal["numeric", "categorical", "missing", "other"]

DEFAULT_THRESHOLDS: Final[dict[str, float]] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
METHODS: Final[tuple[str, ...]] = tuple(DEFAULT_THRESHOLDS)
P_VALUE_METHODS: Final[frozenset[str]] = frozenset({"ks", "chisquare", "z"})
NUMBERS_ONLY: Final[frozenset[str]] = frozenset({"ks", "wasserstein"})

# Evidently's floor for the reference's standard deviation, so a constant reference column
# does not divide by zero.
MIN_STD: Final = 0.001
# Numeric columns binned for Jensen-Shannon and PSI: a reference with at most this many
# distinct values is compared value by value, as Evidently does; above it, on deciles.
VALUE_BINS_UP_TO: Final = 20
QUANTILE_BINS: Final = 10
CHART_BINS: Final = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a method measured: its statistic, and the p-value for the statistical tests."""

    statistic: float
    p_value: float | None = None


def is_drift(method: str, outcome: Outcome, threshold: float) -> bool:
    """Whether the outcome crosses the threshold, with the comparison Evidently uses."""
    if method in P_VALUE_METHODS:
        p = outcome.p_value if outcome.p_value is not None else 1.0
        return p <= threshold if method == "ks" else p < threshold
    return outcome.statistic >= threshold


# ---- numeric methods, on sorted finite values ------------------------------------------------


def ks(reference: Floats, current: Floats) -> Outcome:
    """Two-sided two-sample K-S test; SciPy's exact or asymptotic p-value as it chooses."""
    # SciPy is imported by the p-value methods only: it costs a monitoring ingest that uses
    # distances a second of start-up and much of its memory.
    from scipy import stats

    result: Any = stats.ks_2samp(reference, current)
    return Outcome(float(result.statistic), float(result.pvalue))


def wasserstein(reference: Floats, current: Floats) -> Outcome:
    """Wasserstein-1 distance divided by the reference's population standard deviation
    (ddof=0, at least MIN_STD)."""
    norm = max(float(np.std(reference)), MIN_STD)
    return Outcome(wasserstein_sorted(reference, current) / norm)


def wasserstein_sorted(a: Floats, b: Floats) -> float:
    """The Wasserstein-1 distance of two sorted samples: the integral over t in (0, 1] of
    |Q_a(t) - Q_b(t)|, where the quantile functions step at i/n and j/m.

    In units of 1/(n*m) those steps are the lattice points i*m and j*n. Each point closes
    the piece since its predecessor, on which both quantiles are constant, and that
    predecessor has a closed form, so the pieces are summed per side without merging the
    two lattices. Where both lattices share a point, the b-side owns the piece.
    """
    n, m = len(a), len(b)
    if n == m:
        return float(np.mean(np.abs(a - b)))
    # Integer units are exact; past 2**62 (far beyond memory) floats keep it finite.
    unit: Any = np.int64 if n * m < 2**62 else np.float64
    i = np.arange(1, n + 1, dtype=unit)
    at_a = i * m
    start_a = np.maximum(at_a - m, (at_a // n) * n)
    pieces_a = np.abs(a - b[((at_a - 1) // n).astype(np.int64)]) @ (at_a - start_a)
    j = np.arange(1, m + 1, dtype=unit)
    at_b = j * n
    start_b = np.maximum(at_b - n, ((at_b - 1) // m) * m)
    pieces_b = np.abs(b - a[((at_b - 1) // m).astype(np.int64)]) @ (at_b - start_b)
    return float(pieces_a + pieces_b) / (n * m)


# ---- categorical methods, on counts aligned on the same categories ---------------------------


def chisquare(reference: Counts, current: Counts) -> Outcome:
    """Pearson's chi-square of the current counts against the reference's shares times the
    current size. A category the reference never had makes it infinite (p-value 0); a
    single category leaves nothing to test (p-value 1)."""
    if len(reference) < 2:
        return Outcome(0.0, 1.0)
    expected = reference * (current.sum() / reference.sum())
    with np.errstate(divide="ignore"):
        terms = (current - expected) ** 2 / expected
    statistic = float(terms.sum())
    from scipy import stats

    return Outcome(statistic, float(stats.chi2.sf(statistic, len(reference) - 1)))


def z_test(reference: Counts, current: Counts) -> Outcome:
    """Two-proportion z-test on at most two categories, in their sorted order: the share of
    the second category in the reference minus its share in the current data."""
    if len(reference) > 2:
        raise ValueError("the z-test compares at most two categories")
    if len(reference) < 2:
        return Outcome(0.0, 1.0)
    n1, n2 = int(reference.sum()), int(current.sum())
    x1, x2 = int(reference[1]), int(current[1])
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    from scipy import stats

    return Outcome(z, float(2 * stats.norm.sf(abs(z))))


def jensenshannon(reference: Counts, current: Counts) -> Outcome:
    """Jensen-Shannon distance (square root of the divergence, natural log) of the shares."""
    p = reference / reference.sum()
    q = current / current.sum()
    mid = (p + q) / 2
    divergence = (_relative_entropy(p, mid) + _relative_entropy(q, mid)) / 2
    return Outcome(math.sqrt(max(float(divergence), 0.0)))


def _relative_entropy(p: Floats, q: Floats) -> float:
    """Sum of p log(p / q), with 0 log 0 = 0 (SciPy's `rel_entr`); q is positive wherever p is,
    since q is the mean of p and another distribution."""
    present = p > 0
    return float(np.sum(p[present] * np.log(p[present] / q[present])))


def psi(reference: Counts, current: Counts) -> Outcome:
    """Population stability index, sum of (r - c) * ln(r / c) over the shares, with empty
    bins filled as `filled_shares` says."""
    r = filled_shares(reference)
    c = filled_shares(current)
    return Outcome(float(((r - c) * np.log(r / c)).sum()))


def filled_shares(counts: Counts) -> Floats:
    """Shares with every empty bin set to 0.0001, or, when some bin holds 0.0001 or less, to a
    millionth of the smallest non-empty share: a small epsilon that keeps PSI finite and is
    the one Evidently uses."""
    shares: Floats = counts / counts.sum()
    empty = shares == 0
    if empty.any():
        smallest = float(shares[~empty].min())
        shares[empty] = smallest / 1e6 if smallest <= 1e-4 else 1e-4
    return shares


# ---- reading a column ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Numbers:
    """One side of a numeric column: its finite values sorted, and what was left out."""

    values: Floats
    missing: int  # null, or NaN
    infinite: int

    @property
    def present(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class Categories:
    """One side of a categorical column: each distinct present value (as text) and its count."""

    keys: pa.Array
    counts: Counts
    missing: int
    infinite: int = 0

    @property
    def present(self) -> int:
        return int(self.counts.sum())


def family(dtype: pa.DataType) -> Family:
    """Which values a column holds: numbers, categories, nothing (Arrow's null type), other."""
    return "missing" if pa.types.is_null(dtype) else column_kind(dtype)


def read_numbers(name: str, column: pa.ChunkedArray) -> Numbers:
    raw = numeric_values(name, column)
    finite = np.isfinite(raw)
    kept = int(np.count_nonzero(finite))
    if kept == len(raw):
        return Numbers(np.sort(raw), 0, 0)
    missing = int(np.count_nonzero(np.isnan(raw)))
    values = raw[finite]
    values.sort()
    return Numbers(values, missing, len(raw) - kept - missing)


def read_categories(name: str, column: pa.ChunkedArray) -> Categories:
    text = text_values(name, column)
    counted = pc.value_counts(text)
    keys, counts = counted.field("values"), counted.field("counts")
    if text.null_count:
        present = pc.is_valid(keys)
        keys, counts = keys.filter(present), counts.filter(present)
    return Categories(keys, counts.to_numpy().astype(np.int64), text.null_count)


def aligned_counts(reference: Categories, current: Categories) -> tuple[pa.Array, Counts, Counts]:
    """The categories of both sides (reference's first) and each side's count of each."""
    union = pc.unique(pa.concat_arrays([reference.keys, current.keys]))
    return union, _spread(reference, union), _spread(current, union)


def _spread(side: Categories, union: pa.Array) -> Counts:
    counts = np.zeros(len(union), dtype=np.int64)
    positions = pc.index_in(side.keys, value_set=union).to_numpy(zero_copy_only=False)
    counts[positions] = side.counts
    return counts


# ---- preparing numeric values ----------------------------------------------------------------


def distinct(values: Floats) -> Floats:
    """The distinct values of a sorted array, in order."""
    if len(values) == 0:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def count_distinct(values: Floats) -> int:
    """How many distinct values a sorted array holds."""
    return 0 if len(values) == 0 else int(np.count_nonzero(values[1:] != values[:-1])) + 1


def value_counts(values: Floats, keys: Floats) -> Counts:
    """How often each of the sorted `keys` occurs in the sorted `values`."""
    upper = np.searchsorted(values, keys, side="right")
    lower = np.searchsorted(values, keys, side="left")
    counts: Counts = (upper - lower).astype(np.int64)
    return counts


def reference_bins(reference: Floats, current: Floats) -> tuple[Counts, Counts] | None:
    """Counts of both sides on bins fixed by the reference: the reference's deciles as inner
    edges, each bin (lower, upper], the outer ones open. None when the reference has at most
    VALUE_BINS_UP_TO distinct values, which are then better compared value by value."""
    if count_distinct(reference) <= VALUE_BINS_UP_TO:
        return None
    levels = np.linspace(0.0, 1.0, QUANTILE_BINS + 1)[1:-1]
    edges = np.unique(np.quantile(reference, levels))
    return _bin_counts(reference, edges, "right"), _bin_counts(current, edges, "right")


def _bin_counts(values: Floats, inner_edges: Floats, side: Any) -> Counts:
    cumulative = np.searchsorted(values, inner_edges, side=side)
    counts: Counts = np.diff(cumulative, prepend=0, append=len(values)).astype(np.int64)
    return counts


# ---- what a chart needs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Histogram:
    """Shares of both sides on the same bins: [edges[i], edges[i + 1]), the last one closed."""

    edges: tuple[float, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return _listed(self)


@dataclass(frozen=True, slots=True)
class CategoryShares:
    """Shares of the most frequent categories (on either side), and of all the others."""

    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]
    other_reference: float
    other_current: float

    def as_dict(self) -> dict[str, Any]:
        return _listed(self)


def histogram(reference: Floats, current: Floats) -> Histogram:
    """Both sides on CHART_BINS equal-width bins over the range of both; one bin when every
    value is the same."""
    low = float(min(reference[0], current[0]))
    high = float(max(reference[-1], current[-1]))
    edges = np.linspace(low, high, (CHART_BINS if high > low else 1) + 1)
    inner = edges[1:-1]
    return Histogram(
        tuple(edges.tolist()),
        _shares(_bin_counts(reference, inner, "left")),
        _shares(_bin_counts(current, inner, "left")),
    )


def category_shares(
    reference: Counts, current: Counts, labels: Callable[[Any], list[str]], top: int = 10
) -> CategoryShares:
    """The `top` categories by their larger share on either side, so a category new in the
    current data shows when it matters; `labels` names categories by position."""
    ref_shares = reference / max(int(reference.sum()), 1)
    cur_shares = current / max(int(current.sum()), 1)
    chosen = np.argsort(-np.maximum(ref_shares, cur_shares), kind="stable")[:top]
    return CategoryShares(
        tuple(labels(chosen)),
        tuple(ref_shares[chosen].tolist()),
        tuple(cur_shares[chosen].tolist()),
        max(0.0, 1.0 - float(ref_shares[chosen].sum())),
        max(0.0, 1.0 - float(cur_shares[chosen].sum())),
    )


def _listed(record: Histogram | CategoryShares) -> dict[str, Any]:
    return {
        field.name: list(value) if isinstance(value, tuple) else value
        for field in fields(record)
        for value in [getattr(record, field.name)]
    }


def _shares(counts: Counts) -> tuple[float, ...]:
    return tuple((counts / max(int(counts.sum()), 1)).tolist())


__all__ = [
    "DEFAULT_THRESHOLDS",
    "METHODS",
    "NUMBERS_ONLY",
    "P_VALUE_METHODS",
    "Categories",
    "CategoryShares",
    "Counts",
    "Family",
    "Floats",
    "Histogram",
    "Numbers",
    "Outcome",
    "aligned_counts",
    "category_shares",
    "chisquare",
    "count_distinct",
    "distinct",
    "family",
    "filled_shares",
    "histogram",
    "is_drift",
    "jensenshannon",
    "ks",
    "psi",
    "read_categories",
    "read_numbers",
    "reference_bins",
    "value_counts",
    "wasserstein",
    "wasserstein_sorted",
    "z_test",
]


# ---- options ----------------------------------------------------------------------------------

# A method option that asks for the default choice.
AUTO = "auto"


def method_name(name: object, column: str | None) -> str | None:
    """A drift method option checked: None for the default choice (None or "auto")."""
    if name is None or name == AUTO:
        return None
    if isinstance(name, str) and name in METHODS:
        return name
    where = "" if column is None else f" for column {column!r}"
    raise InvalidInputError(
        f"unknown drift method {name!r}{where}: use one of {AUTO}, {', '.join(METHODS)}"
    )


def checked_threshold(key: str, value: object) -> float:
    """A drift threshold option checked: a finite number above 0."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number <= 0:
        raise InvalidInputError(
            f"drift threshold for {key!r} must be a number above 0, got {value!r}"
        )
    return float(number)
