"""Pending governance changes: listing them, and approving, rejecting or withdrawing one.

A change that weakens governance is opened by the use case that was asked for it
(`services.change_requests`). It takes effect only here, when someone allowed to approve
changes in its project (`change.approve`; a risk officer by default) approves it with a
reason. The approver is never the requester, nor the person the change would give a role or a
project to. Approval applies the change in the same transaction, after checking that what it
was computed against (the tier, the policy version, the owner, the review) has not moved since:
otherwise it is refused, and the change must be asked for again.
"""

from __future__ import annotations

from collections.abc import Callable

from steward.domain.audit import PendingEvent
from steward.domain.changes import CHANGE_STATUSES, PendingChange
from steward.domain.entities import OWNER_ROLE
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.classification import current_tier, record_assessment
from steward.services.governed import GovernanceContext
from steward.services.monitor_actions import close_alert
from steward.services.ports import WriteSession
from steward.services.use_case import project_of, use_case

Effect = Callable[[GovernanceContext, WriteSession, PendingChange], None]


class Changes:
    """Pending governance changes and their decisions."""

    def __init__(self, ctx: GovernanceContext) -> None:
        self._ctx = ctx
        self._store = ctx.store
        self._access = ctx.access

    @use_case("governance.read")
    def list(
        self, principal: Principal, status: str | None = "pending", project: str | None = None
    ) -> list[PendingChange]:
        """Changes with `status` (pending by default; None for all), oldest first."""
        if status is not None and status not in CHANGE_STATUSES:
            raise InvalidInputError(
                f"unknown change status {status!r}: expected {', '.join(CHANGE_STATUSES)} or all"
            )
        with self._store.read() as q:
            return q.changes.list_changes(status, project)

    @use_case("governance.read", scope="inside")
    def get(self, principal: Principal, change_id: int) -> PendingChange:
        with self._store.read() as q:
            change = q.changes.get_change(change_id)
        if change is None:
            raise NotFoundError(f"unknown change {change_id}: see steward change list")
        self._access.require(principal, "governance.read", change.project)
        return change

    @use_case("change.approve", scope="inside")
    def approve(self, principal: Principal, change_id: int, reason: str | None) -> PendingChange:
        """Apply a pending change. Refused for its requester and for whoever it benefits."""
        why = required_reason(reason, "approve a change")
        with self._store.write(principal) as tx:
            change = self._pending(tx, principal, change_id, "change.approve")
            if principal.name == change.requested_by:
                raise PermissionDeniedError(
                    f"{principal.name} requested change {change_id} and cannot approve it: "
                    "a second person must"
                )
            if principal.name == change.payload.get("beneficiary"):
                raise PermissionDeniedError(
                    f"{principal.name} cannot approve change {change_id} ({change.summary}): "
                    "nobody approves what is given to themselves; a second person must"
                )
            self._decide(tx, change, "approved", why)
            EFFECTS[change.kind](self._ctx, tx, change)
            tx.commit()
        return self._after(change_id)

    @use_case("change.approve", scope="inside")
    def reject(self, principal: Principal, change_id: int, reason: str | None) -> PendingChange:
        """Close a pending change without applying it."""
        why = required_reason(reason, "reject a change")
        with self._store.write(principal) as tx:
            change = self._pending(tx, principal, change_id, "change.approve")
            self._decide(tx, change, "rejected", why)
            tx.commit()
        return self._after(change_id)

    @use_case("change.withdraw", scope="inside")
    def withdraw(self, principal: Principal, change_id: int, reason: str | None) -> PendingChange:
        """Take back a change you requested."""
        why = required_reason(reason, "withdraw a change")
        with self._store.write(principal) as tx:
            change = self._pending(tx, principal, change_id, "change.withdraw")
            if change.requested_by != principal.name:
                raise PermissionDeniedError(
                    f"{principal.name} cannot withdraw change {change_id}: only its requester "
                    f"{change.requested_by} can (an approver rejects it instead)"
                )
            self._decide(tx, change, "withdrawn", why)
            tx.commit()
        return self._after(change_id)

    def _pending(
        self, tx: WriteSession, principal: Principal, change_id: int, action: str
    ) -> PendingChange:
        change = tx.changes.get_change(change_id)
        if change is None:
            raise NotFoundError(f"unknown change {change_id}: see steward change list")
        self._access.require(principal, action, change.project)
        if change.status != "pending":
            raise ConflictError(
                f"change {change_id} is {change.status} already (by {change.decided_by})"
            )
        return change

    @staticmethod
    def _decide(tx: WriteSession, change: PendingChange, status: str, why: str) -> None:
        entity = ("project", change.project) if change.project else ("policy", change.subject)
        event = tx.record(
            PendingEvent(
                f"change.{status}",
                entity[0],
                entity[1],
                {
                    "change": change.id,
                    "kind": change.kind,
                    "summary": change.summary,
                    "requested_by": change.requested_by,
                },
                why,
            )
        )
        tx.changes.decide_change(change.id, status, why, event.seq)

    def _after(self, change_id: int) -> PendingChange:
        with self._store.read() as q:
            change = q.changes.get_change(change_id)
        assert change is not None
        return change


# What approving each kind of change does -----------------------------------------------------


def _moved(change: PendingChange, what: str) -> ConflictError:
    return ConflictError(
        f"change {change.id} no longer applies: {what} since it was requested; "
        "reject it and ask again"
    )


def _project_id(tx: WriteSession, change: PendingChange) -> int:
    assert change.project is not None
    project_id = tx.registry.project_id(change.project)
    assert project_id is not None  # projects are never deleted
    return project_id


def _tier(ctx: GovernanceContext, tx: WriteSession, change: PendingChange) -> None:
    project_id = _project_id(tx, change)
    before = change.payload["from"]
    current = current_tier(ctx, tx, project_id)
    if current is None or (current[0].name, current[1]) != (before["policy"], before["tier"]):
        raise _moved(change, "the project was reassessed")
    stored = tx.policies.get_policy(change.payload["policy"], None)
    if stored is None or stored.version != change.payload["policy_version"]:
        raise _moved(change, f"policy {change.payload['policy']} has a new version")
    assert change.project is not None
    record_assessment(
        ctx,
        tx,
        change.requested_by,
        change.project,
        project_id,
        dict(change.payload["answers"]),
        change.payload["policy"],
        change.reason,
        change.id,
    )


def _policy(ctx: GovernanceContext, tx: WriteSession, change: PendingChange) -> None:
    newest = tx.policies.get_policy(change.subject, None)
    if (newest.version if newest else None) != change.payload["base_version"]:
        raise _moved(change, f"policy {change.subject} has a new version")
    text, source = change.payload["text"], change.payload["source"]
    ctx.policies.store(tx, ctx.policies.validate(text, source), text, change.reason, change.id)


def _owner(ctx: GovernanceContext, tx: WriteSession, change: PendingChange) -> None:
    project_id = _project_id(tx, change)
    assert change.project is not None
    project = tx.registry.member_roles(project_id)
    previous, owner = change.payload["previous"], change.payload["beneficiary"]
    if OWNER_ROLE not in project.get(previous, frozenset()):
        raise _moved(change, f"{previous} no longer owns the project")
    tx.registry.set_owner(project_id, owner)
    tx.registry.remove_member(project_id, previous, OWNER_ROLE)
    tx.registry.add_member(project_id, owner, OWNER_ROLE)
    tx.record(
        PendingEvent(
            "project.owner_changed",
            "project",
            change.project,
            {"owner": owner, "previous": previous, "change": change.id},
            change.reason,
        )
    )


def _role(ctx: GovernanceContext, tx: WriteSession, change: PendingChange) -> None:
    person, role = change.payload["beneficiary"], change.payload["role"]
    if change.project is None:
        event = tx.record(
            PendingEvent(
                "org.role_granted",
                "person",
                person,
                {"role": role, "change": change.id},
                change.reason,
            )
        )
        if not tx.access.grant_org_role(person, role, event.seq):
            raise _moved(change, f"{person} holds the organisation role {role} already")
        return
    if not tx.registry.add_member(_project_id(tx, change), person, role):
        raise _moved(change, f"{person} holds {role} already")
    tx.record(
        PendingEvent(
            "project.member_added",
            "project",
            change.project,
            {"person": person, "role": role, "change": change.id},
            change.reason,
        )
    )


def _review(ctx: GovernanceContext, tx: WriteSession, change: PendingChange) -> None:
    review_id = int(change.payload["review"])
    review = tx.monitoring.review(review_id)
    if review is None or review.status != "open":
        raise _moved(change, f"review {review_id} was closed")
    tx.record(
        PendingEvent(
            "review.closed",
            "version",
            review.version_ref,
            {"review": review_id, "change": change.id},
            change.reason,
        )
    )
    tx.monitoring.close_review(review_id, change.reason)
    for alert in tx.monitoring.alerts(project=project_of(review.version_ref)):
        if alert.id == review.alert_id:
            close_alert(tx, alert, f"review {review_id} closed: {change.reason}")


EFFECTS: dict[str, Effect] = {
    "tier.downgrade": _tier,
    "policy.weaken": _policy,
    "owner.change": _owner,
    "role.grant": _role,
    "review.close": _review,
}
