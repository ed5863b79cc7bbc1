"""The governance port in memory: assessments, evidence, sign-offs, waivers, requests and
gate decisions."""

from __future__ import annotations

import copy
from dataclasses import replace

from steward.domain.errors import (
    NotFoundError,
)
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
from steward.services.ports import GovernanceReads, GovernanceWrites
from tests.fakes.state import (
    View,
    _conflict,
    _Fact,
    _json,
    _new_id,
    _RequestRow,
    _RevocationRow,
)


class FakeGovernanceWrites(View):
    """GovernanceWrites over the write's working copy."""

    def get_assessment(self, project_id: int) -> Assessment | None:
        return self._current_assessments().get(project_id)

    def add_assessment(
        self, project_id: int, policy_id: int, assessment: Assessment, audit_seq: int
    ) -> None:
        if project_id not in self._state.projects or policy_id not in self._state.policies:
            raise _conflict(f"no project {project_id} or no policy {policy_id}")
        policy = self._state.policies[policy_id]
        # The project and the policy come from their ids, not from the assessment's names.
        stored = replace(
            assessment,
            project=self._state.projects[project_id].name,
            policy_name=policy.name,
            policy_version=policy.version,
            answers=_json(assessment.answers),
            reasons=tuple(_json(list(assessment.reasons))),
        )
        self._state.assessments[_new_id(self._state.assessments)] = _Fact(
            project_id, audit_seq, stored
        )

    def version_governance(self, version_id: int) -> VersionGovernance:
        if version_id not in self._state.versions:
            raise NotFoundError(f"no version with id {version_id}")
        return self._governance(version_id)

    def add_evidence(self, version_id: int, evidence: Evidence, audit_seq: int) -> int:
        new_id = _new_id(self._state.evidence)
        stored = replace(
            evidence,
            version_ref=self._need_version(version_id),
            metrics=_json(evidence.metrics),
            config=_json(evidence.config),
            inputs=_json(evidence.inputs),
            id=new_id,
        )
        self._state.evidence[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def add_signoff(self, version_id: int, signoff: SignOff, audit_seq: int) -> int:
        new_id = _new_id(self._state.signoffs)
        stored = replace(signoff, version_ref=self._need_version(version_id), id=new_id)
        self._state.signoffs[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def add_waiver(self, version_id: int, waiver: Waiver, audit_seq: int) -> int:
        new_id = _new_id(self._state.waivers)
        stored = replace(
            waiver,
            version_ref=self._need_version(version_id),
            revoked_at=None,
            revoked_by=None,
            revoke_reason=None,
            id=new_id,
        )
        self._state.waivers[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def get_waiver(self, waiver_id: int) -> Waiver | None:
        return self._waiver(waiver_id) if waiver_id in self._state.waivers else None

    def revoke_waiver(self, waiver_id: int, reason: str, audit_seq: int) -> None:
        if waiver_id not in self._state.waivers:
            raise _conflict(f"no waiver with id {waiver_id}")
        if waiver_id in self._state.revocations:
            raise _conflict(f"waiver {waiver_id} is already revoked")
        self._state.revocations[waiver_id] = _RevocationRow(self.actor, self.now, reason, audit_seq)

    def open_request(self, version_id: int, to_stage: str) -> PromotionRequest | None:
        row = self._open(version_id, to_stage)
        return None if row is None else self._request(row)

    def add_request(
        self, version_id: int, from_stage: str, to_stage: str, reason: str
    ) -> PromotionRequest:
        self._need_version(version_id)
        if self._open(version_id, to_stage) is not None:
            raise _conflict(f"an open request for version {version_id} to {to_stage} exists")
        new_id = _new_id(self._state.requests)
        row = _RequestRow(
            new_id, version_id, from_stage, to_stage, self.actor, self.now, reason, "open"
        )
        self._state.requests[new_id] = row
        return self._request(row)

    def close_request(self, request_id: int, status: str) -> None:
        row = self._state.requests.get(request_id)
        if row is None:
            return  # an UPDATE that matches no row
        other = self._open(row.version_id, row.to_stage)
        if status == "open" and other is not None and other is not row:
            raise _conflict(f"an open request for version {row.version_id} exists")
        row.status, row.closed_at = status, self.now

    def add_gate_decision(
        self,
        version_id: int,
        purpose: str,
        decision: GateDecision,
        policy_id: int | None,
        audit_seq: int,
    ) -> int:
        ref = self._need_version(version_id)
        if policy_id is not None and policy_id not in self._state.policies:
            raise _conflict(f"no policy with id {policy_id}")
        new_id = _new_id(self._state.decisions)
        record = GateDecisionRecord(
            id=new_id,
            version_ref=ref,
            project=self._version_names(version_id)[0],
            purpose=purpose,  # type: ignore[arg-type]
            from_stage=decision.from_stage,
            to_stage=decision.to_stage,
            outcome=decision.outcome,
            policy_name=decision.policy_name,
            policy_version=decision.policy_version,
            tier=decision.tier,
            actor=self.actor,
            decided_at=decision.evaluated_at,
            requirements=tuple(_json([r.as_dict() for r in decision.requirements])),
            evidence_digest=decision.evidence_digest,
        )
        self._state.decisions[new_id] = _Fact(version_id, audit_seq, record)
        return new_id


class FakeGovernanceReads(View):
    """GovernanceReads over a snapshot."""

    def get_assessment(self, project: str) -> Assessment | None:
        return next((a for a in self.assessments(project)), None)

    def assessments(self, project: str | None) -> list[Assessment]:
        current = sorted(self._current_assessments().values(), key=lambda a: a.project)
        return [a for a in current if project is None or a.project == project]

    def version_governance(self, project: str, model: str, number: int) -> VersionGovernance | None:
        version_id = next(
            (
                v.id
                for v in self._state.versions.values()
                if self._version_names(v.id) == (project, model, number)
            ),
            None,
        )
        return None if version_id is None else self._governance(version_id)

    def first_evidence(self, project: str | None) -> list[tuple[str, str, str, bool | None]]:
        first: dict[tuple[int, str], Evidence] = {}
        for _, row in sorted(self._state.evidence.items()):
            first.setdefault((row.owner, row.fact.kind), row.fact)
        return [
            (self._project_of(version_id), e.version_ref, e.kind, e.passed)
            for (version_id, _), e in sorted(first.items(), key=lambda item: item[1].id)
            if project is None or self._project_of(version_id) == project
        ]

    def evidence_item(self, evidence_id: int) -> Evidence | None:
        row = self._state.evidence.get(evidence_id)
        if row is None:
            return None
        return copy.deepcopy(replace(row.fact, id=evidence_id))

    def waivers(self, project: str | None) -> list[Waiver]:
        return [
            self._waiver(i)
            for i, row in sorted(self._state.waivers.items())
            if project is None or self._project_of(row.owner) == project
        ]

    def promotion_requests(self, project: str | None, status: str | None) -> list[PromotionRequest]:
        return [
            self._request(r)
            for _, r in sorted(self._state.requests.items())
            if (project is None or self._project_of(r.version_id) == project)
            and (status is None or r.status == status)
        ]

    def gate_decisions(self, project: str | None) -> list[GateDecisionRecord]:
        return [
            copy.deepcopy(row.fact)
            for _, row in sorted(self._state.decisions.items())
            if project is None or row.fact.project == project
        ]


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_governance_reads: type[GovernanceReads] = FakeGovernanceReads
_governance_writes: type[GovernanceWrites] = FakeGovernanceWrites
