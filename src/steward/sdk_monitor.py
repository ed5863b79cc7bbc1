"""Monitoring in the Python SDK: `client.drift(reference, current)`, the ad hoc comparison of two
datasets, which needs no registry; and production monitoring of registered versions
(`monitor_reference`, `ingest`, `labels`, `record_series`, `monitor_status`, `deliver`).
`steward.Client` includes it. A version is named PROJECT/MODEL/NUMBER, or as the deployment
PROJECT/MODEL@STAGE: the version serving in that stage."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from steward.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.bootstrap import Container
    from steward.domain.monitoring import Alert, MonitorReference, Review, WindowResult
    from steward.domain.naming import VersionRef
    from steward.services.monitor_feedback import LabelResult
    from steward.services.monitor_reads import MonitorHistory
    from steward.services.monitoring import IngestResult
    from steward.services.outbox import DeliveryOutcome
    from steward.stats.drift import DriftReport
    from steward.stats.profile import Profile


class MonitorClient:
    if TYPE_CHECKING:

        @property
        def _c(self) -> Container: ...

        @property
        def actor(self) -> str: ...

    def deployment(self, target: str) -> VersionRef:
        """PROJECT/MODEL/NUMBER as given, or PROJECT/MODEL@STAGE resolved to the version
        serving in that stage."""
        return self._c.monitor.resolve(target)

    def monitor_reference(
        self,
        target: str,
        data: object,
        *,
        target_column: str | None = None,
        prediction_column: str | None = None,
        score: bool = True,
        exclude: Sequence[str] = (),
        trust: bool = False,
    ) -> MonitorReference:
        """Set the profile production windows of the version are compared with."""
        return self._c.monitor.set_reference(
            self.actor,
            self.deployment(target),
            data,
            target=target_column,
            prediction_column=prediction_column,
            score=score,
            exclude=exclude,
            trust=trust,
            source=_label(data),
        )

    def ingest(
        self,
        target: str,
        data: object,
        *,
        time_column: str | None = None,
        window: str | None = None,
        prediction_column: str | None = None,
        id_column: str | None = None,
        threshold: float = 0.5,
        batch_rows: int = 65_536,
        progress: Callable[[int], None] | None = None,
    ) -> IngestResult:
        """Profile production rows into windows and evaluate them against the policy's rules."""
        return self._c.monitor.ingest(
            self.actor,
            self.deployment(target),
            data,
            time_column=time_column,
            window=window,
            prediction_column=prediction_column,
            id_column=id_column,
            threshold=threshold,
            batch_rows=batch_rows,
            progress=progress,
            source_name=_label(data),
        )

    def ingest_spark(
        self,
        target: str,
        frame: object,
        *,
        time_column: str | None = None,
        window: str | None = None,
    ) -> IngestResult:
        """Profile a Spark DataFrame where it lives (`profile_spark`: each partition profiled
        with mapInArrow, merged on the driver) and store the windows as `ingest` does. Needs
        the `spark` extra; scores and ids are not read on this path."""
        import time

        from steward.adapters.spark import profile_spark

        ref = self.deployment(target)
        monitor = self._c.monitor
        reference, _ = monitor.reference(ref)
        width = monitor.window_for(ref, window)
        profiles, untimed = profile_spark(
            reference,
            frame,  # type: ignore[arg-type]
            time_column=time_column,
            window=width,
            now_epoch=int(time.time()),
        )
        return monitor.ingest_profiles(
            self.actor, ref, profiles, window=width, untimed=untimed, source_name="spark"
        )

    def reference_profile(self, target: str) -> Profile:
        """The profile the version's production windows are compared with."""
        return self._c.monitor.reference(self.deployment(target))[0]

    def labels(
        self,
        target: str,
        data: object,
        *,
        id_column: str,
        target_column: str,
        threshold: float = 0.5,
    ) -> LabelResult:
        """Join late labels to logged predictions by id and measure each window they reach;
        a row is predicted positive when its score is at least `threshold`."""
        return self._c.monitor.labels(
            self.actor,
            self.deployment(target),
            data,
            id_column=id_column,
            target=target_column,
            threshold=threshold,
        )

    def record_series(
        self, target: str, name: str, points: Sequence[tuple[str, float]]
    ) -> tuple[list[WindowResult], list[int]]:
        """Append (time, value) points to a named series of the version: a KPI, an error rate."""
        return self._c.monitor.series(self.actor, self.deployment(target), name, points)

    def monitor_status(self) -> list[dict[str, object]]:
        return self._c.monitor.status()

    def monitor_history(self, target: str) -> MonitorHistory:
        return self._c.monitor.history(self.deployment(target))

    def monitor_report(self, target: str, out: str | Path) -> Path:
        """Write the offline HTML report of the version's windows: drift, performance and KPIs
        over time, alerts and reviews."""
        from steward.adapters.report.monitor import render_monitor_report

        path = Path(out)
        if not path.parent.is_dir():
            raise InvalidInputError(f"cannot write the report to {path}: no such directory")
        html = render_monitor_report(self.monitor_history(target))
        try:
            path.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise InvalidInputError(f"cannot write the report to {path}: {exc.strerror}") from None
        return path

    def alerts(self, target: str | None = None) -> list[Alert]:
        return self._c.monitor.alerts(None if target is None else self.deployment(target))

    def reviews(self, status: str | None = "open") -> list[Review]:
        return self._c.monitor.reviews(status)

    def close_review(self, review_id: int, reason: str) -> Review:
        return self._c.monitor.close_review(self.actor, review_id, reason)

    def deliver(self, wait: float = 0.0) -> list[DeliveryOutcome]:
        """Attempt the notifications that are due; with `wait`, keep retrying for that many
        seconds until none is pending."""
        outbox = self._c.monitor.outbox
        if wait > 0:
            return outbox.drain(wait, actor=self.actor)
        return outbox.deliver_due(self.actor)

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
