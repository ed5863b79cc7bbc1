"""The profile of one column, by kind: how it merges with the profile of other rows of the same
column, and its JSON form. `steward.stats.profile` computes them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeAlias

from steward.domain.errors import InvalidInputError
from steward.stats.profile_values import Kind

QUANTILE_NAMES: tuple[str, ...] = ("p01", "p05", "p25", "p50", "p75", "p95", "p99")
QUANTILE_LEVELS: tuple[float, ...] = (0.01, 0.05, 0.25, 0.50, 0.75, 0.95, 0.99)


# Tukey's "far out" fences: p25 - 3 IQR and p75 + 3 IQR.
OUTLIER_IQR_MULTIPLIER = 3.0


@dataclass(frozen=True, slots=True)
class NumericProfile:
    """Counts, moments, quantiles and a histogram of one numeric column.

    `counts` has one entry per histogram bin: (-inf, edges[0]], (edges[0], edges[1]], ...,
    (edges[-1], +inf); with no edges, one bin holds every value. `quantiles` (aligned with
    QUANTILE_NAMES) exist only in a reference profile.
    """

    name: str
    type: str
    count: int
    missing: int
    infinities: int
    min: float | None
    max: float | None
    mean: float | None
    m2: float | None  # sum of squared deviations from the mean
    quantiles: tuple[float, ...] | None
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    # Values outside the outlier fences (see `outlier_fences`), counted in the reference pass:
    # a heavy-tailed column has outliers in training too, and new data is judged against that.
    outliers: int | None = None

    kind: ClassVar[Kind] = "numeric"

    @property
    def finite(self) -> int:
        return self.count - self.infinities

    def variance(self, ddof: int = 0) -> float | None:
        if self.m2 is None or self.finite - ddof <= 0:
            return None
        return self.m2 / (self.finite - ddof)

    def quantile(self, name: str) -> float | None:
        if self.quantiles is None:
            return None
        return self.quantiles[QUANTILE_NAMES.index(name)]

    def merge(self, other: ColumnProfile) -> NumericProfile:
        if not isinstance(other, NumericProfile):
            raise _kind_mismatch(self, other)
        if self.edges != other.edges:
            raise InvalidInputError(
                f"column {self.name!r}: the profiles have different histogram bins; "
                "profile every part with profile_like(reference, part)"
            )
        mean, m2 = _combined_moments(self, other)
        return replace(
            self,
            count=self.count + other.count,
            missing=self.missing + other.missing,
            infinities=self.infinities + other.infinities,
            min=_least(self.min, other.min),
            max=_greatest(self.max, other.max),
            mean=mean,
            m2=m2,
            # Exact quantiles cannot be merged; they survive only a merge with no values.
            quantiles=self.quantiles
            if other.count == 0
            else (other.quantiles if self.count == 0 else None),
            counts=tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            outliers=self.outliers
            if other.count == 0
            else (other.outliers if self.count == 0 else None),
        )

    def outlier_fences(self) -> tuple[float, float] | None:
        """[p25 - 3 IQR, p75 + 3 IQR]; None without quantiles or with an IQR of 0."""
        lower, upper = self.quantile("p25"), self.quantile("p75")
        if lower is None or upper is None or upper <= lower:
            return None
        spread = OUTLIER_IQR_MULTIPLIER * (upper - lower)
        return lower - spread, upper + spread

    def outlier_share(self) -> float | None:
        """Share of the finite values outside the fences, when the reference pass counted it."""
        if self.outliers is None or self.finite == 0:
            return None
        return self.outliers / self.finite

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "count": self.count,
            "missing": self.missing,
            "infinities": self.infinities,
            "min": _finite(self.min),
            "max": _finite(self.max),
            "mean": _finite(self.mean),
            "m2": _finite(self.m2),
            "quantiles": None
            if self.quantiles is None
            else {n: _finite(v) for n, v in zip(QUANTILE_NAMES, self.quantiles, strict=True)},
            "edges": list(self.edges),
            "counts": list(self.counts),
            "outliers": self.outliers,
        }


@dataclass(frozen=True, slots=True)
class CategoricalProfile:
    """Counts of the listed values of one categorical column, most frequent first; every other
    present value is counted in `other`. `complete` says the list names every value present.

    In a profile taken with `profile_like`, the list is the reference's (zeros included), and
    `unseen` counts the values the reference never had; it is None when the reference's list
    was not complete, since a value outside it may still have occurred in the reference."""

    name: str
    type: str
    count: int
    missing: int
    frequencies: tuple[tuple[str, int], ...]
    other: int
    complete: bool
    unseen: int | None

    kind: ClassVar[Kind] = "categorical"

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.frequencies)

    def merge(self, other: ColumnProfile, max_categories: int) -> CategoricalProfile:
        if not isinstance(other, CategoricalProfile):
            raise _kind_mismatch(self, other)
        unseen = None if self.unseen is None or other.unseen is None else self.unseen + other.unseen
        if self.categories == other.categories:
            frequencies = tuple(
                (value, a + b)
                for (value, a), (_, b) in zip(self.frequencies, other.frequencies, strict=True)
            )
            extra, complete = 0, self.complete and other.complete
        else:
            # Lists of different parts: the union, cut to the limit. A value cut from one part's
            # list was counted in that part's `other`, so listed counts are then lower bounds.
            frequencies, extra = _top(_summed(self.frequencies, other.frequencies), max_categories)
            complete = self.complete and other.complete and extra == 0
        return replace(
            self,
            count=self.count + other.count,
            missing=self.missing + other.missing,
            frequencies=frequencies,
            other=self.other + other.other + extra,
            complete=complete,
            unseen=unseen,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "count": self.count,
            "missing": self.missing,
            "frequencies": [[value, n] for value, n in self.frequencies],
            "other": self.other,
            "complete": self.complete,
            "unseen": self.unseen,
        }


@dataclass(frozen=True, slots=True)
class OtherProfile:
    """Counts of a column that is neither numeric nor categorical; for timestamps and dates
    also the oldest and newest value as ISO text."""

    name: str
    type: str
    count: int
    missing: int
    min: str | None
    max: str | None

    kind: ClassVar[Kind] = "other"

    def merge(self, other: ColumnProfile) -> OtherProfile:
        if not isinstance(other, OtherProfile):
            raise _kind_mismatch(self, other)
        # The ISO forms are fixed-width per type, so text order is time order.
        return replace(
            self,
            count=self.count + other.count,
            missing=self.missing + other.missing,
            min=_least(self.min, other.min),
            max=_greatest(self.max, other.max),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "count": self.count,
            "missing": self.missing,
            "min": self.min,
            "max": self.max,
        }


ColumnProfile: TypeAlias = NumericProfile | CategoricalProfile | OtherProfile


def _combined_moments(a: NumericProfile, b: NumericProfile) -> tuple[float | None, float | None]:
    """Chan, Golub and LeVeque's pairwise update of the mean and M2."""
    if a.mean is None or a.m2 is None or a.finite == 0:
        return b.mean, b.m2
    if b.mean is None or b.m2 is None or b.finite == 0:
        return a.mean, a.m2
    total = a.finite + b.finite
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.finite / total)
    m2 = a.m2 + b.m2 + delta * delta * (a.finite * b.finite / total)
    return mean, m2


def _summed(a: Iterable[tuple[str, int]], b: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for value, n in (*a, *b):
        totals[value] = totals.get(value, 0) + n
    return list(totals.items())


def _top(frequencies: list[tuple[str, int]], limit: int) -> tuple[tuple[tuple[str, int], ...], int]:
    """The `limit` most frequent values (ties by value) and the count left out."""
    ordered = sorted(frequencies, key=lambda item: (-item[1], item[0]))
    kept = tuple(ordered[:limit])
    return kept, sum(n for _, n in ordered[limit:])


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _least(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _greatest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def _kind_mismatch(mine: ColumnProfile, other: ColumnProfile) -> InvalidInputError:
    return InvalidInputError(
        f"column {mine.name!r} is {mine.kind} in one profile and {other.kind} in the other"
    )


def column_from_dict(item: Mapping[str, Any]) -> ColumnProfile:
    kind = item["kind"]
    name, dtype = str(item["name"]), str(item["type"])
    count, missing = int(item["count"]), int(item["missing"])
    if kind == "numeric":
        quantiles = item["quantiles"]
        if len(item["counts"]) != len(item["edges"]) + 1:
            raise ValueError(f"column {name!r} needs one more histogram count than edges")
        return NumericProfile(
            name,
            dtype,
            count,
            missing,
            infinities=int(item["infinities"]),
            min=_optional_float(item["min"]),
            max=_optional_float(item["max"]),
            mean=_optional_float(item["mean"]),
            m2=_optional_float(item["m2"]),
            quantiles=None
            if quantiles is None
            else tuple(float(quantiles[q]) for q in QUANTILE_NAMES),
            edges=tuple(float(edge) for edge in item["edges"]),
            counts=tuple(int(n) for n in item["counts"]),
            outliers=None if item.get("outliers") is None else int(item["outliers"]),
        )
    if kind == "categorical":
        unseen = item["unseen"]
        return CategoricalProfile(
            name,
            dtype,
            count,
            missing,
            frequencies=tuple((str(value), int(n)) for value, n in item["frequencies"]),
            other=int(item["other"]),
            complete=bool(item["complete"]),
            unseen=None if unseen is None else int(unseen),
        )
    if kind == "other":
        return OtherProfile(name, dtype, count, missing, min=item["min"], max=item["max"])
    raise ValueError(f"unknown column kind {kind!r}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


__all__ = [
    "QUANTILE_LEVELS",
    "QUANTILE_NAMES",
    "CategoricalProfile",
    "ColumnProfile",
    "NumericProfile",
    "OtherProfile",
    "column_from_dict",
]
