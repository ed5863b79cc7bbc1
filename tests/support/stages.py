"""Putting a version in a stage without its gate, for tests that need one there to begin with
(the use cases only move versions through gates). Writes the same facts a promotion writes:
displacement from an exclusive stage, the stage change and its audit event."""

from __future__ import annotations

from steward.domain.naming import VersionRef, as_version_ref
from steward.domain.principal import Principal
from steward.domain.stages import DEFAULT_STAGES, StageGraph
from steward.services.lookup import version_for_write
from steward.services.moves import apply_move
from steward.services.ports import Store


def force_stage(
    store: Store,
    principal: Principal,
    ref: str | VersionRef,
    stage: str,
    reason: str,
    stages: StageGraph = DEFAULT_STAGES,
) -> None:
    """Move `ref` to `stage` as the stage graph allows, with no gate."""
    stages.check_stage(stage)
    with store.write(principal) as tx:
        handle = version_for_write(tx, as_version_ref(ref))
        stages.check_move(handle.stage, stage, tx.registry.held_stage_before(handle.id, stage))
        apply_move(tx, stages, handle, stage, reason)
        tx.commit()
