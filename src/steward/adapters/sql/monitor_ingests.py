"""Ingest records and alert updates: the monitoring facts that say which ingests still count
and what later windows did to an alert. Mixed into the monitoring half of the sessions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, insert, select

from steward.adapters.sql import governance_rows as rows
from steward.adapters.sql import tables_monitoring as t
from steward.adapters.sql.part import SqlPart
from steward.domain.monitoring import Alert, AlertUpdate, Ingest, folded


def replaced_seqs() -> Select[Any]:
    """The audit sequence numbers of ingests a later ingest replaced: their window parts and
    prediction logs no longer count."""
    later = t.monitor_ingests.alias("later")
    i = t.monitor_ingests
    return select(i.c.audit_seq).where(
        i.c.id.in_(select(later.c.replaces).where(later.c.replaces.is_not(None)))
    )


class SqlIngestReads(SqlPart):
    def ingests(self, version_id: int) -> list[Ingest]:
        return self._ingests(version_id)

    def ingest_by_digest(self, version_id: int, digest: str) -> Ingest | None:
        found = [i for i in self._ingests(version_id, digest) if i.replaced_by is None]
        return found[-1] if found else None

    def _ingests(self, version_id: int, digest: str | None = None) -> list[Ingest]:
        i = t.monitor_ingests
        later = t.monitor_ingests.alias("later")
        stmt = (
            rows.with_names(select(i, later.c.id.label("replaced_by")), i.c.version_id)
            .outerjoin(later, later.c.replaces == i.c.id)
            .where(i.c.version_id == version_id)
        )
        if digest is not None:
            stmt = stmt.where(i.c.digest == digest)
        return [
            Ingest(
                id=row.id,
                version_ref=rows.ref_of(row),
                digest=row.digest,
                source=row.source,
                rows=row.rows,
                first_at=row.first_at,
                last_at=row.last_at,
                windows=json.loads(row.windows),
                replaces=row.replaces,
                replaced_by=row.replaced_by,
                ingested_by=row.ingested_by,
                ingested_at=row.ingested_at,
                audit_seq=row.audit_seq,
            )
            for row in self._conn.execute(stmt.order_by(i.c.id))
        ]

    def _folded(self, alerts: list[Alert]) -> list[Alert]:
        if not alerts:
            return alerts
        u = t.alert_updates
        ids = [a.id for a in alerts]
        updates: dict[int, list[AlertUpdate]] = {}
        for row in self._conn.execute(select(u).where(u.c.alert_id.in_(ids)).order_by(u.c.id)):
            updates.setdefault(row.alert_id, []).append(
                AlertUpdate(
                    row.alert_id, row.kind, row.window_start, row.value, row.reason, row.created_at
                )
            )
        return [folded(a, updates.get(a.id, [])) for a in alerts]


class SqlIngestWrites(SqlIngestReads):
    def add_alert_update(
        self,
        alert_id: int,
        kind: str,
        window_start: str | None,
        value: float | None,
        reason: str,
        audit_seq: int,
    ) -> None:
        self._conn.execute(
            insert(t.alert_updates).values(
                alert_id=alert_id,
                kind=kind,
                window_start=window_start,
                value=value,
                reason=reason,
                created_by=self.actor,
                created_at=self.now,
                audit_seq=audit_seq,
            )
        )

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
        result = self._conn.execute(
            insert(t.monitor_ingests).values(
                version_id=version_id,
                digest=digest,
                source=source,
                rows=row_count,
                first_at=first_at,
                last_at=last_at,
                windows=json.dumps(windows),
                replaces=replaces,
                ingested_by=self.actor,
                ingested_at=self.now,
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)
