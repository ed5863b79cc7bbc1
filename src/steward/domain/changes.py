"""Pending governance changes: what weakens governance waits for a second person.

A change that removes or loosens a control does not take effect when it is asked for. It is
held as a pending change, naming what it would do and what it gives up, until someone allowed
to approve changes (`change.approve`, a risk officer by default) who is not the requester
approves it with a reason; it may also be rejected, or withdrawn by its requester. The kinds:

- `tier.downgrade`: a reclassification into a tier with fewer or looser requirements;
- `policy.weaken`: a policy version that removes or loosens a requirement;
- `owner.change`: a new owner for a project;
- `role.grant`: a role that signs (sign-off roles, waiver granters, change approvers);
- `review.close`: closing a review that an alert opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from steward.domain.permissions import ORG_ROLES

if TYPE_CHECKING:
    from steward.domain.policy import Policy

ChangeKind = Literal[
    "tier.downgrade", "policy.weaken", "owner.change", "role.grant", "review.close"
]
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    "tier.downgrade",
    "policy.weaken",
    "owner.change",
    "role.grant",
    "review.close",
)
ChangeStatus = Literal["pending", "approved", "rejected", "withdrawn"]
CHANGE_STATUSES: tuple[ChangeStatus, ...] = ("pending", "approved", "rejected", "withdrawn")


@dataclass(frozen=True, slots=True)
class PendingChange:
    id: int
    kind: ChangeKind
    project: str | None  # None for a change to the whole organisation (a policy)
    subject: str  # what it changes; one pending change per kind and subject
    summary: str  # one line: what approving it does
    weakens: tuple[str, ...]  # what it gives up, one sentence each
    payload: dict[str, Any] = field(repr=False)  # what approval applies
    status: ChangeStatus
    requested_by: str
    requested_at: str
    reason: str
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "project": self.project,
            "subject": self.subject,
            "summary": self.summary,
            "weakens": list(self.weakens),
            "status": self.status,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at,
            "reason": self.reason,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "decision_reason": self.decision_reason,
        }


def signing_roles(policy: Policy) -> frozenset[str]:
    """The roles (the project's, or organisation roles) whose holders sign something under
    `policy`: any gate's sign-offs, waivers, and approval of pending changes. Granting one needs
    a second person."""
    roles = {
        s.role for stages in policy.gates.values() for g in stages.values() for s in g.signoffs
    }
    roles |= set(policy.waivers.granted_by)
    roles |= set(policy.allowed("change.approve"))
    return frozenset(roles & (set(policy.roles) | set(ORG_ROLES)))
