"""Group fairness of a binary classifier: per-group rates and the disparities between groups,
for each sensitive attribute alone and for the intersection of all of them.

The disparities follow Fairlearn's definitions with its default "between_groups" method, so the
figures can be checked against it. The work is one pass over the rows: every attribute becomes
integer codes (Arrow's hash-based dictionary encoding, several times faster than sorting with
`np.unique` on strings), the codes are combined into one intersection code, and a single
`np.bincount` of (intersection, truth, prediction) yields every intersection group's confusion
matrix. Single-attribute groups are sums of intersection groups, so no second pass is needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from steward.domain.errors import InvalidInputError
from steward.stats.fairness_inputs import (
    Codes,
    binary,
    check_arguments,
    check_labels,
    describe,
    encode,
    read_columns,
)

SUMMARY_METRICS: tuple[str, ...] = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)

# Above this many possible combinations the intersection keeps only those that occur, so a few
# high-cardinality attributes cannot make the dense code space (and bincount) explode.
_DENSE_COMBINATIONS = 1 << 16


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """One group's confusion counts and the rates derived from them.

    A rate is NaN where its denominator is zero: `tpr` without actual positives, `fpr` without
    actual negatives, `precision` without predicted positives.
    """

    key: Mapping[str, Any]  # attribute -> value; empty for the overall figures
    count: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    small: bool  # count < min_group_size: listed, but left out of the disparities

    @property
    def selection_rate(self) -> float:
        return _rate(self.true_positives + self.false_positives, self.count)

    @property
    def tpr(self) -> float:
        return _rate(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def fpr(self) -> float:
        return _rate(self.false_positives, self.false_positives + self.true_negatives)

    @property
    def precision(self) -> float:
        return _rate(self.true_positives, self.true_positives + self.false_positives)

    @property
    def accuracy(self) -> float:
        return _rate(self.true_positives + self.true_negatives, self.count)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": {name: _jsonable(value) for name, value in self.key.items()},
            "count": self.count,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "true_negatives": self.true_negatives,
            "selection_rate": _jsonable(self.selection_rate),
            "tpr": _jsonable(self.tpr),
            "fpr": _jsonable(self.fpr),
            "precision": _jsonable(self.precision),
            "accuracy": _jsonable(self.accuracy),
            "small": self.small,
        }


@dataclass(frozen=True, slots=True)
class Grouping:
    """The groups of one attribute, or of the intersection of several, and the disparities
    between the groups that are not small. A disparity is NaN when no such group has the rate
    defined (see `fairness_report`)."""

    attributes: tuple[str, ...]
    groups: tuple[GroupMetrics, ...]  # every group that occurs, small ones included
    demographic_parity_difference: float
    demographic_parity_ratio: float
    equalized_odds_difference: float
    equal_opportunity_difference: float

    @property
    def compared_groups(self) -> tuple[GroupMetrics, ...]:
        return tuple(group for group in self.groups if not group.small)

    @property
    def small_groups(self) -> tuple[GroupMetrics, ...]:
        return tuple(group for group in self.groups if group.small)

    def summary(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in SUMMARY_METRICS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "attributes": list(self.attributes),
            **{name: _jsonable(value) for name, value in self.summary().items()},
            "compared_groups": len(self.compared_groups),
            "small_groups": len(self.small_groups),
            "groups": [group.as_dict() for group in self.groups],
        }


@dataclass(frozen=True, slots=True)
class FairnessReport:
    """What `fairness_report` found. `groupings` holds one grouping per attribute, in the order
    given, then (with two or more attributes) the intersection of all of them."""

    rows: int
    min_group_size: int  # the threshold below which a group is small
    pos_label: Any
    overall: GroupMetrics
    groupings: tuple[Grouping, ...]

    @property
    def intersection(self) -> Grouping:
        """The grouping by every attribute at once (the only attribute, when there is one)."""
        return self.groupings[-1]

    def grouping(self, *attributes: str) -> Grouping:
        """The grouping by exactly these attributes, in any order."""
        wanted = set(attributes)
        for grouping in self.groupings:
            if set(grouping.attributes) == wanted and len(attributes) == len(wanted):
                return grouping
        raise InvalidInputError(f"no grouping by {', '.join(map(repr, attributes))}")

    def evidence_metrics(self) -> dict[str, float]:
        """The fairness evidence metrics, from the intersection grouping. Disparities that are
        undefined are left out rather than sent as NaN, so a threshold on them reads as missing.
        `min_group_size` here is the size of the smallest group, `small_groups` their number."""
        grouping = self.intersection
        metrics = {name: v for name, v in grouping.summary().items() if math.isfinite(v)}
        metrics["min_group_size"] = float(min(group.count for group in grouping.groups))
        metrics["small_groups"] = float(len(grouping.small_groups))
        return metrics

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; NaN becomes None."""
        return {
            "rows": self.rows,
            "min_group_size": self.min_group_size,
            "pos_label": _jsonable(self.pos_label),
            "overall": self.overall.as_dict(),
            "groupings": [grouping.as_dict() for grouping in self.groupings],
            "evidence": self.evidence_metrics(),
        }


def fairness_report(
    y_true: object,
    y_pred: object,
    sensitive: Mapping[str, object],
    *,
    min_group_size: int = 30,
    pos_label: Any = 1,
) -> FairnessReport:
    """Per-group rates and the disparities between groups for a binary classifier.

    `y_true` and `y_pred` are binary labels (0/1, bools, or any two values one of which is
    `pos_label`) in any column container: NumPy, pandas or Polars Series, pyarrow Array or
    ChunkedArray, or a list. `sensitive` maps each attribute name to its column (strings,
    categoricals, integers, booleans). Groups are formed by each attribute alone and by the
    intersection of all of them; only combinations that occur are reported. Rows are matched
    by position (a pandas index is ignored).

    Disparities, as Fairlearn defines them with method "between_groups":
    demographic parity difference (max - min selection rate) and ratio (min / max), equal
    opportunity difference (max - min true positive rate) and equalized odds difference (the
    larger of the TPR and FPR differences).

    Small groups: a group with fewer than `min_group_size` rows is listed with its count and
    flagged `small`, but it is left out of the disparities, whose rates would be mostly noise.
    Nothing is dropped silently. Fairlearn has no such threshold; with `min_group_size=0` the
    disparities are Fairlearn's own.

    Undefined rates: a group without actual positives has no TPR, one without actual negatives
    no FPR; such a group is left out of that rate's difference. Fairlearn (through
    scikit-learn's normalised confusion matrix) counts the missing rate as 0 instead, which
    reports a disparity that the data does not show.

    Raises InvalidInputError, before computing anything, for empty data, columns of different
    lengths, missing values, labels that are not binary, a single-class `y_true`, or an empty
    `sensitive`.
    """
    check_arguments(sensitive, min_group_size, pos_label)
    truth_column, pred_column, sensitive_columns = read_columns(y_true, y_pred, sensitive)
    truth, truth_labels = binary("y_true", truth_column, pos_label)
    pred, pred_labels = binary("y_pred", pred_column, pos_label)
    check_labels(truth_labels, pred_labels, pos_label)
    names = tuple(sensitive_columns)
    encoded = [encode(describe(name), sensitive_columns[name]) for name in names]
    levels = [attribute_levels for _, attribute_levels in encoded]

    combined, members = _intersect([codes for codes, _ in encoded], [len(x) for x in levels])
    # One bincount gives every intersection group's confusion matrix: cell 2 * truth + pred,
    # so the columns are true negatives, false positives, false negatives, true positives.
    cell = combined * 4 + (truth.view(np.uint8) << 1 | pred.view(np.uint8))
    cells = np.bincount(cell, minlength=4 * len(members)).reshape(len(members), 4)

    groupings = []
    for index, name in enumerate(names):
        per_level = np.zeros((len(levels[index]), 4), dtype=np.int64)
        np.add.at(per_level, members[:, index], cells)  # sums over the intersection groups
        own_codes = np.arange(len(levels[index]), dtype=np.int64).reshape(-1, 1)
        groups = _groups((name,), [levels[index]], own_codes, per_level, min_group_size)
        groupings.append(_grouping((name,), groups))
    if len(names) > 1:
        groupings.append(_grouping(names, _groups(names, levels, members, cells, min_group_size)))
    overall = _group({}, cells.sum(axis=0).tolist(), min_group_size)
    return FairnessReport(len(truth), min_group_size, pos_label, overall, tuple(groupings))


# ---- the arithmetic ------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float:
    # Python's int / int is correctly rounded, as is NumPy's float division of the same sums.
    return numerator / denominator if denominator else math.nan


def _group(key: dict[str, Any], row: list[int], min_group_size: int) -> GroupMetrics:
    true_negatives, false_positives, false_negatives, true_positives = row
    count = sum(row)
    return GroupMetrics(
        key=key,
        count=count,
        true_positives=true_positives,
        false_positives=false_positives,
        false_negatives=false_negatives,
        true_negatives=true_negatives,
        small=count < min_group_size,
    )


def _groups(
    attributes: tuple[str, ...],
    levels: list[list[Any]],
    codes: Codes,
    cells: Codes,
    min_group_size: int,
) -> list[GroupMetrics]:
    """One group per row of `codes` (its attribute codes) that has any rows in `cells`."""
    groups = []
    for key, row in zip(codes.tolist(), cells.tolist(), strict=True):
        if sum(row) > 0:
            values = {
                name: level[code] for name, level, code in zip(attributes, levels, key, strict=True)
            }
            groups.append(_group(values, row, min_group_size))
    return groups


def _grouping(attributes: tuple[str, ...], groups: list[GroupMetrics]) -> Grouping:
    compared = [group for group in groups if not group.small]
    selection = [group.selection_rate for group in compared]
    tpr = [group.tpr for group in compared if not math.isnan(group.tpr)]
    fpr = [group.fpr for group in compared if not math.isnan(group.fpr)]
    tpr_spread, fpr_spread = _spread(tpr), _spread(fpr)
    return Grouping(
        attributes=attributes,
        groups=tuple(groups),
        demographic_parity_difference=_spread(selection),
        demographic_parity_ratio=_ratio(selection),
        # Equalized odds needs both rates; undefined when either difference is.
        equalized_odds_difference=max(tpr_spread, fpr_spread)
        if not (math.isnan(tpr_spread) or math.isnan(fpr_spread))
        else math.nan,
        equal_opportunity_difference=tpr_spread,
    )


# A disparity compares groups: with fewer than two groups to compare it is undefined (NaN), not
# 0 or 1, so a threshold on it is unmet instead of passing with nothing compared. Fairlearn
# reports 0 and 1 for a single group.
_COMPARED = 2


def _spread(values: list[float]) -> float:
    return max(values) - min(values) if len(values) >= _COMPARED else math.nan


def _ratio(values: list[float]) -> float:
    # As in Fairlearn, min / max; when nobody is selected anywhere the ratio is 0/0.
    return min(values) / max(values) if len(values) >= _COMPARED and max(values) > 0 else math.nan


def _intersect(codes: list[Codes], sizes: list[int]) -> tuple[Codes, Codes]:
    """Combine per-attribute codes into one code per row (mixed radix). Returns the row codes
    and, for each intersection code, the attribute codes it stands for."""
    combined = codes[0]
    members = np.arange(sizes[0], dtype=np.int64).reshape(-1, 1)
    for attribute, size in zip(codes[1:], sizes[1:], strict=True):
        combined = combined * size + attribute
        if len(members) * size <= max(_DENSE_COMBINATIONS, len(combined)):
            members = np.column_stack(
                [
                    np.repeat(members, size, axis=0),
                    np.tile(np.arange(size, dtype=np.int64), len(members)),
                ]
            )
        else:
            present, inverse = np.unique(combined, return_inverse=True)
            combined = inverse.reshape(-1).astype(np.int64, copy=False)
            members = np.column_stack([members[present // size], present % size])
    return combined, members


# ---- output --------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
