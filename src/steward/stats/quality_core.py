"""What every data-quality check shares: the finding it reports, and a view of the data that
reads each column once (missing mask, numbers, text, per-row keys) however many checks use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from steward.stats.profile_values import (
    Floats,
    Kind,
    column_kind,
    iso_range,
    numeric_values,
    text_values,
    type_name,
)

Severity: TypeAlias = Literal["error", "warning"]
Example: TypeAlias = str | int
Mask: TypeAlias = npt.NDArray[np.bool_]
Keys: TypeAlias = npt.NDArray[np.uint64]

MAX_EXAMPLES = 5
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


@dataclass(frozen=True, slots=True)
class QualityFinding:
    """The outcome of one check, on one column or (column None) on the table.

    `failed_rows` and `share` (of all rows) measure what the check flags (missing values, values
    out of range, repeated rows, ...) even when that stays within the check's tolerance; checks
    of a column or the table as a whole (schema, constant columns, row count, freshness) flag no
    rows. `examples` name up to five flagged rows of a failed finding: values of the id column,
    or 0-based row positions without one."""

    name: str
    column: str | None
    severity: Severity
    passed: bool
    failed_rows: int = 0
    share: float = 0.0
    detail: str = ""
    examples: tuple[Example, ...] = ()

    @property
    def failed_error(self) -> bool:
        return not self.passed and self.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "column": self.column,
            "severity": self.severity,
            "passed": self.passed,
            "failed_rows": self.failed_rows,
            "share": self.share,
            "detail": self.detail,
            "examples": list(self.examples),
        }


class ColumnView:
    """One column's readings, each computed on first use."""

    def __init__(self, name: str, column: pa.ChunkedArray) -> None:
        self.name = name
        self.column = column
        self.kind: Kind = column_kind(column.type)
        self.type = type_name(column.type)

    @cached_property
    def values(self) -> Floats:
        """float64 values, NaN where missing (numeric columns)."""
        return numeric_values(self.name, self.column)

    @cached_property
    def text(self) -> pa.Array:
        """The values as text (any column that Arrow can cast to text)."""
        return text_values(self.name, self.column)

    @cached_property
    def missing(self) -> Mask:
        """Null, or NaN in a numeric column."""
        if self.kind == "numeric":
            return np.isnan(self.values)
        if pa.types.is_dictionary(self.column.type):
            return _null_mask(self.text)  # a null dictionary entry is missing too
        return _null_mask(self.column)

    @cached_property
    def missing_count(self) -> int:
        return int(np.count_nonzero(self.missing))

    @cached_property
    def keys(self) -> Keys:
        """One 64-bit key per row such that two present values are equal exactly when their
        keys are (missing rows hold 0; pair the keys with `missing`)."""
        if self.kind == "numeric":
            return self._numeric_keys()
        source = self.text if self.kind == "categorical" else _single(self.column)
        return _dictionary_keys(source)

    @cached_property
    def distinct(self) -> int:
        """The number of distinct present values."""
        ordered = np.sort(self.keys[~self.missing])
        return int(np.count_nonzero(np.diff(ordered))) + 1 if len(ordered) else 0

    def extremes(self) -> tuple[float | str | None, float | str | None]:
        """The smallest and largest finite number, or the oldest and newest timestamp or date
        as ISO text; (None, None) for other columns or without values."""
        if self.kind == "numeric":
            finite = self.values[np.isfinite(self.values)]
            return (float(finite.min()), float(finite.max())) if len(finite) else (None, None)
        return iso_range(self.column)

    def _numeric_keys(self) -> Keys:
        if pa.types.is_integer(self.column.type):
            # Integers keep their own bits: above 2**53, float64 would merge neighbours.
            integers = pc.fill_null(self.column.cast(pa.int64(), safe=False), 0)
            return np.asarray(integers.to_numpy(), dtype=np.int64).view(np.uint64)
        # Adding 0.0 turns -0.0 into 0.0, so the two zeros, equal as numbers, share a key.
        floats = np.where(self.missing, 0.0, self.values + 0.0)
        return floats.view(np.uint64)


class TableView:
    """The data under check, with its columns read on demand."""

    def __init__(self, table: pa.Table, id_column: str | None) -> None:
        self.table = table
        self.rows: int = table.num_rows
        self.names: tuple[str, ...] = tuple(table.column_names)
        self.id_column = id_column
        self._current: ColumnView | None = None

    def column(self, name: str) -> ColumnView:
        """The view of one column. Only the last one asked for is kept: the checks go column
        by column, and keeping every column's readings (floats, masks, keys) would hold several
        times the table in memory on wide data."""
        if self._current is None or self._current.name != name:
            self._current = ColumnView(name, self.table.column(name))
        return self._current

    def share(self, count: int) -> float:
        return count / self.rows if self.rows else 0.0

    def examples(self, flagged: Mask) -> tuple[Example, ...]:
        positions = np.flatnonzero(flagged)[:MAX_EXAMPLES]
        if self.id_column is None:
            return tuple(int(position) for position in positions)
        ids = self.table.column(self.id_column).take(pa.array(positions, type=pa.int64()))
        return tuple(_example(value) for value in ids.to_pylist())

    def flagged(
        self,
        name: str,
        column: str | None,
        severity: Severity,
        flagged: Mask,
        *,
        passed: bool,
        detail: str,
    ) -> QualityFinding:
        """A finding about the rows in `flagged`, with examples when it failed."""
        count = int(np.count_nonzero(flagged))
        return QualityFinding(
            name=name,
            column=column,
            severity=severity,
            passed=passed,
            failed_rows=count,
            share=self.share(count),
            detail=detail,
            examples=() if passed else self.examples(flagged),
        )


def percent(share: float) -> str:
    # Three significant digits, so a handful of rows among millions does not read as 0.00%.
    return f"{share * 100:.3g}%"


def mix(keys: Keys) -> Keys:
    """SplitMix64's finaliser: a bijection on 64-bit words that spreads every input bit over
    the whole output, so combined keys behave like random 64-bit hashes."""
    keys = (keys ^ (keys >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    keys = (keys ^ (keys >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return keys ^ (keys >> np.uint64(31))


def _dictionary_keys(array: pa.Array) -> Keys:
    try:
        encoded = array.dictionary_encode()
    except _ARROW_ERRORS:
        # Lists, structs and other types Arrow cannot hash: their Python values' text.
        codes: dict[str, int] = {}
        found = [codes.setdefault(repr(value), len(codes)) for value in array.to_pylist()]
        return np.asarray(found, dtype=np.int64).view(np.uint64)
    indices = pc.fill_null(encoded.indices, 0).cast(pa.int64())
    return np.asarray(indices.to_numpy(), dtype=np.int64).view(np.uint64)


def _single(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _null_mask(values: pa.Array | pa.ChunkedArray) -> Mask:
    if values.null_count == 0:
        return np.zeros(len(values), dtype=np.bool_)
    return np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _example(value: object) -> Example:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return "null" if value is None else str(value)


__all__ = [
    "MAX_EXAMPLES",
    "ColumnView",
    "Example",
    "Keys",
    "Mask",
    "QualityFinding",
    "Severity",
    "TableView",
    "mix",
    "percent",
]
