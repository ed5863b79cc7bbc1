"""The use cases every entrypoint reaches Steward through, grouped by feature. The composition
root (`steward.bootstrap`) provides them in process; a client of the HTTP API provides the
same methods over the network. Every public method of these classes is a use case
(`steward.services.use_case`): it takes the acting principal first and returns typed results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from steward.services.analysis import Analysis
    from steward.services.audit import AuditTrail
    from steward.services.changes import Changes
    from steward.services.checks import EvidenceEngine
    from steward.services.governance import Governance
    from steward.services.history import StageHistory
    from steward.services.inventory import Inventory
    from steward.services.kpis import GovernanceKpis
    from steward.services.monitoring import Monitor
    from steward.services.organisation import Organisation
    from steward.services.policies import PolicyBook
    from steward.services.promotion import Promotion
    from steward.services.registration import Registration
    from steward.services.webhooks import WebhookTools


class Services(Protocol):
    @property
    def inventory(self) -> Inventory: ...
    @property
    def registration(self) -> Registration: ...
    @property
    def history(self) -> StageHistory: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def policies(self) -> PolicyBook: ...
    @property
    def governance(self) -> Governance: ...
    @property
    def promotion(self) -> Promotion: ...
    @property
    def kpis(self) -> GovernanceKpis: ...
    @property
    def checks(self) -> EvidenceEngine: ...
    @property
    def monitor(self) -> Monitor: ...
    @property
    def analysis(self) -> Analysis: ...
    @property
    def webhooks(self) -> WebhookTools: ...
    @property
    def organisation(self) -> Organisation: ...
    @property
    def changes(self) -> Changes: ...


# The classes whose public methods are use cases, by the name `Services` gives each.
USE_CASE_SERVICES: dict[str, str] = {
    "inventory": "steward.services.inventory:Inventory",
    "registration": "steward.services.registration:Registration",
    "history": "steward.services.history:StageHistory",
    "audit": "steward.services.audit:AuditTrail",
    "policies": "steward.services.policies:PolicyBook",
    "governance": "steward.services.governance:Governance",
    "promotion": "steward.services.promotion:Promotion",
    "kpis": "steward.services.kpis:GovernanceKpis",
    "checks": "steward.services.checks:EvidenceEngine",
    "monitor": "steward.services.monitoring:Monitor",
    "analysis": "steward.services.analysis:Analysis",
    "webhooks": "steward.services.webhooks:WebhookTools",
    "organisation": "steward.services.organisation:Organisation",
    "changes": "steward.services.changes:Changes",
}
