"""The monitoring half of the read and write sessions: reference profiles, window profiles,
prediction logs, results, series, alerts, reviews and deliveries."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, insert, select, update

from steward.adapters.sql import governance_rows as rows
from steward.adapters.sql import tables as t
from steward.adapters.sql.monitor_ingests import SqlIngestReads, SqlIngestWrites, replaced_seqs
from steward.domain.audit import canonical_json
from steward.domain.monitoring import (
    Alert,
    MonitorReference,
    Review,
    SeriesPoint,
    WindowPart,
    WindowResult,
)

_v, _m, _p = t.versions, t.models, t.projects


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class SqlMonitoringReads(SqlIngestReads):
    """Monitoring queries, on both the read and the write session."""

    def monitor_reference(self, version_id: int) -> MonitorReference | None:
        r = t.monitor_references
        row = self._conn.execute(
            rows.with_names(select(r), r.c.version_id)
            .where(r.c.version_id == version_id)
            .order_by(r.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return MonitorReference(
            id=row.id,
            version_ref=rows.ref_of(row),
            profile_digest=row.profile_digest,
            rows=row.rows,
            source=row.source,
            prediction=bool(row.prediction),
            calibration=_json(row.calibration),
            created_by=row.created_by,
            created_at=row.created_at,
        )

    def window_parts(
        self, version_id: int, starts: list[str] | None = None, since: str | None = None
    ) -> list[WindowPart]:
        """Partial profiles of the version's windows, oldest window first, in ingest order."""
        w = t.monitor_windows
        stmt = (
            rows.with_names(select(w), w.c.version_id)
            .where(w.c.version_id == version_id)
            .where(w.c.audit_seq.not_in(replaced_seqs()))
        )
        if starts is not None:
            stmt = stmt.where(w.c.window_start.in_(starts))
        if since is not None:
            stmt = stmt.where(w.c.window_start >= since)
        return [
            WindowPart(
                id=row.id,
                version_ref=rows.ref_of(row),
                window_start=row.window_start,
                width=row.width,
                rows=row.rows,
                profile=json.loads(row.profile),
                scores=_json(row.scores),
                source=row.source,
                ingested_by=row.ingested_by,
                ingested_at=row.ingested_at,
            )
            for row in self._conn.execute(stmt.order_by(w.c.window_start, w.c.id))
        ]

    def monitor_logs(
        self, version_id: int, kind: str, exclude_seq: int | None = None
    ) -> list[tuple[str, int]]:
        p = t.monitor_logs
        stmt = (
            select(p.c.digest, p.c.rows)
            .where(p.c.version_id == version_id, p.c.kind == kind)
            .where(p.c.audit_seq.not_in(replaced_seqs()))
        )
        if exclude_seq is not None:
            stmt = stmt.where(p.c.audit_seq != exclude_seq)
        return [(row.digest, row.rows) for row in self._conn.execute(stmt.order_by(p.c.id))]

    def window_results(self, version_id: int, kind: str | None = None) -> list[WindowResult]:
        """Every result recorded for the version, oldest window first, newest result last."""
        r = t.monitor_results
        stmt = rows.with_names(select(r), r.c.version_id).where(r.c.version_id == version_id)
        if kind is not None:
            stmt = stmt.where(r.c.kind == kind)
        return [
            WindowResult(
                version_ref=rows.ref_of(row),
                window_start=row.window_start,
                kind=row.kind,
                signals=json.loads(row.signals),
                detail=json.loads(row.detail),
                created_at=row.created_at,
            )
            for row in self._conn.execute(stmt.order_by(r.c.window_start, r.c.id))
        ]

    def series_points(
        self, project_id: int, name: str | None = None, version_id: int | None = None
    ) -> list[SeriesPoint]:
        s = t.series_points
        stmt = (
            select(s, _p.c.name.label("project_name"))
            .join(_p, _p.c.id == s.c.project_id)
            .where(s.c.project_id == project_id)
        )
        if name is not None:
            stmt = stmt.where(s.c.name == name)
        if version_id is not None:
            stmt = stmt.where(s.c.version_id == version_id)
        refs = self._version_refs()
        return [
            SeriesPoint(
                project=row.project_name,
                version_ref=refs.get(row.version_id) if row.version_id is not None else None,
                name=row.name,
                at=row.at,
                value=row.value,
                recorded_by=row.recorded_by,
                recorded_at=row.recorded_at,
            )
            for row in self._conn.execute(stmt.order_by(s.c.name, s.c.at, s.c.id))
        ]

    def alerts(self, version_id: int | None = None, project: str | None = None) -> list[Alert]:
        a = t.alerts
        stmt = rows.with_names(select(a), a.c.version_id)
        if version_id is not None:
            stmt = stmt.where(a.c.version_id == version_id)
        if project is not None:
            stmt = stmt.where(_p.c.name == project)
        return self._folded([_alert(row) for row in self._conn.execute(stmt.order_by(a.c.id))])

    def reviews(self, status: str | None = None, version_id: int | None = None) -> list[Review]:
        r = t.reviews
        stmt = rows.with_names(select(r), r.c.version_id)
        if status is not None:
            stmt = stmt.where(r.c.status == status)
        if version_id is not None:
            stmt = stmt.where(r.c.version_id == version_id)
        return [_review(row) for row in self._conn.execute(stmt.order_by(r.c.id))]

    def review(self, review_id: int) -> Review | None:
        r = t.reviews
        row = self._conn.execute(
            rows.with_names(select(r), r.c.version_id).where(r.c.id == review_id)
        ).first()
        return None if row is None else _review(row)

    def monitored_versions(self) -> list[tuple[int, str, str]]:
        """(id, ref, stage) of every version with a reference or ingested windows."""
        ids = (
            select(t.monitor_references.c.version_id)
            .union(select(t.monitor_windows.c.version_id))
            .subquery()
        )
        stmt = rows.with_names(
            select(ids.c.version_id, t.version_state.c.stage).join(
                t.version_state, t.version_state.c.version_id == ids.c.version_id
            ),
            ids.c.version_id,
        )
        return [
            (row.version_id, rows.ref_of(row), row.stage)
            for row in self._conn.execute(stmt.order_by(_p.c.name, _m.c.name, _v.c.number))
        ]

    def _version_refs(self) -> dict[int, str]:
        stmt = (
            select(_v.c.id.label("vid"), _p.c.name.label("project"), _m.c.name.label("model"))
            .add_columns(_v.c.number)
            .select_from(_v)
            .join(_m, _m.c.id == _v.c.model_id)
            .join(_p, _p.c.id == _m.c.project_id)
        )
        return {row.vid: rows.ref_of(row) for row in self._conn.execute(stmt)}


class SqlMonitoringWrites(SqlMonitoringReads, SqlIngestWrites):
    """Appends and review status changes inside the write transaction."""

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
        result = self._conn.execute(
            insert(t.monitor_references).values(
                version_id=version_id,
                profile_digest=profile_digest,
                rows=row_count,
                source=source,
                prediction=prediction,
                calibration=None if calibration is None else canonical_json(calibration),
                created_by=self.actor,
                created_at=self.now,
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)

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
        result = self._conn.execute(
            insert(t.monitor_windows).values(
                version_id=version_id,
                window_start=window_start,
                width=width,
                rows=row_count,
                profile=canonical_json(profile),
                scores=None if scores is None else canonical_json(scores),
                source=source,
                ingested_by=self.actor,
                ingested_at=self.now,
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)

    def add_monitor_log(
        self, version_id: int, kind: str, digest: str, row_count: int, seq: int
    ) -> None:
        self._conn.execute(
            insert(t.monitor_logs).values(
                version_id=version_id,
                kind=kind,
                digest=digest,
                rows=row_count,
                created_at=self.now,
                audit_seq=seq,
            )
        )

    def add_window_result(self, version_id: int, result: WindowResult, audit_seq: int) -> None:
        self._conn.execute(
            insert(t.monitor_results).values(
                version_id=version_id,
                window_start=result.window_start,
                kind=result.kind,
                signals=canonical_json(result.signals),
                detail=canonical_json(result.detail),
                created_at=self.now,
                audit_seq=audit_seq,
            )
        )

    def add_series_point(
        self,
        project_id: int,
        version_id: int | None,
        name: str,
        at: str,
        value: float,
        audit_seq: int,
    ) -> None:
        self._conn.execute(
            insert(t.series_points).values(
                project_id=project_id,
                version_id=version_id,
                name=name,
                at=at,
                value=value,
                recorded_by=self.actor,
                recorded_at=self.now,
                audit_seq=audit_seq,
            )
        )

    def alert_exists(self, dedup_key: str) -> bool:
        found = self._conn.execute(
            select(t.alerts.c.id).where(t.alerts.c.dedup_key == dedup_key)
        ).first()
        return found is not None

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
        result = self._conn.execute(
            insert(t.alerts).values(
                version_id=version_id,
                window_start=window_start,
                signal=signal,
                value=value,
                rule=rule,
                action=action,
                dedup_key=dedup_key,
                opened_at=self.now,
                detail=canonical_json(detail),
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)

    def add_review(self, version_id: int, alert_id: int | None, reason: str) -> int:
        result = self._conn.execute(
            insert(t.reviews).values(
                version_id=version_id,
                alert_id=alert_id,
                status="open",
                reason=reason,
                opened_by=self.actor,
                opened_at=self.now,
            )
        )
        return rows.inserted_id(result)

    def close_review(self, review_id: int, resolution: str) -> None:
        self._conn.execute(
            update(t.reviews)
            .where(and_(t.reviews.c.id == review_id, t.reviews.c.status == "open"))
            .values(
                status="closed", closed_by=self.actor, closed_at=self.now, resolution=resolution
            )
        )


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id,
        version_ref=rows.ref_of(row),
        window_start=row.window_start,
        signal=row.signal,
        value=row.value,
        rule=row.rule,
        action=row.action,
        dedup_key=row.dedup_key,
        opened_at=row.opened_at,
        detail=json.loads(row.detail),
    )


def _review(row: Any) -> Review:
    return Review(
        id=row.id,
        version_ref=rows.ref_of(row),
        alert_id=row.alert_id,
        status=row.status,
        reason=row.reason,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        resolution=row.resolution,
    )
