"""Risk classification: answering a policy's questionnaire sets a project's tier.

A first classification, or one into a tier that demands at least as much, applies at once. A
reclassification into a tier with fewer or looser requirements (under the same policy or
another one) weakens governance, so it is held as a pending change for a second person
(`services.changes`); approving it records the assessment then.
"""

from __future__ import annotations

from collections.abc import Mapping

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange
from steward.domain.classify import classify, tier_of
from steward.domain.errors import NotFoundError
from steward.domain.governance import Assessment
from steward.domain.policy import Policy
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.domain.weakening import tier_weakenings
from steward.services.access import Access
from steward.services.change_requests import request_change
from steward.services.governed import GovernanceContext
from steward.services.ports import Store, WriteSession
from steward.services.use_case import use_case


class ClassificationCases:
    """Mixed into Governance."""

    _ctx: GovernanceContext
    _store: Store
    _access: Access

    @use_case("project.classify")
    def classify(
        self,
        principal: Principal,
        project: str,
        answers: Mapping[str, str],
        *,
        policy: str | None = None,
        reason: str | None = None,
    ) -> Assessment | PendingChange:
        """Answer the policy's questionnaire for a project; the answers give its risk tier. A
        move into a tier with fewer or looser requirements is returned as a pending change."""
        name = policy or self._ctx.default_policy
        given = {str(k): str(v) for k, v in answers.items()}
        with self._store.write(principal) as tx:
            project_id = tx.registry.project_id(project)
            if project_id is None:
                raise NotFoundError(f"unknown project {project!r}")
            stored, parsed = self._ctx.policies.resolve_for_write(tx, name)
            tier = classify(parsed, given).tier
            current = current_tier(self._ctx, tx, project_id)
            if current is not None:
                old_policy, old_tier = current
                weakens = tier_weakenings(old_policy, old_tier, parsed, tier)
                if weakens:
                    why = required_reason(reason, "move a project into a weaker tier")
                    moved = f"{old_policy.name}:{old_tier} to {parsed.name}:{tier}"
                    change = request_change(
                        tx,
                        principal,
                        "tier.downgrade",
                        (project_id, project),
                        project,
                        f"reclassify {project} from {moved}",
                        weakens,
                        {
                            "answers": given,
                            "policy": stored.name,
                            "policy_version": stored.version,
                            "from": {"policy": old_policy.name, "tier": old_tier},
                        },
                        why,
                    )
                    tx.commit()
                    return change
            assessment = record_assessment(
                self._ctx, tx, principal.name, project, project_id, given, name, reason
            )
            tx.commit()
        return assessment

    @use_case("governance.read")
    def assessment(self, principal: Principal, project: str) -> Assessment:
        with self._store.read() as q:
            if q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            found = q.governance.get_assessment(project)
        if found is None:
            raise NotFoundError(
                f"project {project!r} has no risk assessment: run steward project classify"
            )
        return found


def current_tier(
    ctx: GovernanceContext, tx: WriteSession, project_id: int
) -> tuple[Policy, str] | None:
    """The policy and tier that govern a project now, or None while it is unclassified."""
    assessment = tx.governance.get_assessment(project_id)
    if assessment is None:
        return None
    _, policy = ctx.policies.resolve_for_write(tx, assessment.policy_name)
    tier = tier_of(policy, assessment)
    return None if tier is None else (policy, tier)


def record_assessment(
    ctx: GovernanceContext,
    tx: WriteSession,
    assessor: str,
    project: str,
    project_id: int,
    answers: dict[str, str],
    policy_name: str,
    reason: str | None,
    change: int | None = None,
) -> Assessment:
    """Store an assessment under the newest version of `policy_name`, audited; `change` is the
    approved pending change it comes from, if any."""
    stored, parsed = ctx.policies.resolve_for_write(tx, policy_name)
    result = classify(parsed, answers)
    assessment = Assessment(
        project=project,
        policy_name=stored.name,
        policy_version=stored.version,
        answers=answers,
        tier=result.tier,
        score=result.score,
        reasons=tuple(result.reasons),
        assessed_at=tx.now,
        assessed_by=assessor,
    )
    payload: dict[str, object] = {
        "policy": {"name": stored.name, "version": stored.version},
        "answers": answers,
        "tier": result.tier,
        "score": result.score,
    }
    if change is not None:
        payload["change"] = change
    event = tx.record(
        PendingEvent(
            "project.classified", "project", project, payload, (reason or "").strip() or None
        )
    )
    tx.governance.add_assessment(project_id, stored.id, assessment, event.seq)
    return assessment
