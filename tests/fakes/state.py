"""The in-memory tables the fakes share, and the lookups every part of a session makes on
them, as the SQL adapter's row helpers do."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from steward.domain.audit import (
    GENESIS_HASH,
    StoredRow,
    canonical_json,
    format_ts,
)
from steward.domain.changes import PendingChange
from steward.domain.entities import (
    Kpi,
    Member,
    Model,
    Project,
)
from steward.domain.errors import (
    ConflictError,
)
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecisionRecord,
    GateSubject,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
)
from steward.services.ports import (
    ChainHead,
)

T = TypeVar("T")


# The columns of a stored audit row, in StoredRow order.
ROW_FIELDS = (
    "seq",
    "ts",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "reason",
    "payload_json",
    "hash",
    "identity",
)


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def text(self) -> str:
        return format_ts(self.now)


@dataclass
class _ProjectRow:
    id: int
    name: str
    purpose: str
    business_objective: str
    owner: str
    kpis: str  # JSON text, as the SQL adapter stores it
    created_at: str
    created_by: str
    members: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class _ModelRow:
    id: int
    project_id: int
    name: str
    description: str
    created_at: str
    created_by: str
    version_count: int = 0


@dataclass
class _VersionRow:
    id: int
    model_id: int
    number: int
    created_at: str
    created_by: str
    artifact_sha256: str
    record: str  # canonical JSON text of the record
    record_sha256: str
    metrics: dict[str, float]
    tags: dict[str, str] = field(default_factory=dict)
    stage: str | None = None  # version_state: None until the first stage change


@dataclass
class _StageChangeRow:
    version_id: int
    model_id: int
    from_stage: str | None
    to_stage: str
    at: str
    actor: str
    reason: str | None
    audit_seq: int


@dataclass(frozen=True)
class _Fact(Generic[T]):
    """A row of an append-only governance table: what it belongs to (a version, or a project for
    an assessment), the audit sequence number that recorded it, and the fact as reads return it."""

    owner: int
    audit_seq: int
    fact: T


@dataclass(frozen=True)
class _RevocationRow:
    revoked_by: str
    revoked_at: str
    reason: str
    audit_seq: int


@dataclass
class _RequestRow:
    """The one governance row that changes: its status, when it is closed."""

    id: int
    version_id: int
    from_stage: str
    to_stage: str
    requested_by: str
    requested_at: str
    reason: str
    status: str
    closed_at: str | None = None


@dataclass
class _State:
    projects: dict[int, _ProjectRow] = field(default_factory=dict)
    models: dict[int, _ModelRow] = field(default_factory=dict)
    versions: dict[int, _VersionRow] = field(default_factory=dict)
    stage_changes: list[_StageChangeRow] = field(default_factory=list)
    policies: dict[int, StoredPolicy] = field(default_factory=dict)
    assessments: dict[int, _Fact[Assessment]] = field(default_factory=dict)  # owner: project
    evidence: dict[int, _Fact[Evidence]] = field(default_factory=dict)
    signoffs: dict[int, _Fact[SignOff]] = field(default_factory=dict)
    waivers: dict[int, _Fact[Waiver]] = field(default_factory=dict)  # never revoked in place
    revocations: dict[int, _RevocationRow] = field(default_factory=dict)  # by waiver id
    requests: dict[int, _RequestRow] = field(default_factory=dict)
    decisions: dict[int, _Fact[GateDecisionRecord]] = field(default_factory=dict)
    # Monitoring and outbox rows as the SQL tables hold them: a dict of columns per row, JSON
    # columns stored as canonical JSON text so that reads parse them again.
    references: dict[int, dict[str, Any]] = field(default_factory=dict)
    windows: dict[int, dict[str, Any]] = field(default_factory=dict)
    logs: dict[int, dict[str, Any]] = field(default_factory=dict)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    series: dict[int, dict[str, Any]] = field(default_factory=dict)
    alerts: dict[int, dict[str, Any]] = field(default_factory=dict)
    alert_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    ingests: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, dict[str, Any]] = field(default_factory=dict)
    deliveries: dict[int, dict[str, Any]] = field(default_factory=dict)
    org_roles: dict[tuple[str, str], int] = field(default_factory=dict)  # -> audit seq
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (alias, person)
    # Change id -> (project id, the change as stored; its project name is filled in on read).
    changes: dict[int, tuple[int | None, PendingChange]] = field(default_factory=dict)
    events: list[StoredRow] = field(default_factory=list)
    head: ChainHead = field(default_factory=lambda: ChainHead(0, GENESIS_HASH, None))


def _new_id(table: dict[int, Any]) -> int:
    return max(table, default=0) + 1


def _conflict(what: str) -> ConflictError:
    return ConflictError(f"the change conflicts with data written at the same time: {what}")


def _json(value: Any) -> Any:
    """A value as it comes back from a JSON column: the SQL adapter stores canonical JSON text."""
    return json.loads(canonical_json(value))


def _page(items: list[Any], limit: int, key: Callable[[Any], int]) -> tuple[list[Any], str | None]:
    """Cut a sorted list to one page; the cursor is the key of the last item if more follow."""
    if len(items) > limit:
        items = items[:limit]
        return items, str(key(items[-1]))
    return items, None


class View:
    """A part of a session: the state it reads (a snapshot, or the write's working copy), and in
    a write the transaction's fixed `now` and actor."""

    def __init__(self, state: _State, now: str = "", actor: str = "") -> None:
        self._state = state
        self.now = now
        self.actor = actor

    def _version_names(self, version_id: int) -> tuple[str, str, int]:
        version = self._state.versions[version_id]
        model = self._state.models[version.model_id]
        return self._state.projects[model.project_id].name, model.name, version.number

    def _version_ref(self, version_id: int) -> str:
        project, model, number = self._version_names(version_id)
        return f"{project}/{model}/{number}"

    def _find_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        found = [
            p
            for p in self._state.policies.values()
            if p.name == name and (version is None or p.version == version)
        ]
        return copy.deepcopy(max(found, key=lambda p: p.version)) if found else None

    def _current_assessments(self) -> dict[int, Assessment]:
        """The latest assessment of each project, by project id."""
        current: dict[int, Assessment] = {}
        for _, row in sorted(self._state.assessments.items()):
            current[row.owner] = row.fact
        return copy.deepcopy(current)

    def _roles(self, project_id: int) -> dict[str, frozenset[str]]:
        roles: dict[str, set[str]] = {}
        for person, role in self._state.projects[project_id].members:
            roles.setdefault(person, set()).add(role)
        return {person: frozenset(held) for person, held in sorted(roles.items())}

    def _waiver(self, waiver_id: int) -> Waiver:
        waiver = self._state.waivers[waiver_id].fact
        revocation = self._state.revocations.get(waiver_id)
        if revocation is None:
            return waiver
        return replace(
            waiver,
            revoked_at=revocation.revoked_at,
            revoked_by=revocation.revoked_by,
            revoke_reason=revocation.reason,
        )

    def _governance(self, version_id: int) -> VersionGovernance:
        version = self._state.versions[version_id]
        record = json.loads(version.record)
        subject = GateSubject(
            ref=self._version_ref(version_id),
            author=record["created_by"],
            stage=version.stage or "",
            documentation=record["documentation"],
            code=record["code"],
            environment=record["environment"],
            signature=record["signature"],
            training_data=record["training_data"],
            validation_data=record["validation_data"],
            artifact_sha256=record["artifact"]["sha256"],
            held_stages=frozenset(
                c.to_stage for c in self._state.stage_changes if c.version_id == version_id
            ),
        )
        state = self._state
        return VersionGovernance(
            version_id=version_id,
            subject=subject,
            project=self._version_names(version_id)[0],
            evidence=tuple(
                copy.deepcopy(r.fact)
                for _, r in sorted(state.evidence.items())
                if r.owner == version_id
            ),
            signoffs=tuple(
                r.fact for _, r in sorted(state.signoffs.items()) if r.owner == version_id
            ),
            waivers=tuple(
                self._waiver(i) for i, r in sorted(state.waivers.items()) if r.owner == version_id
            ),
        )

    def _request(self, row: _RequestRow) -> PromotionRequest:
        return PromotionRequest(
            id=row.id,
            version_ref=self._version_ref(row.version_id),
            project=self._version_names(row.version_id)[0],
            from_stage=row.from_stage,
            to_stage=row.to_stage,
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            reason=row.reason,
            status=row.status,  # type: ignore[arg-type]
            closed_at=row.closed_at,
        )

    def _ref(self, version: _VersionRow) -> str:
        model = self._state.models[version.model_id]
        project = self._state.projects[model.project_id]
        return f"{project.name}/{model.name}/{version.number}"

    def _need_version(self, version_id: int) -> str:
        """The ref of a version a new row points at; a missing one breaks a foreign key."""
        if version_id not in self._state.versions:
            raise _conflict(f"no version with id {version_id}")
        return self._version_ref(version_id)

    def _open(self, version_id: int, to_stage: str) -> _RequestRow | None:
        return next(
            (
                r
                for r in self._state.requests.values()
                if r.version_id == version_id and r.to_stage == to_stage and r.status == "open"
            ),
            None,
        )

    def _project_of(self, version_id: int) -> str:
        return self._version_names(version_id)[0]

    def _names(self, row: _VersionRow) -> tuple[str, str]:
        model = self._state.models[row.model_id]
        return self._state.projects[model.project_id].name, model.name

    @staticmethod
    def _project(row: _ProjectRow) -> Project:
        return Project(
            id=row.id,
            name=row.name,
            purpose=row.purpose,
            business_objective=row.business_objective,
            owner=row.owner,
            kpis=tuple(Kpi(**k) for k in json.loads(row.kpis)),
            created_at=row.created_at,
            created_by=row.created_by,
            members=tuple(Member(p, r) for p, r in sorted(row.members)),
        )

    def _model(self, row: _ModelRow) -> Model:
        return Model(
            id=row.id,
            project=self._state.projects[row.project_id].name,
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            created_by=row.created_by,
            version_count=row.version_count,
        )
