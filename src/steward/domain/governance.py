"""Facts that governance appends to versions and projects: policies as stored, risk assessments,
evidence, sign-offs, waivers, promotion requests and gate decisions. All frozen records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from steward.domain.audit import json_sha256

Decision = Literal["approve", "reject"]
RequirementStatus = Literal["met", "missing", "failed", "stale", "waived"]
Outcome = Literal["met", "met_with_waivers", "blocked"]
RequestStatus = Literal["open", "promoted", "withdrawn", "rejected"]


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """One applied version of a named policy. `document` is the normalised policy."""

    id: int
    name: str
    version: int
    digest: str
    source: str
    document: dict[str, Any]
    applied_at: str
    applied_by: str

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True, slots=True)
class Assessment:
    """A project's answers to a policy's questionnaire and the tier they give."""

    project: str
    policy_name: str
    policy_version: int
    answers: dict[str, str]
    tier: str
    score: int
    reasons: tuple[str, ...]
    assessed_at: str
    assessed_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "answers": dict(self.answers),
            "tier": self.tier,
            "score": self.score,
            "reasons": list(self.reasons),
            "assessed_at": self.assessed_at,
            "assessed_by": self.assessed_by,
        }


Provenance = Literal["computed", "attested"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The result of a check or an attached document, appended to a version."""

    version_ref: str
    kind: str
    passed: bool | None
    metrics: dict[str, float]
    config: dict[str, Any]
    inputs: dict[str, Any]
    producer: str
    created_at: str
    report: str | None = None  # artifact digest of the report, if any
    summary: str = ""
    id: int = 0
    # `computed` by Steward's checks (on this version's artifact and fingerprinted data), or
    # `attested`: a person's statement. Evidence stored before revision 0009 reads as attested.
    provenance: Provenance = "attested"

    def content(self) -> dict[str, Any]:
        # Producer and time are left out: the same check on the same inputs gives the same digest.
        # Provenance joins the content only when computed, so attested evidence stored before it
        # was recorded keeps its digest (and the sign-offs bound to it stay fresh).
        content = {
            "version": self.version_ref,
            "kind": self.kind,
            "passed": self.passed,
            "metrics": self.metrics,
            "config": self.config,
            "inputs": self.inputs,
            "report": self.report,
        }
        if self.provenance != "attested":
            content["provenance"] = self.provenance
        return content

    def computed_on(self) -> str | None:
        """The artifact digest computed evidence was computed on (None for an attestation)."""
        if self.provenance != "computed":
            return None
        model = self.inputs.get("model")
        digest = model.get("sha256") if isinstance(model, dict) else None
        return digest if isinstance(digest, str) else None

    @property
    def digest(self) -> str:
        return json_sha256(self.content())

    def as_dict(self) -> dict[str, Any]:
        data = self.content()
        data.update(
            id=self.id,
            producer=self.producer,
            created_at=self.created_at,
            summary=self.summary,
            digest=self.digest,
            provenance=self.provenance,
        )
        return data


def evidence_set_digest(evidence: list[Evidence] | tuple[Evidence, ...]) -> str:
    """Digest of the evidence a signer saw: the latest item of each kind. A new result that
    differs, or a new kind, changes it; re-running a check with identical results does not."""
    latest: dict[str, Evidence] = {}
    for item in sorted(evidence, key=lambda e: (e.created_at, e.id)):
        latest[item.kind] = item
    return json_sha256(sorted((kind, e.digest) for kind, e in latest.items()))


@dataclass(frozen=True, slots=True)
class SignOff:
    version_ref: str
    stage: str  # the stage the version is approved (or rejected) for
    role: str
    decision: Decision
    meaning: str
    reason: str
    signer: str
    signed_at: str
    evidence_digest: str
    policy_name: str
    policy_version: int
    id: int = 0
    identity: str | None = None  # how the signer was identified; None before revision 0008

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "stage": self.stage,
            "role": self.role,
            "identity": self.identity,
            "decision": self.decision,
            "meaning": self.meaning,
            "reason": self.reason,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "evidence_digest": self.evidence_digest,
            "policy": {"name": self.policy_name, "version": self.policy_version},
        }


@dataclass(frozen=True, slots=True)
class SignOffStanding:
    """A version's sign-offs, oldest first, beside the digest of its evidence now and, for each
    stale one, why: the gate's own staleness rule (new evidence, another policy version, an
    expired approval), so a listing and `gate status` always agree."""

    evidence_digest: str
    signoffs: tuple[SignOff, ...]
    stale: Mapping[int, str] = field(default_factory=dict)  # sign-off id -> why it is stale

    def current(self, signoff: SignOff) -> bool:
        return signoff.id not in self.stale

    def state(self, signoff: SignOff) -> str:
        """`current` or `stale: why`, as listings show it."""
        why = self.stale.get(signoff.id)
        return "current" if why is None else f"stale: {why}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "evidence_digest": self.evidence_digest,
            "items": [
                {
                    **s.as_dict(),
                    "evidence": "current" if self.current(s) else "stale",
                    "stale_because": self.stale.get(s.id),
                }
                for s in self.signoffs
            ],
        }


@dataclass(frozen=True, slots=True)
class Waiver:
    """A policy exception: one requirement of one gate, granted with a reason, until a date."""

    version_ref: str
    stage: str
    requirement: str  # a requirement key, e.g. "check:performance.auc >= 0.75"
    reason: str
    granted_by: str
    granted_role: str
    granted_at: str
    expires_at: str
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    id: int = 0

    def active(self, now: str) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "stage": self.stage,
            "requirement": self.requirement,
            "reason": self.reason,
            "granted_by": self.granted_by,
            "granted_role": self.granted_role,
            "granted_at": self.granted_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "revoked_by": self.revoked_by,
            "revoke_reason": self.revoke_reason,
        }


@dataclass(frozen=True, slots=True)
class PromotionRequest:
    id: int
    version_ref: str
    project: str
    from_stage: str
    to_stage: str
    requested_by: str
    requested_at: str
    reason: str
    status: RequestStatus
    closed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "project": self.project,
            "from": self.from_stage,
            "to": self.to_stage,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at,
            "reason": self.reason,
            "status": self.status,
            "closed_at": self.closed_at,
        }


@dataclass(frozen=True, slots=True)
class GateSubject:
    """What a gate needs to know about the version itself."""

    ref: str
    author: str
    stage: str
    documentation: dict[str, str]
    code: dict[str, Any]
    environment: dict[str, Any]
    signature: dict[str, Any]
    training_data: dict[str, Any] | None
    validation_data: dict[str, Any] | None
    held_stages: frozenset[str] = frozenset()
    artifact_sha256: str = ""


@dataclass(frozen=True, slots=True)
class RequirementResult:
    key: str  # stable id, the handle a waiver names
    kind: Literal["transition", "assessment", "check", "documentation", "lineage", "signoff"]
    description: str
    status: RequirementStatus
    detail: str
    waiver_id: int | None = None
    # How the evidence behind a check was made (computed, attested), so that governance KPIs
    # tell a gate met by Steward's checks from one met by a person's statement.
    provenance: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "description": self.description,
            "status": self.status,
            "detail": self.detail,
            "waiver": self.waiver_id,
            "provenance": self.provenance,
        }


@dataclass(frozen=True, slots=True)
class GateDecision:
    version_ref: str
    from_stage: str
    to_stage: str
    policy_name: str | None
    policy_version: int | None
    tier: str | None
    evaluated_at: str
    evidence_digest: str
    requirements: tuple[RequirementResult, ...] = field(default_factory=tuple)

    @property
    def outcome(self) -> Outcome:
        if any(r.status not in ("met", "waived") for r in self.requirements):
            return "blocked"
        if any(r.status == "waived" for r in self.requirements):
            return "met_with_waivers"
        return "met"

    @property
    def allowed(self) -> bool:
        return self.outcome != "blocked"

    def unmet(self) -> list[RequirementResult]:
        return [r for r in self.requirements if r.status not in ("met", "waived")]

    def reasons(self) -> list[str]:
        return [f"{r.status}: {r.description} ({r.detail})" for r in self.unmet()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "from": self.from_stage,
            "to": self.to_stage,
            "policy": (
                {"name": self.policy_name, "version": self.policy_version}
                if self.policy_name is not None
                else None
            ),
            "tier": self.tier,
            "evaluated_at": self.evaluated_at,
            "evidence_digest": self.evidence_digest,
            "outcome": self.outcome,
            "requirements": [r.as_dict() for r in self.requirements],
        }

    def digest(self) -> str:
        return json_sha256(self.as_dict())


@dataclass(frozen=True, slots=True)
class VersionGovernance:
    """Everything appended to one version that its gates read, as of one moment."""

    version_id: int
    subject: GateSubject
    project: str
    evidence: tuple[Evidence, ...]
    signoffs: tuple[SignOff, ...]
    waivers: tuple[Waiver, ...]


@dataclass(frozen=True, slots=True)
class GateDecisionRecord:
    """A stored gate decision: the promotion (or recertification) it allowed, and who asked."""

    id: int
    version_ref: str
    project: str
    purpose: Literal["promotion", "recertification"]
    from_stage: str
    to_stage: str
    outcome: Outcome
    policy_name: str | None
    policy_version: int | None
    tier: str | None
    actor: str
    decided_at: str
    requirements: tuple[dict[str, Any], ...]
    evidence_digest: str = ""
