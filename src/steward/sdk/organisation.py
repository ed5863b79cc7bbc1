"""Organisation roles in the SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from steward.domain.changes import PendingChange


class OrganisationMethods(ClientBase):
    def org_roles(self) -> dict[str, frozenset[str]]:
        """Everyone holding an organisation role (admin, risk_officer, auditor), by name."""
        return self._s.organisation.roles(self._p)

    def initialise_admin(self, reason: str | None = None) -> str:
        """Make the acting person the store's first admin (only while it has none, and only
        for an identity the operating system established)."""
        return self._s.organisation.initialise(self._p, reason)

    def grant_org_role(self, person: str, role: str, reason: str) -> PendingChange | None:
        """Give a person an organisation role (admins only; never to oneself). A role that
        signs comes back as a pending change, except for its first holder."""
        return self._s.organisation.grant(self._p, person, role, reason)

    def add_alias(self, alias: str, person: str, reason: str) -> str:
        """Make another name (a login, an e-mail address) stand for a person (admins only)."""
        return self._s.organisation.add_alias(self._p, alias, person, reason)

    def revoke_org_role(self, person: str, role: str, reason: str) -> None:
        """Take an organisation role away (admins only; the last admin stays)."""
        self._s.organisation.revoke(self._p, person, role, reason)


class ChangeMethods(ClientBase):
    """Pending governance changes: what weakens governance waits for a second person."""

    def changes(
        self, status: str | None = "pending", project: str | None = None
    ) -> list[PendingChange]:
        return self._s.changes.list(self._p, status, project)

    def change(self, change_id: int) -> PendingChange:
        return self._s.changes.get(self._p, change_id)

    def approve_change(self, change_id: int, reason: str) -> PendingChange:
        """Apply a pending change (someone allowed to approve; not its requester)."""
        return self._s.changes.approve(self._p, change_id, reason)

    def reject_change(self, change_id: int, reason: str) -> PendingChange:
        return self._s.changes.reject(self._p, change_id, reason)

    def withdraw_change(self, change_id: int, reason: str) -> PendingChange:
        """Take back a change you requested."""
        return self._s.changes.withdraw(self._p, change_id, reason)
