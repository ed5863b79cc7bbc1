"""Changes that weaken governance wait for a second person: a weaker tier, a looser policy, a new
owner, a role that signs. The requester, and whoever the change would favour, cannot approve
it; approval applies it in one transaction; a change computed against a state that has moved
since is refused; nothing is written by a refusal."""

from __future__ import annotations

import pytest

from steward.domain.changes import PendingChange
from steward.domain.entities import Member
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.policy_samples import GATES_POLICY
from tests.support.principals import READER, who
from tests.unit.test_governance_service import Unchanged, World


@pytest.fixture
def world() -> World:
    """test-gates applied by ana (risk officer; ben is another), 'credit' classified high."""
    w = World()
    w.apply()
    w.project()
    return w


def _downgrade(w: World) -> PendingChange:
    change = w.gov.classify(who("ana"), "credit", {"impact": "low"}, reason="scope narrowed")
    assert isinstance(change, PendingChange)
    return change


def test_a_downgrade_waits_and_applies_only_when_a_second_officer_approves(world: World) -> None:
    head = world.store.head.seq
    change = _downgrade(world)
    assert (change.kind, change.status, change.requested_by) == ("tier.downgrade", "pending", "ana")
    assert change.summary == "reclassify credit from test-gates:high to test-gates:low"
    assert "production: sign-offs by validator drop from 2 to 0" in change.weakens
    assert world.gov.assessment(READER, "credit").tier == "high"
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="a second person"):
        world.services.changes.approve(who("ana"), change.id, "I am sure")
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match=r"^vera may not"):
        world.services.changes.approve(who("vera"), change.id, "looks fine")
    with Unchanged(world.store), pytest.raises(InvalidInputError, match="reason is required"):
        world.services.changes.approve(who("ben"), change.id, " ")

    approved = world.services.changes.approve(who("ben"), change.id, "the scope is narrower")
    assert (approved.status, approved.decided_by) == ("approved", "ben")
    assert world.gov.assessment(READER, "credit").tier == "low"
    events = [e for e in world.store.events() if e.seq > head]
    assert [(e.action, e.actor) for e in events] == [
        ("change.requested", "ana"),
        ("change.approved", "ben"),
        ("project.classified", "ben"),
    ]
    assert events[-1].payload["change"] == change.id
    with Unchanged(world.store), pytest.raises(ConflictError, match="approved already"):
        world.services.changes.approve(who("ben"), change.id, "again")


def test_a_move_into_a_stricter_tier_applies_at_once(world: World) -> None:
    world.project("fraud", impact="low")
    result = world.gov.classify(who("ana"), "fraud", {"impact": "high"})
    assert not isinstance(result, PendingChange)
    assert result.tier == "high"


def test_asking_twice_keeps_one_pending_change_and_a_different_ask_conflicts(world: World) -> None:
    first = _downgrade(world)
    with Unchanged(world.store):
        again = _downgrade(world)
    assert again == first
    world.services.approve_all()  # someone approved it: a new ask is a new change
    world.gov.classify(who("ana"), "credit", {"impact": "high"})
    waiting = _downgrade(world)
    assert waiting.id != first.id
    owner = world.inventory.change_owner(who("ana"), "credit", "olga", "handover")
    with Unchanged(world.store), pytest.raises(ConflictError, match="pending already"):
        world.inventory.change_owner(who("ana"), "credit", "oscar", "another handover")
    assert owner.status == "pending"


def test_a_weakening_needs_a_reason(world: World) -> None:
    with Unchanged(world.store), pytest.raises(InvalidInputError, match="reason is required"):
        world.gov.classify(who("ana"), "credit", {"impact": "low"})


def test_a_rejected_change_never_applies_and_only_the_requester_withdraws(world: World) -> None:
    change = _downgrade(world)
    rejected = world.services.changes.reject(who("ben"), change.id, "the answers are wrong")
    assert (rejected.status, rejected.decision_reason) == ("rejected", "the answers are wrong")
    assert world.gov.assessment(READER, "credit").tier == "high"
    waiting = _downgrade(world)
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="only its requester"):
        world.services.changes.withdraw(who("ben"), waiting.id, "not mine")
    withdrawn = world.services.changes.withdraw(who("ana"), waiting.id, "asked too early")
    assert withdrawn.status == "withdrawn"
    assert world.services.changes.list(READER) == []
    decided = world.services.changes.list(READER, None, "credit")
    assert [c.status for c in decided if c.kind == "tier.downgrade"] == ["rejected", "withdrawn"]
    with pytest.raises(NotFoundError, match="unknown change 99"):
        world.services.changes.get(READER, 99)


def test_a_change_computed_against_a_state_that_moved_is_refused(world: World) -> None:
    change = _downgrade(world)
    # Meanwhile the project is assessed again (the same tier: no change needed) ...
    world.gov.classify(who("ana"), "credit", {"impact": "high"})
    # ... and a new version of the policy is applied: the downgrade was computed on v1.
    world.book.apply(who("ana"), GATES_POLICY.replace("max_days: 30", "max_days: 10"), "v2.yaml")
    with Unchanged(world.store), pytest.raises(ConflictError, match="no longer applies"):
        world.services.changes.approve(who("ben"), change.id, "fine")


def test_a_policy_version_that_loosens_a_requirement_waits_for_a_second_officer(
    world: World,
) -> None:
    looser = GATES_POLICY.replace("{role: validator, count: 2,", "{role: validator, count: 1,")
    change = world.book.apply(who("ana"), looser, "looser.yaml", "one validator is enough")
    assert isinstance(change, PendingChange)
    assert (change.kind, change.project, change.subject) == ("policy.weaken", None, "test-gates")
    assert change.weakens == ("tier high, production: sign-offs by validator drop from 2 to 1",)
    assert [p.version for p in world.book.history(READER, "test-gates")] == [1]
    world.services.changes.approve(who("ben"), change.id, "the committee agreed")
    stored, policy = world.book.show(READER, "test-gates")
    assert stored is not None and stored.version == 2
    assert policy.gate("high", "production").signoffs[0].count == 1


def test_a_questionnaire_that_would_move_a_project_to_a_weaker_tier_is_a_weakening(
    world: World,
) -> None:
    rescored = GATES_POLICY.replace("answers: {low: 0, high: 5}", "answers: {low: 0, high: 4}")
    change = world.book.apply(who("ana"), rescored, "rescored.yaml", "recalibrated")
    assert isinstance(change, PendingChange)
    assert change.weakens == ("project credit would move from high to low",)


def test_adding_a_requirement_to_a_policy_applies_at_once(world: World) -> None:
    stricter = GATES_POLICY.replace("{role: validator, count: 2,", "{role: validator, count: 3,")
    applied = world.book.apply(who("ana"), stricter, "stricter.yaml")
    assert not isinstance(applied, PendingChange)
    assert applied.stored.version == 2


def test_a_new_owner_waits_for_someone_who_is_neither_requester_nor_new_owner(
    world: World,
) -> None:
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="themselves"):
        world.inventory.change_owner(who("ana"), "credit", "ana", "me")
    world.services.org("ben", "admin")
    change = world.inventory.change_owner(who("ana"), "credit", "ben", "ben takes over")
    assert change.summary == "make ben the owner of credit instead of ana"
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="given to themselves"):
        world.services.changes.approve(who("ben"), change.id, "I accept")
    world.services.approve(change.id)
    project = world.inventory.get_project(READER, "credit")
    assert project.owner == "ben"
    assert Member("ben", "owner") in project.members
    assert Member("ana", "owner") not in project.members


def test_a_role_that_signs_waits_and_its_holder_to_be_cannot_approve_it(world: World) -> None:
    world.services.org("vic", "risk_officer")
    change = world.inventory.add_member(who("ana"), "credit", "vic", "validator", "second line")
    assert isinstance(change, PendingChange)
    assert change.summary == "give vic the role validator in credit"
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="given to themselves"):
        world.services.changes.approve(who("vic"), change.id, "fine by me")
    world.services.changes.approve(who("ben"), change.id, "vic validates independently")
    assert Member("vic", "validator") in world.inventory.get_project(READER, "credit").members
    # A role that signs nothing under the policy is given at once.
    project = world.inventory.add_member(who("ana"), "credit", "dora", "data_scientist")
    assert not isinstance(project, PendingChange)
    assert Member("dora", "data_scientist") in project.members


def test_members_named_at_creation_in_roles_that_sign_wait_too(world: World) -> None:
    world.inventory.create_project(
        who("ana"), "fraud", members=[Member("vera", "validator"), Member("dan", "data_scientist")]
    )
    assert world.inventory.get_project(READER, "fraud").members == (
        Member("ana", "owner"),
        Member("dan", "data_scientist"),
    )
    [waiting] = world.services.changes.list(READER, "pending", "fraud")
    assert waiting.summary == "give vera the role validator in fraud"


def test_the_first_risk_officer_is_granted_at_once_and_later_ones_wait() -> None:
    w = World()  # ana was the first risk officer, ben's grant was approved by ana
    change = w.services.organisation.grant(who("root"), "carol", "risk_officer", "more cover")
    assert change is not None and change.kind == "role.grant" and change.project is None
    assert "carol" not in w.services.organisation.roles(READER)
    w.services.changes.approve(who("ben"), change.id, "carol joins the second line")
    assert "risk_officer" in w.services.organisation.roles(READER)["carol"]
    # An auditor signs nothing: granted at once.
    assert w.services.organisation.grant(who("root"), "aud", "auditor", "yearly audit") is None


def test_the_inbox_shows_changes_to_approve_and_ones_own_waiting_changes(world: World) -> None:
    change = _downgrade(world)
    assert world.promotion.inbox(who("ben")).changes_to_approve == (change,)
    assert world.promotion.inbox(who("ana")).changes_to_approve == ()
    assert world.promotion.inbox(who("ana")).my_changes == (change,)
    assert world.promotion.inbox(who("vera")).changes_to_approve == ()
