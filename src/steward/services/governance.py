"""Governance use cases on projects and versions: risk classification, RACI, evidence and
sign-offs (waivers in `services.waivers`, promotion through gates in `services.promotion`).

Every rule about who may do what is checked inside the write transaction, after the chain head
is locked, so two people acting at the same moment see each other's facts in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.gate_signoffs import why_stale
from steward.domain.governance import (
    Evidence,
    SignOff,
    SignOffStanding,
    VersionGovernance,
    Waiver,
    evidence_set_digest,
)
from steward.domain.naming import VersionRef, as_version_ref, check_role
from steward.domain.policy import Policy
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.classification import ClassificationCases
from steward.services.evidence_store import EvidenceDraft, store_evidence
from steward.services.governed import Governed, require_tier, with_fields
from steward.services.lookup import explain_unknown_version
from steward.services.moves import apply_move
from steward.services.ports import WriteSession
from steward.services.use_case import project_of, use_case
from steward.services.waivers import WaiverCases


@dataclass(frozen=True, slots=True)
class RaciStep:
    """One process step of the policy's RACI matrix, with the project's people in each role."""

    step: str
    assignments: dict[str, dict[str, list[str]]]  # letter -> role -> people holding it

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, **self.assignments}

    def unstaffed(self) -> list[str]:
        """Roles this step names that nobody in the project holds."""
        return sorted({r for roles in self.assignments.values() for r, p in roles.items() if not p})


class Governance(WaiverCases, ClassificationCases):
    """Risk classification, RACI, evidence attached by people, sign-offs and waivers."""

    @use_case("governance.read")
    def facts(self, principal: Principal, ref: str | VersionRef) -> VersionGovernance:
        """Evidence, sign-offs and waivers of a version, as of now."""
        return self._facts(as_version_ref(ref))

    def _facts(self, ref: VersionRef) -> VersionGovernance:
        with self._store.read() as q:
            found = q.governance.version_governance(ref.project, ref.model, ref.number)
            if found is None:
                explain_unknown_version(q, ref)
        return found

    @use_case("governance.read")
    def raci(self, principal: Principal, project: str) -> tuple[str, list[RaciStep]]:
        """The RACI matrix of the project's policy with the people who hold each role, so that
        a step nobody is responsible or accountable for shows up before it is needed."""
        with self._store.read() as q:
            if q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            assessment = q.governance.get_assessment(project)
            name = assessment.policy_name if assessment else self._ctx.default_policy
            stored, policy = self._ctx.policies.resolve_for_read(q, name)
            members = q.registry.member_roles(project)
        holders: dict[str, list[str]] = {}
        for person, roles in sorted(members.items()):
            for role in roles:
                holders.setdefault(role, []).append(person)
        steps = []
        for step, matrix in policy.raci.items():
            letters = {
                "responsible": matrix.responsible,
                "accountable": matrix.accountable,
                "consulted": matrix.consulted,
                "informed": matrix.informed,
            }
            steps.append(
                RaciStep(
                    step,
                    {
                        letter: {role: holders.get(role, []) for role in roles}
                        for letter, roles in letters.items()
                    },
                )
            )
        label = stored.label if stored else f"{policy.name} (shipped, not applied yet)"
        return label, steps

    @use_case("governance.read")
    def waivers(self, principal: Principal, project: str | None = None) -> list[Waiver]:
        with self._store.read() as q:
            if project is not None and q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            return q.governance.waivers(project)

    # Evidence -----------------------------------------------------------------------------

    @use_case("evidence.attest")
    def add_evidence(
        self,
        principal: Principal,
        ref: str | VersionRef,
        kind: str,
        *,
        passed: bool | None = None,
        metrics: Mapping[str, float] | None = None,
        config: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        summary: str = "",
        report: bytes | None = None,
        reason: str | None = None,
    ) -> Evidence:
        """Attach the result of a check run elsewhere (or a document, as report bytes) to a
        version. Evidence is appended, never replaced: the newest item of a kind is the one
        gates read."""
        draft = EvidenceDraft(kind, passed, metrics or {}, config or {}, inputs or {}, summary)
        # What a person attaches is their statement, whatever it claims: only the evidence
        # engine's own results are recorded as computed.
        return store_evidence(
            self._ctx,
            principal,
            as_version_ref(ref),
            [draft],
            provenance="attested",
            report=report,
            reason=reason,
        )[0]

    @use_case("governance.read")
    def evidence(self, principal: Principal, ref: str | VersionRef) -> list[Evidence]:
        """Every evidence item of a version, oldest first."""
        return list(self._facts(as_version_ref(ref)).evidence)

    @use_case("governance.read", scope="inside")
    def evidence_item(self, principal: Principal, evidence_id: int) -> Evidence:
        """One evidence record: provenance, inputs with their fingerprints, configuration,
        metrics, verdict and report digest."""
        with self._store.read() as q:
            found = q.governance.evidence_item(evidence_id)
        if found is None:
            raise NotFoundError(f"unknown evidence {evidence_id}")
        self._access.require(principal, "governance.read", project_of(found.version_ref))
        return found

    @use_case("governance.read")
    def signoffs(self, principal: Principal, ref: str | VersionRef) -> list[SignOff]:
        """Every sign-off of a version, oldest first."""
        return list(self._facts(as_version_ref(ref)).signoffs)

    @use_case("governance.read")
    def signoff_standing(self, principal: Principal, ref: str | VersionRef) -> SignOffStanding:
        """Every sign-off of a version, oldest first, and whether each was given on the
        evidence the version holds now; read in one snapshot."""
        ref = as_version_ref(ref)
        with self._store.read() as q:
            governed = self._ctx.governed_for_read(q, ref)
        facts, policy = governed.facts, governed.policy
        digest = evidence_set_digest(facts.evidence)
        tier = next((t for t in policy.tiers if t.name == governed.tier), None)
        version = governed.stored_policy.version if governed.stored_policy else 0
        now = self._ctx.now()
        stale = {
            s.id: why
            for s in facts.signoffs
            if (why := why_stale(policy, version, tier, s, digest, now)) is not None
        }
        return SignOffStanding(digest, tuple(facts.signoffs), stale)

    @use_case("governance.read")
    def evidence_report(
        self, principal: Principal, ref: str | VersionRef, evidence_id: int
    ) -> tuple[Evidence, bytes]:
        """An evidence item and its stored report, checked against the digest it was stored
        under."""
        ref = as_version_ref(ref)
        found = next((e for e in self._facts(ref).evidence if e.id == evidence_id), None)
        if found is None:
            raise NotFoundError(f"{ref} has no evidence #{evidence_id}")
        if found.report is None:
            raise NotFoundError(f"evidence #{evidence_id} of {ref} has no report")
        return found, self._ctx.artifacts.get(found.report)

    # Sign-offs ----------------------------------------------------------------------------

    @use_case("signoff.give")
    def sign(
        self,
        principal: Principal,
        ref: str | VersionRef,
        *,
        stage: str,
        role: str,
        decision: str,
        reason: str | None,
        meaning: str | None = None,
    ) -> SignOff:
        """Approve or reject a version for a stage, acting in one role. Bound to the evidence
        present now: new evidence makes it stale."""
        if decision not in ("approve", "reject"):
            raise InvalidInputError(f"unknown decision {decision!r}: expected approve or reject")
        why = required_reason(reason, f"{decision} a version")
        check_role(role)
        ref = as_version_ref(ref)
        actor = principal.name
        with self._store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            policy, tier = require_tier(governed, ref)
            if role not in policy.roles:
                raise InvalidInputError(
                    f"unknown role {role!r}: policy {policy.name} defines {', '.join(policy.roles)}"
                )
            graph = policy.stages.graph()
            graph.check_stage(stage)
            wanted = [s for s in policy.gate(tier, stage).signoffs if s.role == role]
            if not wanted:
                asked = sorted({s.role for s in policy.gate(tier, stage).signoffs})
                hint = f"it asks for {', '.join(asked)}" if asked else "it asks for no sign-off"
                raise InvalidInputError(
                    f"the gate to {stage} for tier {tier} does not ask for role {role!r}: {hint}"
                )
            if role not in governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} does not hold role {role!r} in project {governed.facts.project!r}"
                )
            self._check_separation(policy, governed, actor, stage)
            accepted = policy.gate(tier, stage).signer_identity
            if accepted and principal.established_by not in accepted:
                raise PermissionDeniedError(
                    f"sign-offs into {stage} for tier {tier} need an identity established by "
                    f"{' or '.join(accepted)}; {actor}'s was {principal.established_by}"
                    + (
                        " (--actor or STEWARD_ACTOR)"
                        if principal.established_by == "declared"
                        else ""
                    )
                )
            evidence_digest = evidence_set_digest(governed.facts.evidence)
            signoff = SignOff(
                version_ref=str(ref),
                stage=stage,
                role=role,
                decision="approve" if decision == "approve" else "reject",
                meaning=(meaning or _default_meaning(decision, wanted[0].meaning, stage)).strip(),
                reason=why,
                signer=actor,
                signed_at=tx.now,
                evidence_digest=evidence_digest,
                policy_name=policy.name,
                policy_version=governed.stored_policy.version if governed.stored_policy else 0,
                identity=principal.established_by,
            )
            event = tx.record(
                PendingEvent(
                    "signoff.approved" if decision == "approve" else "signoff.rejected",
                    "version",
                    str(ref),
                    {
                        "stage": stage,
                        "role": role,
                        "meaning": signoff.meaning,
                        "evidence_digest": evidence_digest,
                        "policy": {"name": signoff.policy_name, "version": signoff.policy_version},
                    },
                    why,
                )
            )
            signoff_id = tx.governance.add_signoff(governed.handle.id, signoff, event.seq)
            if decision == "reject":
                self._send_back(tx, graph.initial, policy, governed, stage, actor, why)
            tx.commit()
        return SignOff(**{**with_fields(signoff), "id": signoff_id})

    def _send_back(
        self,
        tx: WriteSession,
        initial: str,
        policy: Policy,
        governed: Governed,
        stage: str,
        actor: str,
        why: str,
    ) -> None:
        """A rejection closes the open request and returns the version to the initial stage."""
        request = tx.governance.open_request(governed.handle.id, stage)
        if request is not None:
            tx.governance.close_request(request.id, "rejected")
        current = governed.handle.stage
        graph = policy.stages.graph()
        # Only a version waiting to enter the rejected stage goes back; one already past it
        # (say, in production when rejected for staging) stays where it is.
        if current != initial and (current, stage) in graph.transitions:
            apply_move(
                tx,
                policy.stages.graph(),
                governed.handle,
                initial,
                f"rejected for {stage} by {actor}: {why}",
                {"rejected_for": stage},
            )

    @staticmethod
    def _check_separation(policy: Policy, governed: Governed, actor: str, stage: str) -> None:
        facts = governed.facts
        conflict = policy.duties(governed.tier, stage).conflict(
            actor,
            facts.subject.author,
            {e.producer for e in facts.evidence},
            governed.members.get(actor, frozenset()),
        )
        if conflict is None:
            return
        kind, detail = conflict
        if kind == "author":
            why = f"{actor} registered {facts.subject.ref} and cannot sign it off"
        elif kind == "evidence_producer":
            kinds = sorted({e.kind for e in facts.evidence if e.producer == actor})
            why = (
                f"{actor} produced evidence ({', '.join(kinds)}) on {facts.subject.ref} "
                "and cannot sign it off"
            )
        else:
            why = (
                f"{actor} holds the role {detail} in project {facts.project!r}, whose holders "
                f"may not sign for {stage}"
            )
        raise PermissionDeniedError(f"{why} (separation of duties)")


def _default_meaning(decision: str, approval_meaning: str, stage: str) -> str:
    if decision == "reject":
        return f"rejected for {stage}"
    return approval_meaning or f"approved for {stage} use"
