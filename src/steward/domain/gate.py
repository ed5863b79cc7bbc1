"""The gate: may a version move to a target stage, under a policy, right now?

`evaluate_gate` is a pure function of what was recorded about the version (evidence, sign-offs,
waivers), who holds which role, and the time. It lists every requirement with a status and a
sentence saying why, so that a blocked promotion names everything still to do, and an allowed one
records what it rested on. The result never depends on the order the records are given in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from steward.domain.errors import InvalidInputError
from steward.domain.gate_records import (
    evidence_order,
    requirement_result,
    waiver_order,
)
from steward.domain.gate_signoffs import signoff_results
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
    Tier,
)

RequirementKind = Literal[
    "transition", "assessment", "check", "documentation", "lineage", "signoff"
]

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
    items = tuple(sorted(evidence, key=evidence_order))
    digest = evidence_set_digest(items)
    results = [_transition(policy, subject, target)]
    assessment, gate, tier_def = _assessment(policy, policy_version, tier, target)
    results.append(assessment)
    if gate is not None:
        duties = policy.duties(tier, target)
        results.extend(
            evaluate_check(check, items, subject, gate.computed, duties.author_may_attest)
            for check in gate.checks
        )
        results.extend(_documentation(policy, name, subject) for name in gate.documentation)
        results.extend(_lineage(fact, subject) for fact in gate.lineage)
        if gate.signoffs and tier_def is not None:  # a gate with sign-offs has a defined tier
            results.extend(
                signoff_results(
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
        key=waiver_order,
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
        return requirement_result("transition", "transition", description, "failed", exc.message)
    if (subject.stage, target) in graph.transitions:
        detail = f"{subject.stage} → {target} is an allowed move"
    else:
        detail = f"rollback to {target}: the version was in {target} before"
    return requirement_result("transition", "transition", description, "met", detail)


def _assessment(
    policy: Policy, policy_version: int, tier: str | None, target: str
) -> tuple[RequirementResult, Gate | None, Tier | None]:
    """The assessment requirement, and the gate to apply (None: the gate cannot be known)."""

    def result(status: RequirementStatus, detail: str) -> RequirementResult:
        return requirement_result("assessment", "assessment", "risk assessment", status, detail)

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


def evaluate_check(
    check: CheckRequirement,
    evidence: Sequence[Evidence],
    subject: GateSubject | None = None,
    computed: Sequence[str] = (),
    author_may_attest: bool = True,
) -> RequirementResult:
    """One check against the latest evidence of its kind (by created_at, then id) that counts:
    for a kind the gate wants `computed`, only what Steward's checks computed on this version's
    artifact; attestations by the version's author only where the policy allows them."""
    key = check.key
    if check.metric is None:
        description = f"check {check.kind} passed"
    else:
        description = f"check {check.kind}.{check.metric} {check.op} {_num(check.value)}"

    def result(status: RequirementStatus, detail: str) -> RequirementResult:
        return requirement_result(key, "check", description, status, detail)

    ofkind = [e for e in evidence if e.kind == check.kind]
    if not ofkind:
        return result("missing", f"no {check.kind} evidence")
    refused = {
        e.id: why
        for e in ofkind
        if (why := _why_not_counted(e, subject, check.kind in computed, author_may_attest))
    }
    counted = [e for e in ofkind if e.id not in refused]
    if not counted:
        newest = max(ofkind, key=evidence_order)
        return result(
            "missing", f"evidence {newest.kind} #{newest.id} does not count: {refused[newest.id]}"
        )
    latest = max(counted, key=evidence_order)
    return replace(_judged(check, latest, result), provenance=latest.provenance)


def _judged(
    check: CheckRequirement,
    latest: Evidence,
    result: Callable[[RequirementStatus, str], RequirementResult],
) -> RequirementResult:
    name = f"{latest.provenance} evidence {latest.kind} #{latest.id}"
    if check.metric is None:
        status, detail = _verdict(latest, name)
        return result(status, detail)
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


def _verdict(latest: Evidence, name: str) -> tuple[RequirementStatus, str]:
    summary = f": {latest.summary}" if latest.summary else ""
    if latest.passed is True:
        return "met", f"{name} passed{summary}"
    if latest.passed is False:
        return "failed", f"{name} failed{summary}"
    return "failed", f"{name} states no pass/fail"


def _why_not_counted(
    item: Evidence, subject: GateSubject | None, wants_computed: bool, author_may_attest: bool
) -> str | None:
    if item.provenance == "attested":
        if wants_computed:
            return (
                f"attested by {item.producer}, and this gate needs {item.kind} computed by "
                "steward check run"
            )
        if not author_may_attest and subject is not None and item.producer == subject.author:
            return f"attested by the version's author {item.producer}"
        return None
    # Checks that read no model (data quality, documentation) record none: they were computed
    # for this version's run, on its data.
    used = item.computed_on()
    if (
        subject is not None
        and subject.artifact_sha256
        and used not in (None, subject.artifact_sha256)
    ):
        return f"computed on another artifact ({str(used)[:12]}), not this version's"
    return None


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
        return requirement_result(
            key, "documentation", description, "missing", f"no {name} in the docs"
        )
    if not str(text).strip():
        return requirement_result(key, "documentation", description, "missing", f"{name} is blank")
    detail = f"{name} is filled in ({len(str(text).strip())} characters)"
    # A version's documentation is what its authors state: it is met by attestation.
    met = requirement_result(key, "documentation", description, "met", detail)
    return replace(met, provenance="attested")


_LINEAGE_DESCRIPTIONS: dict[str, str] = {
    "code_commit": "code commit recorded",
    "clean_code": "built from committed code",
    "training_data": "training data recorded",
    "validation_data": "validation data recorded",
    "environment": "environment recorded",
    "signature": "input signature recorded",
}


def _lineage(fact: LineageFact, subject: GateSubject) -> RequirementResult:
    status, detail = _LINEAGE_CHECKS[fact](fact, subject)
    return requirement_result(
        f"lineage:{fact}", "lineage", _LINEAGE_DESCRIPTIONS[fact], status, detail
    )


def _no_commit(subject: GateSubject) -> str:
    note = subject.code.get("note")
    return "no git commit recorded for the version" + (f" ({note})" if note else "")


# Key names as written by adapters.capture.code.capture_code.
def _code_commit(_fact: LineageFact, subject: GateSubject) -> tuple[RequirementStatus, str]:
    commit = subject.code.get("git_commit")
    return ("met", f"git commit {commit}") if commit else ("missing", _no_commit(subject))


def _clean_code(_fact: LineageFact, subject: GateSubject) -> tuple[RequirementStatus, str]:
    commit = subject.code.get("git_commit")
    if not commit:
        return "missing", _no_commit(subject)
    dirty = subject.code.get("git_dirty")
    if dirty is False:
        return "met", f"git commit {commit} with no uncommitted changes"
    if dirty is True:
        return "failed", f"the code had uncommitted changes on top of {commit}"
    return "missing", f"whether the code at {commit} had uncommitted changes is unknown"


def _data(fact: LineageFact, subject: GateSubject) -> tuple[RequirementStatus, str]:
    label = fact.replace("_", " ")
    data = subject.training_data if fact == "training_data" else subject.validation_data
    if data is None:
        return "missing", f"no {label} recorded for the version"
    return "met", f"{label} recorded{_data_summary(data)}"


def _environment(_fact: LineageFact, subject: GateSubject) -> tuple[RequirementStatus, str]:
    if not subject.environment:
        return "missing", "no environment recorded for the version"
    return "met", f"environment recorded ({len(subject.environment)} entries)"


def _signature(_fact: LineageFact, subject: GateSubject) -> tuple[RequirementStatus, str]:
    if not subject.signature:
        return "missing", "no input signature recorded for the version"
    return "met", "input signature recorded"


_LINEAGE_CHECKS: dict[str, Callable[[LineageFact, GateSubject], tuple[RequirementStatus, str]]] = {
    "code_commit": _code_commit,
    "clean_code": _clean_code,
    "training_data": _data,
    "validation_data": _data,
    "environment": _environment,
    "signature": _signature,
}


def _data_summary(data: Mapping[str, Any]) -> str:
    parts = []
    if isinstance(data.get("sha256"), str):
        parts.append(f"sha256 {data['sha256'][:12]}")
    if isinstance(data.get("rows"), int):
        parts.append(f"{data['rows']} rows")
    return f" ({', '.join(parts)})" if parts else ""


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
        waiver = max(active, key=lambda w: (w.expires_at, *waiver_order(w)))
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
