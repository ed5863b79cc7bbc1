"""The use-case services wired over the in-memory fakes, as `steward.bootstrap` wires them over
the SQL store, for unit tests of the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.services.audit import AuditTrail
from steward.services.governance import Governance
from steward.services.governed import GovernanceContext
from steward.services.history import StageHistory
from steward.services.inventory import Inventory
from steward.services.kpis import GovernanceKpis
from steward.services.policies import PolicyBook, PolicyResolver
from steward.services.promotion import Promotion
from tests.fakes.keys import FakeKeys
from tests.fakes.state import FakeClock
from tests.fakes.store import FakeStore
from tests.fakes.tools import FakeArtifactStore


@dataclass
class FakeServices:
    """The governance services of one test over one fresh store, all on one fake clock."""

    default_policy: str = "default"
    clock: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        self.store = FakeStore(self.clock)
        self.artifacts = FakeArtifactStore()
        self.resolver = PolicyResolver(YamlPolicyLoader())
        self.context = GovernanceContext(
            self.store,
            self.resolver,
            self.artifacts,
            default_policy=self.default_policy,
            clock=self.clock,
        )
        self.inventory = Inventory(self.store, self.artifacts)
        self.policies = PolicyBook(self.store, self.resolver)
        self.governance = Governance(self.context)
        self.promotion = Promotion(self.context)
        self.kpis = GovernanceKpis(self.context, self.promotion)
        self.history = StageHistory(self.store)
        self.keys = FakeKeys()
        self.audit = AuditTrail(self.store, self.keys)
