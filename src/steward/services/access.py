"""Deciding permissions: may this principal perform this action here?

Not a use case: every use case asks it, through its declaration (`steward.services.use_case`),
before it reads or writes anything. The decision reads, in one snapshot, the person's
organisation roles, their roles in the project in scope, and the permissions of the policy
that governs the project (its assessed policy version, else the default policy's newest
stored version, else the shipped text), which map the action to the roles that allow it
(`steward.domain.permissions`). It needs neither the policy models nor the YAML parser on the
common path, so a read-only command starts as fast as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from steward.domain.errors import PermissionDeniedError
from steward.domain.identity import KnownPeople
from steward.domain.permissions import DEFAULT_PERMISSIONS, ORG_ACTIONS, Holdings, allows, refusal
from steward.domain.principal import Principal
from steward.services.use_case import note_check

if TYPE_CHECKING:
    from steward.services.ports import ReadSession, Standing, Store

# Name of a shipped policy -> the permissions section as written, or None if none ships.
ShippedPermissions = Callable[[str], Mapping[str, Sequence[str]] | None]
Permissions = Mapping[str, Sequence[str]]


class Access:
    def __init__(self, store: Store, shipped: ShippedPermissions, default_policy: str) -> None:
        self._store = store
        self._shipped = shipped
        self._default_policy = default_policy
        # Stored policy versions never change, so each is read once per process.
        self._versions: dict[tuple[str, int], Permissions] = {}
        # Who has acted, up to which event: the trail only grows, so later reads ask for more.
        self._actors: set[str] = set()
        self._actors_until = 0

    def identify(self, principal: Principal) -> Principal:
        """The person the principal is: itself, or the person its alias stands for. Refuses
        (InvalidInputError) a name that would pass for someone else: mixed scripts, a spelling
        variant or a look-alike of a known person (`steward.domain.identity`)."""
        name = self.known().resolve(principal.name, "actor")
        if name == principal.name:
            return principal
        return Principal(name, principal.established_by)

    def person(self, name: str, what: str = "person") -> str:
        """A person named in a request (a new member, an owner), resolved the same way."""
        return self.known().resolve(name, what)

    def people(self, names: list[str], what: str = "person") -> list[str]:
        """Several people named in one request: each is resolved against the store and the
        names before it, so one request cannot bring in `ana` and `Ana` either."""
        known = self.known()
        resolved = []
        for name in names:
            person = known.resolve(name, what)
            resolved.append(person)
            known = KnownPeople(known.names | {person}, known.aliases)
        return resolved

    def known(self) -> KnownPeople:
        with self._store.read() as q:
            people = q.access.people(self._actors_until)
        self._actors |= people.actors
        self._actors_until = max(self._actors_until, people.head_seq)
        return KnownPeople(frozenset(self._actors | people.holders), people.aliases)

    def require(self, principal: Principal, action: str, project: str | None) -> None:
        """Raise PermissionDeniedError (naming the person, the action, the project and the
        roles that would allow it) unless the principal may perform `action`. An action on a
        project that does not exist is left to the use case, which reports it as not found."""
        note_check(action)
        allowed = self._decide(principal.name, action, project)
        if allowed is not None:
            scope = None if action in ORG_ACTIONS else project
            raise PermissionDeniedError(refusal(principal.name, action, scope, allowed))

    def permits(self, person: str, action: str, project: str | None) -> bool:
        """Whether `person` may perform `action` (for listings such as an inbox: no error)."""
        return self._decide(person, action, project) is None

    def _decide(self, person: str, action: str, project: str | None) -> tuple[str, ...] | None:
        """None when allowed, else the roles that would allow it."""
        scope = None if action in ORG_ACTIONS else project
        with self._store.read() as q:
            standing = q.access.standing(person, scope, self._default_policy)
            if scope is not None and not standing.project_found:
                return None
            allowed = tuple(self._permissions(q, standing).get(action, ()))
        held = Holdings(standing.org_roles, standing.project_roles)
        return None if allows(allowed, held, in_project=scope is not None) else allowed

    def _permissions(self, q: ReadSession, standing: Standing) -> Permissions:
        name, version = standing.policy_name, standing.policy_version
        if version is not None:
            found = self._versions.get((name, version))
            if found is not None:
                return found
            stored = q.policies.get_policy(name, version)
            if stored is not None:
                written = stored.document.get("permissions") or {}
                found = self._versions[(name, version)] = {**DEFAULT_PERMISSIONS, **written}
                return found
        # A default policy that is neither stored nor shipped governs nothing yet: the use case
        # that needs its content says so; until then Steward's defaults decide.
        return {**DEFAULT_PERMISSIONS, **(self._shipped(name) or {})}
