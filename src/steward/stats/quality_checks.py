"""The built-in data-quality checks: schema against a version's signature, each feature column
against the reference profile, and repeated rows.

Type changes: the signature's and the data's types are compared after `normalise_type`, so
string layouts, dictionary encoding and parquet's list naming never count as a change. A change
that keeps every value representable (an integer column that arrives as floats, or a wider
integer or float type) is a warning, not an error: pandas turns an integer column into floats
as soon as one value is missing, and the model still receives the same numbers. Any other
change is an error.

Outliers: values outside [p25 - 3 IQR, p75 + 3 IQR] of the reference (Tukey's far-out fences).
Where the reference's IQR is 0 (a binary or mostly constant column) every other value would be
an outlier, so the check is skipped for that column, with a note.

Repeated rows: each column gets an exact 64-bit key per row (the value's own bits for numbers,
dictionary codes for the rest), the keys of a row are folded into one 64-bit hash, and rows
whose hash occurred earlier are duplicates. Two different rows share a hash with probability
about 2**-64 per pair, so among a million distinct rows the chance that any two are taken for
duplicates is about 3e-8. Missing values are equal to each other, as in pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.domain.quality_rules import QualitySettings
from steward.stats.profile import Profile
from steward.stats.profile_columns import (
    OUTLIER_IQR_MULTIPLIER,
    CategoricalProfile,
    ColumnProfile,
    NumericProfile,
)
from steward.stats.quality_core import (
    ColumnView,
    Keys,
    QualityFinding,
    Severity,
    TableView,
    mix,
    percent,
)

SCHEMA_CHECKS: frozenset[str] = frozenset({"missing_column", "column_type", "extra_column"})
# A missing value's key in the row hash; any fixed word would do.
_MISSING_KEY = np.uint64(0x9E3779B97F4A7C15)
# Shares are quotients of counts; a hair of tolerance keeps "exactly at the limit" passing.
_EPSILON = 1e-12


def _graded(share: float, limit: float) -> Severity:
    """An error above the limit, a warning at or below it."""
    return "error" if share > limit + _EPSILON else "warning"


# ---- schema ----------------------------------------------------------------------------------


def signature_columns(signature: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The (name, type) pairs of a version's signature; the type is None when unknown."""
    columns = signature.get("columns") if isinstance(signature, Mapping) else None
    if not isinstance(columns, Sequence) or isinstance(columns, str):
        raise InvalidInputError("signature must be a mapping with a 'columns' list")
    pairs: list[tuple[str, str | None]] = []
    for index, entry in enumerate(columns):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        dtype = entry.get("type") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not (dtype is None or isinstance(dtype, str)):
            raise InvalidInputError(
                f"signature.columns[{index}] must have a text 'name' and a text or null 'type'"
            )
        pairs.append((name, dtype))
    return pairs


def schema_findings(
    view: TableView, signature: Mapping[str, Any], features: Sequence[str]
) -> list[QualityFinding]:
    expected = signature_columns(signature)
    findings: list[QualityFinding] = []
    for name, dtype in expected:
        present = name in view.names
        findings.append(
            QualityFinding(
                "missing_column",
                name,
                "error",
                passed=present,
                detail="present" if present else "the signature's column is not in the data",
            )
        )
        if present and dtype is not None:
            findings.append(_type_finding(name, dtype, view.column(name).type))
    listed = {name for name, _ in expected}
    for name in features:
        if name not in listed:
            findings.append(
                QualityFinding(
                    "extra_column",
                    name,
                    "warning",
                    passed=False,
                    detail="the column is not in the signature; the model does not use it",
                )
            )
    return findings


def _type_finding(name: str, expected: str, actual: str) -> QualityFinding:
    if expected == actual:
        return QualityFinding("column_type", name, "error", passed=True, detail=actual)
    widened = _widens(expected, actual)
    return QualityFinding(
        "column_type",
        name,
        "warning" if widened else "error",
        passed=False,
        detail=f"type changed from {expected} to {actual}"
        + (" (a widening: every value is still representable)" if widened else ""),
    )


def _widens(expected: str, actual: str) -> bool:
    try:
        old, new = pa.type_for_alias(expected), pa.type_for_alias(actual)
    except (ValueError, KeyError):
        return False
    if pa.types.is_integer(old) and pa.types.is_floating(new):
        return True
    if pa.types.is_integer(old) and pa.types.is_integer(new):
        signed_ok = pa.types.is_signed_integer(new) or pa.types.is_unsigned_integer(old)
        return bool(new.bit_width > old.bit_width and signed_ok)
    if pa.types.is_floating(old) and pa.types.is_floating(new):
        return bool(new.bit_width > old.bit_width)
    return False


# ---- against the reference ----------------------------------------------------------------


def reference_findings(
    view: TableView, reference: Profile, features: Sequence[str], settings: QualitySettings
) -> tuple[list[QualityFinding], list[str]]:
    findings: list[QualityFinding] = []
    notes: list[str] = []
    for name in features:
        expected = reference.columns.get(name)
        if expected is None:
            notes.append(f"column {name!r} is not in the reference profile: not compared")
            continue
        column = view.column(name)
        findings.append(_missing_finding(view, column, reference, settings))
        if isinstance(expected, NumericProfile) and column.kind == "numeric":
            findings.extend(_numeric_findings(view, column, expected, settings, notes))
        elif isinstance(expected, NumericProfile):
            notes.append(
                f"range and outliers not checked for {name!r}: numbers in the reference, "
                f"{column.type} here"
            )
        elif isinstance(expected, CategoricalProfile):
            findings.extend(_unseen_findings(view, column, expected, settings, notes))
        was_constant = _constant_in(expected)
        if was_constant is not None:
            findings.append(_constant_finding(column, was_constant))
    return findings, notes


def _missing_finding(
    view: TableView, column: ColumnView, reference: Profile, settings: QualitySettings
) -> QualityFinding:
    share = view.share(column.missing_count)
    before = reference.missing_share(column.name)
    allowed = min(before + settings.max_missing_increase, 1.0)
    severity: Severity = "error"
    passed = share <= allowed + _EPSILON
    if passed and before == 0 and share > 0:
        severity, passed = "warning", False
    detail = f"{percent(share)} missing; reference {percent(before)}, allowed {percent(allowed)}"
    return view.flagged(
        "missing_values", column.name, severity, column.missing, passed=passed, detail=detail
    )


def _numeric_findings(
    view: TableView,
    column: ColumnView,
    expected: NumericProfile,
    settings: QualitySettings,
    notes: list[str],
) -> list[QualityFinding]:
    if expected.min is None or expected.max is None:
        notes.append(f"column {column.name!r} has no finite values in the reference: no range")
        return []
    values, present = column.values, ~column.missing
    low, high = expected.min, expected.max
    outside = present & ((values < low) | (values > high))
    findings = [
        view.flagged(
            "range",
            column.name,
            "warning",
            outside,
            passed=not outside.any(),
            detail=f"{percent(view.share(int(np.count_nonzero(outside))))} of rows outside "
            f"the reference range [{low:g}, {high:g}]",
        )
    ]
    fences = outlier_fences(expected)
    if fences is None:
        reason = "no quantiles (a merged profile)" if expected.quantiles is None else "an IQR of 0"
        notes.append(f"outliers not checked for {column.name!r}: the reference has {reason}")
        return findings
    below, above = fences
    flagged = present & ((values < below) | (values > above))
    share = view.share(int(np.count_nonzero(flagged)))
    # A column with a heavy tail has outliers in the reference too: the limit sits on top of
    # the share the reference itself had, so only a change in the tail is an error.
    usual = expected.outlier_share() or 0.0
    severity = _graded(share, usual + settings.max_outlier_share)
    findings.append(
        view.flagged(
            "outliers",
            column.name,
            severity,
            flagged,
            # No more far-out values than the reference had is no finding at all.
            passed=share <= usual,
            detail=f"{percent(share)} of rows outside [{below:g}, {above:g}] "
            f"(p25 - 3 IQR, p75 + 3 IQR of the reference, which had {percent(usual)}); "
            f"an error above {percent(usual + settings.max_outlier_share)}",
        )
    )
    return findings


def outlier_fences(expected: NumericProfile) -> tuple[float, float] | None:
    """[p25 - 3 IQR, p75 + 3 IQR] of the reference; None without quantiles or with IQR 0."""
    return expected.outlier_fences()


def _unseen_findings(
    view: TableView,
    column: ColumnView,
    expected: CategoricalProfile,
    settings: QualitySettings,
    notes: list[str],
) -> list[QualityFinding]:
    if not expected.complete:
        notes.append(
            f"unseen categories not checked for {column.name!r}: the reference lists only "
            f"its {len(expected.frequencies)} most frequent values"
        )
        return []
    known = pa.array(expected.categories, type=pa.large_string())
    seen = pc.fill_null(pc.is_in(column.text, value_set=known), False)
    unseen = ~np.asarray(seen.to_numpy(zero_copy_only=False), dtype=np.bool_) & ~column.missing
    share = view.share(int(np.count_nonzero(unseen)))
    severity = _graded(share, settings.max_unseen_share)
    return [
        view.flagged(
            "unseen_categories",
            column.name,
            severity,
            unseen,
            passed=share == 0,
            detail=f"{percent(share)} of rows hold a value the reference never had; "
            f"an error above {percent(settings.max_unseen_share)}",
        )
    ]


def _constant_finding(column: ColumnView, was_constant: bool) -> QualityFinding:
    constant = column.distinct == 1
    failed = constant and not was_constant
    if not constant:
        detail = f"{column.distinct} distinct values"
    elif failed:
        detail = "one distinct value, unlike the reference"
    else:
        detail = "one distinct value, as in the reference"
    return QualityFinding(
        "constant_column", column.name, "warning", passed=not failed, detail=detail
    )


def _constant_in(profile: ColumnProfile) -> bool | None:
    """Whether the reference column held one distinct value; None when its profile cannot
    tell (lists, structs and other columns profiled by counts alone)."""
    if isinstance(profile, NumericProfile):
        return profile.count > 0 and profile.infinities == 0 and profile.min == profile.max
    if isinstance(profile, CategoricalProfile):
        listed = [value for value, count in profile.frequencies if count > 0]
        return len(listed) == 1 and profile.other == 0
    if profile.count > 0 and profile.min is None:
        return None
    return profile.min is not None and profile.min == profile.max


# ---- repeated rows -------------------------------------------------------------------------


def duplicate_finding(
    view: TableView, columns: Sequence[str], settings: QualitySettings
) -> QualityFinding:
    """Rows equal to an earlier row in every one of `columns` (pandas' keep="first")."""
    combined = np.zeros(view.rows, dtype=np.uint64)
    for name in columns:
        combined = mix(combined ^ _row_keys(view.column(name)))
    _, first = np.unique(combined, return_index=True)
    repeated = np.ones(view.rows, dtype=np.bool_)
    repeated[first] = False
    share = view.share(view.rows - len(first))
    severity = _graded(share, settings.max_duplicate_share)
    skipped = f" except {view.id_column!r}" if view.id_column else ""
    return view.flagged(
        "duplicates",
        None,
        severity,
        repeated,
        passed=share == 0,
        detail=f"{percent(share)} of rows repeat an earlier row in every column{skipped}; "
        f"an error above {percent(settings.max_duplicate_share)}",
    )


def _row_keys(column: ColumnView) -> Keys:
    keys = mix(column.keys)
    keys[column.missing] = _MISSING_KEY
    return keys


__all__ = [
    "OUTLIER_IQR_MULTIPLIER",
    "SCHEMA_CHECKS",
    "duplicate_finding",
    "outlier_fences",
    "reference_findings",
    "schema_findings",
    "signature_columns",
]
