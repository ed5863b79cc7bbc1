"""The policy storage port: versioned policy documents, never changed in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from steward.domain.governance import StoredPolicy


class PolicyReads(Protocol):
    def list_policies(self) -> list[StoredPolicy]:
        """Every stored version of every policy, by name then version."""
        ...

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        """A stored policy version; the newest when `version` is None."""
        ...


class PolicyWrites(Protocol):
    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        """The newest version when `version` is None, read inside the write transaction."""
        ...

    def policy_by_digest(self, name: str, digest: str) -> StoredPolicy | None: ...
    def add_policy(
        self, name: str, version: int, digest: str, source: str, document: dict[str, Any]
    ) -> StoredPolicy:
        """Stores a new version applied by this transaction's actor, now."""
        ...
