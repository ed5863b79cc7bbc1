"""The governance storage port: assessments, and what is appended to a version (evidence,
sign-offs, waivers), promotion requests and gate decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from steward.domain.governance import (
        Assessment,
        Evidence,
        GateDecision,
        GateDecisionRecord,
        PromotionRequest,
        SignOff,
        VersionGovernance,
        Waiver,
    )


class GovernanceReads(Protocol):
    def get_assessment(self, project: str) -> Assessment | None: ...
    def assessments(self, project: str | None) -> list[Assessment]:
        """The current assessment of each project (or of one)."""
        ...

    def version_governance(
        self, project: str, model: str, number: int
    ) -> VersionGovernance | None: ...
    def promotion_requests(self, project: str | None, status: str | None) -> list[PromotionRequest]:
        """Oldest first."""
        ...

    def gate_decisions(self, project: str | None) -> list[GateDecisionRecord]:
        """Oldest first."""
        ...

    def first_evidence(self, project: str | None) -> list[tuple[str, str, str, bool | None]]:
        """(project, version ref, kind, passed) of the first evidence of each kind per version."""
        ...

    def waivers(self, project: str | None) -> list[Waiver]: ...
    def evidence_item(self, evidence_id: int) -> Evidence | None:
        """One evidence record by its id, of whichever version."""
        ...


class GovernanceWrites(Protocol):
    """Gate inputs are read inside the write transaction, after the chain head is locked, so a
    decision never mixes facts from before and after a concurrent change."""

    def get_assessment(self, project_id: int) -> Assessment | None: ...
    def add_assessment(
        self, project_id: int, policy_id: int, assessment: Assessment, audit_seq: int
    ) -> None: ...
    def version_governance(self, version_id: int) -> VersionGovernance: ...
    def add_evidence(self, version_id: int, evidence: Evidence, audit_seq: int) -> int: ...
    def add_signoff(self, version_id: int, signoff: SignOff, audit_seq: int) -> int: ...
    def add_waiver(self, version_id: int, waiver: Waiver, audit_seq: int) -> int: ...
    def get_waiver(self, waiver_id: int) -> Waiver | None: ...
    def revoke_waiver(self, waiver_id: int, reason: str, audit_seq: int) -> None:
        """Marks the waiver revoked by this transaction's actor, now."""
        ...

    def open_request(self, version_id: int, to_stage: str) -> PromotionRequest | None: ...
    def add_request(
        self, version_id: int, from_stage: str, to_stage: str, reason: str
    ) -> PromotionRequest:
        """Opens a request by this transaction's actor, now."""
        ...

    def close_request(self, request_id: int, status: str) -> None: ...
    def add_gate_decision(
        self,
        version_id: int,
        purpose: str,
        decision: GateDecision,
        policy_id: int | None,
        audit_seq: int,
    ) -> int: ...
