"""Entities of the inventory. Plain frozen records: the services build them, adapters store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from steward.domain.audit import json_sha256

# The role every project's owner holds from the project's creation (the shipped policies define
# it; the project.created event, which names the owner, records it).
OWNER_ROLE = "owner"


@dataclass(frozen=True, slots=True)
class Member:
    person: str
    role: str


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    description: str = ""
    target: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "description": self.description, "target": self.target}


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    name: str
    purpose: str
    business_objective: str
    owner: str
    kpis: tuple[Kpi, ...]
    created_at: str
    created_by: str
    members: tuple[Member, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "purpose": self.purpose,
            "business_objective": self.business_objective,
            "owner": self.owner,
            "kpis": [k.as_dict() for k in self.kpis],
            "members": [{"person": m.person, "role": m.role} for m in self.members],
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class Model:
    id: int
    project: str
    name: str
    description: str
    created_at: str
    created_by: str
    version_count: int

    @property
    def ref(self) -> str:
        return f"{self.project}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "project": self.project,
            "name": self.name,
            "description": self.description,
            "versions": self.version_count,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """What is fixed when a version is registered. Nothing in it changes afterwards."""

    project: str
    model: str
    number: int
    created_at: str
    created_by: str
    description: str
    artifact: dict[str, Any]
    framework: dict[str, Any]
    signature: dict[str, Any]
    training_data: dict[str, Any] | None
    validation_data: dict[str, Any] | None
    code: dict[str, Any]
    environment: dict[str, Any]
    metrics: dict[str, float]
    documentation: dict[str, str]
    parent: str | None

    @property
    def ref(self) -> str:
        return f"{self.project}/{self.model}/{self.number}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "project": self.project,
            "model": self.model,
            "number": self.number,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "description": self.description,
            "artifact": self.artifact,
            "framework": self.framework,
            "signature": self.signature,
            "training_data": self.training_data,
            "validation_data": self.validation_data,
            "code": self.code,
            "environment": self.environment,
            "metrics": self.metrics,
            "documentation": self.documentation,
            "parent": self.parent,
        }

    def digest(self) -> str:
        """SHA-256 of the canonical record: stored with it, rechecked when it is read."""
        return json_sha256(self.as_dict())


@dataclass(frozen=True, slots=True)
class Version:
    """A registered version with the facts appended since: its stage and tags."""

    id: int
    record: VersionRecord
    record_digest: str
    stage: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return self.record.ref

    def as_dict(self) -> dict[str, Any]:
        data = self.record.as_dict()
        data["stage"] = self.stage
        data["tags"] = dict(self.tags)
        data["record_digest"] = self.record_digest
        return data


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """One row of a version listing: enough to choose, without the lineage."""

    id: int
    project: str
    model: str
    number: int
    stage: str
    created_at: str
    created_by: str
    artifact_digest: str

    @property
    def ref(self) -> str:
        return f"{self.project}/{self.model}/{self.number}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "project": self.project,
            "model": self.model,
            "number": self.number,
            "stage": self.stage,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "artifact_digest": self.artifact_digest,
        }


@dataclass(frozen=True, slots=True)
class StageChange:
    version_ref: str
    from_stage: str | None
    to_stage: str
    at: str
    actor: str
    reason: str | None
    audit_seq: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "from": self.from_stage,
            "to": self.to_stage,
            "at": self.at,
            "actor": self.actor,
            "reason": self.reason,
            "audit_seq": self.audit_seq,
        }
