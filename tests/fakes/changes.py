"""The pending-changes port in memory."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from steward.domain.changes import PendingChange
from tests.fakes.state import View, _conflict, _json, _new_id

if TYPE_CHECKING:
    from steward.domain.changes import ChangeKind


class FakeChangesReads(View):
    def get_change(self, change_id: int) -> PendingChange | None:
        found = self._state.changes.get(change_id)
        return None if found is None else self._named(found)

    def list_changes(self, status: str | None, project: str | None) -> list[PendingChange]:
        found = [self._named(c) for _, c in sorted(self._state.changes.items())]
        return [
            c
            for c in found
            if (status is None or c.status == status) and (project is None or c.project == project)
        ]

    def pending_change(self, kind: ChangeKind, subject: str) -> PendingChange | None:
        return next(
            (
                self._named(c)
                for c in self._state.changes.values()
                if (c[1].kind, c[1].subject, c[1].status) == (kind, subject, "pending")
            ),
            None,
        )

    def _named(self, stored: tuple[int | None, PendingChange]) -> PendingChange:
        project_id, change = stored
        project = None if project_id is None else self._state.projects[project_id].name
        return replace(copy.deepcopy(change), project=project)


class FakeChangesWrites(FakeChangesReads):
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
        if self.pending_change(kind, subject) is not None:
            raise _conflict(f"a {kind} change of {subject} is pending already")
        if project_id is not None and project_id not in self._state.projects:
            raise _conflict(f"no project with id {project_id}")
        change_id = _new_id(self._state.changes)
        self._state.changes[change_id] = (
            project_id,
            PendingChange(
                id=change_id,
                kind=kind,
                project=None,
                subject=subject,
                summary=summary,
                weakens=tuple(weakens),
                payload=_json(payload),
                status="pending",
                requested_by=self.actor,
                requested_at=self.now,
                reason=reason,
            ),
        )
        found = self.get_change(change_id)
        assert found is not None
        return found

    def decide_change(self, change_id: int, status: str, reason: str, audit_seq: int) -> None:
        stored = self._state.changes.get(change_id)
        if stored is None or stored[1].status != "pending":
            return
        project_id, change = stored
        self._state.changes[change_id] = (
            project_id,
            replace(
                change,
                status=status,  # type: ignore[arg-type]
                decided_by=self.actor,
                decided_at=self.now,
                decision_reason=reason,
            ),
        )
