"""The gate without a database: every requirement kind, every detail message, and properties.

The gate is the control that stands between a model and production, so beyond the examples the
properties check what must hold for any records: the order of the records never matters, the
author and evidence producers never approve, one person never fills two seats, new evidence
invalidates earlier approvals, and a waiver never stands in for a sign-off.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steward.domain.gate import evaluate_check, evaluate_gate
from steward.domain.governance import (
    Evidence,
    GateDecision,
    GateSubject,
    RequirementResult,
    SignOff,
    Waiver,
    evidence_set_digest,
)
from steward.domain.policy import CheckRequirement, Policy

NOW = "2026-06-01T12:00:00.000000Z"
REF = "credit/scorer/3"
VERSION = 3  # the applied version of the policy

GATE: dict[str, Any] = {
    "checks": ["performance.auc >= 0.75", "data_quality passed"],
    "signoffs": [
        {"role": "validator", "count": 2, "meaning": "independent validation"},
        {"role": "risk_officer"},
    ],
    "documentation": ["intended_use"],
    "lineage": ["code_commit"],
}

DOCUMENT: dict[str, Any] = {
    "name": "bank",
    "roles": {"validator": "Validator", "risk_officer": "Risk officer", "owner": "Owner"},
    "questionnaire": {
        "questions": [{"id": "q", "text": "Question?", "answers": ["a", "b"]}],
        "default_tier": "minimal",
    },
    "tiers": [
        {"name": "minimal"},
        {"name": "high", "recertify_days": 30},
        {"name": "prohibited", "prohibited": True},
    ],
    "stages": {
        "names": ["development", "staging", "production", "retired"],
        "initial": "development",
        "transitions": [
            {"from": "development", "to": "staging"},
            {"from": "staging", "to": "production"},
            {"from": "staging", "to": "development"},
            {"from": "development", "to": "retired"},
            {"from": "staging", "to": "retired"},
            {"from": "production", "to": "retired"},
        ],
        "rollback": [{"from": "retired", "to": "production"}],
    },
    "gates": {"high": {"production": GATE}, "minimal": {"staging": {"documentation": ["owner"]}}},
    "documentation_fields": {"intended_use": "What the model is for"},
}


def make_policy(**changes: Any) -> Policy:
    document = copy.deepcopy(DOCUMENT)
    document.update(changes)
    return Policy.model_validate(document)


POLICY = make_policy()


def ts(day: int, hour: int = 0) -> str:
    return f"2026-05-{day:02d}T{hour:02d}:00:00.000000Z"


def subject(**changes: Any) -> GateSubject:
    base = GateSubject(
        ref=REF,
        author="alice",
        stage="staging",
        documentation={"intended_use": "Score retail credit applications."},
        code={"git_commit": "a" * 40, "git_dirty": False, "git_branch": "main"},
        environment={"python": "3.11.9"},
        signature={"inputs": [{"name": "income", "type": "double"}]},
        training_data={"sha256": "b" * 64, "rows": 1000},
        validation_data={"sha256": "c" * 64, "rows": 200},
    )
    return replace(base, **changes)


def ev(
    kind: str = "performance",
    *,
    id: int = 1,
    passed: bool | None = None,
    metrics: dict[str, float] | None = None,
    producer: str = "ci-bot",
    created_at: str = ts(10),
    summary: str = "",
) -> Evidence:
    return Evidence(
        version_ref=REF,
        kind=kind,
        passed=passed,
        metrics={"auc": 0.81} if metrics is None and kind == "performance" else metrics or {},
        config={},
        inputs={},
        producer=producer,
        created_at=created_at,
        summary=summary,
        id=id,
    )


GOOD_EVIDENCE = (ev(id=1), ev("data_quality", id=2, passed=True))
GOOD_DIGEST = evidence_set_digest(GOOD_EVIDENCE)


def so(
    signer: str,
    role: str = "validator",
    decision: str = "approve",
    *,
    id: int = 0,
    stage: str = "production",
    version_ref: str = REF,
    signed_at: str = ts(20),
    digest: str = GOOD_DIGEST,
    policy_name: str = "bank",
    policy_version: int = VERSION,
    reason: str = "",
) -> SignOff:
    return SignOff(
        version_ref=version_ref,
        stage=stage,
        role=role,
        decision=decision,  # type: ignore[arg-type]
        meaning="",
        reason=reason,
        signer=signer,
        signed_at=signed_at,
        evidence_digest=digest,
        policy_name=policy_name,
        policy_version=policy_version,
        id=id,
    )


def so_rejection(signer: str, **kw: Any) -> SignOff:
    return so(signer, decision="reject", **kw)


def waiver(
    requirement: str,
    *,
    id: int = 7,
    stage: str = "production",
    expires_at: str = "2026-07-01T00:00:00.000000Z",
    revoked_at: str | None = None,
    reason: str = "agreed with the regulator",
) -> Waiver:
    return Waiver(
        version_ref=REF,
        stage=stage,
        requirement=requirement,
        reason=reason,
        granted_by="rita",
        granted_role="risk_officer",
        granted_at=ts(1),
        expires_at=expires_at,
        revoked_at=revoked_at,
        revoked_by="rita" if revoked_at else None,
        revoke_reason="no longer needed" if revoked_at else None,
        id=id,
    )


MEMBERS: dict[str, frozenset[str]] = {
    "alice": frozenset({"owner", "validator"}),
    "bob": frozenset({"validator"}),
    "carol": frozenset({"validator"}),
    "dave": frozenset({"risk_officer"}),
    "erin": frozenset({"validator", "risk_officer"}),
    "ci-bot": frozenset({"validator"}),
}

GOOD_SIGNOFFS = (so("bob"), so("carol"), so("dave", "risk_officer"))


def decide(
    *,
    policy: Policy = POLICY,
    tier: str | None = "high",
    target: str = "production",
    evidence: Any = GOOD_EVIDENCE,
    signoffs: Any = GOOD_SIGNOFFS,
    waivers: Any = (),
    members: dict[str, frozenset[str]] | None = None,
    now: str = NOW,
    **subject_changes: Any,
) -> GateDecision:
    return evaluate_gate(
        policy,
        VERSION,
        tier,
        subject(**subject_changes),
        target,
        tuple(evidence),
        tuple(signoffs),
        tuple(waivers),
        MEMBERS if members is None else members,
        now,
    )


def req(decision: GateDecision, key: str) -> RequirementResult:
    found = [r for r in decision.requirements if r.key == key]
    assert len(found) == 1, [r.key for r in decision.requirements]
    return found[0]


def status(decision: GateDecision, key: str) -> tuple[str, str]:
    r = req(decision, key)
    return r.status, r.detail


AUC = "check:performance.auc >= 0.75"
DQ = "check:data_quality passed"

# The whole decision -------------------------------------------------------------------------


def test_a_complete_version_passes_with_every_requirement_listed_in_order() -> None:
    decision = decide()
    assert decision.outcome == "met"
    assert [r.key for r in decision.requirements] == [
        "transition",
        "assessment",
        AUC,
        DQ,
        "documentation:intended_use",
        "lineage:code_commit",
        "signoff:validator",
        "signoff:risk_officer",
    ]
    assert [r.kind for r in decision.requirements] == [
        "transition",
        "assessment",
        "check",
        "check",
        "documentation",
        "lineage",
        "signoff",
        "signoff",
    ]
    assert all(r.status == "met" for r in decision.requirements)
    assert (decision.version_ref, decision.from_stage, decision.to_stage) == (
        REF,
        "staging",
        "production",
    )
    assert (decision.policy_name, decision.policy_version, decision.tier) == ("bank", 3, "high")
    assert decision.evaluated_at == NOW
    assert decision.evidence_digest == GOOD_DIGEST


def test_descriptions() -> None:
    descriptions = {r.key: r.description for r in decide().requirements}
    assert descriptions == {
        "transition": "move from staging to production",
        "assessment": "risk assessment",
        AUC: "check performance.auc >= 0.75",
        DQ: "check data_quality passed",
        "documentation:intended_use": "documentation intended_use: What the model is for",
        "lineage:code_commit": "code commit recorded",
        "signoff:validator": "2 validator sign-offs: independent validation",
        "signoff:risk_officer": "risk_officer sign-off",
    }


# Transition ---------------------------------------------------------------------------------


def test_transition_details() -> None:
    assert status(decide(), "transition") == ("met", "staging → production is an allowed move")
    assert status(decide(stage="production"), "transition") == (
        "failed",
        "the version is already in production",
    )
    assert status(decide(stage="development"), "transition") == (
        "failed",
        "cannot move a version from development to production; "
        "from development it can go to retired, staging",
    )
    assert status(decide(target="moon"), "transition")[0] == "failed"
    assert "unknown stage 'moon'" in status(decide(target="moon"), "transition")[1]


def test_rollback_needs_the_version_to_have_held_the_stage() -> None:
    assert status(decide(stage="retired"), "transition") == (
        "failed",
        "cannot move a version from retired to production; "
        "only a version that was in production before can return to it",
    )
    held = decide(stage="retired", held_stages=frozenset({"production"}))
    assert status(held, "transition") == (
        "met",
        "rollback to production: the version was in production before",
    )


# Assessment ---------------------------------------------------------------------------------


def test_without_assessment_only_transition_and_assessment_are_listed() -> None:
    decision = decide(tier=None)
    assert [r.key for r in decision.requirements] == ["transition", "assessment"]
    assert status(decision, "assessment") == (
        "missing",
        "the project has no risk assessment: run steward project classify",
    )
    assert decision.outcome == "blocked"


def test_a_stage_without_requirements_needs_no_assessment() -> None:
    decision = decide(tier=None, target="retired")
    assert status(decision, "assessment") == ("met", "no requirements for retired")
    assert decision.outcome == "met"
    back = decide(tier=None, target="development")
    assert back.outcome == "met"


def test_assessment_met_names_tier_and_policy() -> None:
    assert status(decide(), "assessment") == ("met", "tier high under policy bank v3")
    retired = decide(target="retired")
    assert status(retired, "assessment") == (
        "met",
        "tier high under policy bank v3: no requirements for retired",
    )
    assert [r.key for r in retired.requirements] == ["transition", "assessment"]


def test_a_prohibited_tier_may_not_leave_the_initial_stage() -> None:
    up = decide(tier="prohibited", stage="development", target="staging")
    assert status(up, "assessment") == (
        "failed",
        "tier prohibited is prohibited and may not leave development",
    )
    assert up.outcome == "blocked"
    assert decide(tier="prohibited", target="retired").outcome == "blocked"
    back = decide(tier="prohibited", stage="staging", target="development")
    assert back.outcome == "met"


def test_a_tier_the_policy_does_not_define_fails() -> None:
    decision = decide(tier="extreme")
    assert status(decision, "assessment") == (
        "failed",
        "tier extreme is not defined by policy bank v3 (tiers: minimal, high, prohibited): "
        "classify the project again",
    )
    assert [r.key for r in decision.requirements] == ["transition", "assessment"]


def test_transition_and_assessment_are_never_waived() -> None:
    decision = decide(
        tier=None, stage="development", waivers=[waiver("transition"), waiver("assessment", id=8)]
    )
    assert status(decision, "transition")[1].endswith(
        "; waiver #7 does not apply: transition requirements can never be waived"
    )
    assert status(decision, "assessment") == (
        "missing",
        "the project has no risk assessment: run steward project classify; "
        "waiver #8 does not apply: assessment requirements can never be waived",
    )


# Checks -------------------------------------------------------------------------------------


def test_check_details() -> None:
    assert status(decide(), AUC) == (
        "met",
        "auc = 0.81 (attested evidence performance #1, needs >= 0.75)",
    )
    assert status(decide(), DQ) == ("met", "attested evidence data_quality #2 passed")
    assert status(decide(evidence=[]), AUC) == ("missing", "no performance evidence")
    assert status(decide(evidence=[]), DQ) == ("missing", "no data_quality evidence")
    low = decide(evidence=[ev(id=12, metrics={"auc": 0.71})])
    assert status(low, AUC) == (
        "failed",
        "auc = 0.71, needs >= 0.75 (attested evidence performance #12)",
    )
    none = decide(evidence=[ev(id=12, metrics={"f1": 0.9})])
    assert status(none, AUC) == ("failed", "attested evidence performance #12 has no metric auc")


def test_passed_checks() -> None:
    failed = decide(evidence=[ev("data_quality", id=4, passed=False, summary="12% nulls")])
    assert status(failed, DQ) == ("failed", "attested evidence data_quality #4 failed: 12% nulls")
    silent = decide(evidence=[ev("data_quality", id=4, passed=None)])
    assert status(silent, DQ) == ("failed", "attested evidence data_quality #4 states no pass/fail")
    good = decide(evidence=[ev("data_quality", id=4, passed=True, summary="all good")])
    assert status(good, DQ) == ("met", "attested evidence data_quality #4 passed: all good")


def test_the_latest_evidence_of_a_kind_decides() -> None:
    old_good = ev(id=5, metrics={"auc": 0.9}, created_at=ts(1))
    new_bad = ev(id=3, metrics={"auc": 0.5}, created_at=ts(2))
    assert status(decide(evidence=[old_good, new_bad]), AUC)[0] == "failed"
    # Same time: the higher id is the later one.
    a = ev(id=8, metrics={"auc": 0.9}, created_at=ts(2))
    b = ev(id=9, metrics={"auc": 0.5}, created_at=ts(2))
    assert status(decide(evidence=[b, a]), AUC)[0] == "failed"
    assert status(decide(evidence=[a, b]), AUC)[0] == "failed"


def test_numbers_are_shown_exactly() -> None:
    close = decide(evidence=[ev(id=1, metrics={"auc": 0.7499999999})])
    assert status(close, AUC) == (
        "failed",
        "auc = 0.7499999999, needs >= 0.75 (attested evidence performance #1)",
    )


def test_nan_never_meets_and_non_numbers_fail() -> None:
    for op in (">=", ">", "<=", "<", "=="):
        check = CheckRequirement.model_validate(f"performance.auc {op} 0.5")
        result = evaluate_check(check, [ev(metrics={"auc": math.nan})])
        assert result.status == "failed"
        assert result.detail.startswith("auc = nan, needs")
    weird = evaluate_check(
        CheckRequirement.model_validate("performance.auc >= 0.5"),
        [ev(metrics={"auc": "high"})],  # type: ignore[dict-item]
    )
    assert weird.detail == "attested evidence performance #1 has a metric auc that is not a number"


# Documentation and lineage ------------------------------------------------------------------


def test_documentation_details() -> None:
    key = "documentation:intended_use"
    assert status(decide(), key) == ("met", "intended_use is filled in (33 characters)")
    assert status(decide(documentation={}), key) == ("missing", "no intended_use in the docs")
    assert status(decide(documentation={"intended_use": " \n"}), key) == (
        "missing",
        "intended_use is blank",
    )


def lineage_policy(*facts: str) -> Policy:
    return make_policy(gates={"high": {"production": {"lineage": list(facts)}}})


ALL_FACTS = (
    "code_commit",
    "clean_code",
    "training_data",
    "validation_data",
    "environment",
    "signature",
)


def test_lineage_met_details() -> None:
    decision = decide(policy=lineage_policy(*ALL_FACTS))
    assert [(r.key, r.status, r.detail) for r in decision.requirements[2:]] == [
        ("lineage:code_commit", "met", f"git commit {'a' * 40}"),
        ("lineage:clean_code", "met", f"git commit {'a' * 40} with no uncommitted changes"),
        ("lineage:training_data", "met", f"training data recorded (sha256 {'b' * 12}, 1000 rows)"),
        (
            "lineage:validation_data",
            "met",
            f"validation data recorded (sha256 {'c' * 12}, 200 rows)",
        ),
        ("lineage:environment", "met", "environment recorded (1 entries)"),
        ("lineage:signature", "met", "input signature recorded"),
    ]


def test_lineage_missing_details() -> None:
    decision = decide(
        policy=lineage_policy(*ALL_FACTS),
        code={"git_commit": None, "git_dirty": None, "note": "/srv is not inside a git repository"},
        environment={},
        signature={},
        training_data=None,
        validation_data=None,
    )
    no_commit = "no git commit recorded for the version (/srv is not inside a git repository)"
    assert [(r.status, r.detail) for r in decision.requirements[2:]] == [
        ("missing", no_commit),
        ("missing", no_commit),
        ("missing", "no training data recorded for the version"),
        ("missing", "no validation data recorded for the version"),
        ("missing", "no environment recorded for the version"),
        ("missing", "no input signature recorded for the version"),
    ]


def test_clean_code_needs_a_known_clean_checkout() -> None:
    policy = lineage_policy("clean_code")
    dirty = decide(policy=policy, code={"git_commit": "abc", "git_dirty": True})
    assert status(dirty, "lineage:clean_code") == (
        "failed",
        "the code had uncommitted changes on top of abc",
    )
    unknown = decide(policy=policy, code={"git_commit": "abc", "git_dirty": None})
    assert status(unknown, "lineage:clean_code") == (
        "missing",
        "whether the code at abc had uncommitted changes is unknown",
    )


# Sign-offs ----------------------------------------------------------------------------------


def test_signoff_met_details() -> None:
    decision = decide()
    assert status(decision, "signoff:validator") == (
        "met",
        "2 of 2 validator approvals (bob, carol)",
    )
    assert status(decision, "signoff:risk_officer") == (
        "met",
        "1 of 1 risk_officer approval (dave)",
    )


def test_signoff_missing_details() -> None:
    decision = decide(signoffs=[so("bob")])
    assert status(decision, "signoff:validator") == ("missing", "1 of 2 validator approvals (bob)")
    assert status(decision, "signoff:risk_officer") == ("missing", "0 of 1 risk_officer approval")


def test_the_author_may_not_sign_unless_the_policy_allows() -> None:
    signoffs = [so("alice"), so("bob"), so("dave", "risk_officer")]
    assert status(decide(signoffs=signoffs), "signoff:validator") == (
        "missing",
        "1 of 2 validator approvals (bob); "
        "alice's approval does not count: alice is the author of the version",
    )
    lenient = make_policy(separation_of_duties={"author_may_sign": True})
    assert status(decide(policy=lenient, signoffs=signoffs), "signoff:validator")[0] == "met"


def test_evidence_producers_may_not_sign_unless_the_policy_allows() -> None:
    evidence = [ev(id=12, producer="carol"), ev("data_quality", id=2, passed=True)]
    digest = evidence_set_digest(evidence)
    signoffs = [so("bob", digest=digest), so("carol", digest=digest)]
    assert status(decide(evidence=evidence, signoffs=signoffs), "signoff:validator") == (
        "missing",
        "1 of 2 validator approvals (bob); "
        "carol's approval does not count: carol produced evidence performance #12",
    )
    lenient = make_policy(separation_of_duties={"evidence_producers_may_sign": True})
    decision = decide(policy=lenient, evidence=evidence, signoffs=signoffs)
    assert status(decision, "signoff:validator")[0] == "met"


def test_the_signer_must_hold_the_role_now() -> None:
    decision = decide(signoffs=[so("bob"), so("dave")])
    assert status(decision, "signoff:validator") == (
        "missing",
        "1 of 2 validator approvals (bob); "
        "dave's approval does not count: dave does not hold the role validator",
    )
    gone = decide(members={k: v for k, v in MEMBERS.items() if k != "carol"})
    assert "carol does not hold the role validator" in status(gone, "signoff:validator")[1]


def test_approvals_signed_before_new_evidence_are_stale() -> None:
    newer = [*GOOD_EVIDENCE, ev(id=3, metrics={"auc": 0.83}, created_at=ts(11))]
    decision = decide(evidence=newer)
    assert status(decision, "signoff:validator") == (
        "stale",
        "0 of 2 validator approvals; bob's approval is stale: signed before new evidence; bob "
        "must sign again as validator; carol's approval is stale: signed before new evidence; "
        "carol must sign again as validator",
    )
    assert status(decision, "signoff:risk_officer")[0] == "stale"
    # Evidence recorded after the signature is named: what the signer has not seen.
    later = [*GOOD_EVIDENCE, ev(id=7, metrics={"auc": 0.83}, created_at=ts(30))]
    assert (
        "signed before new evidence (performance #7 added since); bob must sign again"
        in (status(decide(evidence=later), "signoff:validator")[1])
    )


def test_rerunning_a_check_with_the_same_result_keeps_approvals() -> None:
    rerun = ev(id=3, created_at=ts(11), producer="ci-bot-2")
    assert decide(evidence=[*GOOD_EVIDENCE, rerun]).outcome == "met"


def test_approvals_under_another_policy_version_are_stale() -> None:
    decision = decide(signoffs=[so("bob", policy_version=2), so("carol")])
    assert status(decision, "signoff:validator") == (
        "stale",
        "1 of 2 validator approvals (carol); bob's approval is stale: signed under policy bank v2; "
        "bob must sign again as validator",
    )
    other = decide(signoffs=[so("bob", policy_name="other"), so("carol")])
    assert "signed under policy other v3" in status(other, "signoff:validator")[1]


def test_approvals_expire_after_the_recertification_period() -> None:
    # high: recertify every 30 days. Signed 2026-05-02T12:00 -> expires 2026-06-01T12:00 == NOW.
    decision = decide(signoffs=[so("bob", signed_at=ts(2, 12)), so("carol")])
    assert status(decision, "signoff:validator") == (
        "stale",
        "1 of 2 validator approvals (carol); bob's approval is stale: expired on "
        "2026-06-01T12:00:00.000000Z (tier high is recertified every 30 days); bob must sign "
        "again as validator",
    )
    fresh = decide(signoffs=[so("bob", signed_at=ts(2, 13)), so("carol")])
    assert status(fresh, "signoff:validator")[0] == "met"


def test_a_valid_rejection_fails_the_requirement() -> None:
    decision = decide(
        signoffs=[*GOOD_SIGNOFFS, so_rejection("erin", reason="the drift test is missing")]
    )
    assert status(decision, "signoff:validator") == (
        "failed",
        "rejected by erin: the drift test is missing; 2 of 2 validator approvals (bob, carol)",
    )
    bare = decide(signoffs=[so("erin", "validator", "reject")])
    assert status(bare, "signoff:validator")[1].startswith("rejected by erin; ")


def test_an_invalid_rejection_does_not_fail_and_a_rejection_never_goes_stale() -> None:
    """The author's own rejection does not count. A validator's rejection stays in force when
    evidence is added after it, however alike (the hostile walk's `--config seed=7`): only her
    own later decision, or a new version, lifts it."""
    by_author = decide(signoffs=[*GOOD_SIGNOFFS, so("alice", decision="reject")])
    assert status(by_author, "signoff:validator") == (
        "met",
        "2 of 2 validator approvals (bob, carol); "
        "alice's rejection does not count: alice is the author of the version",
    )
    earlier = decide(signoffs=[*GOOD_SIGNOFFS, so("erin", decision="reject", digest="0" * 64)])
    assert status(earlier, "signoff:validator") == (
        "failed",
        "rejected by erin; 2 of 2 validator approvals (bob, carol)",
    )
    lifted = [
        *GOOD_SIGNOFFS,
        so("erin", id=8, decision="reject", digest="0" * 64, signed_at=ts(20)),
        so("erin", id=9, signed_at=ts(21)),
    ]
    assert status(decide(signoffs=lifted), "signoff:validator")[0] == "met"


def test_only_the_latest_decision_of_a_person_in_a_role_counts() -> None:
    changed_mind = [
        so("bob", id=1, signed_at=ts(20)),
        so_rejection("bob", id=2, signed_at=ts(21), reason="found a leak"),
        so("carol"),
    ]
    assert status(decide(signoffs=changed_mind), "signoff:validator")[0] == "failed"
    fixed = [*changed_mind, so("bob", id=3, signed_at=ts(22))]
    assert status(decide(signoffs=fixed), "signoff:validator")[0] == "met"
    # The same moment: the higher id is later.
    tie = [so_rejection("bob", id=5, signed_at=ts(20)), so("bob", id=4, signed_at=ts(20))]
    assert status(decide(signoffs=[*tie, so("carol")]), "signoff:validator")[0] == "failed"


def test_signoffs_for_another_stage_or_version_are_ignored() -> None:
    signoffs = [
        so("bob", stage="staging"),
        so("carol", version_ref="credit/scorer/2"),
        so("dave", "risk_officer"),
    ]
    assert status(decide(signoffs=signoffs), "signoff:validator") == (
        "missing",
        "0 of 2 validator approvals",
    )


def test_the_same_person_approving_twice_counts_once() -> None:
    twice = [so("bob", id=1), so("bob", id=2, signed_at=ts(21))]
    assert status(decide(signoffs=twice), "signoff:validator") == (
        "missing",
        "1 of 2 validator approvals (bob)",
    )


def test_a_person_holding_two_roles_counts_once() -> None:
    # erin holds validator and risk_officer; she approves in both roles.
    signoffs = [so("bob"), so("erin"), so("erin", "risk_officer")]
    decision = decide(signoffs=signoffs)
    validator = req(decision, "signoff:validator")
    officer = req(decision, "signoff:risk_officer")
    assert {validator.status, officer.status} == {"met", "missing"}
    assert decision.outcome == "blocked"
    assert "erin already counts for" in (validator.detail + officer.detail)


def test_people_are_placed_where_they_are_needed() -> None:
    # erin could fill either; only she can fill risk_officer, so bob and carol take validator.
    signoffs = [so("bob"), so("erin"), so("carol"), so("erin", "risk_officer")]
    decision = decide(signoffs=signoffs)
    assert status(decision, "signoff:risk_officer") == (
        "met",
        "1 of 1 risk_officer approval (erin)",
    )
    assert status(decision, "signoff:validator") == (
        "met",
        "2 of 2 validator approvals (bob, carol); erin already counts for risk_officer",
    )


def test_stale_only_when_fresh_signatures_would_fill_more() -> None:
    # erin's validator approval is fresh and counts; her risk_officer one is stale. Re-signing
    # it would not help since she already counts, so risk_officer is missing, not stale.
    signoffs = [so("bob"), so("erin"), so("erin", "risk_officer", policy_version=1)]
    decision = decide(signoffs=signoffs)
    assert status(decision, "signoff:validator")[0] == "met"
    assert status(decision, "signoff:risk_officer") == (
        "missing",
        "0 of 1 risk_officer approval; erin's approval is stale: signed under policy bank v1; "
        "erin must sign again as risk_officer",
    )
    # With carol on board erin is free to re-sign as risk officer: now it is stale.
    more = decide(signoffs=[*signoffs, so("carol")])
    assert status(more, "signoff:risk_officer")[0] == "stale"


# Waivers ------------------------------------------------------------------------------------


def test_an_active_waiver_waives_a_check() -> None:
    decision = decide(evidence=[ev("data_quality", id=2, passed=True)], waivers=[waiver(AUC)])
    result = req(decision, AUC)
    assert result.status == "waived"
    assert result.waiver_id == 7
    assert result.detail == (
        "waived by rita until 2026-07-01T00:00:00.000000Z: agreed with the regulator "
        "(was: no performance evidence)"
    )
    # The evidence changed, so sign-offs made before are stale: re-sign under the new digest.
    digest = evidence_set_digest([ev("data_quality", id=2, passed=True)])
    resigned = [so("bob", digest=digest), so("carol", digest=digest)]
    resigned.append(so("dave", "risk_officer", digest=digest))
    allowed = decide(
        evidence=[ev("data_quality", id=2, passed=True)], signoffs=resigned, waivers=[waiver(AUC)]
    )
    assert allowed.outcome == "met_with_waivers"
    assert allowed.allowed


def test_expired_and_revoked_waivers_are_mentioned_but_do_not_waive() -> None:
    waivers = [
        waiver(DQ, id=3, expires_at=NOW),
        waiver(DQ, id=4, revoked_at=ts(5)),
    ]
    decision = decide(evidence=[ev(id=1)], waivers=waivers)
    assert status(decision, DQ) == (
        "missing",
        "no data_quality evidence; waiver #3 expired on 2026-06-01T12:00:00.000000Z; "
        f"waiver #4 was revoked by rita on {ts(5)}",
    )


def test_waivers_for_another_stage_or_version_are_ignored() -> None:
    others = [waiver(DQ, stage="staging"), replace(waiver(DQ), version_ref="credit/scorer/2")]
    assert status(decide(evidence=[ev(id=1)], waivers=others), DQ) == (
        "missing",
        "no data_quality evidence",
    )


def test_a_waiver_of_a_met_requirement_changes_nothing() -> None:
    assert status(decide(waivers=[waiver(AUC)]), AUC)[0] == "met"


def test_signoffs_are_never_waived() -> None:
    decision = decide(signoffs=[so("bob")], waivers=[waiver("signoff:validator")])
    assert status(decision, "signoff:validator") == (
        "missing",
        "1 of 2 validator approvals (bob); "
        "waiver #7 does not apply: signoff requirements can never be waived",
    )


def test_the_policy_chooses_which_kinds_may_be_waived() -> None:
    strict = make_policy(waivers={"waivable": ["documentation"]})
    decision = decide(policy=strict, evidence=[], waivers=[waiver(AUC)])
    assert status(decision, AUC) == (
        "missing",
        "no performance evidence; "
        "waiver #7 does not apply: the policy does not allow waiving check requirements",
    )
    docs = decide(policy=strict, documentation={}, waivers=[waiver("documentation:intended_use")])
    assert status(docs, "documentation:intended_use")[0] == "waived"


def test_of_several_active_waivers_the_longest_lasting_is_named() -> None:
    waivers = [waiver(AUC, id=1), waiver(AUC, id=2, expires_at="2026-09-01T00:00:00.000000Z")]
    decision = decide(evidence=[], waivers=waivers)
    assert req(decision, AUC).waiver_id == 2


# Properties ---------------------------------------------------------------------------------

PEOPLE = ("alice", "bob", "carol", "dave", "erin")
ROLES = ("validator", "risk_officer", "owner")
KEYS = (
    "transition",
    "assessment",
    AUC,
    DQ,
    "documentation:intended_use",
    "lineage:code_commit",
    "signoff:validator",
    "signoff:risk_officer",
)


_evidence_rows = st.lists(
    st.tuples(
        st.sampled_from(("performance", "data_quality")),
        st.sampled_from((None, True, False)),
        st.sampled_from(({}, {"auc": 0.5}, {"auc": 0.75}, {"auc": 0.9})),
        st.sampled_from(("ci-bot", "ci-bot", "ci-bot", *PEOPLE)),
        st.integers(min_value=1, max_value=28),
    ),
    max_size=4,
)
_signoff_rows = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(("validator", "validator", "risk_officer", "owner")),
        st.sampled_from(("approve", "approve", "approve", "approve", "reject")),
        st.sampled_from(("production", "production", "production", "staging")),
        st.integers(min_value=1, max_value=28),
        st.integers(min_value=0, max_value=4),  # 0: signed before the current evidence
        st.integers(min_value=0, max_value=4),  # 0: signed under the previous policy version
    ),
    max_size=9,
)
_waiver_rows = st.lists(
    st.tuples(
        st.sampled_from(KEYS),
        st.sampled_from((ts(2), "2026-07-01T00:00:00.000000Z")),
        st.sampled_from((None, None, ts(3))),
    ),
    max_size=3,
)
_member_roles = st.sampled_from(
    (
        frozenset(),
        frozenset({"validator"}),
        frozenset({"validator"}),
        frozenset({"risk_officer"}),
        frozenset(ROLES[:2]),
        frozenset(ROLES[:2]),
    )
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    evidence = [
        Evidence(
            version_ref=REF,
            kind=kind,
            passed=passed,
            metrics=dict(metrics),
            config={},
            inputs={},
            producer=producer,
            created_at=ts(day),
            id=index,
        )
        for index, (kind, passed, metrics, producer, day) in enumerate(draw(_evidence_rows), 1)
    ]
    digest = evidence_set_digest(evidence)
    signoffs = [
        so(
            signer,
            role,
            decision,
            id=index,
            stage=stage,
            signed_at=ts(day),
            digest=digest if fresh else "0" * 64,
            policy_version=VERSION if current else VERSION - 1,
        )
        for index, (signer, role, decision, stage, day, fresh, current) in enumerate(
            draw(_signoff_rows), 1
        )
    ]
    roles = dict(zip(PEOPLE, draw(st.tuples(*(_member_roles for _ in PEOPLE))), strict=True))
    if draw(st.booleans()):
        # Half the time, a full set of approvals to start from, so that gates are often met.
        for offset, (signer, role) in enumerate(
            (("bob", "validator"), ("carol", "validator"), ("dave", "risk_officer"))
        ):
            signoffs.append(so(signer, role, id=100 + offset, signed_at=ts(15), digest=digest))
            roles[signer] = roles[signer] | {role}
    waivers = [
        waiver(key, id=index, expires_at=expires, revoked_at=revoked)
        for index, (key, expires, revoked) in enumerate(draw(_waiver_rows), 1)
    ]
    return {
        "evidence": evidence,
        "signoffs": signoffs,
        "waivers": waivers,
        "members": roles,
        "author": draw(st.sampled_from(PEOPLE)),
        "documentation": draw(st.sampled_from(({}, {"intended_use": "x"}))),
    }


def run(scenario: dict[str, Any], **changes: Any) -> GateDecision:
    merged = {**scenario, **changes}
    return decide(
        evidence=merged["evidence"],
        signoffs=merged["signoffs"],
        waivers=merged["waivers"],
        members=merged["members"],
        author=merged["author"],
        documentation=merged["documentation"],
    )


def filled(result: RequirementResult) -> int:
    found = re.search(r"(\d+) of \d+ \w+ approvals?", result.detail)
    assert found is not None, result.detail
    return int(found[1])


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_the_order_of_the_records(
    scenario: dict[str, Any], rnd: Any
) -> None:
    shuffled = {key: list(scenario[key]) for key in ("evidence", "signoffs", "waivers")}
    for items in shuffled.values():
        rnd.shuffle(items)
    assert run(scenario, **shuffled) == run(scenario)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_outcome_is_blocked_exactly_when_something_is_unmet(scenario: dict[str, Any]) -> None:
    decision = run(scenario)
    unmet = any(r.status in ("missing", "failed", "stale") for r in decision.requirements)
    assert (decision.outcome == "blocked") == unmet
    assert decision.allowed == (not unmet)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_author_and_evidence_producers_never_count(scenario: dict[str, Any]) -> None:
    excluded = {scenario["author"]} | {e.producer for e in scenario["evidence"]}
    kept = [s for s in scenario["signoffs"] if s.signer not in excluded]
    with_them = run(scenario)
    without_them = run(scenario, signoffs=kept)
    for key in ("signoff:validator", "signoff:risk_officer"):
        assert req(with_them, key).status == req(without_them, key).status
        assert filled(req(with_them, key)) == filled(req(without_them, key))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.sampled_from(("bob", "erin")))
def test_many_approvals_by_one_person_never_make_two(times: int, person: str) -> None:
    signoffs = [so(person, id=i, signed_at=ts(10 + i)) for i in range(times)]
    result = req(decide(signoffs=signoffs), "signoff:validator")
    assert result.status != "met"
    assert filled(result) == 1


def _best_assignment(decision: GateDecision, scenario: dict[str, Any]) -> int:
    """Brute force: the most seats valid, fresh approvals can fill, a person in one seat."""
    latest: dict[tuple[str, str], SignOff] = {}
    for s in sorted(scenario["signoffs"], key=lambda s: (s.signed_at, s.id)):
        if s.stage == "production":
            latest[(s.signer, s.role)] = s
    producers = {e.producer for e in scenario["evidence"]}
    counts = {"validator": 2, "risk_officer": 1}
    can: dict[str, set[str]] = {p: set() for p in PEOPLE}
    for (signer, role), s in latest.items():
        ok = (
            role in counts
            and s.decision == "approve"
            and signer != scenario["author"]
            and signer not in producers
            and role in scenario["members"][signer]
            and s.evidence_digest == decision.evidence_digest
            and s.policy_version == VERSION
            and s.signed_at > ts(2, 12)  # within the 30 days
        )
        if ok:
            can[signer].add(role)
    best = 0
    for choice in itertools.product((None, "validator", "risk_officer"), repeat=len(PEOPLE)):
        if any(r is not None and r not in can[p] for p, r in zip(PEOPLE, choice, strict=True)):
            continue
        best = max(best, sum(min(choice.count(r), n) for r, n in counts.items()))
    return best


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_a_person_fills_one_seat_and_seats_are_filled_as_far_as_possible(
    scenario: dict[str, Any],
) -> None:
    decision = run(scenario)
    results = [req(decision, "signoff:validator"), req(decision, "signoff:risk_officer")]
    names: list[str] = []
    for r in results:
        tally = next(part for part in r.detail.split("; ") if re.match(r"\d+ of \d+", part))
        inside = re.search(r"\(([^)]*)\)", tally)
        if inside:
            names.extend(inside[1].split(", "))
    assert len(names) == len(set(names))  # nobody in two seats
    assert sum(filled(r) for r in results) == _best_assignment(decision, scenario)
    met_seats = sum(n for r, n in zip(results, (2, 1), strict=True) if r.status == "met")
    assert met_seats <= len(set(names))


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.sampled_from(("performance", "data_quality", "bias")))
def test_new_evidence_unsettles_every_met_signoff(scenario: dict[str, Any], kind: str) -> None:
    before = run(scenario)
    extra = Evidence(
        version_ref=REF,
        kind=kind,
        passed=True,
        metrics={"auc": 0.99, "new": 1.0},
        config={"seed": 1},
        inputs={},
        producer="ci-bot",
        created_at=ts(28, 23),
        id=99,
    )
    after = run(scenario, evidence=[*scenario["evidence"], extra])
    assume(after.evidence_digest != before.evidence_digest)
    for key in ("signoff:validator", "signoff:risk_officer"):
        if req(before, key).status == "met":
            assert req(after, key).status != "met"


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_waivers_never_stand_in_for_signoffs_and_always_say_so(scenario: dict[str, Any]) -> None:
    decision = run(scenario)
    bare = run(scenario, waivers=[])
    for result, plain in zip(decision.requirements, bare.requirements, strict=True):
        assert result.key == plain.key
        if result.kind in ("signoff", "transition", "assessment"):
            assert result.status == plain.status
            assert result.waiver_id is None
        if result.waiver_id is not None:
            assert result.status == "waived"
            assert plain.status in ("missing", "failed", "stale")
        if result.status == "waived":
            assert result.waiver_id is not None
        if plain.status in ("met", "waived"):
            assert result.status == plain.status


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.data())
def test_removing_a_waiver_never_unblocks(scenario: dict[str, Any], data: st.DataObject) -> None:
    waivers = scenario["waivers"]
    assume(waivers)
    gone = data.draw(st.sampled_from(waivers))
    fewer = [w for w in waivers if w is not gone]
    if not run(scenario).allowed:
        assert not run(scenario, waivers=fewer).allowed


@settings(max_examples=200, deadline=None)
@given(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from((">=", ">", "<=", "<", "==")),
    st.sampled_from((0.0, 0.5, 0.75, -1.0, 1e-3)),
)
def test_a_threshold_holds_exactly_when_the_comparison_does(
    measured: float, op: str, threshold: float
) -> None:
    check = CheckRequirement.model_validate(f"performance.auc {op} {threshold!r}")
    result = evaluate_check(check, [ev(metrics={"auc": measured})])
    expected = {
        ">=": measured >= threshold,
        ">": measured > threshold,
        "<=": measured <= threshold,
        "<": measured < threshold,
        "==": measured == threshold,
    }[op]
    assert result.status == ("met" if expected else "failed")
    if math.isnan(measured):
        assert result.status == "failed"


@pytest.mark.parametrize("target", ["production", "retired", "development"])
def test_the_decision_carries_the_evidence_set_digest(target: str) -> None:
    assert decide(target=target).evidence_digest == GOOD_DIGEST


# Separation of duties by role ---------------------------------------------------------------


def _barring(role: str, *, per_gate: bool) -> Policy:
    rules = {"signers_may_not_hold": [role]}
    if per_gate:
        return make_policy(
            gates={"high": {"production": {**GATE, "separation_of_duties": rules}}},
        )
    return make_policy(separation_of_duties=rules)


@pytest.mark.parametrize("per_gate", [False, True])
def test_holders_of_a_barred_role_do_not_count_whatever_else_they_hold(per_gate: bool) -> None:
    """Independent validation: a validator who is also an owner (say, on the development team)
    cannot fill a validator seat when the policy bars owners from signing."""
    policy = _barring("owner", per_gate=per_gate)
    members = {**MEMBERS, "frank": frozenset({"owner", "validator"})}
    signoffs = (so("frank"), so("bob"), so("dave", "risk_officer"))
    decision = decide(policy=policy, signoffs=signoffs, members=members)
    state, detail = status(decision, "signoff:validator")
    assert state == "missing"
    assert "frank's approval does not count: frank holds the role owner" in detail
    assert decide(policy=policy, members=members).outcome == "met"  # bob and carol count


def test_a_gate_of_its_own_replaces_the_policy_wide_rules() -> None:
    # Policy-wide, authors may sign; this gate says they may not (the default of its own rules).
    policy = make_policy(
        separation_of_duties={"author_may_sign": True},
        gates={"high": {"production": {**GATE, "separation_of_duties": {}}}},
    )
    assert policy.duties("high", "production").author_may_sign is False
    assert policy.duties("minimal", "staging").author_may_sign is True
    signoffs = (so("bob", signed_at=ts(20)), so("carol"), so("dave", "risk_officer"))
    assert decide(policy=policy, signoffs=signoffs, author="bob").outcome == "blocked"
