"""The in-memory Store: a write works on a deep copy of the committed state, which `commit()`
publishes as a fresh copy, so a read session keeps the snapshot it started with and a write
left without commit() leaves no trace. The chain head is fixed when a write starts and the
events are appended at commit, as in the SQL store."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from steward.domain.audit import (
    AuditEvent,
    ChainReport,
    PendingEvent,
    StoredRow,
    canonical_json,
    chain_event,
    format_ts,
    verify_rows,
)
from steward.domain.principal import Principal
from steward.services.ports import (
    MAX_PAGE_SIZE,
    AuditQuery,
    ChainHead,
    ChainVerifier,
    PageRequest,
    ReadSession,
    Store,
    WriteSession,
)
from tests.fakes.access import FakeAccessReads, FakeAccessWrites
from tests.fakes.audit import FakeAuditReads
from tests.fakes.changes import FakeChangesReads, FakeChangesWrites
from tests.fakes.governance import FakeGovernanceReads, FakeGovernanceWrites
from tests.fakes.monitoring import (
    FakeMonitoringReads,
    FakeMonitoringWrites,
    FakeOutboxReads,
    FakeOutboxWrites,
)
from tests.fakes.policies import FakePolicyReads, FakePolicyWrites
from tests.fakes.registry import FakeRegistryReads, FakeRegistryWrites
from tests.fakes.state import ROW_FIELDS, _State


class FakeWriteSession:
    def __init__(self, store: FakeStore, actor: str, identity: str | None = None) -> None:
        self._store = store
        self._state = copy.deepcopy(store._state)
        self.actor = actor
        self.identity = identity
        head = self._state.head
        self._seq, self._hash = head.seq, head.hash
        now = format_ts(store.clock())
        self.now = max(now, head.ts) if head.ts else now
        self._events: list[AuditEvent] = []
        parts = (self._state, self.now, actor)
        self.registry = FakeRegistryWrites(*parts)
        self.policies = FakePolicyWrites(*parts)
        self.governance = FakeGovernanceWrites(*parts)
        self.monitoring = FakeMonitoringWrites(*parts)
        self.outbox = FakeOutboxWrites(*parts)
        self.access = FakeAccessWrites(*parts)
        self.changes = FakeChangesWrites(*parts)

    def record(self, event: PendingEvent) -> AuditEvent:
        chained = chain_event(self._hash, self._seq + 1, self.now, self.actor, event, self.identity)
        self._events.append(chained)
        self._seq, self._hash = chained.seq, chained.hash
        return chained

    def commit(self) -> None:
        if self._events:
            self._state.events.extend(e.stored_row() for e in self._events)
            self._state.head = ChainHead(self._seq, self._hash, self.now)
        self._store._state = copy.deepcopy(self._state)
        self._events = []


class FakeReadSession:
    def __init__(self, state: _State) -> None:
        self.registry = FakeRegistryReads(state)
        self.policies = FakePolicyReads(state)
        self.governance = FakeGovernanceReads(state)
        self.monitoring = FakeMonitoringReads(state)
        self.outbox = FakeOutboxReads(state)
        self.audit = FakeAuditReads(state)
        self.access = FakeAccessReads(state)
        self.changes = FakeChangesReads(state)


class FakeStore:
    """An in-memory Store. `clock` gives the time each write transaction starts at."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._state = _State()
        self._writing = False

    @contextmanager
    def write(self, principal: Principal) -> Iterator[FakeWriteSession]:
        if self._writing:
            # The SQL store locks the chain head for the whole transaction: a nested write
            # would wait for itself.
            raise AssertionError("a write transaction was opened inside another one")
        self._writing = True
        try:
            yield FakeWriteSession(self, principal.name, principal.established_by)
            # Leaving without commit() drops the session's copy: nothing was published.
        finally:
            self._writing = False

    @contextmanager
    def read(self) -> Iterator[FakeReadSession]:
        yield FakeReadSession(self._state)

    # Helpers for tests that play the attacker or inspect the log --------------------------

    @property
    def head(self) -> ChainHead:
        return self._state.head

    def events(self) -> list[AuditEvent]:
        """Every stored event, in sequence order."""
        with self.read() as q:
            return q.audit.audit_events(AuditQuery(), PageRequest(limit=MAX_PAGE_SIZE)).items

    def tamper_event(self, seq: int, /, **changes: Any) -> None:
        """Change columns of a stored audit row in place, as someone with database access could."""
        unknown = set(changes) - set(ROW_FIELDS)
        if unknown:
            raise ValueError(f"no such audit column: {sorted(unknown)}")
        events = self._state.events
        index = next(i for i, row in enumerate(events) if row[0] == seq)
        values = dict(zip(ROW_FIELDS, events[index], strict=True)) | changes
        events[index] = tuple(values[name] for name in ROW_FIELDS)

    def tamper_record(self, ref: str, **changes: Any) -> None:
        """Change fields of a stored version record, leaving its stored digest as it was."""
        for version in self._state.versions.values():
            record = json.loads(version.record)
            if record["ref"] == ref:
                version.record = canonical_json(record | changes)
                return
        raise KeyError(ref)

    def delete_event(self, seq: int) -> None:
        """Remove a stored audit row, leaving the recorded head as it was."""
        self._state.events = [row for row in self._state.events if row[0] != seq]

    def append_row(self, row: StoredRow) -> None:
        """Add a raw audit row without moving the recorded head."""
        self._state.events.append(row)


class FakeChainVerifier:
    """Verifies stretches of a FakeStore's chain one after another, as the parallel verifier's
    workers do each in its own process: from the stored hash given for the event before."""

    def __init__(self, store: FakeStore, workers: int = 3) -> None:
        self.store = store
        self.workers = workers
        self.calls: list[list[tuple[int, int, str]]] = []

    def verify_ranges(self, ranges: list[tuple[int, int, str]]) -> list[ChainReport]:
        self.calls.append(list(ranges))
        reports = []
        for start, end, prev in ranges:
            with self.store.read() as q:
                reports.append(verify_rows(q.audit.audit_rows(start - 1, end, 1000), prev, start))
        return reports


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_chain_verifier: type[ChainVerifier] = FakeChainVerifier
_read_session: type[ReadSession] = FakeReadSession
_store: type[Store] = FakeStore
_write_session: type[WriteSession] = FakeWriteSession
