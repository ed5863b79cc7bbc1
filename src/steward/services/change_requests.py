"""Opening a pending change, for the use cases whose change weakens governance.

Not a use case: `Governance.classify`, `PolicyBook.apply`, `Inventory.change_owner`,
`Inventory.add_member`, `Organisation.grant` and `Monitor.close_review` call it inside their
own write transaction instead of applying the change; `services.changes` approves it.
"""

from __future__ import annotations

import json
from typing import Any

from steward.domain.audit import PendingEvent, canonical_json
from steward.domain.changes import ChangeKind, PendingChange
from steward.domain.errors import ConflictError
from steward.domain.principal import Principal
from steward.services.ports import WriteSession


def request_change(
    tx: WriteSession,
    principal: Principal,
    kind: ChangeKind,
    project: tuple[int, str] | None,
    subject: str,
    summary: str,
    weakens: list[str] | tuple[str, ...],
    payload: dict[str, Any],
    reason: str,
) -> PendingChange:
    """Hold a change for a second person. Asking again for the same change returns the one
    already pending (nothing is recorded twice); asking for a different change of the same
    subject while one is pending is a conflict, so two requests never race to be approved."""
    waiting = tx.changes.pending_change(kind, subject)
    if waiting is not None:
        if waiting.requested_by == principal.name and waiting.payload == _as_stored(payload):
            return waiting
        raise ConflictError(
            f"change {waiting.id} ({waiting.summary}) is pending already: it must be approved, "
            "rejected or withdrawn first (steward change list)"
        )
    entity = ("project", project[1]) if project is not None else ("policy", subject)
    event = tx.record(
        PendingEvent(
            "change.requested",
            entity[0],
            entity[1],
            {"kind": kind, "subject": subject, "summary": summary, "weakens": list(weakens)},
            reason,
        )
    )
    return tx.changes.add_change(
        kind,
        project[0] if project is not None else None,
        subject,
        summary,
        tuple(weakens),
        payload,
        reason,
        event.seq,
    )


def _as_stored(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it reads back from the store (JSON: tuples become lists)."""
    loaded: dict[str, Any] = json.loads(canonical_json(payload))
    return loaded
