"""A version together with what governs it (policy, tier, people), and what the governance use
cases share: loading that inside a transaction, the clock, required reasons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.domain.audit import format_ts
from steward.domain.classify import tier_of
from steward.domain.errors import InvalidInputError
from steward.domain.gate import evaluate_gate
from steward.domain.governance import (
    Assessment,
    GateDecision,
    StoredPolicy,
    VersionGovernance,
)
from steward.domain.naming import VersionRef
from steward.domain.policy import Policy
from steward.services.access import Access
from steward.services.lookup import explain_unknown_version, version_for_write
from steward.services.policies import PolicyResolver
from steward.services.ports import ArtifactStore, ReadSession, Store, VersionHandle, WriteSession

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def ts_plus_days(ts: str, days: int) -> str:
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return format_ts(moment + timedelta(days=days))


@dataclass(frozen=True, slots=True)
class Governed:
    """A version with the policy, tier and people that govern it, read in one transaction."""

    handle: VersionHandle
    facts: VersionGovernance
    stored_policy: StoredPolicy | None  # None: a shipped policy not stored yet (reads only)
    policy: Policy
    assessment: Assessment | None
    tier: str | None
    members: dict[str, frozenset[str]]

    def evaluate(self, target: str, now: str) -> GateDecision:
        return evaluate_gate(
            self.policy,
            self.stored_policy.version if self.stored_policy else 0,
            self.tier,
            self.facts.subject,
            target,
            self.facts.evidence,
            self.facts.signoffs,
            self.facts.waivers,
            self.members,
            now,
        )


class GovernanceContext:
    """What the governance use cases share, not a use case itself: the store, the policies,
    the clock, and loading a version with everything that governs it in one transaction."""

    def __init__(
        self,
        store: Store,
        policies: PolicyResolver,
        artifacts: ArtifactStore,
        *,
        access: Access,
        default_policy: str = "default",
        clock: Clock = system_clock,
    ) -> None:
        self.access = access
        self.store = store
        self.policies = policies
        self.artifacts = artifacts
        self.default_policy = default_policy
        self._clock = clock

    def now(self) -> str:
        return format_ts(self._clock())

    def governed_for_write(self, tx: WriteSession, ref: VersionRef) -> Governed:
        handle = version_for_write(tx, ref)
        project_id = tx.registry.project_id(ref.project)
        assert project_id is not None
        facts = tx.governance.version_governance(handle.id)
        assessment = tx.governance.get_assessment(project_id)
        name = assessment.policy_name if assessment else self.default_policy
        stored, policy = self.policies.resolve_for_write(tx, name)
        return Governed(
            handle,
            facts,
            stored,
            policy,
            assessment,
            tier_of(policy, assessment),
            tx.registry.member_roles(project_id),
        )

    def governed_for_read(
        self, q: ReadSession, ref: VersionRef, projects: dict[str, Any] | None = None
    ) -> Governed:
        """`projects` caches what is per project (assessment, policy, members) across the
        versions of one read, so an inbox of many requests costs one query per request."""
        facts = q.governance.version_governance(ref.project, ref.model, ref.number)
        if facts is None:
            explain_unknown_version(q, ref)
        cached = projects.get(ref.project) if projects is not None else None
        if cached is None:
            assessment = q.governance.get_assessment(ref.project)
            name = assessment.policy_name if assessment else self.default_policy
            stored, policy = self.policies.resolve_for_read(q, name)
            cached = (assessment, stored, policy, q.registry.member_roles(ref.project))
            if projects is not None:
                projects[ref.project] = cached
        assessment, stored, policy, members = cached
        handle = VersionHandle(facts.version_id, 0, str(ref), facts.subject.stage)
        return Governed(
            handle, facts, stored, policy, assessment, tier_of(policy, assessment), members
        )


def require_tier(governed: Governed, ref: VersionRef) -> tuple[Policy, str]:
    if governed.tier is None:
        raise InvalidInputError(
            f"project {ref.project!r} has no risk assessment: run steward project classify"
        )
    return governed.policy, governed.tier


def with_fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}
