"""The interfaces the services need, by feature. Adapters implement them; unit tests use the
in-process fakes in tests/fakes, which implement every member of every one of them
(tests/unit/test_fakes_complete.py). Every port runs the scenarios in
tests/integration/test_port_contracts.py against its fake, SQLite and PostgreSQL."""

from steward.services.ports.access import AccessReads, AccessWrites, People, Standing
from steward.services.ports.audit import AuditReads, ChainVerifier, Keys, Signer
from steward.services.ports.changes import ChangesReads, ChangesWrites
from steward.services.ports.governance import GovernanceReads, GovernanceWrites
from steward.services.ports.monitoring import MonitoringReads, MonitoringWrites
from steward.services.ports.outbox import (
    Hooks,
    OutboxReads,
    OutboxWrites,
    Receiver,
    WebhookListener,
)
from steward.services.ports.policies import PolicyReads, PolicyWrites
from steward.services.ports.registry import RegistryReads, RegistryWrites
from steward.services.ports.store import ReadSession, Store, WriteSession
from steward.services.ports.tools import (
    ArtifactStore,
    MemoryRelease,
    ModelCodec,
    MonitorReportRenderer,
    PolicyLoader,
    ReportRenderer,
    SourceCapture,
    SparkProfiler,
    SuiteLoader,
)
from steward.services.ports.values import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AuditQuery,
    ChainHead,
    Page,
    PageRequest,
    StoredArtifact,
    VersionHandle,
    VersionQuery,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "AccessReads",
    "AccessWrites",
    "ArtifactStore",
    "AuditQuery",
    "AuditReads",
    "ChainHead",
    "ChainVerifier",
    "ChangesReads",
    "ChangesWrites",
    "GovernanceReads",
    "GovernanceWrites",
    "Hooks",
    "Keys",
    "MemoryRelease",
    "ModelCodec",
    "MonitorReportRenderer",
    "MonitoringReads",
    "MonitoringWrites",
    "OutboxReads",
    "OutboxWrites",
    "Page",
    "PageRequest",
    "People",
    "PolicyLoader",
    "PolicyReads",
    "PolicyWrites",
    "ReadSession",
    "Receiver",
    "RegistryReads",
    "RegistryWrites",
    "ReportRenderer",
    "Signer",
    "SourceCapture",
    "SparkProfiler",
    "Standing",
    "Store",
    "StoredArtifact",
    "SuiteLoader",
    "VersionHandle",
    "VersionQuery",
    "WebhookListener",
    "WriteSession",
]
