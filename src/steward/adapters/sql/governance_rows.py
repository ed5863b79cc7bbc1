"""Governance queries and row conversions shared by the read and the write side."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Select, func, select

from steward.adapters.sql import tables as t
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecisionRecord,
    GateSubject,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
)

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

_v, _m, _p = t.versions, t.models, t.projects


def inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def with_names(stmt: Select[Any], version_id: ColumnElement[int]) -> Select[Any]:
    """Adds the project, model and number of the version `version_id` names."""
    return (
        stmt.add_columns(_p.c.name.label("project"), _m.c.name.label("model"), _v.c.number)
        .join(_v, _v.c.id == version_id)
        .join(_m, _m.c.id == _v.c.model_id)
        .join(_p, _p.c.id == _m.c.project_id)
    )


def ref_of(row: Any) -> str:
    return f"{row.project}/{row.model}/{row.number}"


# Policies and assessments -------------------------------------------------------------------


def policy_from(row: Any) -> StoredPolicy:
    return StoredPolicy(
        id=row.id,
        name=row.name,
        version=row.version,
        digest=row.digest,
        source=row.source,
        document=json.loads(row.document),
        applied_at=row.applied_at,
        applied_by=row.applied_by,
    )


def find_policy(conn: Connection, name: str, version: int | None) -> StoredPolicy | None:
    stmt = select(t.policies).where(t.policies.c.name == name)
    if version is None:
        stmt = stmt.order_by(t.policies.c.version.desc()).limit(1)
    else:
        stmt = stmt.where(t.policies.c.version == version)
    row = conn.execute(stmt).first()
    return None if row is None else policy_from(row)


def find_policy_by_digest(conn: Connection, name: str, digest: str) -> StoredPolicy | None:
    row = conn.execute(
        select(t.policies)
        .where(t.policies.c.name == name, t.policies.c.digest == digest)
        .order_by(t.policies.c.version)
    ).first()
    return None if row is None else policy_from(row)


def _assessment_select() -> Select[Any]:
    a, pol = t.assessments, t.policies
    return (
        select(
            a,
            _p.c.name.label("project"),
            pol.c.name.label("policy_name"),
            pol.c.version.label("policy_version"),
        )
        .join(_p, _p.c.id == a.c.project_id)
        .join(pol, pol.c.id == a.c.policy_id)
    )


def _assessment_from(row: Any) -> Assessment:
    return Assessment(
        project=row.project,
        policy_name=row.policy_name,
        policy_version=row.policy_version,
        answers=json.loads(row.answers),
        tier=row.tier,
        score=row.score,
        reasons=tuple(json.loads(row.reasons)),
        assessed_at=row.assessed_at,
        assessed_by=row.assessed_by,
    )


def latest_assessment(conn: Connection, condition: ColumnElement[bool]) -> Assessment | None:
    row = conn.execute(
        _assessment_select().where(condition).order_by(t.assessments.c.id.desc()).limit(1)
    ).first()
    return None if row is None else _assessment_from(row)


def current_assessments(conn: Connection, project: str | None) -> list[Assessment]:
    """The latest assessment of every project (or of one), by project name."""
    a = t.assessments
    latest = select(func.max(a.c.id).label("id")).group_by(a.c.project_id).subquery()
    stmt = _assessment_select().join(latest, latest.c.id == a.c.id).order_by(_p.c.name)
    if project is not None:
        stmt = stmt.where(_p.c.name == project)
    return [_assessment_from(r) for r in conn.execute(stmt).all()]


def member_roles(conn: Connection, condition: ColumnElement[bool]) -> dict[str, frozenset[str]]:
    pm = t.project_members
    rows = conn.execute(
        select(pm.c.person, pm.c.role).join(_p, _p.c.id == pm.c.project_id).where(condition)
    ).all()
    roles: dict[str, set[str]] = {}
    for row in rows:
        roles.setdefault(row.person, set()).add(row.role)
    return {person: frozenset(held) for person, held in sorted(roles.items())}


# Evidence, sign-offs, waivers ---------------------------------------------------------------


def evidence_from(row: Any, ref: str) -> Evidence:
    return Evidence(
        version_ref=ref,
        kind=row.kind,
        passed=row.passed,
        metrics=json.loads(row.metrics),
        config=json.loads(row.config),
        inputs=json.loads(row.inputs),
        producer=row.producer,
        created_at=row.created_at,
        report=row.report,
        summary=row.summary,
        id=row.id,
        provenance="computed" if row.provenance == "computed" else "attested",
    )


def signoff_from(row: Any, ref: str) -> SignOff:
    return SignOff(
        version_ref=ref,
        stage=row.stage,
        role=row.role,
        decision=row.decision,
        meaning=row.meaning,
        reason=row.reason,
        signer=row.signer,
        signed_at=row.signed_at,
        evidence_digest=row.evidence_digest,
        policy_name=row.policy_name,
        policy_version=row.policy_version,
        id=row.id,
        identity=row.identity,
    )


def waiver_select() -> Select[Any]:
    """Waivers with their revocation, if any."""
    w, r = t.waivers, t.waiver_revocations
    return (
        select(w, r.c.revoked_at, r.c.revoked_by, r.c.reason.label("revoke_reason"))
        .select_from(w)
        .outerjoin(r, r.c.waiver_id == w.c.id)
    )


def waiver_from(row: Any, ref: str) -> Waiver:
    return Waiver(
        version_ref=ref,
        stage=row.stage,
        requirement=row.requirement,
        reason=row.reason,
        granted_by=row.granted_by,
        granted_role=row.granted_role,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        id=row.id,
    )


def load_governance(conn: Connection, condition: ColumnElement[bool]) -> VersionGovernance | None:
    """The gate subject and everything appended to the one version `condition` selects."""
    v = _v
    row = conn.execute(
        select(
            v.c.id,
            v.c.number,
            _m.c.name.label("model"),
            _p.c.name.label("project"),
            t.version_state.c.stage,
            t.version_records.c.record,
        )
        .select_from(v)
        .join(t.version_records, t.version_records.c.version_id == v.c.id)
        .join(_m, _m.c.id == v.c.model_id)
        .join(_p, _p.c.id == _m.c.project_id)
        .outerjoin(t.version_state, t.version_state.c.version_id == v.c.id)
        .where(condition)
    ).first()
    if row is None:
        return None
    ref = ref_of(row)
    record = json.loads(row.record)
    held = conn.execute(
        select(t.stage_changes.c.to_stage).where(t.stage_changes.c.version_id == row.id).distinct()
    ).scalars()
    subject = GateSubject(
        ref=ref,
        author=record["created_by"],
        stage=row.stage or "",
        documentation=record["documentation"],
        code=record["code"],
        environment=record["environment"],
        signature=record["signature"],
        training_data=record["training_data"],
        validation_data=record["validation_data"],
        held_stages=frozenset(held),
        artifact_sha256=record["artifact"]["sha256"],
    )
    e, s, w = t.evidence, t.signoffs, t.waivers
    evidence = conn.execute(select(e).where(e.c.version_id == row.id).order_by(e.c.id)).all()
    signoffs = conn.execute(select(s).where(s.c.version_id == row.id).order_by(s.c.id)).all()
    waivers = conn.execute(waiver_select().where(w.c.version_id == row.id).order_by(w.c.id)).all()
    return VersionGovernance(
        version_id=row.id,
        subject=subject,
        project=row.project,
        evidence=tuple(evidence_from(r, ref) for r in evidence),
        signoffs=tuple(signoff_from(r, ref) for r in signoffs),
        waivers=tuple(waiver_from(r, ref) for r in waivers),
    )


# Requests and decisions ---------------------------------------------------------------------


def request_select() -> Select[Any]:
    r = t.promotion_requests
    return with_names(select(r).select_from(r), r.c.version_id)


def request_from(row: Any) -> PromotionRequest:
    return PromotionRequest(
        id=row.id,
        version_ref=ref_of(row),
        project=row.project,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        reason=row.reason,
        status=row.status,
        closed_at=row.closed_at,
    )


def decision_select() -> Select[Any]:
    d = t.gate_decisions
    return with_names(select(d).select_from(d), d.c.version_id)


def decision_from(row: Any) -> GateDecisionRecord:
    return GateDecisionRecord(
        id=row.id,
        version_ref=ref_of(row),
        project=row.project,
        purpose=row.purpose,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        outcome=row.outcome,
        policy_name=row.policy_name,
        policy_version=row.policy_version,
        tier=row.tier,
        actor=row.actor,
        decided_at=row.decided_at,
        requirements=tuple(json.loads(row.requirements)),
        evidence_digest=row.evidence_digest,
    )
