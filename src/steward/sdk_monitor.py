"""Monitoring in the Python SDK. For now: `client.drift(reference, current)`, the ad hoc
comparison of two datasets, which needs no registry (nothing is opened or stored).
`steward.Client` includes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from steward.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.stats.drift import DriftReport


class MonitorClient:
    def drift(
        self,
        reference: object,
        current: object,
        *,
        columns: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        method: str | None = None,
        methods: Mapping[str, str] | None = None,
        thresholds: Mapping[str, float] | None = None,
        drift_share: float = 0.5,
        report: str | Path | None = None,
    ) -> DriftReport:
        """Compare `current` with `reference` (DataFrames, Arrow tables or .parquet/.csv paths)
        column by column, with the method chosen per column type and reference size as
        Evidently does by default, or the one given; write an HTML report when asked."""
        from steward.stats.drift import detect_drift

        out = Path(report) if report is not None else None
        if out is not None and not out.parent.is_dir():
            raise InvalidInputError(f"cannot write the report to {out}: no such directory")
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
        if out is not None:
            html = drift_report_html(found, _label(reference), _label(current))
            try:
                out.write_text(html, encoding="utf-8")
            except OSError as exc:
                raise InvalidInputError(
                    f"cannot write the report to {out}: {exc.strerror}"
                ) from None
        return found


def drift_report_html(found: DriftReport, reference: str, current: str) -> str:
    """A self-contained HTML page of a drift comparison, in the style of the evidence reports."""
    from steward.adapters.report import HtmlReportRenderer
    from steward.services.check_results import CheckOutcome, ReportHeader

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
    return HtmlReportRenderer().render(header, [outcome])


def _label(data: object) -> str:
    if isinstance(data, str | Path):
        return Path(data).name
    return type(data).__name__
