"""The gate: may a version move to a target stage, under a policy, right now?

`evaluate_gate` is a pure function of what was recorded about the version (evidence, sign-offs,
waivers), who holds which role, and the time. It lists every requirement with a status and a
sentence saying why, so that a blocked promotion names everything still to do, and an allowed one
records what it rested on. The result never depends on the order the records are given in.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from steward.domain.audit import format_ts
from steward.domain.errors import InvalidInputError
from steward.domain.governance import (
    Evidence,
    GateDecision,
    GateSubject,
    RequirementResult,
    RequirementStatus,
    SignOff,
    Waiver,
    evidence_set_digest,
)
from steward.domain.policy import (
    CheckRequirement,
    Gate,
    LineageFact,
    Policy,
    SeparationOfDuties,
    SignoffRequirement,
    Tier,
)

_Kind = Literal["transition", "assessment", "check", "documentation", "lineage", "signoff"]

_NO_ASSESSMENT = "the project has no risk assessment: run steward project classify"


def evaluate_gate(
    policy: Policy,
    policy_version: int,
    tier: str | None,
    subject: GateSubject,
    target: str,
    evidence: Sequence[Evidence],
    signoffs: Sequence[SignOff],
    waivers: Sequence[Waiver],
    members: Mapping[str, frozenset[str]],
    now: str,
) -> GateDecision:
    """Judge the move of `subject` to `target` under `policy` (applied as `policy_version`).

    `tier` is the project's assessed tier (None: not assessed), `members` maps each person to the
    roles they hold in the project now, and `now` is fixed-width UTC text (audit.format_ts)."""
    items = tuple(sorted(evidence, key=_evidence_order))
    digest = evidence_set_digest(items)
    results = [_transition(policy, subject, target)]
    assessment, gate, tier_def = _assessment(policy, policy_version, tier, target)
    results.append(assessment)
    if gate is not None:
        results.extend(evaluate_check(check, items) for check in gate.checks)
        results.extend(_documentation(policy, name, subject) for name in gate.documentation)
        results.extend(_lineage(fact, subject) for fact in gate.lineage)
        if gate.signoffs and tier_def is not None:  # a gate with sign-offs has a defined tier
            results.extend(
                _signoffs(
                    policy,
                    policy_version,
                    tier_def,
                    subject,
                    target,
                    gate.signoffs,
                    items,
                    digest,
                    signoffs,
                    members,
                    now,
                )
            )
    mine = sorted(
        (w for w in waivers if w.version_ref == subject.ref and w.stage == target),
        key=_waiver_order,
    )
    return GateDecision(
        version_ref=subject.ref,
        from_stage=subject.stage,
        to_stage=target,
        policy_name=policy.name,
        policy_version=policy_version,
        tier=tier,
        evaluated_at=now,
        evidence_digest=digest,
        requirements=tuple(_waive(policy, result, mine, now) for result in results),
    )


# Transition and assessment ------------------------------------------------------------------


def _transition(policy: Policy, subject: GateSubject, target: str) -> RequirementResult:
    graph = policy.stages.graph()
    description = f"move from {subject.stage} to {target}"
    try:
        graph.check_move(subject.stage, target, held_before=target in subject.held_stages)
    except InvalidInputError as exc:
        return _result("transition", "transition", description, "failed", exc.message)
    if (subject.stage, target) in graph.transitions:
        detail = f"{subject.stage} → {target} is an allowed move"
    else:
        detail = f"rollback to {target}: the version was in {target} before"
    return _result("transition", "transition", description, "met", detail)


def _assessment(
    policy: Policy, policy_version: int, tier: str | None, target: str
) -> tuple[RequirementResult, Gate | None, Tier | None]:
    """The assessment requirement, and the gate to apply (None: the gate cannot be known)."""

    def result(status: RequirementStatus, detail: str) -> RequirementResult:
        return _result("assessment", "assessment", "risk assessment", status, detail)

    label = f"policy {policy.name} v{policy_version}"
    if tier is None:
        if all(policy.gate(t.name, target).is_empty() for t in policy.tiers):
            return result("met", f"no requirements for {target}"), None, None
        return result("missing", _NO_ASSESSMENT), None, None
    tier_def = next((t for t in policy.tiers if t.name == tier), None)
    if tier_def is None:
        known = ", ".join(policy.tier_names())
        detail = (
            f"tier {tier} is not defined by {label} (tiers: {known}): classify the project again"
        )
        return result("failed", detail), Gate(), None
    gate = policy.gate(tier, target)
    if tier_def.prohibited and target != policy.stages.initial:
        detail = f"tier {tier} is prohibited and may not leave {policy.stages.initial}"
        return result("failed", detail), gate, tier_def
    detail = f"tier {tier} under {label}"
    if gate.is_empty():
        detail += f": no requirements for {target}"
    return result("met", detail), gate, tier_def


# Checks -------------------------------------------------------------------------------------


def evaluate_check(check: CheckRequirement, evidence: Sequence[Evidence]) -> RequirementResult:
    """One check against the latest evidence of its kind (by created_at, then id)."""
    key = check.key
    if check.metric is None:
        description = f"check {check.kind} passed"
    else:
        description = f"check {check.kind}.{check.metric} {check.op} {_num(check.value)}"

    def result(status: RequirementStatus, detail: str) -> RequirementResult:
        return _result(key, "check", description, status, detail)

    ofkind = [e for e in evidence if e.kind == check.kind]
    if not ofkind:
        return result("missing", f"no {check.kind} evidence")
    latest = max(ofkind, key=_evidence_order)
    name = f"evidence {latest.kind} #{latest.id}"
    if check.metric is None:
        summary = f": {latest.summary}" if latest.summary else ""
        if latest.passed is True:
            return result("met", f"{name} passed{summary}")
        if latest.passed is False:
            return result("failed", f"{name} failed{summary}")
        return result("failed", f"{name} states no pass/fail")
    if check.metric not in latest.metrics:
        return result("failed", f"{name} has no metric {check.metric}")
    measured = latest.metrics[check.metric]
    if isinstance(measured, bool) or not isinstance(measured, int | float):
        return result("failed", f"{name} has a metric {check.metric} that is not a number")
    needs = f"{check.op} {_num(check.value)}"
    # NaN compares false with everything, so it never holds.
    if check.holds(float(measured)):
        return result("met", f"{check.metric} = {_num(measured)} ({name}, needs {needs})")
    return result("failed", f"{check.metric} = {_num(measured)}, needs {needs} ({name})")


def _num(value: float | None) -> str:
    """A number as short as it can be written without changing it."""
    if value is None:
        return "?"
    short = format(value, "g")
    try:
        same = float(short) == value
    except ValueError:  # pragma: no cover - format(..., "g") always gives a float literal
        same = False
    return short if same else repr(value)


# Documentation and lineage ------------------------------------------------------------------


def _documentation(policy: Policy, name: str, subject: GateSubject) -> RequirementResult:
    key = f"documentation:{name}"
    meaning = policy.documentation_fields.get(name, "")
    description = f"documentation {name}" + (f": {meaning}" if meaning else "")
    text = subject.documentation.get(name)
    if text is None:
        return _result(key, "documentation", description, "missing", f"no {name} in the docs")
    if not str(text).strip():
        return _result(key, "documentation", description, "missing", f"{name} is blank")
    detail = f"{name} is filled in ({len(str(text).strip())} characters)"
    return _result(key, "documentation", description, "met", detail)


_LINEAGE_DESCRIPTIONS: dict[str, str] = {
    "code_commit": "code commit recorded",
    "clean_code": "built from committed code",
    "training_data": "training data recorded",
    "validation_data": "validation data recorded",
    "environment": "environment recorded",
    "signature": "input signature recorded",
}


def _lineage(fact: LineageFact, subject: GateSubject) -> RequirementResult:
    key = f"lineage:{fact}"
    description = _LINEAGE_DESCRIPTIONS[fact]

    def result(status: RequirementStatus, detail: str) -> RequirementResult:
        return _result(key, "lineage", description, status, detail)

    # Key names as written by adapters.capture.code.capture_code.
    commit = subject.code.get("git_commit")
    note = subject.code.get("note")
    no_commit = "no git commit recorded for the version" + (f" ({note})" if note else "")
    if fact == "code_commit":
        return result("met", f"git commit {commit}") if commit else result("missing", no_commit)
    if fact == "clean_code":
        if not commit:
            return result("missing", no_commit)
        dirty = subject.code.get("git_dirty")
        if dirty is False:
            return result("met", f"git commit {commit} with no uncommitted changes")
        if dirty is True:
            return result("failed", f"the code had uncommitted changes on top of {commit}")
        return result("missing", f"whether the code at {commit} had uncommitted changes is unknown")
    if fact in ("training_data", "validation_data"):
        label = fact.replace("_", " ")
        data = subject.training_data if fact == "training_data" else subject.validation_data
        if data is None:
            return result("missing", f"no {label} recorded for the version")
        return result("met", f"{label} recorded{_data_summary(data)}")
    if fact == "environment":
        if not subject.environment:
            return result("missing", "no environment recorded for the version")
        return result("met", f"environment recorded ({len(subject.environment)} entries)")
    if not subject.signature:
        return result("missing", "no input signature recorded for the version")
    return result("met", "input signature recorded")


def _data_summary(data: Mapping[str, Any]) -> str:
    parts = []
    if isinstance(data.get("sha256"), str):
        parts.append(f"sha256 {data['sha256'][:12]}")
    if isinstance(data.get("rows"), int):
        parts.append(f"{data['rows']} rows")
    return f" ({', '.join(parts)})" if parts else ""


# Sign-offs ----------------------------------------------------------------------------------


def _signoffs(
    policy: Policy,
    policy_version: int,
    tier: Tier,
    subject: GateSubject,
    target: str,
    requirements: tuple[SignoffRequirement, ...],
    evidence: tuple[Evidence, ...],
    digest: str,
    signoffs: Sequence[SignOff],
    members: Mapping[str, frozenset[str]],
    now: str,
) -> list[RequirementResult]:
    roles = {r.role for r in requirements}
    # Only the latest decision of each person in each role counts.
    latest: dict[tuple[str, str], SignOff] = {}
    for signoff in sorted(signoffs, key=_signoff_order):
        relevant = signoff.version_ref == subject.ref and signoff.stage == target
        if relevant and signoff.role in roles:
            latest[(signoff.signer, signoff.role)] = signoff
    produced: dict[str, Evidence] = {}
    for item in evidence:  # sorted: the first item each person produced
        produced.setdefault(item.producer, item)
    moment = _parse_time(now)
    if moment is None:
        raise InvalidInputError(f"malformed time {now!r}: expected 2026-11-23T14:30:00.000000Z")

    invalid: dict[tuple[str, str], str] = {}
    stale: dict[tuple[str, str], str] = {}
    for (signer, role), signoff in latest.items():
        why_not = _why_invalid(
            policy.duties(tier.name, target), subject, signer, role, produced, members
        )
        if why_not is not None:
            invalid[(signer, role)] = why_not
            continue
        why_stale = _why_stale(policy, policy_version, tier, signoff, digest, moment)
        if why_stale is not None:
            stale[(signer, role)] = why_stale

    def approvers(role: str, *, stale_too: bool) -> set[str]:
        return {
            signer
            for (signer, r), s in latest.items()
            if r == role
            and s.decision == "approve"
            and (signer, r) not in invalid
            and (stale_too or (signer, r) not in stale)
        }

    fresh = [approvers(r.role, stale_too=False) for r in requirements]
    counts = [r.count for r in requirements]
    owner = _match(counts, fresh)
    best = len(owner)
    filled: list[list[str]] = [[] for _ in requirements]
    for (index, _), person in owner.items():
        filled[index].append(person)
    counted_for = {person: requirements[index].role for (index, _), person in owner.items()}

    results = []
    for index, requirement in enumerate(requirements):
        role = requirement.role
        names = sorted(filled[index])
        plural = "" if requirement.count == 1 else "s"
        tally = f"{len(names)} of {requirement.count} {role} approval{plural}"
        if names:
            tally += f" ({', '.join(names)})"
        rejections: list[str] = []
        status: RequirementStatus
        notes: list[str] = []
        for (signer, r), signoff in sorted(latest.items()):
            if r != role:
                continue
            what = "approval" if signoff.decision == "approve" else "rejection"
            if (signer, r) in invalid:
                notes.append(f"{signer}'s {what} does not count: {invalid[(signer, r)]}")
            elif (signer, r) in stale:
                notes.append(f"{signer}'s {what} is stale: {stale[(signer, r)]}")
            elif signoff.decision == "reject":
                # Only a current rejection fails; a stale one judged what is no longer there,
                # so, like a stale approval, it is reported above and does not count.
                because = f": {signoff.reason}" if signoff.reason else ""
                rejections.append(f"rejected by {signer}{because}")
            elif signer not in names and signer in counted_for:
                notes.append(f"{signer} already counts for {counted_for[signer]}")
        detail = "; ".join([*rejections, tally, *notes])
        if rejections:
            status = "failed"
        elif len(names) == requirement.count:
            status = "met"
        else:
            # Stale when fresh signatures from those whose approvals went stale would fill more.
            widened = list(fresh)
            widened[index] = approvers(role, stale_too=True)
            status = "stale" if len(_match(counts, widened)) > best else "missing"
        description = (
            f"{role} sign-off"
            if requirement.count == 1
            else f"{requirement.count} {role} sign-offs"
        )
        if requirement.meaning:
            description += f": {requirement.meaning}"
        results.append(_result(requirement.key, "signoff", description, status, detail))
    return results


def _why_invalid(
    duties: SeparationOfDuties,
    subject: GateSubject,
    signer: str,
    role: str,
    produced: Mapping[str, Evidence],
    members: Mapping[str, frozenset[str]],
) -> str | None:
    held = members.get(signer, frozenset())
    conflict = duties.conflict(signer, subject.author, produced, held)
    if conflict is not None and conflict[0] == "author":
        return f"{signer} is the author of the version"
    if conflict is not None and conflict[0] == "evidence_producer":
        item = produced[signer]
        return f"{signer} produced evidence {item.kind} #{item.id}"
    if role not in held:
        return f"{signer} does not hold the role {role}"
    if conflict is not None:
        return f"{signer} holds the role {conflict[1]}, whose holders may not sign"
    return None


def _why_stale(
    policy: Policy,
    policy_version: int,
    tier: Tier,
    signoff: SignOff,
    digest: str,
    now: datetime,
) -> str | None:
    if signoff.evidence_digest != digest:
        return "signed before new evidence"
    if (signoff.policy_name, signoff.policy_version) != (policy.name, policy_version):
        return f"signed under policy {signoff.policy_name} v{signoff.policy_version}"
    if tier.recertify_days is not None:
        signed = _parse_time(signoff.signed_at)
        if signed is None:
            return f"the signing time {signoff.signed_at!r} is unreadable"
        expires = signed + timedelta(days=tier.recertify_days)
        if expires <= now:
            return (
                f"expired on {format_ts(expires)} "
                f"(tier {tier.name} is recertified every {tier.recertify_days} days)"
            )
    return None


def _match(
    counts: Sequence[int], eligible: Sequence[Collection[str]]
) -> dict[tuple[int, int], str]:
    """A maximum assignment of people to requirement slots (requirement index, seat): each
    requirement has `counts[i]` seats, a person takes at most one seat in all. Augmenting paths,
    trying people and seats in a fixed order so the answer depends only on the sets."""
    seats = [(index, seat) for index, count in enumerate(counts) for seat in range(count)]
    owner: dict[tuple[int, int], str] = {}

    def augment(person: str, seen: set[tuple[int, int]]) -> bool:
        for slot in seats:
            if slot in seen or person not in eligible[slot[0]]:
                continue
            seen.add(slot)
            if slot not in owner or augment(owner[slot], seen):
                owner[slot] = person
                return True
        return False

    for person in sorted(set().union(*eligible)) if eligible else ():
        augment(person, set())
    return owner


# Waivers ------------------------------------------------------------------------------------


def _waive(
    policy: Policy, result: RequirementResult, waivers: Sequence[Waiver], now: str
) -> RequirementResult:
    """Apply the active waiver of an unmet requirement, if the policy lets that kind be waived."""
    if result.status in ("met", "waived"):
        return result
    named = [w for w in waivers if w.requirement == result.key]
    if not named:
        return result
    if result.kind not in policy.waivers.waivable:
        ids = ", ".join(f"#{w.id}" for w in named)
        if result.kind in ("transition", "assessment", "signoff"):
            why = f"{result.kind} requirements can never be waived"
        else:
            why = f"the policy does not allow waiving {result.kind} requirements"
        return replace(result, detail=f"{result.detail}; waiver {ids} does not apply: {why}")
    active = [w for w in named if w.active(now)]
    if active:
        waiver = max(active, key=lambda w: (w.expires_at, *_waiver_order(w)))
        because = f": {waiver.reason}" if waiver.reason else ""
        detail = (
            f"waived by {waiver.granted_by} until {waiver.expires_at}{because} "
            f"(was: {result.detail})"
        )
        return replace(result, status="waived", waiver_id=waiver.id, detail=detail)
    notes = [
        f"waiver #{w.id} was revoked by {w.revoked_by} on {w.revoked_at}"
        if w.revoked_at is not None
        else f"waiver #{w.id} expired on {w.expires_at}"
        for w in named
    ]
    return replace(result, detail="; ".join([result.detail, *notes]))


# Helpers ------------------------------------------------------------------------------------


def _result(
    key: str, kind: _Kind, description: str, status: RequirementStatus, detail: str
) -> RequirementResult:
    return RequirementResult(
        key=key, kind=kind, description=description, status=status, detail=detail
    )


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _loose_json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def _evidence_order(item: Evidence) -> tuple[Any, ...]:
    # created_at then id decide; the rest only makes the order total when both are equal.
    return (
        item.created_at,
        item.id,
        item.kind,
        item.producer,
        item.summary,
        _loose_json(item.content()),
    )


def _signoff_order(item: SignOff) -> tuple[Any, ...]:
    return (
        item.signed_at,
        item.id,
        item.decision,
        item.reason,
        item.meaning,
        item.evidence_digest,
        item.policy_name,
        item.policy_version,
    )


def _waiver_order(item: Waiver) -> tuple[Any, ...]:
    return (
        item.granted_at,
        item.id,
        item.requirement,
        item.expires_at,
        item.reason,
        item.granted_by,
        item.granted_role,
        item.revoked_at or "",
        item.revoked_by or "",
        item.revoke_reason or "",
    )
