"""Reading the audit trail: the head, events by filter with keyset paging, the raw stream of
stored rows that verification recomputes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from steward.adapters.sql import tables as t
from steward.adapters.sql.chain import iter_chain_rows
from steward.adapters.sql.paging import page_of as _page
from steward.adapters.sql.part import SqlPart
from steward.domain.audit import GENESIS_HASH, AuditEvent, StoredRow
from steward.services.ports import (
    AuditQuery,
    ChainHead,
    Page,
    PageRequest,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.sql.elements import ColumnElement


class SqlAuditReads(SqlPart):
    """The audit trail."""

    def chain_head(self) -> ChainHead:
        row = self._conn.execute(select(t.audit_head).where(t.audit_head.c.id == 1)).one()
        return ChainHead(row.seq, row.hash, row.ts)

    def max_audit_seq(self) -> int:
        return int(self._conn.execute(select(func.max(t.audit_events.c.seq))).scalar() or 0)

    def audit_events(self, query: AuditQuery, page: PageRequest) -> Page[AuditEvent]:
        after = page.position()
        a = t.audit_events
        conditions: list[ColumnElement[bool]] = []
        if query.entity_type is not None:
            conditions.append(a.c.entity_type == query.entity_type)
        if query.entity_id is not None:
            conditions.append(a.c.entity_id == query.entity_id)
        if query.actor is not None:
            conditions.append(a.c.actor == query.actor)
        if query.action is not None:
            conditions.append(a.c.action == query.action)
        if query.since is not None:
            conditions.append(a.c.ts >= query.since)
        if query.until is not None:
            conditions.append(a.c.ts <= query.until)
        if after is not None:
            conditions.append(a.c.seq < after if query.newest_first else a.c.seq > after)
        order = a.c.seq.desc() if query.newest_first else a.c.seq
        prev = t.audit_events.alias("prev")
        stmt = (
            select(a, prev.c.hash.label("prev_hash"))
            .outerjoin(prev, prev.c.seq == a.c.seq - 1)
            .where(*conditions)
            .order_by(order)
            .limit(page.limit + 1)
        )
        rows, cursor = _page(self._conn.execute(stmt).all(), page.limit, "seq")
        events: list[AuditEvent] = []
        for r in rows:
            events.append(
                AuditEvent(
                    seq=r.seq,
                    ts=r.ts,
                    actor=r.actor,
                    action=r.action,
                    entity_type=r.entity_type,
                    entity_id=r.entity_id,
                    reason=r.reason,
                    payload_json=r.payload,
                    prev_hash=r.prev_hash or GENESIS_HASH,
                    hash=r.hash,
                    identity=r.identity,
                )
            )
        return Page(events, cursor)

    def audit_event(self, seq: int) -> AuditEvent | None:
        if seq < 1:
            return None
        page = self.audit_events(AuditQuery(), PageRequest(limit=1, after=str(seq - 1)))
        return page.items[0] if page.items and page.items[0].seq == seq else None

    def audit_rows(self, after_seq: int, until_seq: int, batch: int) -> Iterator[StoredRow]:
        """Raw rows for verification, read inside this session's transaction."""
        raw = self._conn.connection.dbapi_connection
        return iter_chain_rows(raw, self._conn.dialect.paramstyle, after_seq, until_seq, batch)
