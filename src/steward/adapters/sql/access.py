"""Organisation roles, and a person's standing for one permission decision."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart
from steward.services.ports.access import People, Standing


class SqlAccessReads(SqlPart):
    def standing(self, person: str, project: str | None, default_policy: str) -> Standing:
        org = frozenset(
            self._conn.execute(select(t.org_roles.c.role).where(t.org_roles.c.person == person))
            .scalars()
            .all()
        )
        found, roles, policy = False, frozenset[str](), None
        if project is not None:
            project_id = self._conn.execute(
                select(t.projects.c.id).where(t.projects.c.name == project)
            ).scalar()
            if project_id is not None:
                found = True
                pm = t.project_members
                roles = frozenset(
                    self._conn.execute(
                        select(pm.c.role).where(
                            pm.c.project_id == project_id, pm.c.person == person
                        )
                    )
                    .scalars()
                    .all()
                )
                a, p = t.assessments, t.policies
                policy = self._conn.execute(
                    select(p.c.name, p.c.version)
                    .join(a, a.c.policy_id == p.c.id)
                    .where(a.c.project_id == project_id)
                    .order_by(a.c.id.desc())
                    .limit(1)
                ).first()
        if policy is not None:
            return Standing(org, found, roles, policy.name, policy.version)
        newest = self._conn.execute(
            select(func.max(t.policies.c.version)).where(t.policies.c.name == default_policy)
        ).scalar()
        return Standing(org, found, roles, default_policy, newest)

    def org_role_holders(self) -> dict[str, frozenset[str]]:
        held: dict[str, set[str]] = {}
        rows = self._conn.execute(
            select(t.org_roles.c.person, t.org_roles.c.role).order_by(
                t.org_roles.c.person, t.org_roles.c.role
            )
        )
        for row in rows:
            held.setdefault(row.person, set()).add(row.role)
        return {person: frozenset(roles) for person, roles in held.items()}

    def people(self, after_seq: int) -> People:
        e = t.audit_events
        actors = frozenset(
            self._conn.execute(select(e.c.actor).where(e.c.seq > after_seq).distinct())
            .scalars()
            .all()
        )
        holders = frozenset(
            self._conn.execute(
                select(t.project_members.c.person).union(select(t.org_roles.c.person))
            )
            .scalars()
            .all()
        )
        aliases = {
            row.key: row.person
            for row in self._conn.execute(select(t.person_aliases.c.key, t.person_aliases.c.person))
        }
        head = self._conn.execute(select(t.audit_head.c.seq).where(t.audit_head.c.id == 1)).scalar()
        return People(actors, holders, aliases, int(head or 0))


class SqlAccessWrites(SqlAccessReads):
    def grant_org_role(self, person: str, role: str, audit_seq: int) -> bool:
        r = t.org_roles
        held = self._conn.execute(
            select(r.c.person).where(r.c.person == person, r.c.role == role)
        ).first()
        if held is not None:
            return False
        self._conn.execute(
            insert(r).values(
                person=person,
                role=role,
                granted_by=self.actor,
                granted_at=self.now,
                audit_seq=audit_seq,
            )
        )
        return True

    def revoke_org_role(self, person: str, role: str) -> bool:
        r = t.org_roles
        result = self._conn.execute(delete(r).where(r.c.person == person, r.c.role == role))
        return bool(result.rowcount)

    def add_alias(self, key: str, alias: str, person: str, audit_seq: int) -> bool:
        a = t.person_aliases
        if self._conn.execute(select(a.c.key).where(a.c.key == key)).first() is not None:
            return False
        self._conn.execute(
            insert(a).values(
                key=key,
                alias=alias,
                person=person,
                added_by=self.actor,
                added_at=self.now,
                audit_seq=audit_seq,
            )
        )
        return True
