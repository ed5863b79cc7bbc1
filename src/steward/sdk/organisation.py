"""Organisation roles in the SDK."""

from __future__ import annotations

from steward.sdk.base import ClientBase


class OrganisationMethods(ClientBase):
    def org_roles(self) -> dict[str, frozenset[str]]:
        """Everyone holding an organisation role (admin, risk_officer, auditor), by name."""
        return self._s.organisation.roles(self._p)

    def initialise_admin(self, reason: str | None = None) -> str:
        """Make the acting person the store's first admin (only while it has none, and only
        for an identity the operating system established)."""
        return self._s.organisation.initialise(self._p, reason)

    def grant_org_role(self, person: str, role: str, reason: str) -> None:
        """Give a person an organisation role (admins only; never to oneself)."""
        self._s.organisation.grant(self._p, person, role, reason)

    def revoke_org_role(self, person: str, role: str, reason: str) -> None:
        """Take an organisation role away (admins only; the last admin stays)."""
        self._s.organisation.revoke(self._p, person, role, reason)
