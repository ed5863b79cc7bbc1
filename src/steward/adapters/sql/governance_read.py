"""The governance half of the read session: policies, assessments, what is appended to versions,
requests, decisions, and the listings reports are built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from steward.adapters.sql import governance_rows as rows
from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart

if TYPE_CHECKING:
    from steward.domain.governance import (
        Assessment,
        Evidence,
        GateDecisionRecord,
        PromotionRequest,
        StoredPolicy,
        VersionGovernance,
        Waiver,
    )


class SqlPolicyReads(SqlPart):
    """Stored policy versions."""

    def list_policies(self) -> list[StoredPolicy]:
        stmt = select(t.policies).order_by(t.policies.c.name, t.policies.c.version)
        return [rows.policy_from(r) for r in self._conn.execute(stmt).all()]

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        return rows.find_policy(self._conn, name, version)


class SqlGovernanceReads(SqlPart):
    """Assessments, what is appended to versions, requests, decisions, and the listings reports are built from."""

    def get_assessment(self, project: str) -> Assessment | None:
        return rows.latest_assessment(self._conn, t.projects.c.name == project)

    def assessments(self, project: str | None) -> list[Assessment]:
        return rows.current_assessments(self._conn, project)

    def version_governance(self, project: str, model: str, number: int) -> VersionGovernance | None:
        return rows.load_governance(
            self._conn,
            (t.projects.c.name == project)
            & (t.models.c.name == model)
            & (t.versions.c.number == number),
        )

    def first_evidence(self, project: str | None) -> list[tuple[str, str, str, bool | None]]:
        """The first evidence of each kind per version, in the order it was added."""
        e = t.evidence
        first = select(func.min(e.c.id).label("id")).group_by(e.c.version_id, e.c.kind).subquery()
        stmt = rows.with_names(
            select(e.c.id, e.c.kind, e.c.passed).select_from(e).join(first, first.c.id == e.c.id),
            e.c.version_id,
        )
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        return [
            (r.project, rows.ref_of(r), r.kind, r.passed)
            for r in self._conn.execute(stmt.order_by(e.c.id)).all()
        ]

    def evidence_item(self, evidence_id: int) -> Evidence | None:
        e = t.evidence
        row = self._conn.execute(
            rows.with_names(select(e), e.c.version_id).where(e.c.id == evidence_id)
        ).first()
        return None if row is None else rows.evidence_from(row, rows.ref_of(row))

    def waivers(self, project: str | None) -> list[Waiver]:
        w = t.waivers
        stmt = rows.with_names(rows.waiver_select(), w.c.version_id)
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        return [
            rows.waiver_from(r, rows.ref_of(r))
            for r in self._conn.execute(stmt.order_by(w.c.id)).all()
        ]

    def promotion_requests(self, project: str | None, status: str | None) -> list[PromotionRequest]:
        r = t.promotion_requests
        stmt = rows.request_select()
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        if status is not None:
            stmt = stmt.where(r.c.status == status)
        return [rows.request_from(row) for row in self._conn.execute(stmt.order_by(r.c.id)).all()]

    def gate_decisions(self, project: str | None) -> list[GateDecisionRecord]:
        d = t.gate_decisions
        stmt = rows.decision_select()
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        return [rows.decision_from(row) for row in self._conn.execute(stmt.order_by(d.c.id)).all()]
