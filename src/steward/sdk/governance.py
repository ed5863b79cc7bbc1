"""Policies, risk classification, evidence, sign-offs, waivers, gated promotion, inboxes and
governance KPIs in the SDK."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.sdk import files
from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from steward.domain.changes import PendingChange
    from steward.domain.governance import (
        Assessment,
        Evidence,
        GateDecision,
        PromotionRequest,
        SignOff,
        SignOffStanding,
        StoredPolicy,
        Waiver,
    )
    from steward.domain.naming import VersionRef
    from steward.domain.policy import Policy
    from steward.services.governance import RaciStep
    from steward.services.kpis import KpiReport
    from steward.services.policies import AppliedPolicy, PolicyListing
    from steward.services.promotion import Inbox, PromotionResult, Recertification


class GovernanceMethods(ClientBase):
    # Policies -----------------------------------------------------------------------------

    def policies(self) -> list[PolicyListing]:
        """Stored policies (newest version each) and the shipped ones not applied yet."""
        return self._s.policies.listings(self._p)

    def policy(self, name: str, version: int | None = None) -> tuple[StoredPolicy | None, Policy]:
        return self._s.policies.show(self._p, name, version)

    def policy_history(self, name: str) -> list[StoredPolicy]:
        """Every stored version of a policy, oldest first."""
        return self._s.policies.history(self._p, name)

    def validate_policy(self, path: str | Path) -> Policy:
        """Validate a policy file without storing it; raises PolicyInvalidError naming the line
        and the field of the first problem."""
        text, source = files.read_text(path, "policy file")
        return self._s.policies.validate(self._p, text, source)

    def apply_policy(
        self, path: str | Path, reason: str | None = None
    ) -> AppliedPolicy | PendingChange:
        """Store a policy file as the next version of its name (no-op if unchanged); a version
        that weakens a requirement comes back as a pending change for a second person."""
        text, source = files.read_text(path, "policy file")
        return self._s.policies.apply(self._p, text, source, reason)

    # Risk classification ------------------------------------------------------------------

    def classify(
        self,
        project: str,
        answers: Mapping[str, str],
        *,
        policy: str | None = None,
        reason: str | None = None,
    ) -> Assessment | PendingChange:
        """Answer the risk questionnaire of `policy` (default: the configured default policy);
        a move into a weaker tier comes back as a pending change for a second person."""
        return self._s.governance.classify(self._p, project, answers, policy=policy, reason=reason)

    def assessment(self, project: str) -> Assessment:
        return self._s.governance.assessment(self._p, project)

    def raci(self, project: str) -> tuple[str, list[RaciStep]]:
        """(policy label, steps): the policy's RACI matrix with the project's people per role."""
        return self._s.governance.raci(self._p, project)

    # Evidence -----------------------------------------------------------------------------

    def add_evidence(
        self,
        ref: str | VersionRef,
        kind: str,
        *,
        passed: bool | None = None,
        metrics: Mapping[str, float] | None = None,
        config: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        summary: str = "",
        report: bytes | str | Path | None = None,
        reason: str | None = None,
    ) -> Evidence:
        """Attach evidence to a version: a check's result or a document (report bytes or
        a file path, stored by content hash)."""
        data = report if report is None or isinstance(report, bytes) else None
        if isinstance(report, str | Path):
            data = files.read_bytes(report, "report")
        return self._s.governance.add_evidence(
            self._p,
            ref,
            kind,
            passed=passed,
            metrics=metrics,
            config=config,
            inputs=inputs,
            summary=summary,
            report=data,
            reason=reason,
        )

    def evidence(self, ref: str | VersionRef) -> list[Evidence]:
        return self._s.governance.evidence(self._p, ref)

    def evidence_item(self, evidence_id: int) -> Evidence:
        """One evidence record by id: provenance, inputs, configuration, metrics, verdict."""
        return self._s.governance.evidence_item(self._p, evidence_id)

    def evidence_report(self, ref: str | VersionRef, evidence_id: int) -> bytes:
        """The report stored with an evidence item (a check's HTML report), digest-checked."""
        return self._s.governance.evidence_report(self._p, ref, evidence_id)[1]

    # Sign-offs ----------------------------------------------------------------------------

    def approve(
        self,
        ref: str | VersionRef,
        *,
        stage: str,
        role: str,
        reason: str,
        meaning: str | None = None,
    ) -> SignOff:
        """Sign a version off for `stage`, acting in `role`."""
        return self._s.governance.sign(
            self._p,
            ref,
            stage=stage,
            role=role,
            decision="approve",
            reason=reason,
            meaning=meaning,
        )

    def reject(
        self,
        ref: str | VersionRef,
        *,
        stage: str,
        role: str,
        reason: str,
        meaning: str | None = None,
    ) -> SignOff:
        """Reject a version for `stage`: the request closes and the version goes back."""
        return self._s.governance.sign(
            self._p,
            ref,
            stage=stage,
            role=role,
            decision="reject",
            reason=reason,
            meaning=meaning,
        )

    def signoffs(self, ref: str | VersionRef) -> list[SignOff]:
        return self._s.governance.signoffs(self._p, ref)

    def signoff_standing(self, ref: str | VersionRef) -> SignOffStanding:
        """The version's sign-offs and whether each still matches its evidence."""
        return self._s.governance.signoff_standing(self._p, ref)

    # Gates and promotion ------------------------------------------------------------------

    def gate_status(self, ref: str | VersionRef, to: str) -> GateDecision:
        return self._s.promotion.gate_status(self._p, ref, to)

    def promote(self, ref: str | VersionRef, to: str, reason: str) -> PromotionResult:
        """Move a version through its gate; raises GateBlockedError with every unmet
        requirement (and leaves a promotion request open for the approvers)."""
        return self._s.promotion.promote(self._p, ref, to, reason)

    def withdraw(self, ref: str | VersionRef, to: str, reason: str) -> None:
        self._s.promotion.withdraw(self._p, ref, to, reason)

    def requests(
        self, project: str | None = None, status: str | None = "open"
    ) -> list[PromotionRequest]:
        return self._s.promotion.requests(self._p, project, status)

    def recertify(self, ref: str | VersionRef, reason: str) -> GateDecision:
        return self._s.promotion.recertify(self._p, ref, reason)

    def recertifications(self, project: str | None = None) -> list[Recertification]:
        return self._s.promotion.recertifications(self._p, project)

    def inbox(self, person: str | None = None) -> Inbox:
        """What waits for `person`'s sign-off (default: you), what of theirs is blocked."""
        return self._s.promotion.inbox(self._p, person)

    # Waivers ------------------------------------------------------------------------------

    def grant_waiver(
        self,
        ref: str | VersionRef,
        *,
        stage: str,
        requirement: str,
        role: str,
        reason: str,
        expires: str | datetime,
    ) -> Waiver:
        return self._s.governance.grant_waiver(
            self._p,
            ref,
            stage=stage,
            requirement=requirement,
            role=role,
            reason=reason,
            expires=expires,
        )

    def revoke_waiver(self, waiver_id: int, reason: str) -> Waiver:
        return self._s.governance.revoke_waiver(self._p, waiver_id, reason)

    def waivers(self, project: str | None = None) -> list[Waiver]:
        return self._s.governance.waivers(self._p, project)

    # KPIs ---------------------------------------------------------------------------------

    def governance_kpis(self, project: str | None = None) -> KpiReport:
        return self._s.kpis.report(self._p, project)
