"""The write side: one transaction that locks the chain head, applies changes, appends the audit
events and moves the head, then commits once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, delete, insert, select, update

from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart
from steward.domain.audit import AuditEvent, PendingEvent, canonical_json, chain_event, format_ts
from steward.services.ports import VersionHandle

if TYPE_CHECKING:
    from steward.adapters.sql.access import SqlAccessWrites
    from steward.adapters.sql.changes import SqlChangesWrites
    from steward.adapters.sql.governance_write import SqlGovernanceWrites, SqlPolicyWrites
    from steward.adapters.sql.monitor import SqlMonitoringWrites
    from steward.adapters.sql.outbox import SqlOutboxWrites
    from steward.domain.entities import Kpi, VersionRecord


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class SqlWriteSession:
    """One write transaction over every feature's part, committed once."""

    def __init__(self, conn: Connection, actor: str, identity: str | None = None) -> None:
        self._conn = conn
        self.actor = actor
        self.identity = identity
        head = conn.execute(
            select(t.audit_head.c.seq, t.audit_head.c.hash, t.audit_head.c.ts)
            .where(t.audit_head.c.id == 1)
            .with_for_update()
        ).one()
        self._seq: int = head.seq
        self._hash: str = head.hash
        now = format_ts(datetime.now(UTC))
        # Never let the chain's clock run backwards, whatever the clocks of other writers say.
        self.now = max(now, head.ts) if head.ts else now
        self._events: list[AuditEvent] = []

    # Each feature's part is imported when first written to, so that registering a version
    # does not load the governance and monitoring code.
    @cached_property
    def registry(self) -> SqlRegistryWrites:
        return SqlRegistryWrites(self._conn, self.now, self.actor)

    @cached_property
    def policies(self) -> SqlPolicyWrites:
        from steward.adapters.sql.governance_write import SqlPolicyWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    @cached_property
    def governance(self) -> SqlGovernanceWrites:
        from steward.adapters.sql.governance_write import SqlGovernanceWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    @cached_property
    def monitoring(self) -> SqlMonitoringWrites:
        from steward.adapters.sql.monitor import SqlMonitoringWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    @cached_property
    def outbox(self) -> SqlOutboxWrites:
        from steward.adapters.sql.outbox import SqlOutboxWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    @cached_property
    def access(self) -> SqlAccessWrites:
        from steward.adapters.sql.access import SqlAccessWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    @cached_property
    def changes(self) -> SqlChangesWrites:
        from steward.adapters.sql.changes import SqlChangesWrites as Writes

        return Writes(self._conn, self.now, self.actor)

    def record(self, event: PendingEvent) -> AuditEvent:
        chained = chain_event(self._hash, self._seq + 1, self.now, self.actor, event, self.identity)
        self._events.append(chained)
        self._seq, self._hash = chained.seq, chained.hash
        return chained

    def commit(self) -> None:
        if self._events:
            self._conn.execute(
                insert(t.audit_events),
                [
                    {
                        "seq": e.seq,
                        "ts": e.ts,
                        "actor": e.actor,
                        "action": e.action,
                        "entity_type": e.entity_type,
                        "entity_id": e.entity_id,
                        "reason": e.reason,
                        "payload": e.payload_json,
                        "hash": e.hash,
                        "identity": e.identity,
                    }
                    for e in self._events
                ],
            )
            self._conn.execute(
                update(t.audit_head)
                .where(t.audit_head.c.id == 1)
                .values(seq=self._seq, hash=self._hash, ts=self.now)
            )
        self._conn.commit()
        self._events = []


class SqlRegistryWrites(SqlPart):
    """Projects, members, models, versions, stages and tags inside the write transaction."""

    def project_id(self, name: str) -> int | None:
        return self._conn.execute(select(t.projects.c.id).where(t.projects.c.name == name)).scalar()

    def add_project(
        self, name: str, purpose: str, business_objective: str, owner: str, kpis: tuple[Kpi, ...]
    ) -> int:
        result = self._conn.execute(
            insert(t.projects).values(
                name=name,
                purpose=purpose,
                business_objective=business_objective,
                owner=owner,
                kpis=json.dumps([k.as_dict() for k in kpis]),
                created_at=self.now,
                created_by=self.actor,
            )
        )
        return _new_id(result)

    def set_owner(self, project_id: int, owner: str) -> None:
        self._conn.execute(
            update(t.projects).where(t.projects.c.id == project_id).values(owner=owner)
        )

    def add_member(self, project_id: int, person: str, role: str) -> bool:
        exists = self._conn.execute(
            select(t.project_members.c.person).where(
                t.project_members.c.project_id == project_id,
                t.project_members.c.person == person,
                t.project_members.c.role == role,
            )
        ).first()
        if exists:
            return False
        self._conn.execute(
            insert(t.project_members).values(
                project_id=project_id, person=person, role=role, added_at=self.now
            )
        )
        return True

    def remove_member(self, project_id: int, person: str, role: str) -> bool:
        result = self._conn.execute(
            delete(t.project_members).where(
                t.project_members.c.project_id == project_id,
                t.project_members.c.person == person,
                t.project_members.c.role == role,
            )
        )
        return bool(result.rowcount)

    def member_roles(self, project_id: int) -> dict[str, frozenset[str]]:
        from steward.adapters.sql import governance_rows as rows

        return rows.member_roles(self._conn, t.project_members.c.project_id == project_id)

    def model_id(self, project_id: int, name: str) -> int | None:
        return self._conn.execute(
            select(t.models.c.id).where(
                t.models.c.project_id == project_id, t.models.c.name == name
            )
        ).scalar()

    def add_model(self, project_id: int, name: str, description: str) -> int:
        result = self._conn.execute(
            insert(t.models).values(
                project_id=project_id,
                name=name,
                description=description,
                created_at=self.now,
                created_by=self.actor,
                version_count=0,
            )
        )
        return _new_id(result)

    def next_version_number(self, model_id: int) -> int:
        number = self._conn.execute(
            update(t.models)
            .where(t.models.c.id == model_id)
            .values(version_count=t.models.c.version_count + 1)
            .returning(t.models.c.version_count)
        ).scalar_one()
        return int(number)

    def claim_version_number(self, project: str, model: str) -> tuple[int, int] | None:
        project_id = select(t.projects.c.id).where(t.projects.c.name == project).scalar_subquery()
        row = self._conn.execute(
            update(t.models)
            .where(t.models.c.project_id == project_id, t.models.c.name == model)
            .values(version_count=t.models.c.version_count + 1)
            .returning(t.models.c.id, t.models.c.version_count)
        ).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def add_version(
        self, model_id: int, record: VersionRecord, record_digest: str, stage: str
    ) -> int:
        result = self._conn.execute(
            insert(t.versions).values(
                model_id=model_id,
                number=record.number,
                created_at=record.created_at,
                created_by=record.created_by,
                artifact_sha256=record.artifact["sha256"],
                record_sha256=record_digest,
            )
        )
        version_id = _new_id(result)
        self._conn.execute(
            insert(t.version_records).values(
                version_id=version_id, record=canonical_json(record.as_dict())
            )
        )
        if record.metrics:
            self._conn.execute(
                insert(t.version_metrics),
                [
                    {"version_id": version_id, "key": k, "value": v}
                    for k, v in record.metrics.items()
                ],
            )
        return version_id

    def version(self, project: str, model: str, number: int) -> VersionHandle | None:
        row = self._conn.execute(
            select(t.versions.c.id, t.versions.c.model_id, t.version_state.c.stage)
            .join(t.models, t.models.c.id == t.versions.c.model_id)
            .join(t.projects, t.projects.c.id == t.models.c.project_id)
            .outerjoin(t.version_state, t.version_state.c.version_id == t.versions.c.id)
            .where(
                t.projects.c.name == project,
                t.models.c.name == model,
                t.versions.c.number == number,
            )
        ).first()
        if row is None:
            return None
        return VersionHandle(row.id, row.model_id, f"{project}/{model}/{number}", row.stage or "")

    def stage_holders(self, model_id: int, stage: str) -> list[VersionHandle]:
        rows = self._conn.execute(
            select(
                t.versions.c.id,
                t.versions.c.number,
                t.models.c.name,
                t.projects.c.name.label("project"),
            )
            .join(t.version_state, t.version_state.c.version_id == t.versions.c.id)
            .join(t.models, t.models.c.id == t.versions.c.model_id)
            .join(t.projects, t.projects.c.id == t.models.c.project_id)
            .where(t.version_state.c.model_id == model_id, t.version_state.c.stage == stage)
            .order_by(t.versions.c.id)
        ).all()
        return [
            VersionHandle(r.id, model_id, f"{r.project}/{r.name}/{r.number}", stage) for r in rows
        ]

    def held_stage_before(self, version_id: int, stage: str) -> bool:
        return (
            self._conn.execute(
                select(t.stage_changes.c.id)
                .where(
                    t.stage_changes.c.version_id == version_id, t.stage_changes.c.to_stage == stage
                )
                .limit(1)
            ).first()
            is not None
        )

    def move_stage(
        self, version: VersionHandle, to_stage: str, reason: str | None, audit_seq: int
    ) -> None:
        self._conn.execute(
            insert(t.stage_changes).values(
                version_id=version.id,
                model_id=version.model_id,
                from_stage=version.stage or None,
                to_stage=to_stage,
                at=self.now,
                actor=self.actor,
                reason=reason,
                audit_seq=audit_seq,
            )
        )
        if version.stage:
            self._conn.execute(
                update(t.version_state)
                .where(t.version_state.c.version_id == version.id)
                .values(stage=to_stage, since=self.now)
            )
        else:
            self._conn.execute(
                insert(t.version_state).values(
                    version_id=version.id, model_id=version.model_id, stage=to_stage, since=self.now
                )
            )

    def tags(self, version_id: int) -> dict[str, str]:
        rows = self._conn.execute(
            select(t.version_tags.c.key, t.version_tags.c.value).where(
                t.version_tags.c.version_id == version_id
            )
        ).all()
        return {r.key: r.value for r in rows}

    def set_tag(self, version_id: int, key: str, value: str) -> None:
        changed = self._conn.execute(
            update(t.version_tags)
            .where(t.version_tags.c.version_id == version_id, t.version_tags.c.key == key)
            .values(value=value)
        ).rowcount
        if not changed:
            self._conn.execute(
                insert(t.version_tags).values(version_id=version_id, key=key, value=value)
            )

    def add_tags(self, version_id: int, tags: dict[str, str]) -> None:
        self._conn.execute(
            insert(t.version_tags),
            [{"version_id": version_id, "key": k, "value": v} for k, v in tags.items()],
        )

    def remove_tag(self, version_id: int, key: str) -> None:
        self._conn.execute(
            delete(t.version_tags).where(
                t.version_tags.c.version_id == version_id, t.version_tags.c.key == key
            )
        )
