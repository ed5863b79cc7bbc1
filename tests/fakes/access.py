"""The access port in memory: organisation roles and a person's standing."""

from __future__ import annotations

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.adapters.shipped_policies import shipped_permissions
from steward.services.access import Access
from steward.services.inventory import Inventory
from steward.services.policies import PolicyResolver
from steward.services.ports import ArtifactStore, People, Standing, Store
from tests.fakes.state import View
from tests.fakes.tools import FakeArtifactStore


class FakeAccessReads(View):
    def standing(self, person: str, project: str | None, default_policy: str) -> Standing:
        org = frozenset(role for holder, role in self._state.org_roles if holder == person)
        row = next((p for p in self._state.projects.values() if p.name == project), None)
        roles = frozenset() if row is None else frozenset(r for p, r in row.members if p == person)
        assessment = None if row is None else self._current_assessments().get(row.id)
        if assessment is not None:
            return Standing(org, True, roles, assessment.policy_name, assessment.policy_version)
        versions = [p.version for p in self._state.policies.values() if p.name == default_policy]
        return Standing(org, row is not None, roles, default_policy, max(versions, default=None))

    def org_role_holders(self) -> dict[str, frozenset[str]]:
        held: dict[str, set[str]] = {}
        for person, role in sorted(self._state.org_roles):
            held.setdefault(person, set()).add(role)
        return {person: frozenset(roles) for person, roles in held.items()}

    def people(self, after_seq: int) -> People:
        actors = frozenset(row[2] for row in self._state.events if row[0] > after_seq)
        holders = {p for row in self._state.projects.values() for p, _ in row.members}
        holders |= {person for person, _ in self._state.org_roles}
        aliases = {key: person for key, (_, person) in self._state.aliases.items()}
        return People(actors, frozenset(holders), aliases, self._state.head.seq)


class FakeAccessWrites(FakeAccessReads):
    def grant_org_role(self, person: str, role: str, audit_seq: int) -> bool:
        if (person, role) in self._state.org_roles:
            return False
        self._state.org_roles[(person, role)] = audit_seq
        return True

    def revoke_org_role(self, person: str, role: str) -> bool:
        return self._state.org_roles.pop((person, role), None) is not None

    def add_alias(self, key: str, alias: str, person: str, audit_seq: int) -> bool:
        if key in self._state.aliases:
            return False
        self._state.aliases[key] = (alias, person)
        return True


def access_over(store: Store, default_policy: str = "default") -> Access:
    """The permission decider over a store, deciding on the shipped policies' permissions as
    `steward.bootstrap` wires it."""
    return Access(store, shipped_permissions, default_policy)


def inventory_over(store: Store, artifacts: ArtifactStore | None = None) -> Inventory:
    """The Inventory service over a store, deciding on the shipped policies as
    `steward.bootstrap` wires it."""
    return Inventory(
        store,
        artifacts if artifacts is not None else FakeArtifactStore(),
        access=access_over(store),
        policies=PolicyResolver(YamlPolicyLoader()),
    )
