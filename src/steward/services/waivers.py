"""Policy exceptions: a waiver is granted for one check, documentation or lineage requirement
of one gate, with a reason and an expiry, by someone in a waiver role; the gate reports it as
waived, never as met."""

from __future__ import annotations

from datetime import datetime

from steward.domain.audit import PendingEvent
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.governance import Waiver
from steward.domain.naming import VersionRef, as_version_ref, parse_version_ref
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.domain.times import to_utc_text
from steward.services.governed import (
    GovernanceContext,
    require_tier,
    ts_plus_days,
    with_fields,
)
from steward.services.use_case import use_case


class WaiverCases:
    """Mixed into Governance."""

    def __init__(self, ctx: GovernanceContext) -> None:
        self._ctx = ctx
        self._store = ctx.store
        self._access = ctx.access

    @use_case("waiver.grant")
    def grant_waiver(
        self,
        principal: Principal,
        ref: str | VersionRef,
        *,
        stage: str,
        requirement: str,
        role: str,
        reason: str | None,
        expires: str | datetime,
    ) -> Waiver:
        """A policy exception for one requirement of one gate: reasoned, attributed, expiring.
        The gate reports it as waived, never as met."""
        why = required_reason(reason, "grant a waiver")
        until = to_utc_text(expires)
        ref = as_version_ref(ref)
        actor = principal.name
        with self._store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            policy, tier = require_tier(governed, ref)
            rules = policy.waivers
            if role not in rules.granted_by:
                allowed = ", ".join(rules.granted_by) or "nobody"
                raise PermissionDeniedError(
                    f"role {role!r} may not grant waivers under policy {policy.name}: {allowed} may"
                )
            if role not in governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} does not hold role {role!r} in project {governed.facts.project!r}"
                )
            if actor == governed.facts.subject.author:
                raise PermissionDeniedError(
                    f"{actor} registered {ref} and cannot waive its requirements "
                    "(separation of duties)"
                )
            policy.stages.graph().check_stage(stage)
            decision = governed.evaluate(stage, tx.now)
            keys = {r.key: r for r in decision.requirements}
            found = keys.get(requirement)
            if found is None:
                waivable = [r.key for r in decision.requirements if r.kind in rules.waivable]
                hint = f": waivable here: {'; '.join(waivable)}" if waivable else ""
                raise InvalidInputError(
                    f"the gate to {stage} for tier {tier} has no requirement {requirement!r}{hint}"
                )
            if found.kind not in rules.waivable:
                raise InvalidInputError(
                    f"{found.kind} requirements cannot be waived under policy {policy.name}"
                )
            if until <= tx.now:
                raise InvalidInputError(f"the waiver would expire in the past ({until})")
            latest = ts_plus_days(tx.now, rules.max_days)
            if until > latest:
                raise InvalidInputError(
                    f"a waiver may last at most {rules.max_days} days under policy "
                    f"{policy.name} (until {latest[:10]})"
                )
            waiver = Waiver(
                version_ref=str(ref),
                stage=stage,
                requirement=requirement,
                reason=why,
                granted_by=actor,
                granted_role=role,
                granted_at=tx.now,
                expires_at=until,
            )
            event = tx.record(
                PendingEvent(
                    "waiver.granted",
                    "version",
                    str(ref),
                    {
                        "stage": stage,
                        "requirement": requirement,
                        "expires_at": until,
                        "role": role,
                        "policy": {
                            "name": policy.name,
                            "version": governed.stored_policy.version
                            if governed.stored_policy
                            else 0,
                        },
                    },
                    why,
                )
            )
            waiver_id = tx.governance.add_waiver(governed.handle.id, waiver, event.seq)
            tx.commit()
        return Waiver(**{**with_fields(waiver), "id": waiver_id})

    @use_case("waiver.revoke", scope="inside")
    def revoke_waiver(self, principal: Principal, waiver_id: int, reason: str | None) -> Waiver:
        why = required_reason(reason, "revoke a waiver")
        actor = principal.name
        with self._store.write(principal) as tx:
            waiver = tx.governance.get_waiver(waiver_id)
            if waiver is None:
                raise NotFoundError(f"unknown waiver {waiver_id}")
            ref = parse_version_ref(waiver.version_ref)
            self._access.require(principal, "waiver.revoke", ref.project)
            if waiver.revoked_at is not None:
                raise ConflictError(f"waiver {waiver_id} was already revoked")
            governed = self._ctx.governed_for_write(tx, ref)
            allowed = set(governed.policy.waivers.granted_by)
            if not allowed & governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} holds none of the roles that manage waivers in project "
                    f"{governed.facts.project!r} ({', '.join(sorted(allowed)) or 'none'})"
                )
            event = tx.record(
                PendingEvent(
                    "waiver.revoked",
                    "version",
                    waiver.version_ref,
                    {"waiver": waiver_id, "requirement": waiver.requirement},
                    why,
                )
            )
            tx.governance.revoke_waiver(waiver_id, why, event.seq)
            revoked = tx.governance.get_waiver(waiver_id)
            tx.commit()
        assert revoked is not None
        return revoked
