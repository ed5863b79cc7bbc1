"""Monitoring in the SDK: `drift(reference, current)`, the ad hoc comparison of two datasets,
which needs no registry; and production monitoring of registered versions. A version is named
PROJECT/MODEL/NUMBER, or as the deployment PROJECT/MODEL@STAGE: the version serving in that
stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.domain.windows import BATCH_ROWS
from steward.sdk import files
from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from steward.domain.changes import PendingChange
    from steward.domain.monitoring import Alert, Ingest, MonitorReference, Review, WindowResult
    from steward.domain.naming import VersionRef
    from steward.services.monitor_feedback import LabelResult
    from steward.services.monitor_reads import MonitorHealth, MonitorHistory
    from steward.services.monitor_store import IngestResult
    from steward.services.outbox import DeliveryOutcome
    from steward.services.ports import Receiver
    from steward.stats.drift import DriftReport
    from steward.stats.profile import Profile


class MonitorMethods(ClientBase):
    def deployment(self, target: str) -> VersionRef:
        """PROJECT/MODEL/NUMBER as given, or PROJECT/MODEL@STAGE resolved to the version
        serving in that stage."""
        return self._s.monitor.deployment(self._p, target)

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
        return self._s.monitor.set_reference(
            self._p,
            target,
            data,
            target_column=target_column,
            prediction_column=prediction_column,
            score=score,
            exclude=exclude,
            trust=trust,
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
        batch_rows: int = BATCH_ROWS,
        progress: Callable[[int], None] | None = None,
        replace: int | None = None,
        allow_backfill: bool = False,
    ) -> IngestResult:
        """Profile production rows into windows and evaluate them against the policy's rules.
        The same data is not counted twice; `replace` swaps out an earlier ingest."""
        return self._s.monitor.ingest(
            self._p,
            target,
            data,
            time_column=time_column,
            window=window,
            prediction_column=prediction_column,
            id_column=id_column,
            threshold=threshold,
            batch_rows=batch_rows,
            progress=progress,
            replace=replace,
            allow_backfill=allow_backfill,
        )

    def ingests(self, target: str) -> list[Ingest]:
        """Every ingest of the version, oldest first, and which later ingest replaced it."""
        return self._s.monitor.ingests(self._p, target)

    def ingest_spark(
        self,
        target: str,
        frame: object,
        *,
        time_column: str | None = None,
        window: str | None = None,
        allow_backfill: bool = False,
    ) -> IngestResult:
        """Profile a Spark DataFrame where it lives and store the windows as `ingest` does.
        Needs the `spark` extra; scores and ids are not read on this path."""
        return self._s.monitor.ingest_spark(
            self._p,
            target,
            frame,
            time_column=time_column,
            window=window,
            allow_backfill=allow_backfill,
        )

    def reference_profile(self, target: str) -> Profile:
        """The profile the version's production windows are compared with."""
        return self._s.monitor.reference_profile(self._p, target)

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
        return self._s.monitor.labels(
            self._p,
            target,
            data,
            id_column=id_column,
            target_column=target_column,
            threshold=threshold,
        )

    def record_series(
        self, target: str, name: str, points: Sequence[tuple[str, float]]
    ) -> tuple[list[WindowResult], list[int]]:
        """Append (time, value) points to a named series of the version: a KPI, an error rate."""
        return self._s.monitor.series(self._p, target, name, points)

    def monitor_status(self) -> list[MonitorHealth]:
        return self._s.monitor.status(self._p)

    def monitor_history(self, target: str) -> MonitorHistory:
        return self._s.monitor.history(self._p, target)

    def monitor_report(self, target: str, out: str | Path) -> Path:
        """Write the offline HTML report of the version's windows: drift, performance and KPIs
        over time, alerts and reviews."""
        path = files.writable(out)
        assert path is not None
        return files.write_text(path, self._s.monitor.report(self._p, target))

    def alerts(self, target: str | None = None) -> list[Alert]:
        return self._s.monitor.alerts(self._p, target)

    def reviews(self, status: str | None = "open") -> list[Review]:
        return self._s.monitor.reviews(self._p, status)

    def close_review(self, review_id: int, reason: str) -> Review | PendingChange:
        """Close a review; one an alert opened comes back as a pending change."""
        return self._s.monitor.close_review(self._p, review_id, reason)

    def deliver(self, wait: float = 0.0) -> list[DeliveryOutcome]:
        """Attempt the notifications that are due; with `wait`, keep retrying for that many
        seconds until none is pending."""
        return self._s.monitor.deliver(self._p, wait)

    def listen_webhooks(
        self,
        *,
        secret_env: str | None = None,
        port: int = 0,
        fail_first: int = 0,
        failure_status: int = 500,
        on_receive: Callable[[dict[str, Any]], None] | None = None,
    ) -> Receiver:
        """Start a receiver on 127.0.0.1 that checks signatures with the secret in the variable
        `secret_env` and records every request (see `steward webhook listen`); close it to
        stop it."""
        return self._s.webhooks.listen(
            self._p,
            secret_env=secret_env,
            port=port,
            fail_first=fail_first,
            failure_status=failure_status,
            on_receive=on_receive,
        )

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
        out = files.writable(report)
        found = self._s.analysis.drift(
            self._p,
            reference,
            current,
            columns=columns,
            exclude=exclude,
            method=method,
            methods=methods,
            thresholds=thresholds,
            drift_share=drift_share,
            html=out is not None,
        )
        if out is not None and found.html is not None:
            files.write_text(out, found.html)
        return found.report
