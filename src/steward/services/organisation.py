"""Organisation roles: admin, risk_officer and auditor, held across every project.

They are granted and revoked by an admin, with a reason, and audited. The first admin of a
store is set up by `initialise`, once, by a person whose identity the operating system
established: a name typed after `--actor` cannot make itself the first admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange, signing_roles
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.identity import identity_key
from steward.domain.naming import check_person
from steward.domain.permissions import ADMIN, DEFAULT_PERMISSIONS, ORG_ROLES
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.access import Access
from steward.services.change_requests import request_change
from steward.services.ports import Store, WriteSession
from steward.services.use_case import note_check, use_case

if TYPE_CHECKING:
    # Only a type here: importing it would load the policy models on every read.
    from steward.services.policies import PolicyResolver


class Organisation:
    def __init__(
        self,
        store: Store,
        *,
        access: Access,
        policies: PolicyResolver,
        default_policy: str = "default",
    ) -> None:
        self._store = store
        self._access = access
        self._policies = policies
        self._default_policy = default_policy

    @use_case("roles.read")
    def roles(self, principal: Principal) -> dict[str, frozenset[str]]:
        """Everyone holding an organisation role, by name."""
        with self._store.read() as q:
            return q.access.org_role_holders()

    @use_case("admin", scope="inside")
    def initialise(self, principal: Principal, reason: str | None = None) -> str:
        """Make the acting person the store's first admin. Refused once any admin exists, and
        for an identity that was only declared."""
        if principal.established_by == "declared":
            raise InvalidInputError(
                f"the first admin must be established by the operating system or a login, not "
                f"declared: run without --actor and STEWARD_ACTOR (you declared {principal.name})"
            )
        with self._store.write(principal) as tx:
            if any(ADMIN in roles for roles in tx.access.org_role_holders().values()):
                # An admin exists: only the ordinary permission can allow more.
                self._access.require(principal, "admin", None)
                raise ConflictError("the store already has an admin: ask one to grant roles")
            self._grant(tx, principal.name, ADMIN, reason or "first admin of this store")
            tx.commit()
        # Nothing to decide while no admin existed; the grant's event records it.
        note_check("admin")
        return principal.name

    @use_case("admin")
    def grant(
        self, principal: Principal, person: str, role: str, reason: str | None
    ) -> PendingChange | None:
        """Give `person` an organisation role. Nobody grants a role to themselves. A role that
        signs or approves under the default policy (risk_officer) waits for a second person,
        except the first holder of it: before one exists, nobody could approve."""
        person, role = _checked(person, role)
        person = self._access.person(person)
        why = required_reason(reason, "grant an organisation role")
        if person == principal.name:
            raise PermissionDeniedError(f"{person} cannot grant a role to themselves")
        with self._store.write(principal) as tx:
            holders = tx.access.org_role_holders()
            if role in holders.get(person, frozenset()):
                raise ConflictError(f"{person} already holds the organisation role {role!r}")
            policy = self._policies.governing(tx, None, self._default_policy)
            # Until the default policy exists, Steward's default approvers still sign.
            signing = (
                signing_roles(policy)
                if policy is not None
                else frozenset(DEFAULT_PERMISSIONS["change.approve"])
            )
            first = not any(role in roles for roles in holders.values())
            if role in signing and not first:
                change = request_change(
                    tx,
                    principal,
                    "role.grant",
                    None,
                    f"organisation:{person}:{role}",
                    f"give {person} the organisation role {role}",
                    [f"{person} could sign and approve as {role} in every project"],
                    {"beneficiary": person, "role": role},
                    why,
                )
                tx.commit()
                return change
            self._grant(tx, person, role, why)
            tx.commit()
        return None

    @use_case("admin")
    def revoke(self, principal: Principal, person: str, role: str, reason: str | None) -> None:
        """Take an organisation role away. The last admin cannot be removed."""
        person, role = _checked(person, role)
        why = required_reason(reason, "revoke an organisation role")
        with self._store.write(principal) as tx:
            holders = tx.access.org_role_holders()
            admins = [p for p, roles in holders.items() if ADMIN in roles]
            if role == ADMIN and admins == [person]:
                raise ConflictError(f"{person} is the only admin: grant another admin first")
            if not tx.access.revoke_org_role(person, role):
                raise NotFoundError(f"{person} does not hold the organisation role {role!r}")
            tx.record(PendingEvent("org.role_revoked", "person", person, {"role": role}, why))
            tx.commit()

    @use_case("admin")
    def add_alias(self, principal: Principal, alias: str, person: str, reason: str | None) -> str:
        """Make `alias` (another login, an e-mail address) stand for `person`: from then on it
        acts as that person, so separation of duties sees one person behind both names. An
        alias cannot be a person who acted or holds a role, nor the admin's own."""
        alias = check_person("alias", alias)
        known = self._access.known()  # one read for the person and the alias both
        person = known.resolve(check_person("person", person))
        why = required_reason(reason, "add an alias")
        key = identity_key(alias)
        if any(identity_key(name) == key for name in known.names):
            raise ConflictError(
                f"{alias!r} is a person Steward knows (they acted or hold a role): it cannot "
                "become someone else's alias"
            )
        if known.aliases.get(key, person) != person:
            raise ConflictError(f"{alias!r} is already an alias of {known.aliases[key]!r}")
        if person == principal.name:
            raise PermissionDeniedError(f"{principal.name} cannot add an alias to themselves")
        with self._store.write(principal) as tx:
            event = tx.record(
                PendingEvent("person.alias_added", "person", person, {"alias": alias}, why)
            )
            if not tx.access.add_alias(key, alias, person, event.seq):
                raise ConflictError(f"{alias!r} is already an alias of {person!r}")
            tx.commit()
        return person

    @staticmethod
    def _grant(tx: WriteSession, person: str, role: str, why: str) -> bool:
        event = tx.record(PendingEvent("org.role_granted", "person", person, {"role": role}, why))
        return tx.access.grant_org_role(person, role, event.seq)


def _checked(person: str, role: str) -> tuple[str, str]:
    if role not in ORG_ROLES:
        raise InvalidInputError(
            f"unknown organisation role {role!r}: expected one of {', '.join(ORG_ROLES)}"
        )
    return check_person("person", person), role
