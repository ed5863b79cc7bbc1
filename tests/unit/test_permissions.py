"""The permission model: which roles allow an action, in the organisation or in one project,
and what a policy's `permissions` section may say."""

from __future__ import annotations

import pytest

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.adapters.shipped_policies import shipped_permissions
from steward.domain.actions import ACTIONS
from steward.domain.errors import PolicyInvalidError
from steward.domain.permissions import (
    DEFAULT_PERMISSIONS,
    ORG_ACTIONS,
    Holdings,
    allows,
    mapping_problems,
    refusal,
)
from tests.policy_samples import GATES_POLICY


def test_every_action_has_a_default_and_nothing_else_does() -> None:
    """A new action without a default permission cannot land."""
    assert set(DEFAULT_PERMISSIONS) == set(ACTIONS)
    assert all(DEFAULT_PERMISSIONS.values())


@pytest.mark.parametrize(
    ("allowed", "held", "in_project", "expected"),
    [
        (("everyone",), Holdings(), False, True),
        (("member",), Holdings(project_roles=frozenset({"ml_engineer"})), True, True),
        (("member",), Holdings(), True, False),
        # Project roles mean nothing outside a project.
        (("member",), Holdings(project_roles=frozenset({"owner"})), False, False),
        (("owner", "admin"), Holdings(project_roles=frozenset({"owner"})), True, True),
        (("owner", "admin"), Holdings(project_roles=frozenset({"validator"})), True, False),
        # An organisation role counts everywhere, in a project too.
        (("owner", "admin"), Holdings(org_roles=frozenset({"admin"})), True, True),
        (("risk_officer",), Holdings(org_roles=frozenset({"risk_officer"})), False, True),
        (("risk_officer",), Holdings(org_roles=frozenset({"auditor"})), False, False),
    ],
)
def test_allows(allowed: tuple[str, ...], held: Holdings, in_project: bool, expected: bool) -> None:
    assert allows(allowed, held, in_project) is expected


def test_a_refusal_names_the_person_the_action_the_project_and_the_roles() -> None:
    assert refusal("ana", "project.classify", "credit", ("owner", "risk_officer")) == (
        "ana may not project.classify in project 'credit': it needs the role owner or risk_officer"
    )
    assert refusal("ana", "version.register", "credit", ("member",)) == (
        "ana may not version.register in project 'credit': it needs a role in the project"
    )
    assert refusal("ana", "policy.apply", None, ("admin",)) == (
        "ana may not policy.apply: it needs the role admin"
    )


def test_mapping_problems_name_the_action() -> None:
    found = mapping_problems(
        {
            "no.such": ("owner",),
            "stage.move": ("wizard",),
            "version.register": (),
            "policy.apply": ("owner", "admin"),
        },
        ["validator"],
    )
    assert [action for action, _ in found] == [
        "no.such",
        "stage.move",
        "version.register",
        "policy.apply",
    ]
    assert "unknown role 'wizard'" in found[1][1]
    assert "no role may perform it" in found[2][1]
    assert "concerns the whole organisation" in found[3][1] and "owner" in found[3][1]


def test_a_policy_without_permissions_takes_the_defaults_and_one_with_some_overrides_them() -> None:
    loader = YamlPolicyLoader()
    plain = loader.load(GATES_POLICY, "plain.yaml")
    assert plain.permissions == DEFAULT_PERMISSIONS
    stricter = loader.load(GATES_POLICY + "permissions:\n  stage.move: [owner]\n", "strict.yaml")
    assert stricter.allowed("stage.move") == ("owner",)
    assert stricter.allowed("version.register") == DEFAULT_PERMISSIONS["version.register"]
    # Stored with the defaults written out, so a decision can be explained from the document.
    assert stricter.document()["permissions"]["version.register"] == ["member"]


def test_a_policy_naming_an_unknown_action_or_role_is_refused_with_its_line() -> None:
    loader = YamlPolicyLoader()
    text = GATES_POLICY + "permissions:\n  stage.move: [wizard]\n"
    with pytest.raises(PolicyInvalidError) as caught:
        loader.load(text, "bad.yaml")
    line = text.splitlines().index("  stage.move: [wizard]") + 1
    assert f"bad.yaml:{line}" in caught.value.message
    assert "wizard" in caught.value.message


@pytest.mark.parametrize("name", ["default", "sr-11-7", "eu-ai-act"])
def test_the_shipped_permissions_read_raw_are_those_the_validated_policy_holds(name: str) -> None:
    """A decision on a fresh store reads the shipped section without validating it; it must
    be what the validated policy holds."""
    loader = YamlPolicyLoader()
    policy = loader.load(loader.builtin()[name], f"{name}.yaml")
    raw = shipped_permissions(name)
    assert raw is not None
    assert {**DEFAULT_PERMISSIONS, **raw} == policy.permissions


def test_organisation_actions_allow_no_project_role_by_default() -> None:
    for action in ORG_ACTIONS:
        assert mapping_problems({action: DEFAULT_PERMISSIONS[action]}, []) == []
