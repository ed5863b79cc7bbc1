"""What counts as weakening governance: the comparison that decides whether a reclassification
or a new policy version applies at once or waits for a second person."""

from __future__ import annotations

import pytest

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.domain.changes import signing_roles
from steward.domain.policy import Policy
from steward.domain.weakening import policy_weakenings, tier_weakenings
from steward.services.policies import PolicyResolver
from tests.policy_samples import GATES_POLICY


def _policy(text: str = GATES_POLICY) -> Policy:
    return PolicyResolver(YamlPolicyLoader()).validate(text, "test.yaml")


def _edited(*pairs: tuple[str, str]) -> Policy:
    text = GATES_POLICY
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return _policy(text)


def test_moving_to_a_tier_with_fewer_requirements_names_each_one_given_up() -> None:
    policy = _policy()
    found = tier_weakenings(policy, "high", policy, "low")
    assert found == [
        "recertification every 365 days becomes every 730 days",
        "staging: check performance.auc >= 0.75 is no longer required",
        "production: check performance.auc >= 0.75 is no longer required",
        "production: check data_quality passed is no longer required",
        "production: sign-offs by validator drop from 2 to 0",
        "production: documentation intended_use is no longer required",
    ]


def test_moving_to_a_tier_that_demands_more_or_the_same_weakens_nothing() -> None:
    policy = _policy()
    assert tier_weakenings(policy, "low", policy, "high") == []
    assert tier_weakenings(policy, "high", policy, "high") == []


def test_the_same_policy_again_weakens_nothing() -> None:
    assert policy_weakenings(_policy(), _policy()) == []


@pytest.mark.parametrize(
    ("edit", "finding"),
    [
        (
            (
                'checks: ["performance.auc >= 0.75", "data_quality',
                'checks: ["performance.auc >= 0.7", "data_quality',
            ),
            "tier high, production: check performance.auc >= 0.75 is loosened",
        ),
        (
            ("{role: validator, count: 2,", "{role: validator, count: 1,"),
            "tier high, production: sign-offs by validator drop from 2 to 1",
        ),
        (
            ("      documentation: [intended_use]\n", ""),
            "tier high, production: documentation intended_use is no longer required",
        ),
        (
            ("max_days: 30", "max_days: 1000"),
            "waivers may last 1000 days instead of 30",
        ),
        (
            ("granted_by: [risk_officer]", "granted_by: [risk_officer, data_scientist]"),
            "data_scientist may now grant waivers",
        ),
        (
            (
                "    - {from: staging, to: production}\n",
                "    - {from: staging, to: production}\n    - {from: development, to: production}\n",
            ),
            "a new transition development → production opens another way between stages",
        ),
        (
            ("  - {name: high, recertify_days: 365}", "  - {name: high}"),
            "tier high, recertification every 365 days becomes never",
        ),
        (
            ("waivers:\n", "permissions:\n  change.approve: [risk_officer, member]\nwaivers:\n"),
            "permission change.approve is opened to member",
        ),
    ],
    ids=[
        "threshold",
        "signoff-count",
        "documentation",
        "waiver-days",
        "waiver-role",
        "transition",
        "recertify",
        "permission",
    ],
)
def test_each_way_of_loosening_a_policy_is_found(edit: tuple[str, str], finding: str) -> None:
    assert finding in policy_weakenings(_policy(), _edited(edit))


def test_tightening_a_policy_weakens_nothing() -> None:
    stricter = _edited(
        (
            'checks: ["performance.auc >= 0.75", "data_quality',
            'checks: ["performance.auc >= 0.8", "data_quality',
        ),
        ("{role: validator, count: 2,", "{role: validator, count: 3,"),
        ("max_days: 30", "max_days: 14"),
        ("  - {name: high, recertify_days: 365}", "  - {name: high, recertify_days: 180}"),
    )
    assert policy_weakenings(_policy(), stricter) == []


def test_allowing_the_author_to_sign_is_a_weakening() -> None:
    lax = _edited(("waivers:\n", "separation_of_duties: {author_may_sign: true}\nwaivers:\n"))
    assert "tier high, production: the author may now sign" in policy_weakenings(_policy(), lax)


def test_a_monitoring_rule_removed_or_loosened_is_a_weakening() -> None:
    rules = (
        "monitoring:\n  high:\n    rules:\n"
        '      - {signal: performance.auc, op: "<", value: 0.7, action: demote}\n'
    )
    with_rule = _edited(("waivers:\n", rules + "waivers:\n"))
    looser = _edited(("waivers:\n", rules.replace("0.7", "0.5") + "waivers:\n"))
    notify = _edited(("waivers:\n", rules.replace("demote", "notify") + "waivers:\n"))
    assert policy_weakenings(with_rule, _policy()) == [
        "tier high, monitoring: rule performance.auc < 0.7 (demote) is removed"
    ]
    assert policy_weakenings(with_rule, looser) == [
        "tier high, monitoring: rule performance.auc < 0.7 (demote) is loosened"
    ]
    assert policy_weakenings(with_rule, notify) == [
        "tier high, monitoring: rule performance.auc < 0.7 (demote) no longer acts by demote"
    ]
    assert policy_weakenings(looser, with_rule) == []


def test_roles_that_sign_are_the_sign_off_waiver_and_approval_roles() -> None:
    assert signing_roles(_policy()) == {"validator", "risk_officer"}
