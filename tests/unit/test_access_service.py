"""Permissions decided in the services, for every entrypoint: a person outside a project, or
without the role an action needs, is refused with one line naming the person, the action, the
project and the roles that would allow it, and nothing is written. Organisation roles are
granted by an admin; the first admin is an identity the operating system established; nobody
grants a role to themselves."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from steward.domain.entities import Member
from steward.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from steward.domain.principal import Principal
from steward.services.use_case import use_case
from tests.fakes import make_lineage
from tests.fakes.services import FakeServices
from tests.policy_samples import GATES_POLICY
from tests.support.principals import ROOT, who
from tests.unit.test_governance_service import Unchanged

ANA, CARL, MALLORY = who("ana"), who("carl"), who("mallory")


@pytest.fixture
def s() -> FakeServices:
    services = FakeServices("test-gates")
    services.org("rita", "risk_officer")
    services.policies.apply(who("rita"), GATES_POLICY, "test-gates.yaml")
    services.inventory.create_project(
        ANA, "credit", members=[Member("carl", "data_scientist"), Member("vera", "validator")]
    )
    services.inventory.register_version(CARL, "credit", "scorer", b"v1", make_lineage())
    return services


def test_an_outsider_is_refused_every_project_action_and_nothing_is_written(
    s: FakeServices,
) -> None:
    attempts: list[Callable[[], object]] = [
        lambda: s.inventory.register_version(MALLORY, "credit", "scorer", b"x", make_lineage()),
        lambda: s.inventory.create_model(MALLORY, "credit/other"),
        lambda: s.inventory.set_tags(MALLORY, "credit/scorer/1", {"k": "v"}),
        lambda: s.promotion.promote(MALLORY, "credit/scorer/1", "staging", "ship it"),
        lambda: s.governance.add_evidence(
            MALLORY, "credit/scorer/1", "performance", passed=True, metrics={"auc": 0.9}
        ),
        lambda: s.inventory.add_member(MALLORY, "credit", "eve", "validator"),
        lambda: s.governance.classify(MALLORY, "credit", {"impact": "low"}),
    ]
    for attempt in attempts:
        with Unchanged(s.store), pytest.raises(PermissionDeniedError, match=r"^mallory may not "):
            attempt()


def test_the_refusal_names_the_person_the_action_the_project_and_the_roles(
    s: FakeServices,
) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        s.governance.classify(CARL, "credit", {"impact": "low"})
    assert caught.value.message == (
        "carl may not project.classify in project 'credit': it needs the role owner or "
        "risk_officer or admin"
    )
    assert caught.value.exit_code == 5


def test_members_work_the_owner_structures_and_an_officer_classifies(s: FakeServices) -> None:
    s.inventory.set_tags(CARL, "credit/scorer/1", {"team": "risk"})
    s.governance.classify(ANA, "credit", {"impact": "high"})
    # An organisation risk officer holds no role in the project, yet may classify it.
    s.governance.classify(who("rita"), "credit", {"impact": "high"}, reason="reviewed")
    with pytest.raises(PermissionDeniedError, match=r"carl may not project\.members\.change"):
        s.inventory.add_member(CARL, "credit", "dana", "data_scientist")


def test_reads_are_open_and_an_unknown_project_is_not_found_rather_than_refused(
    s: FakeServices,
) -> None:
    assert s.inventory.get_version(MALLORY, "credit/scorer/1").record.number == 1
    with pytest.raises(NotFoundError, match="unknown project 'nope'"):
        s.inventory.register_version(MALLORY, "nope", "scorer", b"x", make_lineage())


def test_applying_a_policy_takes_an_organisation_officer(s: FakeServices) -> None:
    with Unchanged(s.store), pytest.raises(PermissionDeniedError, match="ana may not policy"):
        s.policies.apply(ANA, GATES_POLICY + "# again\n", "test-gates.yaml")


def test_a_stricter_policy_is_stricter(s: FakeServices) -> None:
    """Once the project is classified under a policy that keeps stage moves to validators,
    a data scientist who could move it before cannot."""
    strict = GATES_POLICY.replace("name: test-gates", "name: strict") + (
        "permissions:\n  stage.move: [validator]\n"
    )
    s.policies.apply(who("rita"), strict, "strict.yaml")
    s.governance.classify(ANA, "credit", {"impact": "low"}, policy="strict")
    with (
        Unchanged(s.store),
        pytest.raises(
            PermissionDeniedError,
            match=r"carl may not stage\.move in project 'credit': it needs the role validator",
        ),
    ):
        s.promotion.promote(CARL, "credit/scorer/1", "staging", "ready")


@pytest.mark.parametrize("person", ["ana", " ana "])
def test_nobody_grants_a_project_role_to_themselves(s: FakeServices, person: str) -> None:
    with Unchanged(s.store), pytest.raises(PermissionDeniedError, match="to themselves"):
        s.inventory.add_member(ANA, "credit", person, "validator")
    with pytest.raises(PermissionDeniedError, match="to themselves"):
        s.inventory.create_project(ANA, "other", members={"ana": "validator"})


def test_the_first_admin_is_an_established_identity_and_only_the_first() -> None:
    s = FakeServices()
    with Unchanged(s.store), pytest.raises(InvalidInputError, match="not declared"):
        s.organisation.initialise(who("mallory"))
    assert s.organisation.initialise(ROOT) == "root"
    assert s.organisation.roles(MALLORY) == {"root": frozenset({"admin"})}
    with Unchanged(s.store), pytest.raises(PermissionDeniedError, match="mallory may not admin"):
        s.organisation.initialise(Principal("mallory", "os_login"))
    with Unchanged(s.store), pytest.raises(ConflictError, match="already has an admin"):
        s.organisation.initialise(ROOT)
    [event] = s.store.events()
    assert (event.action, event.entity_id, event.payload) == (
        "org.role_granted",
        "root",
        {"role": "admin"},
    )


def test_organisation_roles_are_granted_by_an_admin_never_to_oneself(s: FakeServices) -> None:
    with Unchanged(s.store), pytest.raises(PermissionDeniedError, match="rita may not admin"):
        s.organisation.grant(who("rita"), "mallory", "risk_officer", "help")
    with Unchanged(s.store), pytest.raises(PermissionDeniedError, match="to themselves"):
        s.organisation.grant(ROOT, "root", "auditor", "more")
    with Unchanged(s.store), pytest.raises(InvalidInputError, match="unknown organisation role"):
        s.organisation.grant(ROOT, "ana", "wizard", "why not")
    with Unchanged(s.store), pytest.raises(InvalidInputError, match="reason is required"):
        s.organisation.grant(ROOT, "ana", "auditor", " ")
    s.organisation.grant(ROOT, "ana", "auditor", "internal audit")
    assert s.organisation.roles(ANA)["ana"] == frozenset({"auditor"})
    with pytest.raises(ConflictError, match="already holds"):
        s.organisation.grant(ROOT, "ana", "auditor", "again")
    s.organisation.revoke(ROOT, "ana", "auditor", "moved on")
    assert "ana" not in s.organisation.roles(ANA)
    with pytest.raises(NotFoundError, match="does not hold"):
        s.organisation.revoke(ROOT, "ana", "auditor", "again")
    with Unchanged(s.store), pytest.raises(ConflictError, match="only admin"):
        s.organisation.revoke(ROOT, "root", "admin", "leaving")


def test_a_use_case_deciding_inside_must_decide(s: FakeServices) -> None:
    """A use case declared to check its permission itself fails loudly if it does not."""

    class Forgetful:
        def __init__(self) -> None:
            self._access = s.access

        @use_case("review.close", scope="inside")
        def close(self, principal: Principal) -> str:
            return "closed"

        @use_case("review.close", scope="inside")
        def careful(self, principal: Principal) -> str:
            self._access.require(principal, "review.close", "credit")
            return "closed"

    with pytest.raises(AssertionError, match="without deciding its permission"):
        Forgetful().close(CARL)
    assert Forgetful().careful(CARL) == "closed"
    with pytest.raises(PermissionDeniedError, match=r"mallory may not review\.close"):
        Forgetful().careful(MALLORY)
