"""The pending-changes port: governance changes that wait for a second person's approval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from steward.domain.changes import ChangeKind, PendingChange


class ChangesReads(Protocol):
    def get_change(self, change_id: int) -> PendingChange | None: ...
    def list_changes(self, status: str | None, project: str | None) -> list[PendingChange]:
        """Changes with `status` (None: any), of one project (None: all, and the
        organisation's own), oldest first."""
        ...

    def pending_change(self, kind: ChangeKind, subject: str) -> PendingChange | None:
        """The one pending change of this kind and subject, if any."""
        ...


class ChangesWrites(ChangesReads, Protocol):
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
        """A new pending change requested by the transaction's actor, now."""
        ...

    def decide_change(self, change_id: int, status: str, reason: str, audit_seq: int) -> None:
        """Close a pending change as approved, rejected or withdrawn by the actor, now."""
        ...
