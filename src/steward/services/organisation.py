"""Organisation roles: admin, risk_officer and auditor, held across every project.

They are granted and revoked by an admin, with a reason, and audited. The first admin of a
store is set up by `initialise`, once, by a person whose identity the operating system
established: a name typed after `--actor` cannot make itself the first admin.
"""

from __future__ import annotations

from steward.domain.audit import PendingEvent
from steward.domain.errors import ConflictError, InvalidInputError, NotFoundError
from steward.domain.naming import check_person
from steward.domain.permissions import ADMIN, ORG_ROLES
from steward.domain.principal import Principal
from steward.services.access import Access
from steward.services.governed import required_reason
from steward.services.ports import Store, WriteSession
from steward.services.use_case import note_check, use_case


class Organisation:
    def __init__(self, store: Store, *, access: Access) -> None:
        self._store = store
        self._access = access

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
    def grant(self, principal: Principal, person: str, role: str, reason: str | None) -> None:
        """Give `person` an organisation role. Nobody grants a role to themselves."""
        person, role = _checked(person, role)
        why = required_reason(reason, "grant an organisation role")
        if person == principal.name:
            raise InvalidInputError(f"{person} cannot grant a role to themselves")
        with self._store.write(principal) as tx:
            if not self._grant(tx, person, role, why):
                raise ConflictError(f"{person} already holds the organisation role {role!r}")
            tx.commit()

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
