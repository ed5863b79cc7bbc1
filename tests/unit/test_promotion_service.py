"""The Promotion service over in-memory fakes: gated promotion, rollback, withdrawal, periodic
recertification and each person's inbox.

A blocked promotion must name everything still to do and open one request (once); an allowed one
must move the version with the decision it rested on; a refused one must write nothing.
"""

from __future__ import annotations

import pytest

from steward.domain.errors import (
    GateBlockedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.naming import VersionRef
from tests.policy_samples import GATES_POLICY
from tests.support.principals import READER, who
from tests.unit.test_governance_service import Unchanged, World


@pytest.fixture
def world() -> World:
    """Services with test-gates applied and the project 'credit' classified high."""
    w = World()
    w.apply()
    w.project()
    return w


def _in_production(w: World) -> VersionRef:
    ref = w.staged()
    w.approve(ref, "vera", "victor")
    w.promotion.promote(who("ana"), ref, "production", "validated")
    return ref


# Promote ------------------------------------------------------------------------------------


def test_a_blocked_promotion_lists_every_unmet_requirement(world: World) -> None:
    ref = world.version(documentation={})
    world.gov.add_evidence(who("dana"), ref, "performance", passed=True, metrics={"auc": 0.8})
    world.promotion.promote(who("ana"), ref, "staging", "checks pass")
    world.gov.add_evidence(who("dana"), ref, "performance", passed=False, metrics={"auc": 0.7})

    error = world.blocked(ref)
    assert error.message == (
        "promotion of credit/scorer/1 to production is blocked: "
        "4 requirements not met (request #1 opened)"
    )
    assert error.reasons == [
        "failed: check performance.auc >= 0.75 (auc = 0.7, needs >= 0.75 (attested evidence performance #2))",
        "missing: check data_quality passed (no data_quality evidence)",
        "missing: documentation intended_use: what the model is for and for whom "
        "(no intended_use in the docs)",
        "missing: 2 validator sign-offs: approved for production use (0 of 2 validator approvals)",
    ]
    assert error.exit_code == 6
    assert world.inventory.get_version(READER, ref).stage == "staging"


def test_blocked_attempts_open_one_request_and_record_it_once(world: World) -> None:
    ref = world.staged()
    seq = world.store.head.seq
    world.blocked(ref)
    assert world.events_after(seq) == [("promotion.requested", str(ref))]
    requested = world.store.events()[-1]
    assert requested.payload == {"from": "staging", "to": "production"}
    assert requested.reason == "ready for review"

    world.clock.advance(hours=1)
    with Unchanged(world.store):
        again = world.blocked(ref)
    assert again.message.endswith("1 requirement not met (request #1 still open)")

    [request] = world.promotion.requests(READER, "credit")
    assert (request.version_ref, request.from_stage, request.to_stage) == (
        str(ref),
        "staging",
        "production",
    )
    assert (request.requested_by, request.status, request.closed_at) == ("ana", "open", None)
    assert request.requested_at < world.clock.text()  # the first attempt's time
    assert world.inventory.get_version(READER, ref).stage == "staging"


def test_a_met_gate_moves_the_version_and_closes_the_request(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera", "victor")
    world.clock.advance(hours=2)
    seq = world.store.head.seq

    result = world.promotion.promote(who("ana"), ref, "production", "validated twice")
    assert (result.stage, result.decision.outcome) == ("production", "met")
    assert world.inventory.get_version(READER, ref).stage == "production"
    assert world.events_after(seq) == [("version.stage_changed", str(ref))]
    moved = world.store.events()[-1]
    assert moved.reason == "validated twice"
    assert moved.payload == {
        "from": "staging",
        "to": "production",
        "policy": {"name": "test-gates", "version": 1},
        "tier": "high",
        "outcome": "met",
        "decision_digest": result.decision.digest(),
        "waivers": [],
    }

    assert world.promotion.requests(READER, "credit") == []
    [closed] = world.promotion.requests(READER, "credit", status="promoted")
    assert closed.closed_at == world.clock.text()
    assert result.as_dict()["decision"]["outcome"] == "met"


def test_a_met_gate_without_an_earlier_request_opens_none(world: World) -> None:
    ref = world.staged()
    assert world.inventory.get_version(READER, ref).stage == "staging"
    assert world.promotion.requests(READER, "credit", status=None) == []


def test_promoting_to_an_exclusive_stage_displaces_its_holder(world: World) -> None:
    first = _in_production(world)
    second = world.staged()
    world.approve(second, "vera", "victor")
    seq = world.store.head.seq
    world.promotion.promote(who("ana"), second, "production", "better model")

    assert world.inventory.get_version(READER, first).stage == "retired"
    assert world.inventory.get_version(READER, second).stage == "production"
    assert world.events_after(seq) == [
        ("version.stage_changed", str(first)),
        ("version.stage_changed", str(second)),
    ]
    displaced = world.store.events()[-2]
    assert displaced.payload == {
        "from": "production",
        "to": "retired",
        "displaced_by": str(second),
    }
    assert displaced.reason == f"displaced from production by {second}"


def test_a_version_that_was_in_production_can_roll_back_to_it(world: World) -> None:
    first = _in_production(world)
    second = world.staged()
    world.approve(second, "vera", "victor")
    world.promotion.promote(who("ana"), second, "production", "better model")
    world.clock.advance(days=3)

    result = world.promotion.promote(who("ana"), first, "production", "second model misbehaves")
    assert result.decision.outcome == "met"  # its approvals still hold
    transition = result.decision.requirements[0]
    assert transition.detail == "rollback to production: the version was in production before"
    assert world.inventory.get_version(READER, first).stage == "production"
    assert world.inventory.get_version(READER, second).stage == "retired"


def test_a_version_never_in_production_cannot_roll_back_to_it(world: World) -> None:
    ref = world.version()
    world.evidence(ref)
    world.promotion.promote(who("ana"), ref, "retired", "abandoned")
    world.approve(ref, "vera", "victor")
    with (
        Unchanged(world.store),
        pytest.raises(InvalidInputError, match="only a version that was in production before"),
    ):
        world.promotion.promote(who("ana"), ref, "production", "try anyway")
    assert world.promotion.requests(READER, None, None) == []
    assert world.inventory.get_version(READER, ref).stage == "retired"


@pytest.mark.parametrize(
    ("stage", "reason", "match"),
    [
        ("staging", None, "a reason is required to promote"),
        ("staging", " ", "a reason is required to promote"),
        ("moon", "why not", "unknown stage 'moon'"),
        ("production", "skip staging", "cannot move a version from development to production"),
        ("development", "stay", "already in development"),
    ],
    ids=["no-reason", "blank-reason", "unknown-stage", "forbidden-move", "same-stage"],
)
def test_an_impossible_promotion_is_refused_without_opening_a_request(
    world: World, stage: str, reason: str | None, match: str
) -> None:
    ref = world.version()
    with Unchanged(world.store), pytest.raises(InvalidInputError, match=match):
        world.promotion.promote(who("ana"), ref, stage, reason)
    assert world.promotion.requests(READER, None, None) == []


def test_a_prohibited_tier_is_refused_without_opening_a_request() -> None:
    prohibited = GATES_POLICY.replace(
        "{name: high, recertify_days: 365}", "{name: high, recertify_days: 365, prohibited: true}"
    )
    # A prohibited tier takes no gates.
    prohibited = prohibited.split("gates:\n")[0] + "waivers:" + prohibited.split("waivers:")[1]
    w = World()
    w.apply(prohibited)
    w.project()
    ref = w.version()
    w.evidence(ref)
    with Unchanged(w.store), pytest.raises(GateBlockedError) as caught:
        w.promotion.promote(who("ana"), ref, "staging", "try")
    assert caught.value.reasons == [
        "failed: risk assessment (tier high is prohibited and may not leave development)"
    ]
    assert w.promotion.requests(READER, None, None) == []


def test_promoting_an_unknown_version_is_not_found(world: World) -> None:
    with Unchanged(world.store), pytest.raises(NotFoundError, match="unknown version"):
        world.promotion.promote(who("ana"), VersionRef("credit", "scorer", 4), "staging", "go")


def test_gate_status_changes_nothing(world: World) -> None:
    ref = world.staged()
    with Unchanged(world.store):
        decision = world.promotion.gate_status(READER, ref, "production")
    assert decision.outcome == "blocked"
    assert world.promotion.requests(READER, None, None) == []
    with pytest.raises(InvalidInputError, match="unknown stage"):
        world.promotion.gate_status(READER, ref, "moon")
    with pytest.raises(NotFoundError, match="unknown project"):
        world.promotion.gate_status(READER, VersionRef("nope", "scorer", 1), "staging")


# Withdraw -----------------------------------------------------------------------------------


def test_withdrawing_closes_the_open_request(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    [request] = world.promotion.requests(READER, "credit")
    world.clock.advance(hours=1)
    seq = world.store.head.seq

    world.promotion.withdraw(who("ana"), ref, "production", "wrong version")
    assert world.events_after(seq) == [("promotion.withdrawn", str(ref))]
    event = world.store.events()[-1]
    assert (event.payload, event.reason) == ({"request": request.id}, "wrong version")
    assert world.promotion.requests(READER, "credit") == []
    [closed] = world.promotion.requests(READER, "credit", status="withdrawn")
    assert (closed.id, closed.closed_at) == (request.id, world.clock.text())
    assert world.inventory.get_version(READER, ref).stage == "staging"


def test_withdrawing_needs_a_reason_and_an_open_request(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    with Unchanged(world.store):
        with pytest.raises(InvalidInputError, match="a reason is required to withdraw"):
            world.promotion.withdraw(who("ana"), ref, "production", None)
        with pytest.raises(NotFoundError, match="no open request to promote"):
            world.promotion.withdraw(who("ana"), ref, "retired", "none there")
        with pytest.raises(NotFoundError, match="unknown version"):
            world.promotion.withdraw(
                who("ana"), VersionRef("credit", "scorer", 9), "production", "x"
            )
    world.promotion.withdraw(who("ana"), ref, "production", "done")
    with Unchanged(world.store), pytest.raises(NotFoundError, match="no open request"):
        world.promotion.withdraw(who("ana"), ref, "production", "twice")


# Recertification ----------------------------------------------------------------------------


def test_a_production_version_falls_due_and_recertifies_with_fresh_approvals(
    world: World,
) -> None:
    ref = _in_production(world)
    promoted_at = world.clock.text()
    [due] = world.promotion.recertifications(READER, "credit")
    assert (due.version_ref, due.stage, due.tier) == (str(ref), "production", "high")
    assert (due.approved_at, due.due_at, due.overdue) == (
        promoted_at,
        "2027-03-02T09:00:00.000000Z",
        False,
    )

    world.clock.advance(days=366)
    [overdue] = world.promotion.recertifications(READER, "credit")
    assert overdue.overdue is True
    assert overdue.due_at == "2027-03-02T09:00:00.000000Z"
    signoffs = world.requirement(ref, "signoff:validator")
    assert signoffs.status == "stale"
    assert "vera's approval is stale: expired on 2027-03-02T09:00:00.000000Z" in signoffs.detail
    assert [r.version_ref for r in world.promotion.inbox(who("vera")).recertifications] == [
        str(ref)
    ]

    with Unchanged(world.store), pytest.raises(GateBlockedError) as caught:
        world.promotion.recertify(who("ana"), ref, "yearly review")
    assert caught.value.message == ("recertification of credit/scorer/1 in production is blocked")
    assert len(caught.value.reasons) == 1
    assert caught.value.reasons[0].startswith("stale: 2 validator sign-offs")

    world.approve(ref, "vera", "victor")
    seq = world.store.head.seq
    decision = world.promotion.recertify(who("ana"), ref, "yearly review")
    assert decision.outcome == "met"
    assert decision.requirements[0].detail == "already in production"
    assert world.events_after(seq) == [("version.recertified", str(ref))]
    event = world.store.events()[-1]
    assert event.reason == "yearly review"
    assert event.payload == {
        "stage": "production",
        "policy": {"name": "test-gates", "version": 1},
        "tier": "high",
        "outcome": "met",
        "decision_digest": decision.digest(),
    }
    assert world.inventory.get_version(READER, ref).stage == "production"

    [renewed] = world.promotion.recertifications(READER, "credit")
    assert (renewed.approved_at, renewed.due_at, renewed.overdue) == (
        world.clock.text(),
        "2028-03-02T09:00:00.000000Z",
        False,
    )
    assert world.promotion.inbox(who("vera")).recertifications == ()


def test_a_version_in_the_first_stage_cannot_be_recertified(world: World) -> None:
    ref = world.version()
    with Unchanged(world.store):
        with pytest.raises(InvalidInputError, match="only versions serving in a stage"):
            world.promotion.recertify(who("ana"), ref, "review")
        with pytest.raises(InvalidInputError, match="a reason is required to recertify"):
            world.promotion.recertify(who("ana"), ref, "")


def test_recertifications_of_an_unknown_project_are_not_found(world: World) -> None:
    with pytest.raises(NotFoundError, match="unknown project"):
        world.promotion.recertifications(READER, "nope")


# Inbox --------------------------------------------------------------------------------------


def test_a_validator_sees_open_requests_for_their_role_oldest_first(world: World) -> None:
    world.project("fraud")
    older_version = world.staged("credit")
    newer_version = world.staged("fraud")
    # Requests are ordered by when they were opened, not by when the versions were registered.
    world.blocked(newer_version)
    world.clock.advance(hours=1)
    world.blocked(older_version)

    inbox = world.promotion.inbox(who("vera"))
    assert [i.request.version_ref for i in inbox.to_sign] == [
        str(newer_version),
        str(older_version),
    ]
    assert {i.roles for i in inbox.to_sign} == {("validator",)}
    assert inbox.blocked == ()
    item = inbox.to_sign[0].as_dict()
    assert item["outcome"] == "blocked"
    assert [u["key"] for u in item["unmet"]] == ["signoff:validator"]


def test_the_author_sees_their_blocked_requests_not_requests_to_sign(world: World) -> None:
    world.services.member("credit", "carl", "validator", by=who("ana"))
    ref = world.staged()
    world.blocked(ref)

    inbox = world.promotion.inbox(who("carl"))
    assert inbox.to_sign == ()
    [blocked] = inbox.blocked
    assert blocked.request.version_ref == str(ref)
    assert blocked.roles == ()
    assert blocked.decision.reasons() == [
        "missing: 2 validator sign-offs: approved for production use (0 of 2 validator approvals)"
    ]
    # The requester sees it too; a validator's blocked list stays empty.
    assert [i.request.version_ref for i in world.promotion.inbox(who("ana")).blocked] == [str(ref)]
    assert world.promotion.inbox(who("vera")).blocked == ()
    # The evidence producer holds no asked role and cannot sign anyway.
    assert world.promotion.inbox(who("dana")).to_sign == ()


def test_a_request_leaves_a_validators_inbox_once_they_signed(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera")
    assert world.promotion.inbox(who("vera")).to_sign == ()
    [waiting] = world.promotion.inbox(who("victor")).to_sign
    assert waiting.request.version_ref == str(ref)

    world.approve(ref, "victor")
    assert world.promotion.inbox(who("victor")).to_sign == ()
    # Met but not promoted yet: nothing blocks the author any more.
    assert world.promotion.inbox(who("carl")).blocked == ()


def test_new_evidence_puts_the_request_back_in_the_inbox_of_an_earlier_signer(
    world: World,
) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera")
    assert world.promotion.inbox(who("vera")).to_sign == ()
    world.gov.add_evidence(who("dana"), ref, "performance", passed=True, metrics={"auc": 0.9})
    [waiting] = world.promotion.inbox(who("vera")).to_sign
    assert waiting.roles == ("validator",)


def test_a_promoted_request_leaves_every_inbox(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera", "victor")
    world.promotion.promote(who("ana"), ref, "production", "validated")
    for person in ("vera", "victor", "carl", "ana"):
        inbox = world.promotion.inbox(READER, person)
        assert (inbox.to_sign, inbox.blocked) == ((), ())


def test_an_inbox_for_an_invalid_person_is_refused(world: World) -> None:
    with pytest.raises(InvalidInputError, match="invalid person"):
        world.promotion.inbox(READER, " \n ")


def test_a_validator_whose_approval_went_stale_under_a_new_policy_sees_the_request_again(
    world: World,
) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera")
    assert world.promotion.inbox(who("vera")).to_sign == ()

    world.apply(GATES_POLICY.replace("Two-tier test policy", "Two-tier test policy, revised"))
    signoffs = world.requirement(ref, "signoff:validator")
    assert "vera's approval is stale: signed under policy test-gates v1" in signoffs.detail
    [waiting] = world.promotion.inbox(who("vera")).to_sign
    assert waiting.roles == ("validator",)


def test_a_validator_whose_approval_expired_sees_the_request_again(world: World) -> None:
    ref = world.staged()
    world.blocked(ref)
    world.approve(ref, "vera")
    world.clock.advance(days=366)
    signoffs = world.requirement(ref, "signoff:validator")
    assert "vera's approval is stale: expired on" in signoffs.detail
    [waiting] = world.promotion.inbox(who("vera")).to_sign
    assert waiting.roles == ("validator",)


def test_an_overdue_recertification_is_not_listed_for_an_evidence_producer(world: World) -> None:
    world.services.member("credit", "dana", "validator", by=who("ana"))
    ref = _in_production(world)
    world.clock.advance(days=366)
    assert [r.version_ref for r in world.promotion.inbox(who("vera")).recertifications] == [
        str(ref)
    ]
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        world.approve(ref, "dana")
    assert world.promotion.inbox(who("dana")).recertifications == ()
