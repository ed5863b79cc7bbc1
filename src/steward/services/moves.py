"""Moving a version between stages inside a write transaction: displacing the holder of an
exclusive stage first, then recording the move. Shared by the ungoverned inventory move and by
gated promotion, so both write the same events."""

from __future__ import annotations

from typing import Any

from steward.domain.audit import AuditEvent, PendingEvent
from steward.domain.stages import StageGraph
from steward.services.ports import VersionHandle, WriteSession


def apply_move(
    tx: WriteSession,
    stages: StageGraph,
    handle: VersionHandle,
    stage: str,
    reason: str | None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Move `handle` to `stage`; returns the event of the move itself."""
    displaced_to = stages.displaced_to(stage)
    if displaced_to is not None:
        for holder in tx.registry.stage_holders(handle.model_id, stage):
            if holder.id == handle.id:
                continue
            event = tx.record(
                PendingEvent(
                    "version.stage_changed",
                    "version",
                    holder.ref,
                    {"from": stage, "to": displaced_to, "displaced_by": handle.ref},
                    f"displaced from {stage} by {handle.ref}",
                )
            )
            tx.registry.move_stage(holder, displaced_to, event.reason, event.seq)
    payload: dict[str, Any] = {"from": handle.stage, "to": stage}
    payload.update(extra or {})
    event = tx.record(PendingEvent("version.stage_changed", "version", handle.ref, payload, reason))
    tx.registry.move_stage(handle, stage, reason, event.seq)
    return event
