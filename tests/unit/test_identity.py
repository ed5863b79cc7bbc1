"""One person behind every spelling of a name: separation of duties compares identities, so a
spelling variant, a look-alike in another script or an alias of the author cannot sign the
author's version, and names that would pass for someone else are refused when first used."""

from __future__ import annotations

import pytest

from steward.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from steward.domain.identity import identity_key, known, scripts, skeleton
from steward.domain.principal import Principal
from steward.domain.weakening import policy_weakenings
from tests.policy_samples import GATES_POLICY
from tests.support.principals import READER, who
from tests.unit.test_governance_service import Unchanged, World

CYRILLIC_A = "\u0430"
VARIANTS = [
    "Carl",
    "CARL",
    "carl.",
    f"c{CYRILLIC_A}rl",
    "carl\u200b",
    "\uff43\uff41\uff52\uff4c",  # fullwidth
    " carl\u2060 ",
    "c\u00adarl",  # soft hyphen
]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_spelling_variant_shares_the_key_or_is_refused(name: str) -> None:
    people = known(["carl", "dana"])
    if len(scripts(name)) > 1:
        with pytest.raises(InvalidInputError, match="mixes Latin and Cyrillic letters"):
            people.resolve(name)
        return
    assert identity_key(name) == "carl"
    with pytest.raises(InvalidInputError, match="is the known person 'carl' written differently"):
        people.resolve(name)


def test_a_look_alike_in_one_other_script_is_refused_but_a_distinct_name_is_not() -> None:
    people = known(["ana"])
    look_alike = f"{CYRILLIC_A}\u043f{CYRILLIC_A}"  # Cyrillic a, pe, a: reads "ana"
    assert skeleton(identity_key(look_alike)) == "ana"
    with pytest.raises(InvalidInputError, match="looks like the known person 'ana'"):
        people.resolve(look_alike)
    assert people.resolve("анна") == "анна"  # a Russian name, not a look-alike of ana
    assert people.resolve("anna") == "anna"
    assert people.resolve("ana") == "ana"


def test_an_alias_resolves_to_its_person_whatever_its_spelling() -> None:
    people = known(["ana", "dana"], {"dana@corp.example": "dana"})
    assert people.resolve("dana@corp.example") == "dana"
    assert people.resolve("Dana@Corp.Example") == "dana"


def test_no_variant_of_the_author_can_sign_the_authors_version() -> None:
    world = World()
    world.apply()
    world.project()
    ref = world.staged()  # registered by carl
    for name in VARIANTS:
        with Unchanged(world.store), pytest.raises(InvalidInputError):
            world.gov.sign(
                who(name), ref, stage="production", role="validator", decision="approve",
                reason="looks good",
            )  # fmt: skip


def test_a_variant_of_a_known_person_cannot_be_made_a_member() -> None:
    world = World()
    world.apply()
    world.project()
    for name in ("Vera", "vera.", "v\u0435ra"):  # Cyrillic e
        with Unchanged(world.store), pytest.raises(InvalidInputError):
            world.inventory.add_member(who("ana"), "credit", name, "validator", "second line")
    with Unchanged(world.store), pytest.raises(InvalidInputError, match="written differently"):
        world.inventory.create_project(
            who("ana"), "fraud", members={"zoe": "data_scientist", "Zoe": "ml_engineer"}
        )


def test_an_alias_of_the_author_acts_as_the_author() -> None:
    world = World()
    world.apply()
    world.project()
    ref = world.staged()
    root = Principal("root", "os_login")
    world.services.organisation.add_alias(root, "carl@corp.example", "carl", "carl's e-mail")
    with Unchanged(world.store), pytest.raises(PermissionDeniedError):
        world.gov.sign(
            who("carl@corp.example"), ref, stage="production", role="validator",
            decision="approve", reason="independent review",
        )  # fmt: skip
    # A known person cannot be turned into someone else's alias, nor an alias taken twice.
    with Unchanged(world.store), pytest.raises(ConflictError, match="a person Steward knows"):
        world.services.organisation.add_alias(root, "vera", "carl", "merge")
    with Unchanged(world.store), pytest.raises(ConflictError, match="already an alias"):
        world.services.organisation.add_alias(root, "Carl@corp.example", "dana", "mine")
    assert world.services.organisation.roles(READER)


STRICT = GATES_POLICY.replace(
    "      documentation: [intended_use]\n",
    "      documentation: [intended_use]\n      signer_identity: [os_login, sso]\n",
)


def test_a_gate_can_ask_for_signers_whose_identity_was_established() -> None:
    world = World()
    world.apply(STRICT)
    world.project()
    ref = world.staged()
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="was declared"):
        world.approve(ref, "vera")
    for signer in ("vera", "victor"):
        world.gov.sign(
            Principal(signer, "os_login"), ref, stage="production", role="validator",
            decision="approve", reason="validated",
        )  # fmt: skip
    assert world.requirement(ref, "signoff:validator").status == "met"
    assert {s.identity for s in world.gov.facts(READER, ref).signoffs} == {"os_login"}


def test_a_sign_off_by_a_declared_identity_stops_counting_once_the_policy_asks_for_more() -> None:
    world = World()
    world.apply()
    world.project()
    ref = world.staged()
    world.approve(ref, "vera", "victor")
    assert world.requirement(ref, "signoff:validator").status == "met"
    world.apply(STRICT)  # adding a requirement applies at once
    found = world.requirement(ref, "signoff:validator")
    assert found.status == "missing"
    assert "vera's approval does not count: signed under a declared identity" in found.detail


def test_dropping_the_identity_requirement_is_a_weakening() -> None:
    from tests.unit.test_weakening import _policy

    assert "tier high, production: sign-offs may now come from any identity, a declared one " \
        "included" in policy_weakenings(_policy(STRICT), _policy(GATES_POLICY))  # fmt: skip
