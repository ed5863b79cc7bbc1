"""Point-in-time questions: which version held each stage of a model at time T, the event that
put it there, and the gate decision with the approvals that let it in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from steward.domain.entities import StageChange
from steward.domain.errors import NotFoundError
from steward.domain.governance import GateDecisionRecord, SignOff, VersionGovernance
from steward.domain.naming import ModelRef, as_model_ref
from steward.domain.principal import Principal
from steward.domain.stages import DEFAULT_STAGES, StageGraph
from steward.domain.times import how_read, to_utc_text
from steward.services.access import Access
from steward.services.ports import ReadSession, Store
from steward.services.use_case import use_case


@dataclass(frozen=True, slots=True)
class StageHolding:
    version: str
    since: str
    actor: str
    reason: str | None
    audit_seq: int
    # The gate decision that let the version in, and who had approved it.
    approval: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "since": self.since,
            "actor": self.actor,
            "reason": self.reason,
            "audit_seq": self.audit_seq,
            "approval": self.approval,
        }


@dataclass(frozen=True, slots=True)
class ModelAtTime:
    model: str
    time: str
    stages: dict[str, list[StageHolding]]
    time_read_as: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "time": self.time,
            "time_read_as": self.time_read_as,
            "stages": {s: [h.as_dict() for h in hs] for s, hs in self.stages.items()},
        }


class StageHistory:
    def __init__(
        self, store: Store, stages: StageGraph = DEFAULT_STAGES, *, access: Access
    ) -> None:
        self._access = access
        self._store = store
        self._stages = stages

    @use_case("inventory.read")
    def model_at(
        self, principal: Principal, ref: str | ModelRef, time: datetime | str
    ) -> ModelAtTime:
        """Which version held each stage of a model at `time` ("now", an ISO time or a date),
        the event that put it there, and the gate decision with the approvals that let it in:
        "what was in production at T, and who approved it"."""
        model = as_model_ref(ref)
        at = to_utc_text(time)
        with self._store.read() as q:
            if q.registry.get_model(model.project, model.model) is None:
                if q.registry.get_project(model.project) is None:
                    raise NotFoundError(f"unknown project {model.project!r}")
                raise NotFoundError(f"unknown model {model}")
            history = q.registry.stage_history(model.project, model.model, at)
            holdings = _holdings(history, self._stages)
            approved = _with_approvals(q, model.project, holdings)
            return ModelAtTime(str(model), at, approved, how_read(time))


def _holdings(history: list[StageChange], stages: StageGraph) -> dict[str, list[StageHolding]]:
    latest: dict[str, StageChange] = {}
    for change in history:  # ordered by audit sequence, so the last one wins
        latest[change.version_ref] = change
    found: dict[str, list[StageHolding]] = {}
    for change in sorted(latest.values(), key=lambda c: c.audit_seq):
        found.setdefault(change.to_stage, []).append(
            StageHolding(
                change.version_ref, change.at, change.actor, change.reason, change.audit_seq
            )
        )
    return {s: found[s] for s in stages.stages if s in found}


def _with_approvals(
    q: ReadSession, project: str, holdings: dict[str, list[StageHolding]]
) -> dict[str, list[StageHolding]]:
    """Each holding with the promotion decision that let the version into the stage and the
    people whose approvals that decision counted."""
    decisions = [d for d in q.governance.gate_decisions(project) if d.purpose == "promotion"]
    facts: dict[str, VersionGovernance | None] = {}
    stages: dict[str, list[StageHolding]] = {}
    for stage, held in holdings.items():
        for holding in held:
            decision = next(
                (
                    d
                    for d in reversed(decisions)
                    if d.version_ref == holding.version
                    and d.to_stage == stage
                    and d.decided_at <= holding.since
                ),
                None,
            )
            approval = None
            if decision is not None:
                if holding.version not in facts:
                    facts[holding.version] = q.governance.version_governance(
                        *_split(holding.version)
                    )
                found = facts[holding.version]
                approval = _approval(decision, found.signoffs if found is not None else ())
            stages.setdefault(stage, []).append(replace(holding, approval=approval))
    return stages


def _approval(decision: GateDecisionRecord, signoffs: tuple[SignOff, ...]) -> dict[str, Any]:
    """The approvals a stored gate decision counted: each person's latest decision per role for
    that stage before the move, an approval, on the evidence and policy version it saw."""
    latest: dict[tuple[str, str], SignOff] = {}
    for s in sorted(signoffs, key=lambda s: (s.signed_at, s.id)):
        if s.stage == decision.to_stage and s.signed_at <= decision.decided_at:
            latest[(s.signer, s.role)] = s
    approvers = [
        {"person": s.signer, "role": s.role, "signed_at": s.signed_at, "reason": s.reason}
        for s in latest.values()
        if s.decision == "approve"
        and s.evidence_digest == decision.evidence_digest
        and (s.policy_name, s.policy_version) == (decision.policy_name, decision.policy_version)
    ]
    return {
        "outcome": decision.outcome,
        "policy": (
            {"name": decision.policy_name, "version": decision.policy_version}
            if decision.policy_name
            else None
        ),
        "tier": decision.tier,
        "decided_at": decision.decided_at,
        "approvers": approvers,
        "waived": [r["key"] for r in decision.requirements if r.get("status") == "waived"],
    }


def _split(ref: str) -> tuple[str, str, int]:
    project, model, number = ref.rsplit("/", 2)
    return project, model, int(number)
