"""The audit port in memory: the chain head and the stored rows."""

from __future__ import annotations

from collections.abc import Iterator

from steward.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    StoredRow,
)
from steward.services.ports import (
    AuditQuery,
    AuditReads,
    ChainHead,
    Page,
    PageRequest,
)
from tests.fakes.state import (
    View,
    _page,
)


class FakeAuditReads(View):
    """AuditReads over a snapshot."""

    def chain_head(self) -> ChainHead:
        return self._state.head

    def max_audit_seq(self) -> int:
        return max((row[0] for row in self._state.events), default=0)

    def audit_events(self, query: AuditQuery, page: PageRequest) -> Page[AuditEvent]:
        after = page.position()
        hash_of = {row[0]: row[8] for row in self._state.events}

        def matches(row: StoredRow) -> bool:
            seq, ts, actor, action, entity_type, entity_id = row[:6]
            return (
                (query.entity_type is None or entity_type == query.entity_type)
                and (query.entity_id is None or entity_id == query.entity_id)
                and (query.actor is None or actor == query.actor)
                and (query.action is None or action == query.action)
                and (query.since is None or ts >= query.since)
                and (query.until is None or ts <= query.until)
                and (after is None or (seq < after if query.newest_first else seq > after))
            )

        rows = sorted(
            (r for r in self._state.events if matches(r)),
            key=lambda r: r[0],
            reverse=query.newest_first,
        )
        rows, cursor = _page(rows, page.limit, lambda r: r[0])
        events = [
            AuditEvent(
                *row[:8],
                prev_hash=hash_of.get(row[0] - 1, GENESIS_HASH),
                hash=row[8],
                identity=row[9],
            )
            for row in rows
        ]
        return Page(events, cursor)

    def audit_event(self, seq: int) -> AuditEvent | None:
        page = self.audit_events(AuditQuery(), PageRequest(limit=1, after=str(seq - 1)))
        return page.items[0] if page.items and page.items[0].seq == seq else None

    def audit_rows(self, after_seq: int, until_seq: int, batch: int) -> Iterator[StoredRow]:
        rows = sorted(
            (r for r in self._state.events if after_seq < r[0] <= until_seq), key=lambda r: r[0]
        )
        yield from rows


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_audit_reads: type[AuditReads] = FakeAuditReads
