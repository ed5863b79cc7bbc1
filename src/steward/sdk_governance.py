"""The governance half of the Python SDK: policies, risk classification, evidence, sign-offs,
waivers, gated promotion, inboxes and governance KPIs. `steward.Client` includes it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.domain.errors import InvalidInputError
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    Waiver,
)
from steward.domain.naming import VersionRef, parse_version_ref
from steward.domain.policy import Policy
from steward.services.governance import RaciStep
from steward.services.kpis import KpiReport
from steward.services.policies import AppliedPolicy, PolicyListing
from steward.services.promotion import Inbox, PromotionResult, Recertification

if TYPE_CHECKING:
    from steward.bootstrap import Container


def _ref(ref: str | VersionRef) -> VersionRef:
    return ref if isinstance(ref, VersionRef) else parse_version_ref(ref)


def read_policy_file(path: str | Path) -> tuple[str, str]:
    """(text, name to show in messages) of a policy file."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8"), file.name
    except FileNotFoundError:
        raise InvalidInputError(f"policy file {file} does not exist") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{file} is a directory, not a policy file") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{file}: not UTF-8 text") from None


class GovernanceClient:
    """Mixed into `steward.Client`; `_c` is the lazily built container, `actor` the identity."""

    if TYPE_CHECKING:

        @property
        def _c(self) -> Container: ...

        @property
        def actor(self) -> str: ...

    # Policies -----------------------------------------------------------------------------

    def policies(self) -> list[PolicyListing]:
        """Stored policies (newest version each) and the shipped ones not applied yet."""
        return self._c.policies.listings()

    def policy(self, name: str, version: int | None = None) -> tuple[StoredPolicy | None, Policy]:
        return self._c.policies.show(name, version)

    def policy_history(self, name: str) -> list[StoredPolicy]:
        """Every stored version of a policy, oldest first."""
        return self._c.policies.history(name)

    def validate_policy(self, path: str | Path) -> Policy:
        """Validate a policy file without storing it; raises PolicyInvalidError naming the line
        and the field of the first problem."""
        text, source = read_policy_file(path)
        return self._c.policies.validate(text, source)

    def apply_policy(self, path: str | Path, reason: str | None = None) -> AppliedPolicy:
        """Store a policy file as the next version of its name (no-op if unchanged)."""
        text, source = read_policy_file(path)
        return self._c.policies.apply(self.actor, text, source, reason)

    # Risk classification ------------------------------------------------------------------

    def classify(
        self,
        project: str,
        answers: Mapping[str, str],
        *,
        policy: str | None = None,
        reason: str | None = None,
    ) -> Assessment:
        """Answer the risk questionnaire of `policy` (default: the configured default policy)."""
        return self._c.governance.classify(
            self.actor, project, answers, policy=policy, reason=reason
        )

    def assessment(self, project: str) -> Assessment:
        return self._c.governance.assessment(project)

    def raci(self, project: str) -> tuple[str, list[RaciStep]]:
        """(policy label, steps): the policy's RACI matrix with the project's people per role."""
        return self._c.governance.raci(project)

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
        data = report
        if isinstance(report, str | Path):
            try:
                data = Path(report).read_bytes()
            except OSError as exc:
                raise InvalidInputError(f"cannot read report {report}: {exc.strerror}") from None
        assert data is None or isinstance(data, bytes)
        return self._c.governance.add_evidence(
            self.actor,
            _ref(ref),
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
        return list(self._c.governance.facts(_ref(ref)).evidence)

    def evidence_report(self, ref: str | VersionRef, evidence_id: int) -> bytes:
        """The report stored with an evidence item (a check's HTML report), digest-checked."""
        return self._c.governance.evidence_report(_ref(ref), evidence_id)[1]

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
        return self._sign("approve", ref, stage, role, reason, meaning)

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
        return self._sign("reject", ref, stage, role, reason, meaning)

    def _sign(
        self,
        decision: str,
        ref: str | VersionRef,
        stage: str,
        role: str,
        reason: str,
        meaning: str | None,
    ) -> SignOff:
        return self._c.governance.sign(
            self.actor,
            _ref(ref),
            stage=stage,
            role=role,
            decision=decision,
            reason=reason,
            meaning=meaning,
        )

    def signoffs(self, ref: str | VersionRef) -> list[SignOff]:
        return list(self._c.governance.facts(_ref(ref)).signoffs)

    # Gates and promotion ------------------------------------------------------------------

    def gate_status(self, ref: str | VersionRef, to: str) -> GateDecision:
        return self._c.promotion.gate_status(_ref(ref), to)

    def promote(self, ref: str | VersionRef, to: str, reason: str) -> PromotionResult:
        """Move a version through its gate; raises GateBlockedError with every unmet
        requirement (and leaves a promotion request open for the approvers)."""
        return self._c.promotion.promote(self.actor, _ref(ref), to, reason)

    def withdraw(self, ref: str | VersionRef, to: str, reason: str) -> None:
        self._c.promotion.withdraw(self.actor, _ref(ref), to, reason)

    def requests(
        self, project: str | None = None, status: str | None = "open"
    ) -> list[PromotionRequest]:
        return self._c.promotion.requests(project, status)

    def recertify(self, ref: str | VersionRef, reason: str) -> GateDecision:
        return self._c.promotion.recertify(self.actor, _ref(ref), reason)

    def recertifications(self, project: str | None = None) -> list[Recertification]:
        return self._c.promotion.recertifications(project)

    def inbox(self, person: str | None = None) -> Inbox:
        """What waits for `person`'s sign-off (default: you), what of theirs is blocked."""
        return self._c.promotion.inbox(person or self.actor)

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
        return self._c.governance.grant_waiver(
            self.actor,
            _ref(ref),
            stage=stage,
            requirement=requirement,
            role=role,
            reason=reason,
            expires=expires,
        )

    def revoke_waiver(self, waiver_id: int, reason: str) -> Waiver:
        return self._c.governance.revoke_waiver(self.actor, waiver_id, reason)

    def waivers(self, project: str | None = None) -> list[Waiver]:
        return self._c.governance.waivers(project)

    # KPIs ---------------------------------------------------------------------------------

    def governance_kpis(self, project: str | None = None) -> KpiReport:
        return self._c.kpis.report(project)
