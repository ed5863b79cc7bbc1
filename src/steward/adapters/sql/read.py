"""The read side: listings with keyset paging, one-record lookups and the audit stream."""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, select

from steward.adapters.sql import tables as t
from steward.adapters.sql.paging import page_of as _page
from steward.adapters.sql.part import SqlPart
from steward.domain.entities import (
    Kpi,
    Member,
    Model,
    Project,
    StageChange,
    Version,
    VersionRecord,
    VersionSummary,
)
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.services.ports import (
    Page,
    PageRequest,
    VersionQuery,
)

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

    from steward.adapters.sql.access import SqlAccessReads
    from steward.adapters.sql.audit_read import SqlAuditReads
    from steward.adapters.sql.changes import SqlChangesReads
    from steward.adapters.sql.governance_read import SqlGovernanceReads, SqlPolicyReads
    from steward.adapters.sql.monitor import SqlMonitoringReads
    from steward.adapters.sql.outbox import SqlOutboxReads

_OPS = {
    ">=": lambda c, v: c >= v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    "<": lambda c, v: c < v,
    "==": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
}


class SqlReadSession:
    """One read transaction: a snapshot every part reads from."""

    # Each feature's part is imported when first read from, so that a command reading the
    # registry does not load the governance and monitoring code.
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @cached_property
    def registry(self) -> SqlRegistryReads:
        return SqlRegistryReads(self._conn)

    @cached_property
    def policies(self) -> SqlPolicyReads:
        from steward.adapters.sql.governance_read import SqlPolicyReads as Reads

        return Reads(self._conn)

    @cached_property
    def governance(self) -> SqlGovernanceReads:
        from steward.adapters.sql.governance_read import SqlGovernanceReads as Reads

        return Reads(self._conn)

    @cached_property
    def monitoring(self) -> SqlMonitoringReads:
        from steward.adapters.sql.monitor import SqlMonitoringReads as Reads

        return Reads(self._conn)

    @cached_property
    def outbox(self) -> SqlOutboxReads:
        from steward.adapters.sql.outbox import SqlOutboxReads as Reads

        return Reads(self._conn)

    @cached_property
    def audit(self) -> SqlAuditReads:
        from steward.adapters.sql.audit_read import SqlAuditReads as Reads

        return Reads(self._conn)

    @cached_property
    def access(self) -> SqlAccessReads:
        from steward.adapters.sql.access import SqlAccessReads as Reads

        return Reads(self._conn)

    @cached_property
    def changes(self) -> SqlChangesReads:
        from steward.adapters.sql.changes import SqlChangesReads as Reads

        return Reads(self._conn)


class SqlRegistryReads(SqlPart):
    """Projects, models, versions and their stage history."""

    def _members(self, project_ids: list[int]) -> dict[int, list[Member]]:
        members: dict[int, list[Member]] = {pid: [] for pid in project_ids}
        if project_ids:
            rows = self._conn.execute(
                select(t.project_members)
                .where(t.project_members.c.project_id.in_(project_ids))
                .order_by(t.project_members.c.person, t.project_members.c.role)
            ).all()
            for row in rows:
                members[row.project_id].append(Member(row.person, row.role))
        return members

    @staticmethod
    def _project(row: Any, members: list[Member]) -> Project:
        return Project(
            id=row.id,
            name=row.name,
            purpose=row.purpose,
            business_objective=row.business_objective,
            owner=row.owner,
            kpis=tuple(Kpi(**k) for k in json.loads(row.kpis)),
            created_at=row.created_at,
            created_by=row.created_by,
            members=tuple(members),
        )

    def list_projects(self, page: PageRequest) -> Page[Project]:
        after = page.position()
        stmt = select(t.projects).order_by(t.projects.c.id).limit(page.limit + 1)
        if after is not None:
            stmt = stmt.where(t.projects.c.id > after)
        rows, cursor = _page(self._conn.execute(stmt).all(), page.limit, "id")
        members = self._members([r.id for r in rows])
        return Page([self._project(r, members[r.id]) for r in rows], cursor)

    def get_project(self, name: str) -> Project | None:
        row = self._conn.execute(select(t.projects).where(t.projects.c.name == name)).first()
        if row is None:
            return None
        return self._project(row, self._members([row.id])[row.id])

    def _model_select(self) -> Select[Any]:
        return select(t.models, t.projects.c.name.label("project")).join(
            t.projects, t.projects.c.id == t.models.c.project_id
        )

    @staticmethod
    def _model(row: Any) -> Model:
        return Model(
            id=row.id,
            project=row.project,
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            created_by=row.created_by,
            version_count=row.version_count,
        )

    def list_models(self, project: str | None, page: PageRequest) -> Page[Model]:
        after = page.position()
        stmt = self._model_select().order_by(t.models.c.id).limit(page.limit + 1)
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        if after is not None:
            stmt = stmt.where(t.models.c.id > after)
        rows, cursor = _page(self._conn.execute(stmt).all(), page.limit, "id")
        return Page([self._model(r) for r in rows], cursor)

    def get_model(self, project: str, name: str) -> Model | None:
        row = self._conn.execute(
            self._model_select().where(t.projects.c.name == project, t.models.c.name == name)
        ).first()
        return None if row is None else self._model(row)

    def search_versions(self, query: VersionQuery, page: PageRequest) -> Page[VersionSummary]:
        after = page.position()
        v, m, p, s = t.versions, t.models, t.projects, t.version_state
        stmt = (
            select(
                v.c.id,
                p.c.name.label("project"),
                m.c.name.label("model"),
                v.c.number,
                s.c.stage,
                v.c.created_at,
                v.c.created_by,
                v.c.artifact_sha256,
            )
            .select_from(v)
            .join(m, m.c.id == v.c.model_id)
            .join(p, p.c.id == m.c.project_id)
            .join(s, s.c.version_id == v.c.id)
        )
        conditions: list[ColumnElement[bool]] = []
        if query.model is not None and query.project is None:
            raise InvalidInputError("filtering by model needs the project too")
        # The model (or project) id goes in as a scalar subquery, so that the database walks the
        # (model_id, id) index backwards and stops after one page, instead of joining every
        # version of a large model and sorting them (PostgreSQL plans names in a join for the
        # average model). Unknown names are told apart only when a page comes back empty.
        project_id = select(p.c.id).where(p.c.name == query.project).scalar_subquery()
        if query.project is not None and query.model is None:
            conditions.append(m.c.project_id == project_id)
        if query.model is not None:
            model_id = (
                select(m.c.id)
                .where(m.c.project_id == project_id, m.c.name == query.model)
                .scalar_subquery()
            )
            conditions.append(v.c.model_id == model_id)
        if query.stage is not None:
            conditions.append(s.c.stage == query.stage)
        for i, (key, value) in enumerate(query.tags):
            tag = t.version_tags.alias(f"tag{i}")
            stmt = stmt.join(
                tag, and_(tag.c.version_id == v.c.id, tag.c.key == key, tag.c.value == value)
            )
        for i, metric in enumerate(query.metrics):
            mt = t.version_metrics.alias(f"metric{i}")
            stmt = stmt.join(
                mt,
                and_(
                    mt.c.version_id == v.c.id,
                    mt.c.key == metric.key,
                    _OPS[metric.op](mt.c.value, metric.value),
                ),
            )
        if after is not None:
            conditions.append(v.c.id < after)
        stmt = stmt.where(*conditions).order_by(v.c.id.desc()).limit(page.limit + 1)
        rows, cursor = _page(self._conn.execute(stmt).all(), page.limit, "id")
        if not rows and query.project is not None:
            self._check_names(query.project, query.model)
        return Page(
            [
                VersionSummary(
                    id=r.id,
                    project=r.project,
                    model=r.model,
                    number=r.number,
                    stage=r.stage,
                    created_at=r.created_at,
                    created_by=r.created_by,
                    artifact_digest=r.artifact_sha256,
                )
                for r in rows
            ],
            cursor,
        )

    def _check_names(self, project: str, model: str | None) -> None:
        if self.get_project(project) is None:
            raise NotFoundError(f"unknown project {project!r}")
        if model is not None and self.get_model(project, model) is None:
            raise NotFoundError(f"unknown model {project}/{model}")

    def get_version(self, project: str, model: str, number: int) -> Version | None:
        v, m, p, s = t.versions, t.models, t.projects, t.version_state
        row = self._conn.execute(
            select(v.c.id, t.version_records.c.record, v.c.record_sha256, s.c.stage)
            .join(t.version_records, t.version_records.c.version_id == v.c.id)
            .join(m, m.c.id == v.c.model_id)
            .join(p, p.c.id == m.c.project_id)
            .join(s, s.c.version_id == v.c.id)
            .where(p.c.name == project, m.c.name == model, v.c.number == number)
        ).first()
        if row is None:
            return None
        tags = self._conn.execute(
            select(t.version_tags.c.key, t.version_tags.c.value)
            .where(t.version_tags.c.version_id == row.id)
            .order_by(t.version_tags.c.key)
        ).all()
        data = json.loads(row.record)
        data.pop("ref", None)
        return Version(
            id=row.id,
            record=VersionRecord(**data),
            record_digest=row.record_sha256,
            stage=row.stage,
            tags={r.key: r.value for r in tags},
        )

    def stage_history(self, project: str, model: str, until: str | None) -> list[StageChange]:
        c, v, m, p = t.stage_changes, t.versions, t.models, t.projects
        stmt = (
            select(c, v.c.number)
            .join(v, v.c.id == c.c.version_id)
            .join(m, m.c.id == c.c.model_id)
            .join(p, p.c.id == m.c.project_id)
            .where(p.c.name == project, m.c.name == model)
            .order_by(c.c.audit_seq)
        )
        if until is not None:
            stmt = stmt.where(c.c.at <= until)
        return [
            StageChange(
                version_ref=f"{project}/{model}/{r.number}",
                from_stage=r.from_stage,
                to_stage=r.to_stage,
                at=r.at,
                actor=r.actor,
                reason=r.reason,
                audit_seq=r.audit_seq,
            )
            for r in self._conn.execute(stmt).all()
        ]

    def member_roles(self, project: str) -> dict[str, frozenset[str]]:
        from steward.adapters.sql import governance_rows as rows

        return rows.member_roles(self._conn, t.projects.c.name == project)

    def versions_in_stage(self, project: str | None, stage: str) -> list[VersionSummary]:
        """Oldest version first."""
        v, s = t.versions, t.version_state
        from steward.adapters.sql import governance_rows as rows

        stmt = rows.with_names(
            select(
                v.c.id.label("version_id"),
                s.c.stage,
                v.c.created_at,
                v.c.created_by,
                v.c.artifact_sha256,
            ).select_from(s),
            s.c.version_id,
        ).where(s.c.stage == stage)
        if project is not None:
            stmt = stmt.where(t.projects.c.name == project)
        return [
            VersionSummary(
                id=r.version_id,
                project=r.project,
                model=r.model,
                number=r.number,
                stage=r.stage,
                created_at=r.created_at,
                created_by=r.created_by,
                artifact_digest=r.artifact_sha256,
            )
            for r in self._conn.execute(stmt.order_by(s.c.version_id)).all()
        ]

    def version_id_of(self, project: str, model: str, number: int) -> int | None:
        found = self._conn.execute(
            select(t.versions.c.id)
            .join(t.models, t.models.c.id == t.versions.c.model_id)
            .join(t.projects, t.projects.c.id == t.models.c.project_id)
            .where(
                t.projects.c.name == project,
                t.models.c.name == model,
                t.versions.c.number == number,
            )
        ).scalar_one_or_none()
        return None if found is None else int(found)
