"""The monitoring storage port: reference profiles, window profiles, logs of predictions and
labels, results, series, alerts and the reviews they open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from steward.domain.monitoring import (
        Alert,
        Ingest,
        MonitorReference,
        Review,
        SeriesPoint,
        WindowPart,
        WindowResult,
    )


class MonitoringReads(Protocol):
    """Also inside the write transaction: evaluation reads what the same ingest just wrote."""

    def monitor_reference(self, version_id: int) -> MonitorReference | None:
        """The newest reference set for the version."""
        ...

    def window_parts(
        self, version_id: int, starts: list[str] | None = None, since: str | None = None
    ) -> list[WindowPart]:
        """Oldest first; parts of an ingest that a later one replaced are left out."""
        ...

    def monitor_logs(
        self, version_id: int, kind: str, exclude_seq: int | None = None
    ) -> list[tuple[str, int]]:
        """(artifact digest, rows) of the version's logs of `kind`, oldest first; logs of a
        replaced ingest, and of the ingest recorded at `exclude_seq`, are left out."""
        ...

    def ingests(self, version_id: int) -> list[Ingest]:
        """Every ingest of the version, oldest first, replaced ones included."""
        ...

    def ingest_by_digest(self, version_id: int, digest: str) -> Ingest | None:
        """The ingest of the version with this digest that still counts, if any."""
        ...

    def window_results(self, version_id: int, kind: str | None = None) -> list[WindowResult]:
        """Oldest first."""
        ...

    def series_points(
        self, project_id: int, name: str | None = None, version_id: int | None = None
    ) -> list[SeriesPoint]:
        """By name, then time, then when they were recorded."""
        ...

    def alerts(self, version_id: int | None = None, project: str | None = None) -> list[Alert]:
        """Oldest first, each as its updates leave it (windows, last value, closed)."""
        ...

    def reviews(self, status: str | None = None, version_id: int | None = None) -> list[Review]: ...
    def review(self, review_id: int) -> Review | None: ...
    def monitored_versions(self) -> list[tuple[int, str, str]]:
        """(version id, ref, stage) of every version with a reference or a window."""
        ...


class MonitoringWrites(MonitoringReads, Protocol):
    def add_monitor_reference(
        self,
        version_id: int,
        profile_digest: str,
        row_count: int,
        source: str,
        prediction: bool,
        calibration: dict[str, Any] | None,
        audit_seq: int,
    ) -> int: ...
    def add_window_part(
        self,
        version_id: int,
        window_start: str,
        width: int,
        row_count: int,
        profile: dict[str, Any],
        scores: dict[str, Any] | None,
        source: str,
        audit_seq: int,
    ) -> int: ...
    def add_monitor_log(
        self, version_id: int, kind: str, digest: str, row_count: int, seq: int
    ) -> None: ...
    def add_window_result(self, version_id: int, result: WindowResult, audit_seq: int) -> None: ...
    def add_series_point(
        self,
        project_id: int,
        version_id: int | None,
        name: str,
        at: str,
        value: float,
        audit_seq: int,
    ) -> None: ...
    def alert_exists(self, dedup_key: str) -> bool: ...
    def add_alert(
        self,
        version_id: int,
        window_start: str | None,
        signal: str,
        value: float,
        rule: str,
        action: str,
        dedup_key: str,
        detail: dict[str, Any],
        audit_seq: int,
    ) -> int:
        """ConflictError (from the store) when the dedup key is taken."""
        ...

    def add_alert_update(
        self,
        alert_id: int,
        kind: str,
        window_start: str | None,
        value: float | None,
        reason: str,
        audit_seq: int,
    ) -> None:
        """`updated` or `closed`, by this transaction's actor, now."""
        ...

    def add_ingest(
        self,
        version_id: int,
        digest: str,
        source: str,
        row_count: int,
        first_at: str | None,
        last_at: str | None,
        windows: list[str],
        replaces: int | None,
        audit_seq: int,
    ) -> int:
        """ConflictError (from the store) when `replaces` was replaced already."""
        ...

    def add_review(self, version_id: int, alert_id: int | None, reason: str) -> int:
        """Opened by this transaction's actor, now; ConflictError when one is open already."""
        ...

    def close_review(self, review_id: int, resolution: str) -> None: ...
