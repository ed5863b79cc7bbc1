"""The access port: organisation roles, and what a person holds where an action is asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Standing:
    """A person's roles for one decision, read in one snapshot: organisation roles, the roles
    held in the project (if one is in scope and exists), and the policy that governs it (the
    project's assessed policy; else the default policy's newest stored version, or None when
    only the shipped text exists)."""

    org_roles: frozenset[str]
    project_found: bool
    project_roles: frozenset[str]
    policy_name: str
    policy_version: int | None


@dataclass(frozen=True, slots=True)
class People:
    """The names a store knows, for telling people apart (`steward.domain.identity`)."""

    actors: frozenset[str]  # who acted in events after the sequence number asked from
    holders: frozenset[str]  # project members and organisation role holders, now
    aliases: dict[str, str]  # alias key -> the person it stands for
    head_seq: int  # the newest event's sequence number


class AccessReads(Protocol):
    def standing(self, person: str, project: str | None, default_policy: str) -> Standing: ...
    def org_role_holders(self) -> dict[str, frozenset[str]]:
        """Every person holding an organisation role, by name."""
        ...

    def people(self, after_seq: int) -> People:
        """Actors of the events after `after_seq`, and everyone holding a role or an alias."""
        ...


class AccessWrites(Protocol):
    def org_role_holders(self) -> dict[str, frozenset[str]]: ...
    def grant_org_role(self, person: str, role: str, audit_seq: int) -> bool:
        """False when the person already holds the role."""
        ...

    def revoke_org_role(self, person: str, role: str) -> bool:
        """False when the person does not hold the role."""
        ...

    def add_alias(self, key: str, alias: str, person: str, audit_seq: int) -> bool:
        """Map an alias (by its identity key) to a person; False when the key is taken."""
        ...
