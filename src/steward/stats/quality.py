"""The data-quality check: the built-in checks (schema, comparison with the reference profile,
repeated rows) and the rules of a user's suite, gathered into one report whose evidence
metrics a policy gate can threshold (`data_quality.failed_rules <= 0`).

Columns named as the id, the target or the prediction are not features: they are not reported
as extra columns nor compared with the reference profile, and the id column is also left out
of the comparison of whole rows. See `quality_checks` for the definitions of each check and
`quality_rules_eval` for the suite's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from steward.domain.errors import InvalidInputError
from steward.domain.quality_rules import QualitySettings, QualitySuite
from steward.stats.profile import Profile
from steward.stats.profile_values import read_table
from steward.stats.quality_checks import (
    OUTLIER_IQR_MULTIPLIER,
    SCHEMA_CHECKS,
    duplicate_finding,
    reference_findings,
    schema_findings,
    signature_columns,
)
from steward.stats.quality_core import QualityFinding, TableView
from steward.stats.quality_rules_eval import rule_finding

EVIDENCE_METRICS: tuple[str, ...] = (
    "failed_rules",
    "missing_share_max",
    "duplicate_share",
    "schema_errors",
    "unseen_category_share",
    "outlier_share",
    "constant_columns",
)


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """A glance at one column of the checked data. `min` and `max` are the finite extremes of
    a numeric column, or the oldest and newest value (ISO text) of a timestamp or date column."""

    name: str
    type: str
    missing_share: float
    min: float | str | None
    max: float | str | None
    distinct: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "missing_share": self.missing_share,
            "min": self.min,
            "max": self.max,
            "distinct": self.distinct,
        }


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What `check_quality` found. `builtin` holds the built-in checks' findings (schema, then
    each feature column in data order, then repeated rows), `rule_findings` one finding per
    suite rule in suite order."""

    rows: int
    columns: int
    id_column: str | None
    builtin: tuple[QualityFinding, ...]
    rule_findings: tuple[QualityFinding, ...]
    notes: tuple[str, ...]
    settings: QualitySettings
    summaries: tuple[ColumnSummary, ...]
    features: tuple[str, ...]

    @property
    def findings(self) -> tuple[QualityFinding, ...]:
        return self.builtin + self.rule_findings

    @property
    def passed(self) -> bool:
        """True when no finding of severity error failed; warnings never fail the check."""
        return not any(finding.failed_error for finding in self.findings)

    def evidence_metrics(self) -> dict[str, float]:
        """The data_quality evidence metrics; every one is a finite number."""
        features = set(self.features)
        return {
            "failed_rules": float(sum(f.failed_error for f in self.findings)),
            "missing_share_max": max(
                (s.missing_share for s in self.summaries if s.name in features), default=0.0
            ),
            "duplicate_share": self._largest_share("duplicates"),
            "schema_errors": float(
                sum(f.failed_error for f in self.builtin if f.name in SCHEMA_CHECKS)
            ),
            "unseen_category_share": self._largest_share("unseen_categories"),
            "outlier_share": self._largest_share("outliers"),
            "constant_columns": float(
                sum(not f.passed for f in self.builtin if f.name == "constant_column")
            ),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data in a fixed order."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "id_column": self.id_column,
            "passed": self.passed,
            "findings": [finding.as_dict() for finding in self.findings],
            "columns_profile": [summary.as_dict() for summary in self.summaries],
            "settings": {
                **self.settings.model_dump(),
                "outlier_iqr_multiplier": OUTLIER_IQR_MULTIPLIER,
            },
            "notes": list(self.notes),
            "evidence": self.evidence_metrics(),
        }

    def _largest_share(self, name: str) -> float:
        return max((f.share for f in self.builtin if f.name == name), default=0.0)


def check_quality(
    data: object,
    *,
    signature: Mapping[str, Any] | None,
    reference: Profile | None,
    suite: QualitySuite | None = None,
    id_column: str | None = None,
    target: str | None = None,
    prediction: str | None = None,
    now: datetime | None = None,
) -> QualityReport:
    """Check `data` (anything `to_arrow_table` reads) against a version's input `signature`
    and reference `Profile`, and against the rules of `suite`. Without a signature or a
    reference, the checks that need it are skipped and a note says so. The suite's thresholds
    apply (the defaults without a suite), and its id column when `id_column` is not given.
    `now` (default: the current time) is what freshness rules measure age against.

    Raises InvalidInputError when the check cannot run: data without rows, or an id column
    that is not in the data."""
    table = read_table(data)
    settings = suite.settings if suite is not None else QualitySettings()
    id_column = id_column if id_column is not None else (suite.id_column if suite else None)
    if table.num_rows == 0:
        raise InvalidInputError("the data has no rows: there is nothing to check")
    if id_column is not None and id_column not in table.column_names:
        raise InvalidInputError(f"id_column {id_column!r} is not in the data")
    not_features = {name for name in (id_column, target, prediction) if name is not None}
    features = tuple(name for name in table.column_names if name not in not_features)
    view = TableView(table, id_column)

    builtin: list[QualityFinding] = []
    notes: list[str] = []
    if signature is not None and signature_columns(signature):
        builtin.extend(schema_findings(view, signature, features))
    else:
        # A signature without columns (a model whose inputs were not recorded) says nothing.
        notes.append("no signature: missing, extra and retyped columns were not checked")
    if reference is not None:
        found, reference_notes = reference_findings(view, reference, features, settings)
        builtin.extend(found)
        notes.extend(reference_notes)
    else:
        notes.append(
            "no reference profile: missing values, ranges, outliers, unseen categories and "
            "constant columns were not compared with the training data"
        )
    compared = [name for name in view.names if name != id_column]
    if compared:
        builtin.append(duplicate_finding(view, compared, settings))
    else:
        notes.append("no column besides the id: repeated rows were not checked")

    moment = now if now is not None else datetime.now(UTC)
    rules = tuple(rule_finding(rule, view, moment) for rule in (suite.rules if suite else ()))
    return QualityReport(
        rows=view.rows,
        columns=len(view.names),
        id_column=id_column,
        builtin=tuple(builtin),
        rule_findings=rules,
        notes=tuple(notes),
        settings=settings,
        summaries=tuple(_summary(view, name) for name in view.names),
        features=features,
    )


def _summary(view: TableView, name: str) -> ColumnSummary:
    column = view.column(name)
    low, high = column.extremes()
    return ColumnSummary(
        name=name,
        type=column.type,
        missing_share=view.share(column.missing_count),
        min=low,
        max=high,
        distinct=column.distinct,
    )


__all__ = [
    "EVIDENCE_METRICS",
    "ColumnSummary",
    "QualityFinding",
    "QualityReport",
    "check_quality",
]
