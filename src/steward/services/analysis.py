"""Analyses of the caller's own data that need no registry: drift between two datasets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from steward.domain.principal import Principal
from steward.services.check_results import CheckOutcome, ReportHeader
from steward.services.monitor_reads import source_label
from steward.services.ports import ReportRenderer
from steward.services.use_case import use_case

if TYPE_CHECKING:
    from steward.stats.drift import DriftReport


@dataclass(frozen=True, slots=True)
class DriftComparison:
    report: DriftReport
    html: str | None  # the HTML report, when asked for


class Analysis:
    def __init__(self, renderer: ReportRenderer) -> None:
        self._renderer = renderer

    @use_case("data.analyse", scope="local")
    def drift(
        self,
        principal: Principal,
        reference: object,
        current: object,
        *,
        columns: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        method: str | None = None,
        methods: Mapping[str, str] | None = None,
        thresholds: Mapping[str, float] | None = None,
        drift_share: float = 0.5,
        html: bool = False,
    ) -> DriftComparison:
        """Compare `current` with `reference` (DataFrames, Arrow tables or .parquet/.csv paths)
        column by column, with the method chosen per column type and reference size as
        Evidently does by default, or the one given; with `html`, draw the HTML report too."""
        from steward.stats.drift import detect_drift

        found = detect_drift(
            reference,
            current,
            columns=columns,
            exclude=exclude,
            method=method,
            methods=methods,
            thresholds=thresholds,
            drift_share=drift_share,
        )
        page = None
        if html:
            page = self._page(found, source_label(reference), source_label(current))
        return DriftComparison(found, page)

    def _page(self, found: DriftReport, reference: str, current: str) -> str:
        verdict = "dataset drift" if found.dataset_drift else "no dataset drift"
        summary = (
            f"{verdict}: {found.drifted} of {len(found.columns)} columns drifted "
            f"(share {found.share:.2f}, threshold {found.drift_share:g})"
        )
        outcome = CheckOutcome(
            kind="drift",
            passed=not found.dataset_drift,
            summary=summary,
            metrics={"drifted_columns": float(found.drifted), "share": found.share},
            requirements=(),
            config={"drift_share": found.drift_share},
            inputs={},
            details=found.as_dict(),
            required=False,
            notes=found.notes,
        )
        header = ReportHeader(
            "Data drift",
            (
                ("Reference", f"{reference}, {found.reference_rows:,} rows"),
                ("Current", f"{current}, {found.current_rows:,} rows"),
            ),
            kicker="Drift report",
            governed=False,
        )
        return self._renderer.render(header, [outcome])
