"""Drift between a reference and a current dataset, column by column, and for the dataset.

By default every column gets the method Evidently (0.7, `DataDriftPreset`) would choose:

- Kind: float and decimal columns are numeric; an integer column is categorical when the
  current data has at most 10 distinct values in it, numeric otherwise; strings, booleans and
  dictionary-encoded columns are categorical. Other types (timestamps, lists, ...) are not
  compared.
- Method, from the number of values the reference has in the column (missing values and
  infinities left out) and the number of distinct values both sides have together:
  reference of at most 1000 values: numeric with more than 5 distinct values -> "ks";
  otherwise "chisquare", or "z" with at most 2 distinct values. Larger reference: numeric
  with more than 5 distinct values -> "wasserstein", otherwise "jensenshannon".
- The dataset drifts when the share of drifted columns is at least `drift_share` (0.5).

`steward.stats.drift_methods` defines each method, its default threshold and the comparison
that means drift. Jensen-Shannon and PSI on a numeric column compare values one by one while
the reference has at most 20 distinct values, and otherwise bin both sides on the reference's
deciles (outer bins open), which a stored reference profile can reproduce; Evidently instead
bins on Sturges' rule over the range of both sides, which the current data moves. A category
the reference never had counts like any other: it makes chi-square infinite (p-value 0) and
gets a reference share of 0 in Jensen-Shannon and a small epsilon in PSI.

Missing values (null, and NaN in float columns) and infinities are left out of every test and
counted; infinities also get a note. A column that is all missing (or all infinite) on one
side, present on one side only, or of a numeric type on one side and text on the other is
not compared, and a note says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.stats import drift_methods as dm
from steward.stats.columns import first_line, listed
from steward.stats.fingerprint import normalise_type
from steward.stats.profile_values import read_table, type_name

DriftKind = Literal["numeric", "categorical"]

SMALL_REFERENCE: Final = 1000  # at most this many reference values: statistical tests
FEW_VALUES: Final = 5  # at most this many distinct values: compared as categories
CATEGORICAL_INTEGERS_UP_TO: Final = 10  # distinct current values of a categorical integer
CHART_CATEGORIES: Final = 10


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """The drift result of one column. `score` is what the threshold is compared with: the
    p-value of a statistical test, the statistic of a distance."""

    column: str
    kind: DriftKind
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    reference_count: int  # values compared: present and finite
    current_count: int
    reference_missing: int
    current_missing: int
    reference_infinite: int
    current_infinite: int
    reference_distinct: int  # distinct values compared
    current_distinct: int
    chart: dm.Histogram | dm.CategoryShares
    notes: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return self.statistic if self.p_value is None else self.p_value

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; an infinite statistic (chi-square with an unseen category) is None."""
        out = {field.name: getattr(self, field.name) for field in fields(self)[1:]}
        out.update(statistic=_finite(self.statistic), chart=self.chart.as_dict())
        head = {key: out.pop(key) for key in ("kind", "method", "statistic", "p_value")}
        return {**head, "score": _finite(self.score), **out, "notes": list(self.notes)}


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Per-column results, the columns left out with the reason, and the dataset verdict:
    drift when `share` (drifted / compared columns) is at least `drift_share`."""

    columns: dict[str, ColumnDrift]
    skipped: dict[str, str]
    drift_share: float
    drifted: int
    share: float
    dataset_drift: bool
    reference_rows: int
    current_rows: int
    notes: tuple[str, ...]

    @classmethod
    def of_columns(
        cls,
        results: dict[str, ColumnDrift],
        skipped: dict[str, str],
        option_notes: list[str],
        drift_share: float,
        reference_rows: int,
        current_rows: int,
    ) -> DriftReport:
        """The dataset verdict over the compared columns, with every column's notes and the
        reasons columns were left out, shared by drift from data and drift from profiles."""
        notes = [f"column {name!r}: {why}" for name, why in skipped.items()]
        notes += [f"column {name!r}: {note}" for name, r in results.items() for note in r.notes]
        notes += option_notes
        if not results:
            notes.append("no column could be compared, so the dataset does not drift")
        drifted = sum(result.drifted for result in results.values())
        share = drifted / len(results) if results else 0.0
        return cls(
            columns=results,
            skipped=skipped,
            drift_share=float(drift_share),
            drifted=drifted,
            share=share,
            dataset_drift=bool(results) and share >= drift_share,
            reference_rows=reference_rows,
            current_rows=current_rows,
            notes=tuple(notes),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": {name: result.as_dict() for name, result in self.columns.items()},
            "skipped": dict(self.skipped),
            "dataset_drift": self.dataset_drift,
            "drifted_columns": self.drifted,
            "compared_columns": len(self.columns),
            "share": self.share,
            "drift_share": self.drift_share,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "notes": list(self.notes),
        }


def detect_drift(
    reference: object,
    current: object,
    *,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    method: str | None = None,
    methods: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    drift_share: float = 0.5,
) -> DriftReport:
    """Compare `current` with `reference` column by column and decide dataset drift.

    Both take anything `steward.stats.fingerprint.to_arrow_table` reads. The columns compared
    are those in both (or `columns`), minus `exclude`. `method` forces one method on every
    column and `methods` one per column ("auto" restores the default choice); `thresholds`
    maps a column name or a method name to its threshold, the column name winning.
    """
    forced = dm.method_name(method, None)
    per_column = {str(k): dm.method_name(v, str(k)) for k, v in (methods or {}).items()}
    limits = {str(k): dm.checked_threshold(str(k), v) for k, v in (thresholds or {}).items()}
    share_ok = isinstance(drift_share, int | float) and not isinstance(drift_share, bool)
    if not (share_ok and 0 < drift_share <= 1):
        raise InvalidInputError(f"drift_share must be above 0 and at most 1, got {drift_share!r}")
    ref_table, cur_table = _source(reference), _source(current)
    for label, table in (("reference", ref_table), ("current", cur_table)):
        if table.num_rows == 0:
            raise InvalidInputError(f"the {label} data has no rows")
    names, skipped = _select_columns(ref_table, cur_table, columns, exclude)
    results: dict[str, ColumnDrift] = {}
    for name in names:
        column = _Column(name, per_column.get(name, forced), limits)
        result = _compare_column(column, ref_table.column(name), cur_table.column(name))
        if isinstance(result, str):
            skipped[name] = result
        else:
            results[name] = result
    known = set(ref_table.column_names) | set(cur_table.column_names) | set(dm.METHODS)
    unknown = [
        f"{k!r} in the drift options is neither a column nor a method"
        for k in dict.fromkeys([*per_column, *limits])
        if k not in known
    ]
    return DriftReport.of_columns(
        results, skipped, unknown, drift_share, ref_table.num_rows, cur_table.num_rows
    )


# ---- options and columns ----------------------------------------------------------------------


class _Columns:
    """A table read column by column: a Parquet file is opened for its schema and one column is
    read at a time, so comparing two large files holds two columns in memory, not two tables.
    Anything else is read whole, as `read_table` reads it."""

    def __init__(self, data: object) -> None:
        self._file: Any = None
        self._table: pa.Table | None = None
        if isinstance(data, str | Path) and Path(data).suffix.lower() == ".parquet":
            path = Path(data)
            if not path.is_file():
                raise InvalidInputError(f"data file {str(path)!r} does not exist")
            import pyarrow.parquet as pq

            try:
                self._file = pq.ParquetFile(path, pre_buffer=False)
            except (pa.ArrowException, OSError) as exc:
                raise InvalidInputError(f"cannot read {path.name!r}: {first_line(exc)}") from exc
            self.column_names: list[str] = list(self._file.schema_arrow.names)
            self.num_rows: int = int(self._file.metadata.num_rows)
            self._name = path.name
        else:
            self._table = read_table(data)
            self.column_names = list(self._table.column_names)
            self.num_rows = int(self._table.num_rows)

    def column(self, name: str) -> pa.ChunkedArray:
        if self._table is not None:
            return self._table.column(name)
        try:
            column: pa.ChunkedArray = self._file.read(columns=[name]).column(0)
        except (pa.ArrowException, OSError) as exc:
            raise InvalidInputError(
                f"cannot read column {name!r} of {self._name!r}: {first_line(exc)}"
            ) from exc
        return column


def _source(data: object) -> _Columns:
    return _Columns(data)


def _select_columns(
    reference: _Columns, current: _Columns, columns: Sequence[str] | None, exclude: Sequence[str]
) -> tuple[list[str], dict[str, str]]:
    """The columns to compare, in reference order, and those present on one side only."""
    ref_names, cur_names = set(reference.column_names), set(current.column_names)
    if columns is None:
        wanted = list(reference.column_names) + list(current.column_names)
    else:
        wanted = [columns] if isinstance(columns, str) else [str(name) for name in columns]
        for name in wanted:
            if name not in ref_names and name not in cur_names:
                raise InvalidInputError(
                    f"column {name!r} is in neither the reference nor the current data"
                )
    dropped = {exclude} if isinstance(exclude, str) else {str(name) for name in exclude}
    names: list[str] = []
    skipped: dict[str, str] = {}
    for name in dict.fromkeys(wanted):
        if name in dropped:
            continue
        if name not in cur_names:
            skipped[name] = "only in the reference data; not compared"
        elif name not in ref_names:
            skipped[name] = "only in the current data; not compared"
        else:
            names.append(name)
    if not names:
        raise InvalidInputError("the reference and current data have no column to compare")
    return names, skipped


# ---- one column -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    """A column to compare, with the method forced on it (if any) and the thresholds."""

    name: str
    forced: str | None
    limits: Mapping[str, float]

    def result(
        self,
        kind: DriftKind,
        method: str,
        outcome: dm.Outcome,
        sides: tuple[dm.Numbers | dm.Categories, dm.Numbers | dm.Categories],
        distinct: tuple[int, int],
        chart: dm.Histogram | dm.CategoryShares,
        notes: list[str],
    ) -> ColumnDrift:
        """The column's result, judged on its threshold: the column's, else the method's."""
        threshold = self.limits.get(self.name, self.limits.get(method))
        threshold = dm.DEFAULT_THRESHOLDS[method] if threshold is None else threshold
        if method in dm.P_VALUE_METHODS and threshold > 1:
            raise InvalidInputError(
                f"column {self.name!r}: drift method {method!r} compares a p-value, so its "
                f"threshold must be at most 1, got {threshold!r}"
            )
        ref, cur = sides
        drifted = dm.is_drift(method, outcome, threshold)
        return ColumnDrift(
            *(self.name, kind, method, outcome.statistic, outcome.p_value, threshold, drifted),
            *(ref.present, cur.present, ref.missing, cur.missing, ref.infinite, cur.infinite),
            *(*distinct, chart, tuple(notes)),
        )


def _compare_column(
    column: _Column, ref_column: pa.ChunkedArray, cur_column: pa.ChunkedArray
) -> ColumnDrift | str:
    """The column's result, or why it is not compared."""
    sides = (("reference", ref_column), ("current", cur_column))
    families = [dm.family(values.type) for _, values in sides]
    for (side, values), fam in zip(sides, families, strict=True):
        if fam == "other":
            return f"type {type_name(values.type)} in the {side} data is not compared"
    if "missing" not in families and families[0] != families[1]:
        return (
            f"changed type from {type_name(ref_column.type)} in the reference to "
            f"{type_name(cur_column.type)} in the current data; not compared"
        )
    for (side, values), fam in zip(sides, families, strict=True):
        if fam == "missing" or values.null_count == len(values):
            return f"every value is missing in the {side} data; not compared"
    if families[0] == "numeric":
        ref = dm.read_numbers(column.name, ref_column)
        cur = dm.read_numbers(column.name, cur_column)
        for side, numbers in (("reference", ref), ("current", cur)):
            if numbers.present == 0 and numbers.infinite:
                return f"no finite value in the {side} data; not compared"
            if numbers.present == 0:
                return f"every value is missing in the {side} data; not compared"
        integers = pa.types.is_integer(normalise_type(cur_column.type))
        return _compare_numbers(column, ref, cur, integers)
    plain_text = not (
        pa.types.is_dictionary(cur_column.type)
        or pa.types.is_boolean(normalise_type(cur_column.type))
    )
    ref_cats = dm.read_categories(column.name, ref_column)
    cur_cats = dm.read_categories(column.name, cur_column)
    return _compare_categories(column, ref_cats, cur_cats, plain_text)


def _compare_numbers(
    column: _Column, ref: dm.Numbers, cur: dm.Numbers, integers: bool
) -> ColumnDrift:
    a, b = ref.values, cur.values
    distinct = dm.count_distinct(a), dm.count_distinct(b)
    categorical = integers and distinct[1] <= CATEGORICAL_INTEGERS_UP_TO
    # Only few values on each side can make few together, so the union is taken only then.
    union = _union(a, b) if categorical or max(distinct) <= FEW_VALUES else None
    by_value = categorical or (union is not None and len(union) <= FEW_VALUES)
    method = column.forced or _default_method(by_value, 0 if union is None else len(union), len(a))
    notes = [
        f"{_many(count, 'infinite value')} in the {side} data left out"
        for side, count in (("reference", ref.infinite), ("current", cur.infinite))
        if count
    ]
    if method == "ks":
        outcome = dm.ks(a, b)
    elif method == "wasserstein":
        outcome = dm.wasserstein(a, b)
    else:
        binned = not by_value and method in ("jensenshannon", "psi")
        compared = dm.reference_bins(a, b) if binned else None
        if compared is None:  # by value: few values, or chi-square and z
            union = _union(a, b) if union is None else union
            compared = dm.value_counts(a, union), dm.value_counts(b, union)
            notes += _unseen_notes(method, compared, _number_labels(union))
        outcome = _categorical_outcome(column.name, method, compared)
    chart: dm.Histogram | dm.CategoryShares = dm.histogram(a, b)
    if categorical and union is not None:
        counts = dm.value_counts(a, union), dm.value_counts(b, union)
        chart = dm.category_shares(*counts, _number_labels(union), CHART_CATEGORIES)
    kind: DriftKind = "categorical" if categorical else "numeric"
    return column.result(kind, method, outcome, (ref, cur), distinct, chart, notes)


def _union(a: dm.Floats, b: dm.Floats) -> dm.Floats:
    union: dm.Floats = np.union1d(dm.distinct(a), dm.distinct(b))
    return union


def _number_labels(keys: dm.Floats) -> Callable[[Any], list[str]]:
    return lambda positions: [_number(value) for value in keys[positions]]


def _compare_categories(
    column: _Column, ref: dm.Categories, cur: dm.Categories, plain_text: bool
) -> ColumnDrift:
    keys, ref_counts, cur_counts = dm.aligned_counts(ref, cur)
    if column.forced in dm.NUMBERS_ONLY:
        raise InvalidInputError(
            f"column {column.name!r} holds categories; drift method {column.forced!r} needs numbers"
        )
    method = column.forced or _default_method(True, len(keys), int(ref_counts.sum()))
    if method == "z" and len(keys) == 2:  # the z statistic's sign follows the sorted order
        order = np.asarray(pc.sort_indices(keys))
        keys, ref_counts, cur_counts = keys.take(order), ref_counts[order], cur_counts[order]
    outcome = _categorical_outcome(column.name, method, (ref_counts, cur_counts))

    def labels(positions: Any) -> list[str]:
        return [str(label) for label in keys.take(pa.array(positions, pa.int64())).to_pylist()]

    notes = []
    present = int(cur_counts.sum())
    if plain_text and 2 * len(cur.counts) > present:
        notes.append(
            f"{len(cur.counts)} of the {present} current values are distinct; compared as "
            "categories (Evidently would treat the column as free text)"
        )
    notes += _unseen_notes(method, (ref_counts, cur_counts), labels)
    chart = dm.category_shares(ref_counts, cur_counts, labels, CHART_CATEGORIES)
    distinct = len(ref.counts), len(cur.counts)
    return column.result("categorical", method, outcome, (ref, cur), distinct, chart, notes)


def _default_method(by_value: bool, distinct: int, reference_values: int) -> str:
    """Evidently's choice by reference size, kind and the distinct values of both sides."""
    if reference_values <= SMALL_REFERENCE:
        return ("chisquare" if distinct > 2 else "z") if by_value else "ks"
    return "jensenshannon" if by_value else "wasserstein"


def _categorical_outcome(name: str, method: str, counts: tuple[dm.Counts, dm.Counts]) -> dm.Outcome:
    if method == "z" and len(counts[0]) > 2:
        raise InvalidInputError(
            f"column {name!r} has {len(counts[0])} distinct values; drift method 'z' "
            "compares at most two"
        )
    compute = {
        "chisquare": dm.chisquare,
        "z": dm.z_test,
        "jensenshannon": dm.jensenshannon,
        "psi": dm.psi,
    }[method]
    return compute(*counts)


def _unseen_notes(
    method: str, counts: tuple[dm.Counts, dm.Counts], labels: Callable[[Any], list[str]]
) -> list[str]:
    unseen = np.flatnonzero((counts[0] == 0) & (counts[1] > 0))
    if len(unseen) == 0:
        return []
    named = listed(labels(unseen[:5]), render=repr) + (", ..." if len(unseen) > 5 else "")
    rows = int(counts[1][unseen].sum())
    why = "; chi-square is infinite and its p-value 0" if method == "chisquare" else ""
    return [
        f"{_many(len(unseen), 'category', 'categories')} never seen in the reference ({named}) "
        f"in {_many(rows, 'current value')}{why}"
    ]


def _many(count: int, one: str, more: str | None = None) -> str:
    return f"{count} {one if count == 1 else more or one + 's'}"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


Histogram = dm.Histogram
CategoryShares = dm.CategoryShares

__all__ = ["CategoryShares", "ColumnDrift", "DriftReport", "Histogram", "detect_drift"]
