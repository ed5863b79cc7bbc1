"""The policy port in memory."""

from __future__ import annotations

import copy
import json
from typing import Any

from steward.domain.governance import (
    StoredPolicy,
)
from steward.services.ports import PolicyReads, PolicyWrites
from tests.fakes.state import (
    View,
    _conflict,
    _new_id,
)


class FakePolicyWrites(View):
    """PolicyWrites over the write's working copy."""

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        return self._find_policy(name, version)

    def policy_by_digest(self, name: str, digest: str) -> StoredPolicy | None:
        return next(
            (
                copy.deepcopy(p)
                for p in self._state.policies.values()
                if p.name == name and p.digest == digest
            ),
            None,
        )

    def add_policy(
        self, name: str, version: int, digest: str, source: str, document: dict[str, Any]
    ) -> StoredPolicy:
        for p in self._state.policies.values():
            if p.name == name and p.version == version:
                raise _conflict(f"duplicate policy {name} v{version}")
        policy = StoredPolicy(
            _new_id(self._state.policies),
            name,
            version,
            digest,
            source,
            json.loads(json.dumps(document)),  # key order kept, as the SQL store keeps it
            self.now,
            self.actor,
        )
        self._state.policies[policy.id] = policy
        return copy.deepcopy(policy)


class FakePolicyReads(View):
    """PolicyReads over a snapshot."""

    def list_policies(self) -> list[StoredPolicy]:
        return copy.deepcopy(
            sorted(self._state.policies.values(), key=lambda p: (p.name, p.version))
        )

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        return self._find_policy(name, version)


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_policy_reads: type[PolicyReads] = FakePolicyReads
_policy_writes: type[PolicyWrites] = FakePolicyWrites
