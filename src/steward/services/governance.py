"""Governance use cases on projects and versions: risk classification, evidence, sign-offs and
waivers. Promotion through gates lives in `services.promotion`.

Every rule about who may do what is checked inside the write transaction, after the chain head
is locked, so two people acting at the same moment see each other's facts in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.domain.audit import PendingEvent, format_ts
from steward.domain.classify import classify
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.evidence_kinds import metrics_for
from steward.domain.gate import evaluate_gate
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    SignOff,
    StoredPolicy,
    VersionGovernance,
    Waiver,
    evidence_set_digest,
)
from steward.domain.naming import VersionRef, check_role, check_tag_key, parse_version_ref
from steward.domain.policy import Policy
from steward.domain.times import to_utc_text
from steward.services.moves import apply_move
from steward.services.policies import PolicyBook
from steward.services.ports import ArtifactStore, Store, VersionHandle, WriteSession

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def required_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInputError(f"a reason is required to {what} (use --reason)")
    if "\x00" in text:
        raise InvalidInputError("the reason contains a NUL character")
    if len(text) > 10_000:
        raise InvalidInputError("the reason is longer than 10000 characters")
    return text


def ts_plus_days(ts: str, days: int) -> str:
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return format_ts(moment + timedelta(days=days))


@dataclass(frozen=True, slots=True)
class RaciStep:
    """One process step of the policy's RACI matrix, with the project's people in each role."""

    step: str
    assignments: dict[str, dict[str, list[str]]]  # letter -> role -> people holding it

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, **self.assignments}

    def unstaffed(self) -> list[str]:
        """Roles this step names that nobody in the project holds."""
        return sorted({r for roles in self.assignments.values() for r, p in roles.items() if not p})


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


class Governance:
    def __init__(
        self,
        store: Store,
        policies: PolicyBook,
        artifacts: ArtifactStore,
        *,
        default_policy: str = "default",
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._policies = policies
        self._artifacts = artifacts
        self.default_policy = default_policy
        self._clock = clock

    @property
    def store(self) -> Store:
        return self._store

    @property
    def policies(self) -> PolicyBook:
        return self._policies

    def now(self) -> str:
        return format_ts(self._clock())

    # Risk classification ------------------------------------------------------------------

    def classify(
        self,
        actor: str,
        project: str,
        answers: Mapping[str, str],
        *,
        policy: str | None = None,
        reason: str | None = None,
    ) -> Assessment:
        """Answer the policy's questionnaire for a project; the answers give its risk tier."""
        name = policy or self.default_policy
        with self._store.write(actor) as tx:
            project_id = tx.project_id(project)
            if project_id is None:
                raise NotFoundError(f"unknown project {project!r}")
            stored, parsed = self._policies.resolve_for_write(tx, name)
            result = classify(parsed, {str(k): str(v) for k, v in answers.items()})
            assessment = Assessment(
                project=project,
                policy_name=stored.name,
                policy_version=stored.version,
                answers={str(k): str(v) for k, v in answers.items()},
                tier=result.tier,
                score=result.score,
                reasons=tuple(result.reasons),
                assessed_at=tx.now,
                assessed_by=actor,
            )
            event = tx.record(
                PendingEvent(
                    "project.classified",
                    "project",
                    project,
                    {
                        "policy": {"name": stored.name, "version": stored.version},
                        "answers": assessment.answers,
                        "tier": result.tier,
                        "score": result.score,
                    },
                    (reason or "").strip() or None,
                )
            )
            tx.add_assessment(project_id, stored.id, assessment, event.seq)
            tx.commit()
        return assessment

    def assessment(self, project: str) -> Assessment:
        with self._store.read() as q:
            if q.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            found = q.get_assessment(project)
        if found is None:
            raise NotFoundError(
                f"project {project!r} has no risk assessment: run steward project classify"
            )
        return found

    def facts(self, ref: VersionRef) -> VersionGovernance:
        """Evidence, sign-offs and waivers of a version, as of now."""
        with self._store.read() as q:
            found = q.version_governance(ref.project, ref.model, ref.number)
            if found is None:
                if q.get_project(ref.project) is None:
                    raise NotFoundError(f"unknown project {ref.project!r}")
                raise NotFoundError(f"unknown version {ref}")
        return found

    def raci(self, project: str) -> tuple[str, list[RaciStep]]:
        """The RACI matrix of the project's policy with the people who hold each role, so that
        a step nobody is responsible or accountable for shows up before it is needed."""
        with self._store.read() as q:
            if q.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            assessment = q.get_assessment(project)
            name = assessment.policy_name if assessment else self.default_policy
            stored, policy = self._policies.resolve_for_read(q, name)
            members = q.member_roles(project)
        holders: dict[str, list[str]] = {}
        for person, roles in sorted(members.items()):
            for role in roles:
                holders.setdefault(role, []).append(person)
        steps = []
        for step, matrix in policy.raci.items():
            letters = {
                "responsible": matrix.responsible,
                "accountable": matrix.accountable,
                "consulted": matrix.consulted,
                "informed": matrix.informed,
            }
            steps.append(
                RaciStep(
                    step,
                    {
                        letter: {role: holders.get(role, []) for role in roles}
                        for letter, roles in letters.items()
                    },
                )
            )
        label = stored.label if stored else f"{policy.name} (shipped, not applied yet)"
        return label, steps

    def waivers(self, project: str | None = None) -> list[Waiver]:
        with self._store.read() as q:
            if project is not None and q.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            return q.waivers(project)

    # Evidence -----------------------------------------------------------------------------

    def add_evidence(
        self,
        actor: str,
        ref: VersionRef,
        kind: str,
        *,
        passed: bool | None = None,
        metrics: Mapping[str, float] | None = None,
        config: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        summary: str = "",
        report: bytes | None = None,
        reason: str | None = None,
    ) -> Evidence:
        """Attach the result of a check (or a document) to a version. Evidence is appended,
        never replaced: the newest item of a kind is the one gates read."""
        check_tag_key(kind)
        clean_metrics = self._metrics(metrics)
        if passed is None and not clean_metrics:
            raise InvalidInputError(
                f"evidence {kind!r} states nothing: give --passed/--failed or at least one metric"
            )
        report_digest = self._artifacts.put(report).digest if report else None
        with self._store.write(actor) as tx:
            governed = self.governed_for_write(tx, ref)
            known = metrics_for(kind, governed.policy)
            if known is None:
                raise InvalidInputError(
                    f"unknown evidence kind {kind!r} under policy {governed.policy.name}"
                )
            extra = sorted(set(clean_metrics) - known)
            if extra:
                raise InvalidInputError(
                    f"evidence {kind!r} has no metric {extra[0]!r}: "
                    f"expected some of {', '.join(sorted(known))}"
                )
            evidence = Evidence(
                version_ref=str(ref),
                kind=kind,
                passed=passed,
                metrics=clean_metrics,
                config=dict(config or {}),
                inputs=dict(inputs or {}),
                producer=actor,
                created_at=tx.now,
                report=report_digest,
                summary=summary.strip()[:2000],
            )
            event = tx.record(
                PendingEvent(
                    "evidence.added",
                    "version",
                    str(ref),
                    {
                        "kind": kind,
                        "passed": passed,
                        "metrics": clean_metrics,
                        "digest": evidence.digest,
                        "report": report_digest,
                    },
                    (reason or "").strip() or None,
                )
            )
            evidence_id = tx.add_evidence(governed.handle.id, evidence, event.seq)
            tx.commit()
        return Evidence(**{**_fields(evidence), "id": evidence_id})

    @staticmethod
    def _metrics(metrics: Mapping[str, float] | None) -> dict[str, float]:
        clean: dict[str, float] = {}
        for key, value in (metrics or {}).items():
            check_tag_key(str(key))
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInputError(f"metric {key!r} must be a number, not {value!r}")
            if not math.isfinite(value):
                raise InvalidInputError(f"metric {key!r} must be finite, not {value!r}")
            clean[str(key)] = float(value)
        return clean

    # Sign-offs ----------------------------------------------------------------------------

    def sign(
        self,
        actor: str,
        ref: VersionRef,
        *,
        stage: str,
        role: str,
        decision: str,
        reason: str | None,
        meaning: str | None = None,
    ) -> SignOff:
        """Approve or reject a version for a stage, acting in one role. Bound to the evidence
        present now: new evidence makes it stale."""
        if decision not in ("approve", "reject"):
            raise InvalidInputError(f"unknown decision {decision!r}: expected approve or reject")
        why = required_reason(reason, f"{decision} a version")
        check_role(role)
        with self._store.write(actor) as tx:
            governed = self.governed_for_write(tx, ref)
            policy, tier = self._require_tier(governed, ref)
            if role not in policy.roles:
                raise InvalidInputError(
                    f"unknown role {role!r}: policy {policy.name} defines {', '.join(policy.roles)}"
                )
            graph = policy.stages.graph()
            graph.check_stage(stage)
            wanted = [s for s in policy.gate(tier, stage).signoffs if s.role == role]
            if not wanted:
                asked = sorted({s.role for s in policy.gate(tier, stage).signoffs})
                hint = f"it asks for {', '.join(asked)}" if asked else "it asks for no sign-off"
                raise InvalidInputError(
                    f"the gate to {stage} for tier {tier} does not ask for role {role!r}: {hint}"
                )
            if role not in governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} does not hold role {role!r} in project {governed.facts.project!r}"
                )
            self._check_separation(policy, governed, actor)
            evidence_digest = evidence_set_digest(governed.facts.evidence)
            signoff = SignOff(
                version_ref=str(ref),
                stage=stage,
                role=role,
                decision="approve" if decision == "approve" else "reject",
                meaning=(meaning or _default_meaning(decision, wanted[0].meaning, stage)).strip(),
                reason=why,
                signer=actor,
                signed_at=tx.now,
                evidence_digest=evidence_digest,
                policy_name=policy.name,
                policy_version=governed.stored_policy.version if governed.stored_policy else 0,
            )
            event = tx.record(
                PendingEvent(
                    "signoff.approved" if decision == "approve" else "signoff.rejected",
                    "version",
                    str(ref),
                    {
                        "stage": stage,
                        "role": role,
                        "meaning": signoff.meaning,
                        "evidence_digest": evidence_digest,
                        "policy": {"name": signoff.policy_name, "version": signoff.policy_version},
                    },
                    why,
                )
            )
            signoff_id = tx.add_signoff(governed.handle.id, signoff, event.seq)
            if decision == "reject":
                self._send_back(tx, graph.initial, policy, governed, stage, actor, why)
            tx.commit()
        return SignOff(**{**_fields(signoff), "id": signoff_id})

    def _send_back(
        self,
        tx: WriteSession,
        initial: str,
        policy: Policy,
        governed: Governed,
        stage: str,
        actor: str,
        why: str,
    ) -> None:
        """A rejection closes the open request and returns the version to the initial stage."""
        request = tx.open_request(governed.handle.id, stage)
        if request is not None:
            tx.close_request(request.id, "rejected")
        current = governed.handle.stage
        graph = policy.stages.graph()
        # Only a version waiting to enter the rejected stage goes back; one already past it
        # (say, in production when rejected for staging) stays where it is.
        if current != initial and (current, stage) in graph.transitions:
            apply_move(
                tx,
                policy.stages.graph(),
                governed.handle,
                initial,
                f"rejected for {stage} by {actor}: {why}",
                {"rejected_for": stage},
            )

    @staticmethod
    def _check_separation(policy: Policy, governed: Governed, actor: str) -> None:
        rules = policy.separation_of_duties
        if not rules.author_may_sign and actor == governed.facts.subject.author:
            raise PermissionDeniedError(
                f"{actor} registered {governed.facts.subject.ref} and cannot sign it off "
                "(separation of duties)"
            )
        if not rules.evidence_producers_may_sign:
            produced = sorted({e.kind for e in governed.facts.evidence if e.producer == actor})
            if produced:
                raise PermissionDeniedError(
                    f"{actor} produced evidence ({', '.join(produced)}) on "
                    f"{governed.facts.subject.ref} and cannot sign it off (separation of duties)"
                )

    # Waivers ------------------------------------------------------------------------------

    def grant_waiver(
        self,
        actor: str,
        ref: VersionRef,
        *,
        stage: str,
        requirement: str,
        role: str,
        reason: str | None,
        expires: str | datetime,
    ) -> Waiver:
        """A policy exception for one requirement of one gate: reasoned, attributed, expiring.
        The gate reports it as waived, never as met."""
        why = required_reason(reason, "grant a waiver")
        until = to_utc_text(expires)
        with self._store.write(actor) as tx:
            governed = self.governed_for_write(tx, ref)
            policy, tier = self._require_tier(governed, ref)
            rules = policy.waivers
            if role not in rules.granted_by:
                allowed = ", ".join(rules.granted_by) or "nobody"
                raise PermissionDeniedError(
                    f"role {role!r} may not grant waivers under policy {policy.name}: {allowed} may"
                )
            if role not in governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} does not hold role {role!r} in project {governed.facts.project!r}"
                )
            if actor == governed.facts.subject.author:
                raise PermissionDeniedError(
                    f"{actor} registered {ref} and cannot waive its requirements "
                    "(separation of duties)"
                )
            policy.stages.graph().check_stage(stage)
            decision = governed.evaluate(stage, tx.now)
            keys = {r.key: r for r in decision.requirements}
            found = keys.get(requirement)
            if found is None:
                waivable = [r.key for r in decision.requirements if r.kind in rules.waivable]
                hint = f": waivable here: {'; '.join(waivable)}" if waivable else ""
                raise InvalidInputError(
                    f"the gate to {stage} for tier {tier} has no requirement {requirement!r}{hint}"
                )
            if found.kind not in rules.waivable:
                raise InvalidInputError(
                    f"{found.kind} requirements cannot be waived under policy {policy.name}"
                )
            if until <= tx.now:
                raise InvalidInputError(f"the waiver would expire in the past ({until})")
            latest = ts_plus_days(tx.now, rules.max_days)
            if until > latest:
                raise InvalidInputError(
                    f"a waiver may last at most {rules.max_days} days under policy "
                    f"{policy.name} (until {latest[:10]})"
                )
            waiver = Waiver(
                version_ref=str(ref),
                stage=stage,
                requirement=requirement,
                reason=why,
                granted_by=actor,
                granted_role=role,
                granted_at=tx.now,
                expires_at=until,
            )
            event = tx.record(
                PendingEvent(
                    "waiver.granted",
                    "version",
                    str(ref),
                    {
                        "stage": stage,
                        "requirement": requirement,
                        "expires_at": until,
                        "role": role,
                        "policy": {
                            "name": policy.name,
                            "version": governed.stored_policy.version
                            if governed.stored_policy
                            else 0,
                        },
                    },
                    why,
                )
            )
            waiver_id = tx.add_waiver(governed.handle.id, waiver, event.seq)
            tx.commit()
        return Waiver(**{**_fields(waiver), "id": waiver_id})

    def revoke_waiver(self, actor: str, waiver_id: int, reason: str | None) -> Waiver:
        why = required_reason(reason, "revoke a waiver")
        with self._store.write(actor) as tx:
            waiver = tx.get_waiver(waiver_id)
            if waiver is None:
                raise NotFoundError(f"unknown waiver {waiver_id}")
            if waiver.revoked_at is not None:
                raise ConflictError(f"waiver {waiver_id} was already revoked")
            governed = self.governed_for_write(tx, parse_version_ref(waiver.version_ref))
            allowed = set(governed.policy.waivers.granted_by)
            if not allowed & governed.members.get(actor, frozenset()):
                raise PermissionDeniedError(
                    f"{actor} holds none of the roles that manage waivers in project "
                    f"{governed.facts.project!r} ({', '.join(sorted(allowed)) or 'none'})"
                )
            event = tx.record(
                PendingEvent(
                    "waiver.revoked",
                    "version",
                    waiver.version_ref,
                    {"waiver": waiver_id, "requirement": waiver.requirement},
                    why,
                )
            )
            tx.revoke_waiver(waiver_id, why, event.seq)
            revoked = tx.get_waiver(waiver_id)
            tx.commit()
        assert revoked is not None
        return revoked

    # Loading ------------------------------------------------------------------------------

    def governed_for_write(self, tx: WriteSession, ref: VersionRef) -> Governed:
        handle = tx.version(ref.project, ref.model, ref.number)
        if handle is None:
            if tx.project_id(ref.project) is None:
                raise NotFoundError(f"unknown project {ref.project!r}")
            raise NotFoundError(f"unknown version {ref}")
        project_id = tx.project_id(ref.project)
        assert project_id is not None
        facts = tx.version_governance(handle.id)
        assessment = tx.get_assessment(project_id)
        name = assessment.policy_name if assessment else self.default_policy
        stored, policy = self._policies.resolve_for_write(tx, name)
        return Governed(
            handle,
            facts,
            stored,
            policy,
            assessment,
            tier_of(policy, assessment),
            tx.member_roles(project_id),
        )

    @staticmethod
    def _require_tier(governed: Governed, ref: VersionRef) -> tuple[Policy, str]:
        if governed.tier is None:
            raise InvalidInputError(
                f"project {ref.project!r} has no risk assessment: run steward project classify"
            )
        return governed.policy, governed.tier


def tier_of(policy: Policy, assessment: Assessment | None) -> str | None:
    """The tier under the newest version of the assessed policy: the stored answers are
    re-scored, so a new policy version applies from the next decision on. Answers that the new
    version no longer accepts leave the project unclassified until it is assessed again."""
    if assessment is None:
        return None
    if assessment.policy_name != policy.name:
        return None
    try:
        return classify(policy, assessment.answers).tier
    except InvalidInputError:
        return None


def _default_meaning(decision: str, approval_meaning: str, stage: str) -> str:
    if decision == "reject":
        return f"rejected for {stage}"
    return approval_meaning or f"approved for {stage} use"


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}
