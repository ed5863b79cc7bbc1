"""The shipped policies classify and gate as their docs pages say (docs/policies/*.md)."""

from __future__ import annotations

from functools import cache

import pytest

from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.domain.classify import classify
from steward.domain.policy import Policy
from tests.policy_samples import EU_NONE, SR_LOW


@cache
def _policy(name: str) -> Policy:
    loader = YamlPolicyLoader()
    return loader.load(loader.builtin()[name], f"{name}.yaml")


DEFAULT_LOW = {
    "audience": "team",
    "usage": "adhoc",
    "lifetime": "one_off",
    "impact": "negligible",
    "affects_people": "no",
    "affects_money": "no",
    "automation": "advisory",
}


@pytest.mark.parametrize(
    ("changes", "tier"),
    [
        ({}, "adhoc"),
        ({"usage": "scheduled"}, "scheduled"),  # a floor, whatever the score
        ({"usage": "monitored"}, "monitored"),
        ({"usage": "operational"}, "operational"),
        # Automatic decisions about people need monitoring, explanations and bias tests.
        ({"affects_people": "yes", "automation": "automatic"}, "monitored"),
        # Public-facing decisions about money.
        ({"audience": "public", "affects_money": "yes"}, "monitored"),
        # A self-service analysis whose decision has a lasting, significant impact.
        ({"lifetime": "years", "impact": "significant"}, "monitored"),
        # By score alone: 3 + 1 + 2 + 3 + 2 + 2 + 2 = 15 → operational band.
        (
            {
                "audience": "public",
                "usage": "scheduled",
                "lifetime": "years",
                "impact": "significant",
                "affects_people": "yes",
                "affects_money": "yes",
                "automation": "automatic",
            },
            "operational",
        ),
    ],
)
def test_default_policy_tiers_follow_figure_8_1(changes: dict[str, str], tier: str) -> None:
    assert classify(_policy("default"), {**DEFAULT_LOW, **changes}).tier == tier


def test_default_policy_scales_sign_offs_with_the_tier() -> None:
    policy = _policy("default")
    counts = {
        t: [(s.role, s.count) for s in policy.gate(t, "production").signoffs]
        for t in policy.tier_names()
    }
    assert counts == {
        "adhoc": [],
        "scheduled": [("data_scientist", 1)],
        "monitored": [("validator", 1)],
        "operational": [("validator", 2), ("risk_officer", 1)],
    }
    assert policy.separation_of_duties.author_may_sign is False
    assert policy.separation_of_duties.evidence_producers_may_sign is False


PROHIBITED_PRACTICES = list(EU_NONE)[:8]


@pytest.mark.parametrize("practice", PROHIBITED_PRACTICES)
def test_eu_every_article_5_practice_is_prohibited(practice: str) -> None:
    # Even together with answers that would otherwise make it high risk.
    answers = {**EU_NONE, practice: "yes", "annex_iii_area": "employment"}
    assert classify(_policy("eu-ai-act"), answers).tier == "prohibited"


@pytest.mark.parametrize(
    ("changes", "tier"),
    [
        ({}, "minimal"),
        ({"annex_iii_area": "employment"}, "high"),
        # Art. 6(3): a narrow procedural task in an Annex III area is not high risk ...
        (
            {"annex_iii_area": "employment", "art_6_3_exception": "narrow_procedural_task"},
            "minimal",
        ),
        # ... unless the system profiles natural persons: then it always is.
        (
            {
                "annex_iii_area": "essential_services",
                "art_6_3_exception": "preparatory_task",
                "profiling": "yes",
            },
            "high",
        ),
        ({"annex_i_safety_component": "yes"}, "high"),
        ({"interacts_with_people": "yes"}, "limited"),  # Art. 50 transparency
        ({"generates_synthetic_content": "yes"}, "limited"),
        (
            {
                "annex_iii_area": "education",
                "art_6_3_exception": "improves_completed_human_activity",
                "interacts_with_people": "yes",
            },
            "limited",
        ),
    ],
)
def test_eu_high_risk_and_transparency_rules(changes: dict[str, str], tier: str) -> None:
    assert classify(_policy("eu-ai-act"), {**EU_NONE, **changes}).tier == tier


def test_eu_high_risk_production_needs_annex_iv_documentation() -> None:
    policy = _policy("eu-ai-act")
    required = set(policy.gate("high", "production").documentation)
    annex_iv = {
        "general_description",
        "intended_purpose",
        "provider",
        "development_process",
        "design_specifications",
        "data_governance",
        "human_oversight",
        "accuracy_robustness_cybersecurity",
        "risk_management",
        "post_market_monitoring",
        "changes_log",
        "standards_applied",
        "eu_declaration_of_conformity",
    }
    assert annex_iv <= required
    assert policy.tier("prohibited").prohibited
    assert "transparency_notice" in policy.gate("limited", "production").documentation


@pytest.mark.parametrize(
    ("changes", "tier"),
    [
        ({}, "tier3"),
        ({"regulatory_use": "capital_or_stress_testing"}, "tier1"),
        ({"materiality": "high", "complexity": "moderate"}, "tier1"),
        ({"materiality": "high"}, "tier2"),  # material but simple
        ({"materiality": "moderate", "complexity": "complex"}, "tier2"),
        ({"customer_impact": "direct"}, "tier2"),
        ({"regulatory_use": "regulatory_reporting"}, "tier2"),
    ],
)
def test_sr_11_7_tiers_by_materiality_and_complexity(changes: dict[str, str], tier: str) -> None:
    assert classify(_policy("sr-11-7"), {**SR_LOW, **changes}).tier == tier


def test_sr_11_7_requires_independent_validation_and_annual_review() -> None:
    policy = _policy("sr-11-7")
    for tier in policy.tier_names():
        gate = policy.gate(tier, "production")
        assert "independent_validation" in {c.kind for c in gate.checks}
        assert "validator" in {s.role for s in gate.signoffs}
        assert policy.tier(tier).recertify_days == 365
    assert "model_risk_committee" in {s.role for s in policy.gate("tier1", "production").signoffs}
    inventory = {"purpose", "uses", "restrictions", "inputs", "upstream_models", "validator"}
    assert inventory <= set(policy.gate("tier1", "production").documentation)
