"""Project membership: roles in a project, and its owner.

Nobody grants a role to themselves. A role that signs under the project's policy (a gate's
sign-offs, waivers, approving changes) and a new owner weaken governance if given to the wrong
person, so they wait for a second person as pending changes (`services.changes`); other roles
are given at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange, signing_roles
from steward.domain.entities import OWNER_ROLE, Member, Project
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.naming import check_person, check_role
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.access import Access
from steward.services.change_requests import request_change
from steward.services.inventory_inputs import check_reason
from steward.services.ports import Store, WriteSession
from steward.services.use_case import use_case

if TYPE_CHECKING:
    # Only a type here: importing it would load the policy models on every read.
    from steward.services.policies import PolicyResolver


class MemberCases:
    """Mixed into Inventory."""

    _access: Access
    _store: Store
    _policies: PolicyResolver
    _default_policy: str

    def _project(self, name: str) -> Project:
        raise NotImplementedError

    @staticmethod
    def _project_id(tx: WriteSession, project: str) -> int:
        raise NotImplementedError

    @use_case("project.members.change")
    def add_member(
        self, principal: Principal, project: str, person: str, role: str, reason: str | None = None
    ) -> Project | PendingChange:
        """Give a person a role in the project. A role that signs (a gate's sign-offs, waivers,
        approving changes) is returned as a pending change for a second person."""
        person, role = check_person("member", person), check_role(role)
        person = self._access.person(person, "member")
        not_to_oneself(principal, [person])
        with self._store.write(principal) as tx:
            project_id = self._project_id(tx, project)
            if role in self._signing_roles(tx, project_id):
                if role in tx.registry.member_roles(project_id).get(person, frozenset()):
                    raise ConflictError(
                        f"{person} already holds role {role!r} in project {project!r}"
                    )
                change = self._request_signing_role(
                    tx, principal, (project_id, project), Member(person, role), reason
                )
                tx.commit()
                return change
            if not tx.registry.add_member(project_id, person, role):
                raise ConflictError(f"{person} already holds role {role!r} in project {project!r}")
            tx.record(
                PendingEvent(
                    "project.member_added",
                    "project",
                    project,
                    {"person": person, "role": role},
                    check_reason(reason, False),
                )
            )
            tx.commit()
        return self._project(project)

    @use_case("project.owner.change")
    def change_owner(
        self, principal: Principal, project: str, owner: str, reason: str | None
    ) -> PendingChange:
        """Ask for a new owner of the project. It always waits for a second person, who is
        neither the requester nor the new owner; the owner role moves on approval."""
        owner = self._access.person(check_person("owner", owner), "owner")
        why = required_reason(reason, "change a project's owner")
        if owner == principal.name:
            raise PermissionDeniedError(
                f"{principal.name} cannot make themselves the owner of project {project!r}: "
                "ask the owner or an admin"
            )
        with self._store.write(principal) as tx:
            project_id = self._project_id(tx, project)
            found = tx.registry.member_roles(project_id)
            previous = next((p for p, roles in found.items() if OWNER_ROLE in roles), None)
            if previous == owner:
                raise InvalidInputError(f"{owner} owns project {project!r} already")
            change = request_change(
                tx,
                principal,
                "owner.change",
                (project_id, project),
                project,
                f"make {owner} the owner of {project} instead of {previous}",
                [f"{previous} hands the owner's rights in {project} to {owner}"],
                {"beneficiary": owner, "previous": previous},
                why,
            )
            tx.commit()
        return change

    @use_case("project.members.change")
    def remove_member(
        self, principal: Principal, project: str, person: str, role: str, reason: str | None = None
    ) -> Project:
        person, role = check_person("member", person), check_role(role)
        with self._store.write(principal) as tx:
            project_id = self._project_id(tx, project)
            if not tx.registry.remove_member(project_id, person, role):
                raise NotFoundError(f"{person} does not hold role {role!r} in project {project!r}")
            tx.record(
                PendingEvent(
                    "project.member_removed",
                    "project",
                    project,
                    {"person": person, "role": role},
                    check_reason(reason, False),
                )
            )
            tx.commit()
        return self._project(project)

    def _signing_roles(self, tx: WriteSession, project_id: int | None) -> frozenset[str]:
        policy = self._policies.governing(tx, project_id, self._default_policy)
        return frozenset() if policy is None else signing_roles(policy)

    @staticmethod
    def _request_signing_role(
        tx: WriteSession,
        principal: Principal,
        project: tuple[int, str],
        member: Member,
        reason: str | None,
    ) -> PendingChange:
        why = required_reason(reason, "grant a role that signs")
        return request_change(
            tx,
            principal,
            "role.grant",
            project,
            f"{project[1]}:{member.person}:{member.role}",
            f"give {member.person} the role {member.role} in {project[1]}",
            [f"{member.person} could sign as {member.role} in {project[1]}"],
            {"beneficiary": member.person, "role": member.role},
            why,
        )


def not_to_oneself(principal: Principal, people: Iterable[str]) -> None:
    """Nobody grants a role to themselves: the owner role a creator holds comes with the
    project, every other role from someone else."""
    if principal.name in people:
        raise PermissionDeniedError(
            f"{principal.name} cannot grant a role to themselves: ask the project's owner "
            "or an admin"
        )
