"""Pending governance changes in SQL."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Row, insert, select, update

from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart
from steward.domain.audit import canonical_json
from steward.domain.changes import PendingChange

if TYPE_CHECKING:
    from sqlalchemy import Select

    from steward.domain.changes import ChangeKind


def _query() -> Select[Any]:
    c, p = t.pending_changes, t.projects
    return select(c, p.c.name.label("project_name")).outerjoin(p, p.c.id == c.c.project_id)


def _change(row: Row[Any]) -> PendingChange:
    return PendingChange(
        id=row.id,
        kind=cast("ChangeKind", row.kind),
        project=row.project_name,
        subject=row.subject,
        summary=row.summary,
        weakens=tuple(json.loads(row.weakens)),
        payload=json.loads(row.payload),
        status=row.status,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        reason=row.reason,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


class SqlChangesReads(SqlPart):
    def get_change(self, change_id: int) -> PendingChange | None:
        row = self._conn.execute(_query().where(t.pending_changes.c.id == change_id)).first()
        return None if row is None else _change(row)

    def list_changes(self, status: str | None, project: str | None) -> list[PendingChange]:
        query = _query().order_by(t.pending_changes.c.id)
        if status is not None:
            query = query.where(t.pending_changes.c.status == status)
        if project is not None:
            query = query.where(t.projects.c.name == project)
        return [_change(row) for row in self._conn.execute(query)]

    def pending_change(self, kind: ChangeKind, subject: str) -> PendingChange | None:
        c = t.pending_changes
        row = self._conn.execute(
            _query().where(c.c.kind == kind, c.c.subject == subject, c.c.status == "pending")
        ).first()
        return None if row is None else _change(row)


class SqlChangesWrites(SqlChangesReads):
    def add_change(
        self,
        kind: ChangeKind,
        project_id: int | None,
        subject: str,
        summary: str,
        weakens: tuple[str, ...],
        payload: dict[str, Any],
        reason: str,
        audit_seq: int,
    ) -> PendingChange:
        result = self._conn.execute(
            insert(t.pending_changes).values(
                kind=kind,
                project_id=project_id,
                subject=subject,
                summary=summary,
                weakens=canonical_json(list(weakens)),
                payload=canonical_json(payload),
                status="pending",
                requested_by=self.actor,
                requested_at=self.now,
                reason=reason,
                request_seq=audit_seq,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        found = self.get_change(int(key[0]))
        assert found is not None
        return found

    def decide_change(self, change_id: int, status: str, reason: str, audit_seq: int) -> None:
        c = t.pending_changes
        self._conn.execute(
            update(c)
            .where(c.c.id == change_id, c.c.status == "pending")
            .values(
                status=status,
                decided_by=self.actor,
                decided_at=self.now,
                decision_reason=reason,
                decision_seq=audit_seq,
            )
        )
