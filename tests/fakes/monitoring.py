"""The monitoring and outbox ports in memory, with the SQL tables' orders and constraints: one
alert per dedup key, one open review per version, JSON columns that round-trip through text."""

from __future__ import annotations

import json
from typing import Any

from steward.domain.audit import canonical_json
from steward.domain.monitoring import (
    Alert,
    Delivery,
    MonitorReference,
    Review,
    SeriesPoint,
    WindowPart,
    WindowResult,
)
from steward.services.ports import MonitoringReads, MonitoringWrites, OutboxReads, OutboxWrites
from tests.fakes.monitor_ingests import FakeIngestReads, FakeIngestWrites
from tests.fakes.state import View, _conflict, _new_id


def _text(value: Any) -> str | None:
    return None if value is None else canonical_json(value)


def _parsed(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class FakeMonitoringReads(FakeIngestReads):
    """MonitoringReads over a snapshot (or, as the write side's base, the working copy)."""

    def _known(self, version_id: int) -> None:
        if version_id not in self._state.versions:
            # A foreign key in the SQL tables.
            raise _conflict(f"no version with id {version_id}")

    def monitor_reference(self, version_id: int) -> MonitorReference | None:
        rows = [
            r for _, r in sorted(self._state.references.items()) if r["version_id"] == version_id
        ]
        if not rows:
            return None
        row = rows[-1]
        return MonitorReference(
            id=row["id"],
            version_ref=self._version_ref(version_id),
            profile_digest=row["profile_digest"],
            rows=row["rows"],
            source=row["source"],
            prediction=row["prediction"],
            calibration=_parsed(row["calibration"]),
            created_by=row["created_by"],
            created_at=row["created_at"],
        )

    def window_parts(
        self, version_id: int, starts: list[str] | None = None, since: str | None = None
    ) -> list[WindowPart]:
        gone = self._replaced_seqs()
        rows = [
            r
            for r in self._state.windows.values()
            if r["version_id"] == version_id
            and r["audit_seq"] not in gone
            and (starts is None or r["window_start"] in starts)
            and (since is None or r["window_start"] >= since)
        ]
        rows.sort(key=lambda r: (r["window_start"], r["id"]))
        return [
            WindowPart(
                id=r["id"],
                version_ref=self._version_ref(version_id),
                window_start=r["window_start"],
                width=r["width"],
                rows=r["rows"],
                profile=json.loads(r["profile"]),
                scores=_parsed(r["scores"]),
                source=r["source"],
                ingested_by=r["ingested_by"],
                ingested_at=r["ingested_at"],
            )
            for r in rows
        ]

    def monitor_logs(
        self, version_id: int, kind: str, exclude_seq: int | None = None
    ) -> list[tuple[str, int]]:
        gone = self._replaced_seqs() | ({exclude_seq} if exclude_seq is not None else set())
        return [
            (r["digest"], r["rows"])
            for _, r in sorted(self._state.logs.items())
            if r["version_id"] == version_id and r["kind"] == kind and r["audit_seq"] not in gone
        ]

    def window_results(self, version_id: int, kind: str | None = None) -> list[WindowResult]:
        rows = [
            r
            for r in self._state.results.values()
            if r["version_id"] == version_id and (kind is None or r["kind"] == kind)
        ]
        rows.sort(key=lambda r: (r["window_start"], r["id"]))
        return [
            WindowResult(
                version_ref=self._version_ref(version_id),
                window_start=r["window_start"],
                kind=r["kind"],
                signals=json.loads(r["signals"]),
                detail=json.loads(r["detail"]),
                created_at=r["created_at"],
            )
            for r in rows
        ]

    def series_points(
        self, project_id: int, name: str | None = None, version_id: int | None = None
    ) -> list[SeriesPoint]:
        rows = [
            r
            for r in self._state.series.values()
            if r["project_id"] == project_id
            and (name is None or r["name"] == name)
            and (version_id is None or r["version_id"] == version_id)
        ]
        rows.sort(key=lambda r: (r["name"], r["at"], r["id"]))
        project = self._state.projects[project_id].name
        return [
            SeriesPoint(
                project=project,
                version_ref=None if r["version_id"] is None else self._version_ref(r["version_id"]),
                name=r["name"],
                at=r["at"],
                value=r["value"],
                recorded_by=r["recorded_by"],
                recorded_at=r["recorded_at"],
            )
            for r in rows
        ]

    def _alert(self, r: dict[str, Any]) -> Alert:
        return Alert(
            id=r["id"],
            version_ref=self._version_ref(r["version_id"]),
            window_start=r["window_start"],
            signal=r["signal"],
            value=r["value"],
            rule=r["rule"],
            action=r["action"],
            dedup_key=r["dedup_key"],
            opened_at=r["opened_at"],
            detail=json.loads(r["detail"]),
        )

    def alerts(self, version_id: int | None = None, project: str | None = None) -> list[Alert]:
        return self._folded(
            [
                self._alert(r)
                for _, r in sorted(self._state.alerts.items())
                if (version_id is None or r["version_id"] == version_id)
                and (project is None or self._project_of(r["version_id"]) == project)
            ]
        )

    def _review(self, r: dict[str, Any]) -> Review:
        return Review(
            id=r["id"],
            version_ref=self._version_ref(r["version_id"]),
            alert_id=r["alert_id"],
            status=r["status"],
            reason=r["reason"],
            opened_by=r["opened_by"],
            opened_at=r["opened_at"],
            closed_by=r["closed_by"],
            closed_at=r["closed_at"],
            resolution=r["resolution"],
        )

    def reviews(self, status: str | None = None, version_id: int | None = None) -> list[Review]:
        return [
            self._review(r)
            for _, r in sorted(self._state.reviews.items())
            if (status is None or r["status"] == status)
            and (version_id is None or r["version_id"] == version_id)
        ]

    def review(self, review_id: int) -> Review | None:
        row = self._state.reviews.get(review_id)
        return None if row is None else self._review(row)

    def monitored_versions(self) -> list[tuple[int, str, str]]:
        ids = {r["version_id"] for r in self._state.references.values()} | {
            r["version_id"] for r in self._state.windows.values()
        }
        found = [
            (version_id, self._version_ref(version_id), self._state.versions[version_id].stage)
            for version_id in ids
        ]
        found.sort(key=lambda item: self._version_names(item[0]))
        return [(version_id, ref, stage or "") for version_id, ref, stage in found]


class FakeMonitoringWrites(FakeMonitoringReads, FakeIngestWrites):
    """MonitoringWrites over the write's working copy."""

    def add_monitor_reference(
        self,
        version_id: int,
        profile_digest: str,
        row_count: int,
        source: str,
        prediction: bool,
        calibration: dict[str, Any] | None,
        audit_seq: int,
    ) -> int:
        self._known(version_id)
        new = _new_id(self._state.references)
        self._state.references[new] = {
            "id": new,
            "version_id": version_id,
            "profile_digest": profile_digest,
            "rows": row_count,
            "source": source,
            "prediction": prediction,
            "calibration": _text(calibration),
            "created_by": self.actor,
            "created_at": self.now,
            "audit_seq": audit_seq,
        }
        return new

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
    ) -> int:
        self._known(version_id)
        new = _new_id(self._state.windows)
        self._state.windows[new] = {
            "id": new,
            "version_id": version_id,
            "window_start": window_start,
            "width": width,
            "rows": row_count,
            "profile": canonical_json(profile),
            "scores": _text(scores),
            "source": source,
            "ingested_by": self.actor,
            "ingested_at": self.now,
            "audit_seq": audit_seq,
        }
        return new

    def add_monitor_log(
        self, version_id: int, kind: str, digest: str, row_count: int, seq: int
    ) -> None:
        self._known(version_id)
        new = _new_id(self._state.logs)
        self._state.logs[new] = {
            "id": new,
            "version_id": version_id,
            "kind": kind,
            "digest": digest,
            "rows": row_count,
            "created_at": self.now,
            "audit_seq": seq,
        }

    def add_window_result(self, version_id: int, result: WindowResult, audit_seq: int) -> None:
        self._known(version_id)
        new = _new_id(self._state.results)
        self._state.results[new] = {
            "id": new,
            "version_id": version_id,
            "window_start": result.window_start,
            "kind": result.kind,
            "signals": canonical_json(result.signals),
            "detail": canonical_json(result.detail),
            "created_at": self.now,
            "audit_seq": audit_seq,
        }

    def add_series_point(
        self,
        project_id: int,
        version_id: int | None,
        name: str,
        at: str,
        value: float,
        audit_seq: int,
    ) -> None:
        if project_id not in self._state.projects:
            raise _conflict(f"no project with id {project_id}")
        if version_id is not None:
            self._known(version_id)
        new = _new_id(self._state.series)
        self._state.series[new] = {
            "id": new,
            "project_id": project_id,
            "version_id": version_id,
            "name": name,
            "at": at,
            "value": float(value),
            "recorded_by": self.actor,
            "recorded_at": self.now,
            "audit_seq": audit_seq,
        }

    def alert_exists(self, dedup_key: str) -> bool:
        return any(r["dedup_key"] == dedup_key for r in self._state.alerts.values())

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
        self._known(version_id)
        if self.alert_exists(dedup_key):
            raise _conflict(f"an alert with key {dedup_key!r} exists")
        new = _new_id(self._state.alerts)
        self._state.alerts[new] = {
            "id": new,
            "version_id": version_id,
            "window_start": window_start,
            "signal": signal,
            "value": float(value),
            "rule": rule,
            "action": action,
            "dedup_key": dedup_key,
            "opened_at": self.now,
            "detail": canonical_json(detail),
            "audit_seq": audit_seq,
        }
        return new

    def add_review(self, version_id: int, alert_id: int | None, reason: str) -> int:
        self._known(version_id)
        if any(
            r["version_id"] == version_id and r["status"] == "open"
            for r in self._state.reviews.values()
        ):
            # The partial unique index of the SQL table.
            raise _conflict(f"version {self._version_ref(version_id)} has an open review")
        new = _new_id(self._state.reviews)
        self._state.reviews[new] = {
            "id": new,
            "version_id": version_id,
            "alert_id": alert_id,
            "status": "open",
            "reason": reason,
            "opened_by": self.actor,
            "opened_at": self.now,
            "closed_by": None,
            "closed_at": None,
            "resolution": None,
        }
        return new

    def close_review(self, review_id: int, resolution: str) -> None:
        row = self._state.reviews.get(review_id)
        if row is not None and row["status"] == "open":
            row.update(
                status="closed", closed_by=self.actor, closed_at=self.now, resolution=resolution
            )


class FakeOutboxReads(View):
    """OutboxReads over a snapshot."""

    def deliveries(self, status: str | None = None, due_by: str | None = None) -> list[Delivery]:
        return [
            Delivery(**{k: v for k, v in r.items()})
            for _, r in sorted(self._state.deliveries.items())
            if (status is None or r["status"] == status)
            and (due_by is None or r["next_attempt_at"] <= due_by)
        ]


class FakeOutboxWrites(FakeOutboxReads):
    """OutboxWrites over the write's working copy."""

    def add_delivery(
        self,
        alert_id: int | None,
        route: str,
        kind: str,
        target: str,
        event: str,
        body: str,
        secret_env: str | None,
    ) -> int:
        if alert_id is not None and alert_id not in self._state.alerts:
            raise _conflict(f"no alert with id {alert_id}")
        new = _new_id(self._state.deliveries)
        self._state.deliveries[new] = {
            "id": new,
            "alert_id": alert_id,
            "route": route,
            "kind": kind,
            "target": target,
            "event": event,
            "body": body,
            "secret_env": secret_env,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": self.now,
            "last_error": None,
            "last_status": None,
            "delivered_at": None,
            "created_at": self.now,
        }
        return new

    def record_attempt(
        self,
        delivery_id: int,
        status: str,
        attempts: int,
        next_attempt_at: str,
        last_error: str | None,
        last_status: int | None,
    ) -> None:
        row = self._state.deliveries.get(delivery_id)
        if row is None:
            return
        row.update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_error=last_error,
            last_status=last_status,
            delivered_at=self.now if status == "delivered" else None,
        )


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_monitoring_reads: type[MonitoringReads] = FakeMonitoringReads
_monitoring_writes: type[MonitoringWrites] = FakeMonitoringWrites
_outbox_reads: type[OutboxReads] = FakeOutboxReads
_outbox_writes: type[OutboxWrites] = FakeOutboxWrites
