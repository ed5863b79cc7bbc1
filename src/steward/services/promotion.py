"""Gated promotion: gate status, promote, recertify, and each person's inbox.

A promotion evaluates the gate inside the write transaction that moves the version, so a
sign-off or a new piece of evidence committed a moment earlier is always seen, and one
committed a moment later always comes after the move in the audit trail.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange
from steward.domain.classify import tier_of
from steward.domain.errors import GateBlockedError, InvalidInputError, NotFoundError
from steward.domain.governance import (
    GateDecision,
    PromotionRequest,
    RequirementResult,
    SignOff,
)
from steward.domain.naming import VersionRef, as_version_ref, check_person
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.governed import (
    GovernanceContext,
    Governed,
    ts_plus_days,
)
from steward.services.lookup import version_for_write
from steward.services.moves import apply_move
from steward.services.ports import ReadSession
from steward.services.use_case import use_case


@dataclass(frozen=True, slots=True)
class PromotionResult:
    decision: GateDecision
    stage: str

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "decision": self.decision.as_dict()}


@dataclass(frozen=True, slots=True)
class InboxItem:
    request: PromotionRequest
    roles: tuple[str, ...]  # the roles in which this person could sign
    decision: GateDecision

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.as_dict(),
            "roles": list(self.roles),
            "outcome": self.decision.outcome,
            "unmet": [r.as_dict() for r in self.decision.unmet()],
        }


@dataclass(frozen=True, slots=True)
class Recertification:
    version_ref: str
    project: str
    stage: str
    tier: str | None
    approved_at: str | None
    due_at: str | None
    overdue: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "project": self.project,
            "stage": self.stage,
            "tier": self.tier,
            "approved_at": self.approved_at,
            "due_at": self.due_at,
            "overdue": self.overdue,
        }


@dataclass(frozen=True, slots=True)
class Inbox:
    person: str
    to_sign: tuple[InboxItem, ...]  # oldest request first
    blocked: tuple[InboxItem, ...]  # my own requests that wait, and why
    recertifications: tuple[Recertification, ...]  # due or overdue where I could sign
    changes_to_approve: tuple[PendingChange, ...] = ()  # pending, and I may approve them
    my_changes: tuple[PendingChange, ...] = ()  # pending, and I asked for them

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "to_sign": [i.as_dict() for i in self.to_sign],
            "blocked": [i.as_dict() for i in self.blocked],
            "recertifications": [r.as_dict() for r in self.recertifications],
            "changes_to_approve": [c.as_dict() for c in self.changes_to_approve],
            "my_changes": [c.as_dict() for c in self.my_changes],
        }


class Promotion:
    """Gate status, gated promotion, recertification, requests and each person's inbox."""

    def __init__(self, ctx: GovernanceContext) -> None:
        self._ctx = ctx
        self._access = ctx.access
        self._store = ctx.store
        self._policies = ctx.policies

    # Read side ----------------------------------------------------------------------------

    @use_case("governance.read")
    def gate_status(
        self, principal: Principal, ref: str | VersionRef, to_stage: str
    ) -> GateDecision:
        """Every requirement of the gate into `to_stage`, as met / missing / failed / stale /
        waived, evaluated now without changing anything."""
        with self._store.read() as q:
            governed = self._ctx.governed_for_read(q, as_version_ref(ref))
        governed.policy.stages.graph().check_stage(to_stage)
        return governed.evaluate(to_stage, self._ctx.now())

    # Promote ------------------------------------------------------------------------------

    @use_case("stage.move")
    def promote(
        self, principal: Principal, ref: str | VersionRef, to_stage: str, reason: str | None
    ) -> PromotionResult:
        """Move a version to `to_stage` if its gate is met, displacing the holder of an
        exclusive stage. If not, the request stays open in the approvers' inboxes and
        GateBlockedError lists every unmet requirement."""
        why = required_reason(reason, "promote a version")
        ref = as_version_ref(ref)
        with self._store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            graph = governed.policy.stages.graph()
            graph.check_stage(to_stage)
            decision = governed.evaluate(to_stage, tx.now)
            # A move the stage graph forbids, or a prohibited tier, can never be approved: refuse
            # it outright instead of opening a request that would wait in inboxes for ever.
            for result in decision.requirements:
                if result.kind == "transition" and result.status == "failed":
                    raise InvalidInputError(result.detail)
                if result.kind == "assessment" and result.status == "failed":
                    raise GateBlockedError(
                        f"promotion of {ref} to {to_stage} is blocked", decision.reasons()
                    )
            request = tx.governance.open_request(governed.handle.id, to_stage)
            if not decision.allowed:
                opened = request is None
                if opened:
                    tx.record(
                        PendingEvent(
                            "promotion.requested",
                            "version",
                            str(ref),
                            {"from": governed.handle.stage, "to": to_stage},
                            why,
                        )
                    )
                    request = tx.governance.add_request(
                        governed.handle.id, governed.handle.stage, to_stage, why
                    )
                tx.commit()
                assert request is not None
                unmet = decision.unmet()
                raise GateBlockedError(
                    f"promotion of {ref} to {to_stage} is blocked: {len(unmet)} requirement"
                    f"{'s' if len(unmet) != 1 else ''} not met "
                    f"(request #{request.id} {'opened' if opened else 'still open'})",
                    decision.reasons(),
                )
            waivers = [r.waiver_id for r in decision.requirements if r.waiver_id is not None]
            event = apply_move(
                tx,
                graph,
                governed.handle,
                to_stage,
                why,
                {
                    "policy": {"name": decision.policy_name, "version": decision.policy_version},
                    "tier": decision.tier,
                    "outcome": decision.outcome,
                    "decision_digest": decision.digest(),
                    "waivers": waivers,
                },
            )
            tx.governance.add_gate_decision(
                governed.handle.id,
                "promotion",
                decision,
                governed.stored_policy.id if governed.stored_policy else None,
                event.seq,
            )
            if request is not None:
                tx.governance.close_request(request.id, "promoted")
            tx.commit()
        return PromotionResult(decision, to_stage)

    @use_case("version.recertify")
    def recertify(
        self, principal: Principal, ref: str | VersionRef, reason: str | None
    ) -> GateDecision:
        """Periodic review: the gate of the stage the version is in, evaluated again with the
        sign-offs given since. A met gate restarts the recertification clock."""
        why = required_reason(reason, "recertify a version")
        ref = as_version_ref(ref)
        with self._store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            stage = governed.handle.stage
            if stage not in governed.policy.stages.exclusive:
                serving = ", ".join(governed.policy.stages.exclusive) or "none"
                raise InvalidInputError(
                    f"{ref} is in {stage}: only versions serving in a stage ({serving}) are "
                    "recertified"
                )
            decision = _as_recertification(governed.evaluate(stage, tx.now))
            if not decision.allowed:
                raise GateBlockedError(
                    f"recertification of {ref} in {stage} is blocked", decision.reasons()
                )
            event = tx.record(
                PendingEvent(
                    "version.recertified",
                    "version",
                    str(ref),
                    {
                        "stage": stage,
                        "policy": {
                            "name": decision.policy_name,
                            "version": decision.policy_version,
                        },
                        "tier": decision.tier,
                        "outcome": decision.outcome,
                        "decision_digest": decision.digest(),
                    },
                    why,
                )
            )
            tx.governance.add_gate_decision(
                governed.handle.id,
                "recertification",
                decision,
                governed.stored_policy.id if governed.stored_policy else None,
                event.seq,
            )
            tx.commit()
        return decision

    @use_case("request.withdraw")
    def withdraw(
        self, principal: Principal, ref: str | VersionRef, to_stage: str, reason: str | None
    ) -> None:
        """Close an open promotion request without promoting."""
        why = required_reason(reason, "withdraw a promotion request")
        ref = as_version_ref(ref)
        with self._store.write(principal) as tx:
            handle = version_for_write(tx, ref)
            request = tx.governance.open_request(handle.id, to_stage)
            if request is None:
                raise NotFoundError(f"no open request to promote {ref} to {to_stage}")
            tx.record(
                PendingEvent(
                    "promotion.withdrawn", "version", str(ref), {"request": request.id}, why
                )
            )
            tx.governance.close_request(request.id, "withdrawn")
            tx.commit()

    # Inbox and recertification ------------------------------------------------------------

    @use_case("governance.read")
    def requests(
        self, principal: Principal, project: str | None = None, status: str | None = "open"
    ) -> list[PromotionRequest]:
        """Promotion requests, oldest first; `status` None for all."""
        with self._store.read() as q:
            return q.governance.promotion_requests(project, status)

    @use_case("governance.read")
    def inbox(self, principal: Principal, person: str | None = None) -> Inbox:
        """What waits for `person`'s sign-off (default: the principal's; oldest first), what of
        theirs is blocked and why, and recertifications they could sign."""
        person = check_person("person", person or principal.name)
        now = self._ctx.now()
        to_sign: list[InboxItem] = []
        blocked: list[InboxItem] = []
        projects: dict[str, Any] = {}
        with self._store.read() as q:
            for request in q.governance.promotion_requests(None, "open"):
                ref = VersionRef(*_split(request.version_ref))
                governed = self._ctx.governed_for_read(q, ref, projects)
                decision = governed.evaluate(request.to_stage, now)
                roles = _roles_to_sign(governed, decision, person)
                if roles:
                    to_sign.append(InboxItem(request, roles, decision))
                mine = person in (request.requested_by, governed.facts.subject.author)
                if mine and not decision.allowed:
                    blocked.append(InboxItem(request, (), decision))
            overdue = [r for r in self._recertifications(q, None, now) if r.overdue]
            recerts = []
            for item in overdue:
                ref = VersionRef(*_split(item.version_ref))
                governed = self._ctx.governed_for_read(q, ref, projects)
                roles_held = governed.members.get(person, frozenset())
                wanted = {
                    s.role for s in governed.policy.gate(item.tier or "", item.stage).signoffs
                }
                if roles_held & wanted and _may_sign(governed, person, item.stage):
                    recerts.append(item)
            changes = q.changes.list_changes("pending", None)
        asked = tuple(c for c in changes if c.requested_by == person)
        approvable = tuple(
            c
            for c in changes
            if person not in (c.requested_by, c.payload.get("beneficiary"))
            and self._ctx.access.permits(person, "change.approve", c.project)
        )
        return Inbox(person, tuple(to_sign), tuple(blocked), tuple(recerts), approvable, asked)

    @use_case("governance.read")
    def recertifications(
        self, principal: Principal, project: str | None = None
    ) -> list[Recertification]:
        """Versions serving in a stage and when their approval falls due, soonest first."""
        with self._store.read() as q:
            if project is not None and q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            return self._recertifications(q, project, self._ctx.now())

    def _recertifications(
        self, q: ReadSession, project: str | None, now: str
    ) -> list[Recertification]:
        """Versions past the first stage, when their last approval (promotion or
        recertification into the stage they hold) falls due under their tier's interval."""
        latest: dict[tuple[str, str], str] = {}
        for record in q.governance.gate_decisions(project):
            if record.outcome != "blocked":
                latest[(record.version_ref, record.to_stage)] = record.decided_at
        result: list[Recertification] = []
        tiers: dict[str, tuple[str | None, Any]] = {}
        for stage in self._gated_stages(q):
            for summary in q.registry.versions_in_stage(project, stage):
                if summary.project not in tiers:
                    assessment = q.governance.get_assessment(summary.project)
                    name = assessment.policy_name if assessment else self._ctx.default_policy
                    _, policy = self._policies.resolve_for_read(q, name)
                    tiers[summary.project] = (tier_of(policy, assessment), policy)
                tier, policy = tiers[summary.project]
                approved = latest.get((summary.ref, stage))
                days = policy.tier(tier).recertify_days if tier else None
                due = None if days is None or approved is None else ts_plus_days(approved, days)
                result.append(
                    Recertification(
                        summary.ref,
                        summary.project,
                        stage,
                        tier,
                        approved,
                        due,
                        due is not None and due <= now,
                    )
                )
        return sorted(result, key=lambda r: (r.due_at or "~", r.version_ref))

    def _gated_stages(self, q: ReadSession) -> list[str]:
        _, policy = self._policies.resolve_for_read(q, self._ctx.default_policy)
        graph = policy.stages.graph()
        # Stages a version reaches by promotion, minus the terminal ones nobody serves from.
        terminal = {s for s in graph.stages if not any(a == s for a, _ in graph.transitions)}
        return [s for s in graph.stages if s != graph.initial and s not in terminal]


def _as_recertification(decision: GateDecision) -> GateDecision:
    """The gate of the current stage, minus the transition (the version is already there)."""
    kept = tuple(
        RequirementResult(
            "transition", "transition", "recertification", "met", f"already in {decision.to_stage}"
        )
        if r.key == "transition"
        else r
        for r in decision.requirements
    )
    return dataclasses.replace(decision, requirements=kept)


def _may_sign(governed: Governed, person: str, stage: str) -> bool:
    """Separation of duties as the policy states it (the sign-off service enforces the same)."""
    conflict = governed.policy.duties(governed.tier, stage).conflict(
        person,
        governed.facts.subject.author,
        {e.producer for e in governed.facts.evidence},
        governed.members.get(person, frozenset()),
    )
    return conflict is None


def _still_counts(governed: Governed, decision: GateDecision, signoff: SignOff) -> bool:
    """Whether a sign-off is current for this decision: same evidence, same policy version,
    not past the tier's recertification interval."""
    if signoff.evidence_digest != decision.evidence_digest:
        return False
    if (signoff.policy_name, signoff.policy_version) != (
        decision.policy_name,
        decision.policy_version,
    ):
        return False
    days = governed.policy.tier(governed.tier).recertify_days if governed.tier else None
    return days is None or ts_plus_days(signoff.signed_at, days) > decision.evaluated_at


def _roles_to_sign(governed: Governed, decision: GateDecision, person: str) -> tuple[str, ...]:
    if not _may_sign(governed, person, decision.to_stage):
        return ()
    held = governed.members.get(person, frozenset())
    latest: dict[str, SignOff] = {}
    for s in sorted(governed.facts.signoffs, key=lambda s: (s.signed_at, s.id)):
        if s.signer == person and s.stage == decision.to_stage:
            latest[s.role] = s
    signed = {role for role, s in latest.items() if _still_counts(governed, decision, s)}
    open_roles = {
        r.key.removeprefix("signoff:")
        for r in decision.requirements
        if r.kind == "signoff" and r.status != "met"
    }
    return tuple(sorted((open_roles & held) - signed))


def _split(ref: str) -> tuple[str, str, int]:
    project, model, number = ref.rsplit("/", 2)
    return project, model, int(number)
