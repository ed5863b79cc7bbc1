"""The unit of work: a write session is one transaction over every feature's port, committed
once; a read session is one consistent snapshot, and writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from steward.domain.audit import AuditEvent, PendingEvent
    from steward.domain.principal import Principal
    from steward.services.ports.access import AccessReads, AccessWrites
    from steward.services.ports.audit import AuditReads
    from steward.services.ports.changes import ChangesReads, ChangesWrites
    from steward.services.ports.governance import GovernanceReads, GovernanceWrites
    from steward.services.ports.monitoring import MonitoringReads, MonitoringWrites
    from steward.services.ports.outbox import OutboxReads, OutboxWrites
    from steward.services.ports.policies import PolicyReads, PolicyWrites
    from steward.services.ports.registry import RegistryReads, RegistryWrites


class WriteSession(Protocol):
    """One write transaction. The chain head is locked from the start, so `now` and the audit
    sequence are fixed for the whole transaction and all writers are serialised. Leaving it
    without `commit()` leaves no trace."""

    @property
    def now(self) -> str: ...
    @property
    def actor(self) -> str:
        """The name of the principal the transaction acts for."""
        ...

    @property
    def registry(self) -> RegistryWrites: ...
    @property
    def policies(self) -> PolicyWrites: ...
    @property
    def governance(self) -> GovernanceWrites: ...
    @property
    def monitoring(self) -> MonitoringWrites: ...
    @property
    def outbox(self) -> OutboxWrites: ...
    @property
    def access(self) -> AccessWrites: ...
    @property
    def changes(self) -> ChangesWrites: ...

    def record(self, event: PendingEvent) -> AuditEvent:
        """Numbers, timestamps and chains the event; it is stored at commit."""
        ...

    def commit(self) -> None: ...


class ReadSession(Protocol):
    @property
    def registry(self) -> RegistryReads: ...
    @property
    def policies(self) -> PolicyReads: ...
    @property
    def governance(self) -> GovernanceReads: ...
    @property
    def monitoring(self) -> MonitoringReads: ...
    @property
    def outbox(self) -> OutboxReads: ...
    @property
    def audit(self) -> AuditReads: ...
    @property
    def access(self) -> AccessReads: ...
    @property
    def changes(self) -> ChangesReads: ...


class Store(Protocol):
    def write(self, principal: Principal) -> AbstractContextManager[WriteSession]: ...
    def read(self) -> AbstractContextManager[ReadSession]: ...
