"""Evaluate the rules of a user's quality suite, each into one finding.

Missing values fail only `not_null`: the other column rules judge the values that are present
(as SQL constraints and most data-validation tools do), so one gap is reported once. A rule on
a column that is not in the data fails with that reason, never stops the check.

- unique: every row whose value occurs more than once is flagged (all occurrences).
- between: inclusive bounds on a numeric column; infinities are outside any finite bound.
- in_set: numeric columns compare numbers (1 matches 1.0), other columns compare text, with
  booleans written true/false.
- regex: Python's `re.search` on the text (anchor with ^ and $ for a whole-value match),
  applied once per distinct value.
- freshness: the newest timestamp or date may be at most `max_age_days` before `now`.
  Timestamps without a time zone, and `now` without one, are taken as UTC; a date is taken
  as midnight UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.domain.quality_rules import Member, QualityRule
from steward.stats.quality_core import ColumnView, Mask, QualityFinding, TableView, percent


def rule_finding(rule: QualityRule, view: TableView, now: datetime) -> QualityFinding:
    """The finding of one suite rule on the data in `view`."""
    if rule.row_count is not None:
        return _row_count(rule, view)
    name = rule.column
    assert name is not None  # the suite model requires a column for every other check
    if name not in view.names:
        return _failed(rule, f"column {name!r} is not in the data")
    column = view.column(name)
    if rule.not_null:
        return _rows(rule, view, column.missing, "missing")
    if rule.unique:
        return _rows(rule, view, _repeated(column), "share their value with another row")
    if rule.between is not None:
        return _between(rule, view, column)
    if rule.in_set is not None:
        return _in_set(rule, view, column)
    if rule.regex is not None:
        return _regex(rule, view, column)
    assert rule.freshness is not None
    return _freshness(rule, column, now)


def _failed(rule: QualityRule, detail: str) -> QualityFinding:
    return QualityFinding(rule.label, rule.column, rule.severity, passed=False, detail=detail)


def _rows(rule: QualityRule, view: TableView, flagged: Mask, what: str) -> QualityFinding:
    count = int(np.count_nonzero(flagged))
    detail = f"{count} rows ({percent(view.share(count))}) {what}"
    return view.flagged(
        rule.label, rule.column, rule.severity, flagged, passed=count == 0, detail=detail
    )


def _row_count(rule: QualityRule, view: TableView) -> QualityFinding:
    assert rule.row_count is not None
    low, high = rule.row_count.min, rule.row_count.max
    passed = (low is None or view.rows >= low) and (high is None or view.rows <= high)
    wanted = " and ".join(
        part
        for part in (
            f"at least {low}" if low is not None else "",
            f"at most {high}" if high is not None else "",
        )
        if part
    )
    return QualityFinding(
        rule.label, None, rule.severity, passed=passed, detail=f"{view.rows} rows; {wanted}"
    )


def _repeated(column: ColumnView) -> Mask:
    present = ~column.missing
    _, inverse, counts = np.unique(column.keys[present], return_inverse=True, return_counts=True)
    repeated = np.zeros(len(present), dtype=np.bool_)
    repeated[present] = counts[inverse] > 1
    return repeated


def _between(rule: QualityRule, view: TableView, column: ColumnView) -> QualityFinding:
    assert rule.between is not None
    if column.kind != "numeric":
        return _failed(
            rule, f"between needs numbers; column {column.name!r} has type {column.type}"
        )
    low, high = rule.between
    values = column.values
    outside = np.zeros(len(values), dtype=np.bool_)
    if low is not None:
        outside |= values < low
    if high is not None:
        outside |= values > high
    shown = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
    return _rows(rule, view, outside, f"outside {shown}")


def _in_set(rule: QualityRule, view: TableView, column: ColumnView) -> QualityFinding:
    assert rule.in_set is not None
    if column.kind == "numeric":
        numbers = [float(m) for m in rule.in_set if _is_number(m)]
        inside = np.isin(column.values, np.asarray(numbers, dtype=np.float64))
    else:
        try:
            text = column.text
        except InvalidInputError:
            return _failed(rule, f"column {column.name!r} has type {column.type}: not comparable")
        allowed = pa.array([_as_text(member) for member in rule.in_set], type=pa.large_string())
        found = pc.fill_null(pc.is_in(text, value_set=allowed), False).to_numpy(
            zero_copy_only=False
        )
        inside = np.asarray(found, dtype=np.bool_)
    return _rows(rule, view, ~inside & ~column.missing, "hold a value outside the set")


def _regex(rule: QualityRule, view: TableView, column: ColumnView) -> QualityFinding:
    assert rule.regex is not None
    if column.kind != "categorical" or pa.types.is_boolean(column.column.type):
        return _failed(rule, f"regex needs text; column {column.name!r} has type {column.type}")
    pattern = re.compile(rule.regex)
    encoded = column.text.dictionary_encode()
    matches = np.asarray(
        [pattern.search(value) is not None for value in encoded.dictionary.to_pylist()],
        dtype=np.bool_,
    )
    codes = pc.fill_null(encoded.indices, 0).to_numpy()
    matched = matches[codes] if len(matches) else np.zeros(len(codes), dtype=np.bool_)
    return _rows(rule, view, ~matched & ~column.missing, "do not match the pattern")


def _freshness(rule: QualityRule, column: ColumnView, now: datetime) -> QualityFinding:
    assert rule.freshness is not None
    newest = _newest(column)
    if newest is None:
        kinds = pa.types.is_timestamp(column.column.type) or pa.types.is_date(column.column.type)
        reason = "has no values" if kinds else f"has type {column.type}, not a timestamp or date"
        return _failed(rule, f"column {column.name!r} {reason}")
    age = _aware(now) - newest
    limit = timedelta(days=rule.freshness.max_age_days)
    days = age / timedelta(days=1)
    return QualityFinding(
        rule.label,
        rule.column,
        rule.severity,
        passed=age <= limit,
        detail=f"newest value {newest.isoformat()} is {days:.2f} days old; "
        f"allowed {rule.freshness.max_age_days:g}",
    )


def _newest(column: ColumnView) -> datetime | None:
    dtype = column.column.type
    if pa.types.is_timestamp(dtype):
        values = column.column.cast(pa.timestamp("us", tz=dtype.tz), safe=False)
    elif pa.types.is_date(dtype):
        values = column.column.cast(pa.date32())
    else:
        return None
    newest = pc.max(values).as_py()
    if newest is None:
        return None
    if not isinstance(newest, datetime):  # a date
        return datetime(newest.year, newest.month, newest.day, tzinfo=UTC)
    return _aware(newest)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _is_number(member: Member) -> bool:
    return isinstance(member, int | float) and not isinstance(member, bool)


def _as_text(member: Member) -> str:
    if isinstance(member, bool):
        return "true" if member else "false"
    return str(member)


__all__ = ["rule_finding"]
