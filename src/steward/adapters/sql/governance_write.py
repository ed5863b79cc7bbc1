"""The governance half of the write session: policies, assessments, evidence, sign-offs, waivers,
promotion requests and gate decisions, read and appended inside the locked write transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, update

from steward.adapters.sql import governance_rows as rows
from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart
from steward.domain.audit import canonical_json
from steward.domain.errors import NotFoundError
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
)


class SqlPolicyWrites(SqlPart):
    """Stored policy versions, appended inside the write transaction."""

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        return rows.find_policy(self._conn, name, version)

    def policy_by_digest(self, name: str, digest: str) -> StoredPolicy | None:
        return rows.find_policy_by_digest(self._conn, name, digest)

    def add_policy(
        self, name: str, version: int, digest: str, source: str, document: dict[str, Any]
    ) -> StoredPolicy:
        # Key order is kept (unlike canonical JSON): it is the order the policy's author chose
        # for RACI steps, roles and documentation fields. The digest does not depend on it.
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        result = self._conn.execute(
            insert(t.policies).values(
                name=name,
                version=version,
                digest=digest,
                source=source,
                document=text,
                applied_at=self.now,
                applied_by=self.actor,
            )
        )
        return StoredPolicy(
            id=rows.inserted_id(result),
            name=name,
            version=version,
            digest=digest,
            source=source,
            document=json.loads(text),  # as a later read gives it back
            applied_at=self.now,
            applied_by=self.actor,
        )


class SqlGovernanceWrites(SqlPart):
    """Assessments, evidence, sign-offs, waivers, requests and gate decisions, read and appended inside the locked write transaction."""

    def get_assessment(self, project_id: int) -> Assessment | None:
        return rows.latest_assessment(self._conn, t.assessments.c.project_id == project_id)

    def add_assessment(
        self, project_id: int, policy_id: int, assessment: Assessment, audit_seq: int
    ) -> None:
        # The project and the policy come from their ids, not from the assessment's names.
        self._conn.execute(
            insert(t.assessments).values(
                project_id=project_id,
                policy_id=policy_id,
                answers=canonical_json(assessment.answers),
                tier=assessment.tier,
                score=assessment.score,
                reasons=canonical_json(list(assessment.reasons)),
                assessed_at=assessment.assessed_at,
                assessed_by=assessment.assessed_by,
                audit_seq=audit_seq,
            )
        )

    def version_governance(self, version_id: int) -> VersionGovernance:
        found = rows.load_governance(self._conn, t.versions.c.id == version_id)
        if found is None:
            raise NotFoundError(f"no version with id {version_id}")
        return found

    def add_evidence(self, version_id: int, evidence: Evidence, audit_seq: int) -> int:
        result = self._conn.execute(
            insert(t.evidence).values(
                version_id=version_id,
                kind=evidence.kind,
                passed=evidence.passed,
                metrics=canonical_json(evidence.metrics),
                config=canonical_json(evidence.config),
                inputs=canonical_json(evidence.inputs),
                producer=evidence.producer,
                created_at=evidence.created_at,
                report=evidence.report,
                summary=evidence.summary,
                digest=evidence.digest,
                audit_seq=audit_seq,
                provenance=evidence.provenance,
            )
        )
        return rows.inserted_id(result)

    def add_signoff(self, version_id: int, signoff: SignOff, audit_seq: int) -> int:
        result = self._conn.execute(
            insert(t.signoffs).values(
                version_id=version_id,
                stage=signoff.stage,
                role=signoff.role,
                decision=signoff.decision,
                meaning=signoff.meaning,
                reason=signoff.reason,
                signer=signoff.signer,
                signed_at=signoff.signed_at,
                evidence_digest=signoff.evidence_digest,
                policy_name=signoff.policy_name,
                policy_version=signoff.policy_version,
                identity=signoff.identity,
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)

    def add_waiver(self, version_id: int, waiver: Waiver, audit_seq: int) -> int:
        # A new waiver is never revoked: revocations are rows of their own (revoke_waiver).
        result = self._conn.execute(
            insert(t.waivers).values(
                version_id=version_id,
                stage=waiver.stage,
                requirement=waiver.requirement,
                reason=waiver.reason,
                granted_by=waiver.granted_by,
                granted_role=waiver.granted_role,
                granted_at=waiver.granted_at,
                expires_at=waiver.expires_at,
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)

    def get_waiver(self, waiver_id: int) -> Waiver | None:
        w = t.waivers
        row = self._conn.execute(
            rows.with_names(rows.waiver_select(), w.c.version_id).where(w.c.id == waiver_id)
        ).first()
        return None if row is None else rows.waiver_from(row, rows.ref_of(row))

    def revoke_waiver(self, waiver_id: int, reason: str, audit_seq: int) -> None:
        self._conn.execute(
            insert(t.waiver_revocations).values(
                waiver_id=waiver_id,
                revoked_by=self.actor,
                revoked_at=self.now,
                reason=reason,
                audit_seq=audit_seq,
            )
        )

    def _request(self, request_id: int) -> PromotionRequest:
        row = self._conn.execute(
            rows.request_select().where(t.promotion_requests.c.id == request_id)
        ).one()
        return rows.request_from(row)

    def open_request(self, version_id: int, to_stage: str) -> PromotionRequest | None:
        r = t.promotion_requests
        row = self._conn.execute(
            rows.request_select().where(
                r.c.version_id == version_id, r.c.to_stage == to_stage, r.c.status == "open"
            )
        ).first()
        return None if row is None else rows.request_from(row)

    def add_request(
        self, version_id: int, from_stage: str, to_stage: str, reason: str
    ) -> PromotionRequest:
        result = self._conn.execute(
            insert(t.promotion_requests).values(
                version_id=version_id,
                from_stage=from_stage,
                to_stage=to_stage,
                requested_by=self.actor,
                requested_at=self.now,
                reason=reason,
                status="open",
                closed_at=None,
            )
        )
        return self._request(rows.inserted_id(result))

    def close_request(self, request_id: int, status: str) -> None:
        r = t.promotion_requests
        self._conn.execute(
            update(r).where(r.c.id == request_id).values(status=status, closed_at=self.now)
        )

    def add_gate_decision(
        self,
        version_id: int,
        purpose: str,
        decision: GateDecision,
        policy_id: int | None,
        audit_seq: int,
    ) -> int:
        # Every field of the decision's digest is kept, so that it can be recomputed.
        result = self._conn.execute(
            insert(t.gate_decisions).values(
                version_id=version_id,
                purpose=purpose,
                from_stage=decision.from_stage,
                to_stage=decision.to_stage,
                outcome=decision.outcome,
                policy_id=policy_id,
                policy_name=decision.policy_name,
                policy_version=decision.policy_version,
                tier=decision.tier,
                actor=self.actor,
                decided_at=decision.evaluated_at,
                requirements=canonical_json([r.as_dict() for r in decision.requirements]),
                evidence_digest=decision.evidence_digest,
                decision_digest=decision.digest(),
                audit_seq=audit_seq,
            )
        )
        return rows.inserted_id(result)
