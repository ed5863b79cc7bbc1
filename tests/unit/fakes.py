"""In-memory fakes of the storage ports, for unit tests of the services.

They mirror the SQL adapters (steward.adapters.sql, steward.adapters.artifacts): keyset paging with
the same cursors and orders, a write session that fixes the chain head and `now` when it starts and
appends the audit events at commit, and a write left without commit() that leaves no trace.

The committed state is never changed in place by a write: a write works on a deep copy and commit()
publishes a fresh copy, so a read session keeps the snapshot it started with.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from steward.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    ChainReport,
    PendingEvent,
    StoredRow,
    canonical_json,
    chain_event,
    format_ts,
    verify_rows,
)
from steward.domain.entities import (
    Kpi,
    Member,
    Model,
    Project,
    StageChange,
    Version,
    VersionRecord,
    VersionSummary,
)
from steward.domain.errors import (
    ConflictError,
    IntegrityBrokenError,
    InvalidInputError,
    NotFoundError,
)
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    GateDecisionRecord,
    GateSubject,
    PromotionRequest,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
)
from steward.services.inventory import Lineage
from steward.services.ports import (
    MAX_PAGE_SIZE,
    AuditQuery,
    ChainHead,
    Page,
    PageRequest,
    StoredArtifact,
    VersionHandle,
    VersionQuery,
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


# Rows ---------------------------------------------------------------------------------------


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
    events: list[StoredRow] = field(default_factory=list)
    head: ChainHead = field(default_factory=lambda: ChainHead(0, GENESIS_HASH, None))


def _new_id(table: dict[int, Any]) -> int:
    return max(table, default=0) + 1


def _conflict(what: str) -> ConflictError:
    return ConflictError(f"the change conflicts with data written at the same time: {what}")


def _json(value: Any) -> Any:
    """A value as it comes back from a JSON column: the SQL adapter stores canonical JSON text."""
    return json.loads(canonical_json(value))


class _GovernanceView:
    """Governance lookups both sessions share, as the SQL adapter's governance_rows module."""

    _state: _State

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


# Write side ---------------------------------------------------------------------------------


class FakeWriteSession(_GovernanceView):
    def __init__(self, store: FakeStore, actor: str) -> None:
        self._store = store
        self._state = copy.deepcopy(store._state)
        self.actor = actor
        head = self._state.head
        self._seq, self._hash = head.seq, head.hash
        now = format_ts(store.clock())
        self.now = max(now, head.ts) if head.ts else now
        self._events: list[AuditEvent] = []

    # Audit

    def record(self, event: PendingEvent) -> AuditEvent:
        chained = chain_event(self._hash, self._seq + 1, self.now, self.actor, event)
        self._events.append(chained)
        self._seq, self._hash = chained.seq, chained.hash
        return chained

    def commit(self) -> None:
        if self._events:
            self._state.events.extend(e.stored_row() for e in self._events)
            self._state.head = ChainHead(self._seq, self._hash, self.now)
        self._store._state = copy.deepcopy(self._state)
        self._events = []

    # Projects

    def project_id(self, name: str) -> int | None:
        return next((p.id for p in self._state.projects.values() if p.name == name), None)

    def add_project(
        self, name: str, purpose: str, business_objective: str, owner: str, kpis: tuple[Kpi, ...]
    ) -> int:
        if self.project_id(name) is not None:
            raise _conflict(f"duplicate project name {name!r}")
        new_id = _new_id(self._state.projects)
        self._state.projects[new_id] = _ProjectRow(
            new_id,
            name,
            purpose,
            business_objective,
            owner,
            json.dumps([k.as_dict() for k in kpis]),
            self.now,
            self.actor,
        )
        return new_id

    def add_member(self, project_id: int, person: str, role: str) -> bool:
        members = self._state.projects[project_id].members
        if (person, role) in members:
            return False
        members.add((person, role))
        return True

    def remove_member(self, project_id: int, person: str, role: str) -> bool:
        members = self._state.projects[project_id].members
        if (person, role) not in members:
            return False
        members.remove((person, role))
        return True

    # Models and versions

    def model_id(self, project_id: int, name: str) -> int | None:
        return next(
            (
                m.id
                for m in self._state.models.values()
                if m.project_id == project_id and m.name == name
            ),
            None,
        )

    def add_model(self, project_id: int, name: str, description: str) -> int:
        if self.model_id(project_id, name) is not None:
            raise _conflict(f"duplicate model name {name!r}")
        new_id = _new_id(self._state.models)
        self._state.models[new_id] = _ModelRow(
            new_id, project_id, name, description, self.now, self.actor
        )
        return new_id

    def next_version_number(self, model_id: int) -> int:
        model = self._state.models[model_id]
        model.version_count += 1
        return model.version_count

    def claim_version_number(self, project: str, model: str) -> tuple[int, int] | None:
        project_id = self.project_id(project)
        model_id = None if project_id is None else self.model_id(project_id, model)
        return None if model_id is None else (model_id, self.next_version_number(model_id))

    def add_version(
        self, model_id: int, record: VersionRecord, record_digest: str, stage: str
    ) -> int:
        # `stage` is unused, as in the SQL adapter: the caller sets it with move_stage().
        if any(
            v.model_id == model_id and v.number == record.number
            for v in self._state.versions.values()
        ):
            raise _conflict(f"duplicate version number {record.number}")
        new_id = _new_id(self._state.versions)
        self._state.versions[new_id] = _VersionRow(
            new_id,
            model_id,
            record.number,
            record.created_at,
            record.created_by,
            record.artifact["sha256"],
            canonical_json(record.as_dict()),
            record_digest,
            dict(record.metrics),
        )
        return new_id

    def _ref(self, version: _VersionRow) -> str:
        model = self._state.models[version.model_id]
        project = self._state.projects[model.project_id]
        return f"{project.name}/{model.name}/{version.number}"

    def version(self, project: str, model: str, number: int) -> VersionHandle | None:
        for v in self._state.versions.values():
            if self._ref(v) == f"{project}/{model}/{number}":
                return VersionHandle(v.id, v.model_id, self._ref(v), v.stage or "")
        return None

    def stage_holders(self, model_id: int, stage: str) -> list[VersionHandle]:
        return [
            VersionHandle(v.id, model_id, self._ref(v), stage)
            for v in sorted(self._state.versions.values(), key=lambda v: v.id)
            if v.model_id == model_id and v.stage == stage
        ]

    def held_stage_before(self, version_id: int, stage: str) -> bool:
        return any(
            c.version_id == version_id and c.to_stage == stage for c in self._state.stage_changes
        )

    def move_stage(
        self, version: VersionHandle, to_stage: str, reason: str | None, audit_seq: int
    ) -> None:
        self._state.stage_changes.append(
            _StageChangeRow(
                version.id,
                version.model_id,
                version.stage or None,
                to_stage,
                self.now,
                self.actor,
                reason,
                audit_seq,
            )
        )
        self._state.versions[version.id].stage = to_stage

    # Tags

    def tags(self, version_id: int) -> dict[str, str]:
        return dict(self._state.versions[version_id].tags)

    def set_tag(self, version_id: int, key: str, value: str) -> None:
        self._state.versions[version_id].tags[key] = value

    def add_tags(self, version_id: int, tags: dict[str, str]) -> None:
        current = self._state.versions[version_id].tags
        assert not set(tags) & set(current), "add_tags is for a version without those tags"
        current.update(tags)

    def remove_tag(self, version_id: int, key: str) -> None:
        self._state.versions[version_id].tags.pop(key, None)

    # Governance

    def _need_version(self, version_id: int) -> str:
        """The ref of a version a new row points at; a missing one breaks a foreign key."""
        if version_id not in self._state.versions:
            raise _conflict(f"no version with id {version_id}")
        return self._version_ref(version_id)

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

    def get_assessment(self, project_id: int) -> Assessment | None:
        return self._current_assessments().get(project_id)

    def add_assessment(
        self, project_id: int, policy_id: int, assessment: Assessment, audit_seq: int
    ) -> None:
        if project_id not in self._state.projects or policy_id not in self._state.policies:
            raise _conflict(f"no project {project_id} or no policy {policy_id}")
        policy = self._state.policies[policy_id]
        # The project and the policy come from their ids, not from the assessment's names.
        stored = replace(
            assessment,
            project=self._state.projects[project_id].name,
            policy_name=policy.name,
            policy_version=policy.version,
            answers=_json(assessment.answers),
            reasons=tuple(_json(list(assessment.reasons))),
        )
        self._state.assessments[_new_id(self._state.assessments)] = _Fact(
            project_id, audit_seq, stored
        )

    def member_roles(self, project_id: int) -> dict[str, frozenset[str]]:
        return self._roles(project_id) if project_id in self._state.projects else {}

    def version_governance(self, version_id: int) -> VersionGovernance:
        if version_id not in self._state.versions:
            raise NotFoundError(f"no version with id {version_id}")
        return self._governance(version_id)

    def add_evidence(self, version_id: int, evidence: Evidence, audit_seq: int) -> int:
        new_id = _new_id(self._state.evidence)
        stored = replace(
            evidence,
            version_ref=self._need_version(version_id),
            metrics=_json(evidence.metrics),
            config=_json(evidence.config),
            inputs=_json(evidence.inputs),
            id=new_id,
        )
        self._state.evidence[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def add_signoff(self, version_id: int, signoff: SignOff, audit_seq: int) -> int:
        new_id = _new_id(self._state.signoffs)
        stored = replace(signoff, version_ref=self._need_version(version_id), id=new_id)
        self._state.signoffs[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def add_waiver(self, version_id: int, waiver: Waiver, audit_seq: int) -> int:
        new_id = _new_id(self._state.waivers)
        stored = replace(
            waiver,
            version_ref=self._need_version(version_id),
            revoked_at=None,
            revoked_by=None,
            revoke_reason=None,
            id=new_id,
        )
        self._state.waivers[new_id] = _Fact(version_id, audit_seq, stored)
        return new_id

    def get_waiver(self, waiver_id: int) -> Waiver | None:
        return self._waiver(waiver_id) if waiver_id in self._state.waivers else None

    def revoke_waiver(self, waiver_id: int, reason: str, audit_seq: int) -> None:
        if waiver_id not in self._state.waivers:
            raise _conflict(f"no waiver with id {waiver_id}")
        if waiver_id in self._state.revocations:
            raise _conflict(f"waiver {waiver_id} is already revoked")
        self._state.revocations[waiver_id] = _RevocationRow(self.actor, self.now, reason, audit_seq)

    def _open(self, version_id: int, to_stage: str) -> _RequestRow | None:
        return next(
            (
                r
                for r in self._state.requests.values()
                if r.version_id == version_id and r.to_stage == to_stage and r.status == "open"
            ),
            None,
        )

    def open_request(self, version_id: int, to_stage: str) -> PromotionRequest | None:
        row = self._open(version_id, to_stage)
        return None if row is None else self._request(row)

    def add_request(
        self, version_id: int, from_stage: str, to_stage: str, reason: str
    ) -> PromotionRequest:
        self._need_version(version_id)
        if self._open(version_id, to_stage) is not None:
            raise _conflict(f"an open request for version {version_id} to {to_stage} exists")
        new_id = _new_id(self._state.requests)
        row = _RequestRow(
            new_id, version_id, from_stage, to_stage, self.actor, self.now, reason, "open"
        )
        self._state.requests[new_id] = row
        return self._request(row)

    def close_request(self, request_id: int, status: str) -> None:
        row = self._state.requests.get(request_id)
        if row is None:
            return  # an UPDATE that matches no row
        other = self._open(row.version_id, row.to_stage)
        if status == "open" and other is not None and other is not row:
            raise _conflict(f"an open request for version {row.version_id} exists")
        row.status, row.closed_at = status, self.now

    def add_gate_decision(
        self,
        version_id: int,
        purpose: str,
        decision: GateDecision,
        policy_id: int | None,
        audit_seq: int,
    ) -> int:
        ref = self._need_version(version_id)
        if policy_id is not None and policy_id not in self._state.policies:
            raise _conflict(f"no policy with id {policy_id}")
        new_id = _new_id(self._state.decisions)
        record = GateDecisionRecord(
            id=new_id,
            version_ref=ref,
            project=self._version_names(version_id)[0],
            purpose=purpose,  # type: ignore[arg-type]
            from_stage=decision.from_stage,
            to_stage=decision.to_stage,
            outcome=decision.outcome,
            policy_name=decision.policy_name,
            policy_version=decision.policy_version,
            tier=decision.tier,
            actor=self.actor,
            decided_at=decision.evaluated_at,
            requirements=tuple(_json([r.as_dict() for r in decision.requirements])),
            evidence_digest=decision.evidence_digest,
        )
        self._state.decisions[new_id] = _Fact(version_id, audit_seq, record)
        return new_id


# Read side ----------------------------------------------------------------------------------


def _after(page: PageRequest) -> int | None:
    if page.limit < 1 or page.limit > MAX_PAGE_SIZE:
        raise InvalidInputError(
            f"page size must be between 1 and {MAX_PAGE_SIZE}, got {page.limit}"
        )
    if page.after is None:
        return None
    if not page.after.isdigit():
        raise InvalidInputError(f"malformed page cursor {page.after!r}")
    return int(page.after)


def _page(items: list[Any], limit: int, key: Callable[[Any], int]) -> tuple[list[Any], str | None]:
    """Cut a sorted list to one page; the cursor is the key of the last item if more follow."""
    if len(items) > limit:
        items = items[:limit]
        return items, str(key(items[-1]))
    return items, None


class FakeReadSession(_GovernanceView):
    def __init__(self, state: _State) -> None:
        self._state = state

    # Projects

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

    def list_projects(self, page: PageRequest) -> Page[Project]:
        after = _after(page)
        rows = sorted(
            (p for p in self._state.projects.values() if after is None or p.id > after),
            key=lambda p: p.id,
        )
        rows, cursor = _page(rows, page.limit, lambda p: p.id)
        return Page([self._project(r) for r in rows], cursor)

    def get_project(self, name: str) -> Project | None:
        row = next((p for p in self._state.projects.values() if p.name == name), None)
        return None if row is None else self._project(row)

    # Models

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

    def list_models(self, project: str | None, page: PageRequest) -> Page[Model]:
        after = _after(page)
        models = sorted(
            (self._model(m) for m in self._state.models.values()),
            key=lambda m: m.id,
        )
        models = [
            m
            for m in models
            if (project is None or m.project == project) and (after is None or m.id > after)
        ]
        models, cursor = _page(models, page.limit, lambda m: m.id)
        return Page(models, cursor)

    def get_model(self, project: str, name: str) -> Model | None:
        return next(
            (
                self._model(m)
                for m in self._state.models.values()
                if m.name == name and self._state.projects[m.project_id].name == project
            ),
            None,
        )

    # Versions

    def _names(self, row: _VersionRow) -> tuple[str, str]:
        model = self._state.models[row.model_id]
        return self._state.projects[model.project_id].name, model.name

    def search_versions(self, query: VersionQuery, page: PageRequest) -> Page[VersionSummary]:
        after = _after(page)
        if query.model is not None and query.project is None:
            raise InvalidInputError("filtering by model needs the project too")
        if query.project is not None and self.get_project(query.project) is None:
            raise NotFoundError(f"unknown project {query.project!r}")
        if query.model is not None and self.get_model(query.project or "", query.model) is None:
            raise NotFoundError(f"unknown model {query.project}/{query.model}")

        def matches(v: _VersionRow) -> bool:
            project, model = self._names(v)
            return (
                v.stage is not None  # an inner join with version_state
                and (query.project is None or project == query.project)
                and (query.model is None or model == query.model)
                and (query.stage is None or v.stage == query.stage)
                and all(v.tags.get(k) == value for k, value in query.tags)
                and all(
                    f.key in v.metrics and _OPS[f.op](v.metrics[f.key], f.value)
                    for f in query.metrics
                )
                and (after is None or v.id < after)
            )

        rows = sorted(
            (v for v in self._state.versions.values() if matches(v)),
            key=lambda v: v.id,
            reverse=True,
        )
        rows, cursor = _page(rows, page.limit, lambda v: v.id)
        return Page(
            [
                VersionSummary(
                    id=v.id,
                    project=self._names(v)[0],
                    model=self._names(v)[1],
                    number=v.number,
                    stage=v.stage or "",
                    created_at=v.created_at,
                    created_by=v.created_by,
                    artifact_digest=v.artifact_sha256,
                )
                for v in rows
            ],
            cursor,
        )

    def get_version(self, project: str, model: str, number: int) -> Version | None:
        for v in self._state.versions.values():
            if self._names(v) == (project, model) and v.number == number and v.stage is not None:
                data = json.loads(v.record)
                data.pop("ref", None)
                return Version(
                    id=v.id,
                    record=VersionRecord(**data),
                    record_digest=v.record_sha256,
                    stage=v.stage,
                    tags=dict(sorted(v.tags.items())),
                )
        return None

    def stage_history(self, project: str, model: str, until: str | None) -> list[StageChange]:
        changes = []
        for c in sorted(self._state.stage_changes, key=lambda c: c.audit_seq):
            version = self._state.versions[c.version_id]
            if self._names(version) != (project, model):
                continue
            if until is not None and c.at > until:
                continue
            changes.append(
                StageChange(
                    version_ref=f"{project}/{model}/{version.number}",
                    from_stage=c.from_stage,
                    to_stage=c.to_stage,
                    at=c.at,
                    actor=c.actor,
                    reason=c.reason,
                    audit_seq=c.audit_seq,
                )
            )
        return changes

    # Audit

    def chain_head(self) -> ChainHead:
        return self._state.head

    def max_audit_seq(self) -> int:
        return max((row[0] for row in self._state.events), default=0)

    def audit_events(self, query: AuditQuery, page: PageRequest) -> Page[AuditEvent]:
        after = _after(page)
        hash_of = {row[0]: row[8] for row in self._state.events}

        def matches(row: StoredRow) -> bool:
            seq, ts, actor, action, entity_type, entity_id = row[:6]
            return (
                (query.entity_type is None or entity_type == query.entity_type)
                and (query.entity_id is None or entity_id == query.entity_id)
                and (query.actor is None or actor == query.actor)
                and (query.action is None or action == query.action)
                and (query.since is None or ts >= query.since)
                and (query.until is None or ts <= query.until)
                and (after is None or (seq < after if query.newest_first else seq > after))
            )

        rows = sorted(
            (r for r in self._state.events if matches(r)),
            key=lambda r: r[0],
            reverse=query.newest_first,
        )
        rows, cursor = _page(rows, page.limit, lambda r: r[0])
        events = [
            AuditEvent(*row[:8], prev_hash=hash_of.get(row[0] - 1, GENESIS_HASH), hash=row[8])
            for row in rows
        ]
        return Page(events, cursor)

    def audit_event(self, seq: int) -> AuditEvent | None:
        page = self.audit_events(AuditQuery(), PageRequest(limit=1, after=str(seq - 1)))
        return page.items[0] if page.items and page.items[0].seq == seq else None

    def audit_rows(self, after_seq: int, until_seq: int, batch: int) -> Iterator[StoredRow]:
        rows = sorted(
            (r for r in self._state.events if after_seq < r[0] <= until_seq), key=lambda r: r[0]
        )
        yield from rows

    # Governance

    def _project_of(self, version_id: int) -> str:
        return self._version_names(version_id)[0]

    def list_policies(self) -> list[StoredPolicy]:
        return copy.deepcopy(
            sorted(self._state.policies.values(), key=lambda p: (p.name, p.version))
        )

    def get_policy(self, name: str, version: int | None) -> StoredPolicy | None:
        return self._find_policy(name, version)

    def get_assessment(self, project: str) -> Assessment | None:
        return next((a for a in self.assessments(project)), None)

    def assessments(self, project: str | None) -> list[Assessment]:
        current = sorted(self._current_assessments().values(), key=lambda a: a.project)
        return [a for a in current if project is None or a.project == project]

    def member_roles(self, project: str) -> dict[str, frozenset[str]]:
        row = next((p for p in self._state.projects.values() if p.name == project), None)
        return {} if row is None else self._roles(row.id)

    def version_governance(self, project: str, model: str, number: int) -> VersionGovernance | None:
        version_id = next(
            (
                v.id
                for v in self._state.versions.values()
                if self._version_names(v.id) == (project, model, number)
            ),
            None,
        )
        return None if version_id is None else self._governance(version_id)

    def versions_in_stage(self, project: str | None, stage: str) -> list[VersionSummary]:
        return [
            VersionSummary(
                id=v.id,
                project=self._project_of(v.id),
                model=self._version_names(v.id)[1],
                number=v.number,
                stage=stage,
                created_at=v.created_at,
                created_by=v.created_by,
                artifact_digest=v.artifact_sha256,
            )
            for v in sorted(self._state.versions.values(), key=lambda v: v.id)
            if v.stage == stage and (project is None or self._project_of(v.id) == project)
        ]

    def first_evidence(self, project: str | None) -> list[tuple[str, str, str, bool | None]]:
        first: dict[tuple[int, str], Evidence] = {}
        for _, row in sorted(self._state.evidence.items()):
            first.setdefault((row.owner, row.fact.kind), row.fact)
        return [
            (self._project_of(version_id), e.version_ref, e.kind, e.passed)
            for (version_id, _), e in sorted(first.items(), key=lambda item: item[1].id)
            if project is None or self._project_of(version_id) == project
        ]

    def waivers(self, project: str | None) -> list[Waiver]:
        return [
            self._waiver(i)
            for i, row in sorted(self._state.waivers.items())
            if project is None or self._project_of(row.owner) == project
        ]

    def promotion_requests(self, project: str | None, status: str | None) -> list[PromotionRequest]:
        return [
            self._request(r)
            for _, r in sorted(self._state.requests.items())
            if (project is None or self._project_of(r.version_id) == project)
            and (status is None or r.status == status)
        ]

    def gate_decisions(self, project: str | None) -> list[GateDecisionRecord]:
        return [
            copy.deepcopy(row.fact)
            for _, row in sorted(self._state.decisions.items())
            if project is None or row.fact.project == project
        ]


# The store ----------------------------------------------------------------------------------


class FakeStore:
    """An in-memory Store. `clock` gives the time each write transaction starts at."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._state = _State()
        self._writing = False

    @contextmanager
    def write(self, actor: str) -> Iterator[FakeWriteSession]:
        if self._writing:
            # The SQL store locks the chain head for the whole transaction: a nested write
            # would wait for itself.
            raise AssertionError("a write transaction was opened inside another one")
        self._writing = True
        try:
            yield FakeWriteSession(self, actor)
            # Leaving without commit() drops the session's copy: nothing was published.
        finally:
            self._writing = False

    @contextmanager
    def read(self) -> Iterator[FakeReadSession]:
        yield FakeReadSession(self._state)

    # Helpers for tests that play the attacker or inspect the log --------------------------

    @property
    def head(self) -> ChainHead:
        return self._state.head

    def events(self) -> list[AuditEvent]:
        """Every stored event, in sequence order."""
        with self.read() as q:
            return q.audit_events(AuditQuery(), PageRequest(limit=MAX_PAGE_SIZE)).items

    def tamper_event(self, seq: int, /, **changes: Any) -> None:
        """Change columns of a stored audit row in place, as someone with database access could."""
        unknown = set(changes) - set(ROW_FIELDS)
        if unknown:
            raise ValueError(f"no such audit column: {sorted(unknown)}")
        events = self._state.events
        index = next(i for i, row in enumerate(events) if row[0] == seq)
        values = dict(zip(ROW_FIELDS, events[index], strict=True)) | changes
        events[index] = tuple(values[name] for name in ROW_FIELDS)

    def tamper_record(self, ref: str, **changes: Any) -> None:
        """Change fields of a stored version record, leaving its stored digest as it was."""
        for version in self._state.versions.values():
            record = json.loads(version.record)
            if record["ref"] == ref:
                version.record = canonical_json(record | changes)
                return
        raise KeyError(ref)

    def delete_event(self, seq: int) -> None:
        """Remove a stored audit row, leaving the recorded head as it was."""
        self._state.events = [row for row in self._state.events if row[0] != seq]

    def append_row(self, row: StoredRow) -> None:
        """Add a raw audit row without moving the recorded head."""
        self._state.events.append(row)


class FakeChainVerifier:
    """Verifies stretches of a FakeStore's chain one after another, as the parallel verifier's
    workers do each in its own process: from the stored hash given for the event before."""

    def __init__(self, store: FakeStore, workers: int = 3) -> None:
        self.store = store
        self.workers = workers
        self.calls: list[list[tuple[int, int, str]]] = []

    def verify_ranges(self, ranges: list[tuple[int, int, str]]) -> list[ChainReport]:
        self.calls.append(list(ranges))
        reports = []
        for start, end, prev in ranges:
            with self.store.read() as q:
                reports.append(verify_rows(q.audit_rows(start - 1, end, 1000), prev, start))
        return reports


class FakeArtifactStore:
    """Content-addressed blobs in a dict keyed by SHA-256; a read rechecks the digest."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> StoredArtifact:
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.blobs:
            return StoredArtifact(digest, len(data), created=False)
        self.blobs[digest] = bytes(data)
        return StoredArtifact(digest, len(data), created=True)

    def get(self, digest: str) -> bytes:
        if digest not in self.blobs:
            raise NotFoundError(f"artifact {digest[:12]}… is missing from the artifact store")
        data = self.blobs[digest]
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise IntegrityBrokenError(
                f"artifact {digest[:12]}… is corrupted: its content hashes to {actual[:12]}…"
            )
        return data

    def exists(self, digest: str) -> bool:
        return digest in self.blobs

    def corrupt(self, digest: str) -> None:
        """Flip the bits of the first byte of a stored blob, keeping its name."""
        data = self.blobs[digest]
        self.blobs[digest] = bytes([data[0] ^ 0xFF]) + data[1:]


def make_lineage(artifact_format: str = "skops", **overrides: Any) -> Lineage:
    """A small, plausible lineage; keyword arguments replace any of its fields."""
    fields: dict[str, Any] = {
        "framework": {"name": "scikit-learn", "version": "1.5.0", "estimator_class": "Ridge"},
        "signature": {"columns": [{"name": "x", "type": "double"}]},
        "training_data": {"rows": 100, "sha256": "a" * 64},
        "validation_data": None,
        "code": {"git_commit": "0123abc", "dirty": False},
        "environment": {"python": "3.11.9", "packages": {"numpy": "2.0.0"}},
    }
    fields.update(overrides)
    return Lineage(artifact_format=artifact_format, **fields)
