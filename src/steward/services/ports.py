"""Interfaces the services need. Adapters implement them; unit tests use in-process fakes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from steward.domain.audit import AuditEvent, ChainReport, PendingEvent, StoredRow
from steward.domain.entities import (
    Kpi,
    Model,
    Project,
    StageChange,
    Version,
    VersionRecord,
    VersionSummary,
)
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    GateDecisionRecord,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
)
from steward.domain.monitoring import (
    Alert,
    Delivery,
    MonitorReference,
    Review,
    SeriesPoint,
    WindowPart,
    WindowResult,
)
from steward.domain.naming import MetricFilter
from steward.domain.policy import Policy

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset paging: `after` is the opaque cursor a previous page returned."""

    limit: int = DEFAULT_PAGE_SIZE
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class VersionQuery:
    project: str | None = None
    model: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    stage: str | None = None
    metrics: tuple[MetricFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditQuery:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str
    ts: str | None


@dataclass(frozen=True, slots=True)
class VersionHandle:
    """What a write needs to know about an existing version."""

    id: int
    model_id: int
    ref: str
    stage: str


@dataclass(slots=True)
class StoredArtifact:
    digest: str
    size: int
    created: bool = field(default=False)


class MonitorReads(Protocol):
    """Monitoring queries, on both the read and the write session."""

    def version_id_of(self, project: str, model: str, number: int) -> int | None: ...
    def monitor_reference(self, version_id: int) -> MonitorReference | None: ...
    def window_parts(
        self, version_id: int, starts: list[str] | None = None, since: str | None = None
    ) -> list[WindowPart]: ...
    def monitor_logs(self, version_id: int, kind: str) -> list[tuple[str, int]]: ...
    def window_results(self, version_id: int, kind: str | None = None) -> list[WindowResult]: ...
    def series_points(
        self, project_id: int, name: str | None = None, version_id: int | None = None
    ) -> list[SeriesPoint]: ...
    def alerts(self, version_id: int | None = None, project: str | None = None) -> list[Alert]: ...
    def reviews(self, status: str | None = None, version_id: int | None = None) -> list[Review]: ...
    def deliveries(
        self, status: str | None = None, due_by: str | None = None
    ) -> list[Delivery]: ...
    def monitored_versions(self) -> list[tuple[int, str, str]]: ...


class MonitorWrites(MonitorReads, Protocol):
    def add_monitor_reference(
        self,
        version_id: int,
        profile_digest: str,
        row_count: int,
        source: str,
        prediction: bool,
        calibration: dict[str, Any] | None,
        audit_seq: int,
    ) -> int: ...
    def add_window_part(
        self,
        version_id: int,
        window_start: str,
        width: int,
        row_count: int,
        profile: dict[str, Any],
        scores: dict[str, Any] | None,
        source: str,
        audit_seq: int,
    ) -> int: ...
    def add_monitor_log(
        self, version_id: int, kind: str, digest: str, row_count: int, seq: int
    ) -> None: ...
    def add_window_result(self, version_id: int, result: WindowResult, audit_seq: int) -> None: ...
    def add_series_point(
        self,
        project_id: int,
        version_id: int | None,
        name: str,
        at: str,
        value: float,
        audit_seq: int,
    ) -> None: ...
    def alert_exists(self, dedup_key: str) -> bool: ...
    def add_alert(
        self,
        version_id: int,
        window_start: str | None,
        signal: str,
        value: float,
        rule: str,
        action: str,
        dedup_key: str,
        detail: dict[str, Any],
        audit_seq: int,
    ) -> int: ...
    def add_review(self, version_id: int, alert_id: int | None, reason: str) -> int: ...
    def review(self, review_id: int) -> Review | None: ...
    def close_review(self, review_id: int, resolution: str) -> None: ...
    def add_delivery(
        self,
        alert_id: int | None,
        route: str,
        kind: str,
        target: str,
        event: str,
        body: str,
        secret_env: str | None,
    ) -> int: ...
    def record_attempt(
        self,
        delivery_id: int,
        status: str,
        attempts: int,
        next_attempt_at: str,
        last_error: str | None,
        last_status: int | None,
    ) -> None: ...


class WriteSession(MonitorWrites, Protocol):
    """One write transaction. The chain head is locked from the start, so `now` and the audit
    sequence are fixed for the whole transaction and all writers are serialised."""

    now: str
    actor: str

    def record(self, event: PendingEvent) -> AuditEvent: ...
    def commit(self) -> None: ...

    def project_id(self, name: str) -> int | None: ...
    def add_project(
        self, name: str, purpose: str, business_objective: str, owner: str, kpis: tuple[Kpi, ...]
    ) -> int: ...
    def add_member(self, project_id: int, person: str, role: str) -> bool: ...
    def remove_member(self, project_id: int, person: str, role: str) -> bool: ...

    def model_id(self, project_id: int, name: str) -> int | None: ...
    def add_model(self, project_id: int, name: str, description: str) -> int: ...
    def next_version_number(self, model_id: int) -> int: ...
    def claim_version_number(self, project: str, model: str) -> tuple[int, int] | None:
        """(model id, next version number) of an existing model, in one step; None if absent."""
        ...

    def add_version(
        self, model_id: int, record: VersionRecord, record_digest: str, stage: str
    ) -> int: ...

    def version(self, project: str, model: str, number: int) -> VersionHandle | None: ...
    def stage_holders(self, model_id: int, stage: str) -> list[VersionHandle]: ...
    def held_stage_before(self, version_id: int, stage: str) -> bool: ...
    def move_stage(
        self, version: VersionHandle, to_stage: str, reason: str | None, audit_seq: int
    ) -> None: ...

    def tags(self, version_id: int) -> dict[str, str]: ...
    def set_tag(self, version_id: int, key: str, value: str) -> None: ...
    def add_tags(self, version_id: int, tags: dict[str, str]) -> None:
        """Tags of a version that has none yet, in one statement."""
        ...

    def remove_tag(self, version_id: int, key: str) -> None: ...

    # Governance. Gate inputs are read inside the write transaction, after the chain head is
    # locked, so a decision never mixes facts from before and after a concurrent change.
    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        """A stored policy version; the newest when `version` is None."""
        ...

    def policy_by_digest(self, name: str, digest: str) -> StoredPolicy | None: ...
    def add_policy(
        self, name: str, version: int, digest: str, source: str, document: dict[str, Any]
    ) -> StoredPolicy: ...
    def get_assessment(self, project_id: int) -> Assessment | None: ...
    def add_assessment(
        self, project_id: int, policy_id: int, assessment: Assessment, audit_seq: int
    ) -> None: ...
    def member_roles(self, project_id: int) -> dict[str, frozenset[str]]: ...
    def version_governance(self, version_id: int) -> VersionGovernance: ...
    def add_evidence(self, version_id: int, evidence: Evidence, audit_seq: int) -> int: ...
    def add_signoff(self, version_id: int, signoff: SignOff, audit_seq: int) -> int: ...
    def add_waiver(self, version_id: int, waiver: Waiver, audit_seq: int) -> int: ...
    def get_waiver(self, waiver_id: int) -> Waiver | None: ...
    def revoke_waiver(self, waiver_id: int, reason: str, audit_seq: int) -> None:
        """Marks the waiver revoked by this session's actor, now."""
        ...

    def open_request(self, version_id: int, to_stage: str) -> PromotionRequest | None: ...
    def add_request(
        self, version_id: int, from_stage: str, to_stage: str, reason: str
    ) -> PromotionRequest:
        """Opens a request by this session's actor, now."""
        ...

    def close_request(self, request_id: int, status: str) -> None: ...
    def add_gate_decision(
        self,
        version_id: int,
        purpose: str,
        decision: GateDecision,
        policy_id: int | None,
        audit_seq: int,
    ) -> int: ...


class ReadSession(MonitorReads, Protocol):
    def list_projects(self, page: PageRequest) -> Page[Project]: ...
    def get_project(self, name: str) -> Project | None: ...
    def list_models(self, project: str | None, page: PageRequest) -> Page[Model]: ...
    def get_model(self, project: str, name: str) -> Model | None: ...
    def search_versions(self, query: VersionQuery, page: PageRequest) -> Page[VersionSummary]: ...
    def get_version(self, project: str, model: str, number: int) -> Version | None: ...
    def stage_history(self, project: str, model: str, until: str | None) -> list[StageChange]: ...
    def audit_events(self, query: AuditQuery, page: PageRequest) -> Page[AuditEvent]: ...
    def audit_rows(self, after_seq: int, until_seq: int, batch: int) -> Iterator[StoredRow]: ...
    def audit_event(self, seq: int) -> AuditEvent | None: ...
    def chain_head(self) -> ChainHead: ...
    def max_audit_seq(self) -> int: ...

    # Governance
    def list_policies(self) -> list[StoredPolicy]:
        """Every stored version of every policy, by name then version."""
        ...

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None: ...
    def get_assessment(self, project: str) -> Assessment | None: ...
    def assessments(self, project: str | None) -> list[Assessment]:
        """The current assessment of each project (or of one)."""
        ...

    def member_roles(self, project: str) -> dict[str, frozenset[str]]: ...
    def version_governance(
        self, project: str, model: str, number: int
    ) -> VersionGovernance | None: ...
    def promotion_requests(self, project: str | None, status: str | None) -> list[PromotionRequest]:
        """Oldest first."""
        ...

    def gate_decisions(self, project: str | None) -> list[GateDecisionRecord]:
        """Oldest first."""
        ...

    def first_evidence(self, project: str | None) -> list[tuple[str, str, str, bool | None]]:
        """(project, version ref, kind, passed) of the first evidence of each kind per version."""
        ...

    def waivers(self, project: str | None) -> list[Waiver]: ...
    def versions_in_stage(self, project: str | None, stage: str) -> list[VersionSummary]: ...


class Store(Protocol):
    def write(self, actor: str) -> AbstractContextManager[WriteSession]: ...
    def read(self) -> AbstractContextManager[ReadSession]: ...


class ChainVerifier(Protocol):
    """Verifies stretches of the audit chain concurrently: each item is (first seq, last seq,
    stored hash of the event before the first)."""

    workers: int

    def verify_ranges(self, ranges: list[tuple[int, int, str]]) -> list[ChainReport]: ...


class Signer(Protocol):
    public_key: str

    def sign(self, message: bytes) -> str: ...


class SignatureCheck(Protocol):
    def __call__(self, public_key: str, message: bytes, signature: str) -> bool: ...


class ArtifactStore(Protocol):
    def put(self, data: bytes) -> StoredArtifact: ...
    def get(self, digest: str) -> bytes: ...
    def exists(self, digest: str) -> bool: ...


class PolicyLoader(Protocol):
    """Turns policy text into a validated Policy, or raises PolicyInvalidError naming the
    source, the line and the field."""

    def load(self, text: str, source: str) -> Policy: ...
    def builtin(self) -> dict[str, str]:
        """Name -> YAML text of the policies shipped in the package."""
        ...
