"""The use-case services wired over the in-memory fakes, as `steward.bootstrap` wires them over
the SQL store, for unit tests of the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.adapters.shipped_policies import shipped_permissions
from steward.services.access import Access
from steward.services.audit import AuditTrail
from steward.services.governance import Governance
from steward.services.governed import GovernanceContext
from steward.services.history import StageHistory
from steward.services.inventory import Inventory
from steward.services.kpis import GovernanceKpis
from steward.services.organisation import Organisation
from steward.services.policies import PolicyBook, PolicyResolver
from steward.services.promotion import Promotion
from tests.fakes.keys import FakeKeys
from tests.fakes.state import FakeClock
from tests.fakes.store import FakeStore
from tests.fakes.tools import FakeArtifactStore
from tests.support.principals import ROOT


@dataclass
class FakeServices:
    """The governance services of one test over one fresh store, all on one fake clock."""

    default_policy: str = "default"
    clock: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        self.store = FakeStore(self.clock)
        self.artifacts = FakeArtifactStore()
        self.resolver = PolicyResolver(YamlPolicyLoader())
        self.access = Access(self.store, shipped_permissions, self.default_policy)
        self.context = GovernanceContext(
            self.store,
            self.resolver,
            self.artifacts,
            access=self.access,
            default_policy=self.default_policy,
            clock=self.clock,
        )
        self.inventory = Inventory(self.store, self.artifacts, access=self.access)
        self.policies = PolicyBook(self.store, self.resolver, access=self.access)
        self.governance = Governance(self.context)
        self.promotion = Promotion(self.context)
        self.kpis = GovernanceKpis(self.context, self.promotion)
        self.history = StageHistory(self.store, access=self.access)
        self.keys = FakeKeys()
        self.audit = AuditTrail(self.store, self.keys, access=self.access)
        self.organisation = Organisation(self.store, access=self.access)

    def org(self, person: str, role: str) -> None:
        """Give `person` an organisation role, through the use cases: the first admin is the
        operating-system login `root`, who grants the rest."""
        if not any("admin" in r for r in self.organisation.roles(ROOT).values()):
            self.organisation.initialise(ROOT)
        if person != ROOT.name:
            self.organisation.grant(ROOT, person, role, "set up for the test")
