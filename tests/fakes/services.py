"""The use-case services wired over the in-memory fakes, as `steward.bootstrap` wires them over
the SQL store, for unit tests of the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.adapters.shipped_policies import shipped_permissions
from steward.domain.changes import PendingChange
from steward.domain.principal import Principal
from steward.services.access import Access
from steward.services.audit import AuditTrail
from steward.services.changes import Changes
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
from tests.support.principals import ROOT, who

APPROVER = who("quinn.approver")


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
        self.inventory = Inventory(
            self.store,
            self.artifacts,
            access=self.access,
            policies=self.resolver,
            default_policy=self.default_policy,
        )
        self.policies = PolicyBook(self.store, self.resolver, access=self.access)
        self.governance = Governance(self.context)
        self.promotion = Promotion(self.context)
        self.kpis = GovernanceKpis(self.context, self.promotion)
        self.history = StageHistory(self.store, access=self.access)
        self.keys = FakeKeys()
        self.audit = AuditTrail(self.store, self.keys, access=self.access)
        self.organisation = Organisation(
            self.store,
            access=self.access,
            policies=self.resolver,
            default_policy=self.default_policy,
        )
        self.changes = Changes(self.context)

    def org(self, person: str, role: str) -> None:
        """Give `person` an organisation role, through the use cases: the first admin is the
        operating-system login `root`, who grants the rest."""
        if not any("admin" in r for r in self.organisation.roles(ROOT).values()):
            self.organisation.initialise(ROOT)
        if person != ROOT.name:
            change = self.organisation.grant(ROOT, person, role, "set up for the test")
            if change is not None:
                self.approve(change.id, approver=self._officer(ROOT.name, person))

    def approve(self, change_id: int, approver: Principal | None = None) -> None:
        """Approve a pending change as an organisation risk officer (a second person)."""
        if approver is None:
            change = self.changes.get(ROOT, change_id)
            approver = self._officer(change.requested_by, change.payload.get("beneficiary"))
        self.changes.approve(approver, change_id, "approved for the test")

    def approve_all(self, project: str | None = None) -> None:
        """Approve every pending change (of one project), as a second person would."""
        for change in self.changes.list(ROOT, "pending", project):
            beneficiary = change.payload.get("beneficiary")
            self.approve(change.id, self._officer(change.requested_by, beneficiary))

    def member(self, project: str, person: str, role: str, by: Principal | None = None) -> None:
        """Give a person a role in a project, approving it if the role signs."""
        found = self.inventory.add_member(by or ROOT, project, person, role, "set up for the test")
        if isinstance(found, PendingChange):
            self.approve(found.id, self._officer((by or ROOT).name, person))

    def _officer(self, *other_than: object) -> Principal:
        """An organisation risk officer for approvals who is none of `other_than`: the first
        one, or a dedicated one."""
        holders = self.organisation.roles(ROOT)
        for name, roles in holders.items():
            if "risk_officer" in roles and name not in other_than:
                return who(name)
        self.org(APPROVER.name, "risk_officer")
        return APPROVER
