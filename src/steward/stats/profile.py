"""Mergeable column profiles: the reference profile of a version's training data, and profiles
of new data (production windows, chunks of a large file) taken on the reference's terms.

`profile_reference` fixes the terms: histogram edges at the reference's quantiles and the list
of its most frequent categories. `profile_like` profiles new data on exactly those terms, so
profiles of chunks add up: `Profile.merge` sums counts and combines moments with Chan et al.'s
parallel formula, and merging the profiles of any split of the rows gives the profile of all of
them (up to floating-point rounding of the mean and M2).

What counts where, for every kind of column:
- `count` is the number of present values and `missing` the number of nulls (and NaNs in float
  columns); count + missing is the profile's `rows`.
- Numeric columns (integers, floats, decimals) keep infinities in `count`, `infinities` and the
  outer histogram bins, but out of min, max, mean, M2 and the quantiles, which describe the
  finite values. Integers and decimals are read as float64.
- Categorical columns (strings, booleans, dictionary-encoded values) are compared as text;
  booleans read "true" and "false".
- Other columns (timestamps, dates, lists, ...) keep counts, and for timestamps and dates the
  oldest and newest value as ISO text (timestamps in UTC when they carry a time zone, at
  microsecond precision), which is what freshness rules need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.stats.arrow_numpy import arrow_of, integers, texts, valid_mask
from steward.stats.columns import first_line
from steward.stats.profile_columns import (
    QUANTILE_LEVELS,
    QUANTILE_NAMES,
    CategoricalProfile,
    ColumnProfile,
    NumericProfile,
    OtherProfile,
    column_from_dict,
)
from steward.stats.profile_values import (
    Floats,
    Kind,
    column_kind,
    iso_range,
    numeric_values,
    read_table,
    text_values,
    type_name,
)

FORMAT = 1  # bump when the stored form changes


@dataclass(frozen=True, slots=True)
class Profile:
    """The profile of a table: its number of rows and one profile per column, in table order."""

    rows: int
    columns: dict[str, ColumnProfile]
    max_categories: int = 200

    def missing_share(self, name: str) -> float:
        column = self.columns[name]
        return column.missing / self.rows if self.rows else 0.0

    def merge(self, other: Profile) -> Profile:
        """The profile of both parts' rows together. Associative; both parts must be profiled
        on the same terms (see `profile_like`)."""
        if list(self.columns) != list(other.columns):
            raise InvalidInputError(
                f"the profiles have different columns: {list(self.columns)} and "
                f"{list(other.columns)}"
            )
        merged: dict[str, ColumnProfile] = {}
        for name, mine in self.columns.items():
            theirs = other.columns[name]
            if isinstance(mine, CategoricalProfile):
                merged[name] = mine.merge(theirs, self.max_categories)
            else:
                merged[name] = mine.merge(theirs)
        return Profile(self.rows + other.rows, merged, self.max_categories)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: floats are finite or None, and columns keep their order as a list."""
        return {
            "format": FORMAT,
            "rows": self.rows,
            "max_categories": self.max_categories,
            "columns": [column.to_dict() for column in self.columns.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        try:
            if data.get("format") != FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}, expected {FORMAT}")
            columns = [column_from_dict(item) for item in data["columns"]]
            return cls(
                rows=int(data["rows"]),
                columns={column.name: column for column in columns},
                max_categories=int(data["max_categories"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(f"the stored profile is malformed: {first_line(exc)}") from None


# ---- profiling -------------------------------------------------------------------------------


def profile_reference(
    data: object,
    *,
    max_categories: int = 200,
    bins: int = 20,
    exclude: Sequence[str] = (),
) -> Profile:
    """Profile reference data held in memory, fixing the terms later data is profiled on:
    `bins` histogram bins cut at the quantiles of each numeric column (bins of equal edges are
    merged), and each categorical column's `max_categories` most frequent values (ties broken
    by value). Columns named in `exclude` are left out."""
    _positive("max_categories", max_categories)
    _positive("bins", bins)
    table = read_table(data)
    skipped = (exclude,) if isinstance(exclude, str) else tuple(exclude)
    for name in skipped:
        if name not in table.column_names:
            raise InvalidInputError(f"exclude: column {name!r} is not in the data")
    columns: dict[str, ColumnProfile] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name in skipped:
            continue
        kind = column_kind(column.type)
        if kind == "numeric":
            columns[name] = _numeric(name, column, bins=bins)
        elif kind == "categorical":
            columns[name] = _categorical_reference(name, column, max_categories)
        else:
            columns[name] = _other(name, column)
    return Profile(table.num_rows, columns, max_categories)


def profile_like(reference: Profile, data: object) -> Profile:
    """Profile `data` on the reference's terms: the same columns, histogram edges and category
    lists, so the result merges with other such profiles and compares bin by bin with the
    reference. Columns the reference lacks are ignored; a reference column absent from the data
    is profiled as entirely missing, so the gap shows as missing values rather than an error."""
    table = read_table(data)
    rows = table.num_rows
    columns: dict[str, ColumnProfile] = {}
    for name, wanted in reference.columns.items():
        if name in table.column_names:
            column = table.column(name)
        else:
            column = pa.chunked_array([pa.nulls(rows)], type=pa.null())
        if isinstance(wanted, NumericProfile):
            columns[name] = replace(_numeric(name, column, edges=wanted.edges), type=wanted.type)
        elif isinstance(wanted, CategoricalProfile):
            columns[name] = replace(_categorical_like(wanted, column), type=wanted.type)
        else:
            columns[name] = replace(_other(name, column), type=wanted.type)
    return Profile(rows, columns, reference.max_categories)


# ---- one column --------------------------------------------------------------------------


def _numeric(
    name: str,
    column: pa.ChunkedArray,
    *,
    bins: int = 0,
    edges: tuple[float, ...] | None = None,
) -> NumericProfile:
    """Profile a numeric column; with `edges` None (a reference pass) also its quantiles and the
    edges of `bins` quantile bins."""
    values = numeric_values(name, column)
    if edges is not None:
        return _numeric_like(name, column, values, edges)
    present = values[~np.isnan(values)]
    # One sort serves min, max, the quantiles and every histogram count.
    ordered = np.sort(present)
    count = len(ordered)
    below = int(np.searchsorted(ordered, -np.inf, side="right"))
    above = count - int(np.searchsorted(ordered, np.inf, side="left"))
    finite = ordered[below : count - above]
    quantiles: tuple[float, ...] | None = None
    if edges is None:
        quantiles, edges = _quantiles_and_edges(finite, bins)
    cumulative = np.searchsorted(ordered, np.asarray(edges, dtype=np.float64), side="right")
    counts = np.diff(np.concatenate(([0], cumulative, [count])))
    mean, m2 = _moments(finite)
    profile = NumericProfile(
        name=name,
        type=type_name(column.type),
        count=count,
        missing=len(values) - count,
        infinities=below + above,
        min=float(finite[0]) if len(finite) else None,
        max=float(finite[-1]) if len(finite) else None,
        mean=mean,
        m2=m2,
        quantiles=quantiles,
        edges=edges,
        counts=tuple(int(n) for n in counts),
    )
    fences = profile.outlier_fences() if quantiles is not None else None
    if fences is None:
        return profile
    inside = np.searchsorted(finite, fences[1], side="right") - np.searchsorted(
        finite, fences[0], side="left"
    )
    return replace(profile, outliers=int(len(finite) - inside))


def _numeric_like(
    name: str, column: pa.ChunkedArray, values: Floats, edges: tuple[float, ...]
) -> NumericProfile:
    """A pass on the reference's edges: no quantiles, so no sort. One sum tells whether every
    value is present and finite (the usual case), so that no copy of the finite values is made;
    bins are counted by comparing with each edge, the same bins (lower, upper] the sorted pass
    counts."""
    with np.errstate(over="ignore", invalid="ignore"):
        whole = float(values.sum())
    if np.isfinite(whole):
        finite, count = values, len(values)
        mean, m2 = _moments(finite, whole)
    else:
        present = values[~np.isnan(values)]
        finite, count = present[np.isfinite(present)], len(present)
        mean, m2 = _moments(finite)
    return NumericProfile(
        name=name,
        type=type_name(column.type),
        count=count,
        missing=len(values) - count,
        infinities=count - len(finite),
        min=float(finite.min()) if len(finite) else None,
        max=float(finite.max()) if len(finite) else None,
        mean=mean,
        m2=m2,
        quantiles=None,
        edges=edges,
        counts=_bin_counts(values, edges, count),
    )


def _bin_counts(values: Floats, edges: tuple[float, ...], present: int) -> tuple[int, ...]:
    """How many of the `present` values fall in each bin (lower, upper] of the edges, the
    first bin open below and the last open above. NaNs are never at most an edge, so they are
    only taken out of the last bin; infinities land in the outer bins."""
    at_most = [int(np.count_nonzero(values <= edge)) for edge in edges]
    bounds = [0, *at_most, present]
    return tuple(bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1))


def _quantiles_and_edges(
    finite: Floats, bins: int
) -> tuple[tuple[float, ...] | None, tuple[float, ...]]:
    if len(finite) == 0:
        return None, ()
    quantiles = tuple(float(v) for v in np.quantile(finite, np.asarray(QUANTILE_LEVELS)))
    # Edges are values that occur (inverted CDF), so a column of a few distinct values gets
    # one bin per value instead of bins cut between them.
    interior = np.asarray([i / bins for i in range(1, bins)])
    cuts = np.quantile(finite, interior, method="inverted_cdf") if bins > 1 else interior
    return quantiles, tuple(float(v) for v in np.unique(cuts))


def _moments(finite: Floats, total: float | None = None) -> tuple[float | None, float | None]:
    """Mean and M2 of the finite values; `total`, when known, is their sum (what numpy's mean
    divides by the count, so the mean is the same)."""
    if len(finite) == 0:
        return None, None
    # Values near the float64 limit overflow to inf, which the JSON form stores as null.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(finite.mean()) if total is None else total / len(finite)
        deviations = finite - mean
        return mean, float(np.dot(deviations, deviations))


def _categorical_reference(
    name: str, column: pa.ChunkedArray, max_categories: int
) -> CategoricalProfile:
    text = text_values(name, column)
    values, counts = _value_counts(text)
    table = pa.table({"value": values, "count": arrow_of(counts, pa.int64())})
    listed = min(max_categories, len(values))
    order = np.zeros(0, dtype=np.int64)
    if listed:
        keys = [("count", "descending"), ("value", "ascending")]
        order = integers(pc.select_k_unstable(table, k=listed, sort_keys=keys))
    chosen = values.take(arrow_of(order, pa.int64())).to_pylist()
    frequencies = tuple(zip(chosen, (int(n) for n in counts[order]), strict=True))
    present = len(text) - text.null_count
    return CategoricalProfile(
        name=name,
        type=type_name(column.type),
        count=present,
        missing=text.null_count,
        frequencies=frequencies,
        other=present - sum(n for _, n in frequencies),
        complete=len(values) <= max_categories,
        unseen=0,
    )


def _categorical_like(reference: CategoricalProfile, column: pa.ChunkedArray) -> CategoricalProfile:
    text = text_values(reference.name, column)
    values, counts = _value_counts(text)
    listed = texts(reference.categories)
    position = integers(pc.index_in(values, value_set=listed), missing=-1)
    known = position >= 0
    sums = np.zeros(len(listed), dtype=np.int64)
    np.add.at(sums, position[known], counts[known])
    present = len(text) - text.null_count
    other = present - int(sums.sum())
    return CategoricalProfile(
        name=reference.name,
        type=reference.type,
        count=present,
        missing=text.null_count,
        frequencies=tuple(zip(reference.categories, (int(n) for n in sums), strict=True)),
        other=other,
        complete=other == 0,
        unseen=other if reference.complete else None,
    )


def _value_counts(text: pa.Array) -> tuple[pa.Array, npt.NDArray[np.int64]]:
    """The distinct present values and how often each occurs."""
    found = pc.value_counts(text)
    values = found.field("values")
    counts = integers(found.field("counts"))
    if values.null_count:
        values, counts = values.drop_null(), counts[valid_mask(values)]
    return values, counts


def _other(name: str, column: pa.ChunkedArray) -> OtherProfile:
    oldest, newest = iso_range(column)
    return OtherProfile(
        name=name,
        type=type_name(column.type),
        count=len(column) - column.null_count,
        missing=column.null_count,
        min=oldest,
        max=newest,
    )


# ---- helpers -----------------------------------------------------------------------------


def _positive(what: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{what} must be a whole number of at least 1, got {value!r}")


__all__ = [
    "QUANTILE_LEVELS",
    "QUANTILE_NAMES",
    "CategoricalProfile",
    "ColumnProfile",
    "Kind",
    "NumericProfile",
    "OtherProfile",
    "Profile",
    "profile_like",
    "profile_reference",
]
