"""Risk classification without a database: rule order, minimum floors, scoring bands, errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.classify import Classification, classify
from steward.domain.errors import InvalidInputError, PolicyInvalidError
from steward.domain.policy import Policy

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "annex_iii_area",
        "text": "Which Annex III area, if any?",
        "answers": ["none", "employment", "credit", "social_scoring"],
    },
    {"id": "profiling", "text": "Does it profile natural persons?", "answers": ["yes", "no"]},
    {"id": "audience", "text": "Who sees its output?", "answers": {"internal": 0, "public": 3}},
    {"id": "scale", "text": "How many people?", "answers": {"small": 0, "medium": 2, "large": 4}},
]

RULES: list[dict[str, Any]] = [
    {
        "tier": "prohibited",
        "all": {"annex_iii_area": "social_scoring"},
        "reason": "social scoring is banned",
    },
    {
        "tier": "high",
        "all": {"annex_iii_area": ["employment"], "profiling": "yes"},
        "reason": "profiling of natural persons is always high-risk",
    },
    {"minimum": "limited", "any": {"audience": ["public"], "scale": ["large"]}},
    {
        "minimum": "high",
        "all": {"annex_iii_area": {"not": ["none", "employment", "social_scoring"]}},
        "reason": "credit scoring",
    },
]

SCORING = [
    {"tier": "limited", "min_score": 3},
    {"tier": "high", "min_score": 7},
]


def make_policy(**questionnaire: Any) -> Policy:
    document: dict[str, Any] = {
        "name": "eu-ai-act",
        "roles": {"owner": "Model owner"},
        "questionnaire": {
            "questions": copy.deepcopy(QUESTIONS),
            "rules": copy.deepcopy(RULES),
            "scoring": copy.deepcopy(SCORING),
            "default_tier": "minimal",
        },
        "tiers": [
            {"name": "minimal"},
            {"name": "limited"},
            {"name": "high"},
            {"name": "prohibited", "prohibited": True},
        ],
        "stages": {
            "names": ["development", "production"],
            "initial": "development",
            "transitions": [{"from": "development", "to": "production"}],
        },
    }
    document["questionnaire"].update(questionnaire)
    return Policy.model_validate(document)


POLICY = make_policy()


def answers(**given: str) -> dict[str, str]:
    base = {"annex_iii_area": "none", "profiling": "no", "audience": "internal", "scale": "small"}
    base.update(given)
    return base


# Errors -------------------------------------------------------------------------------------


def test_missing_answer_names_the_question_and_its_answers() -> None:
    given = answers()
    del given["audience"]
    with pytest.raises(InvalidInputError) as caught:
        classify(POLICY, given)
    assert (
        str(caught.value)
        == "missing answer to question 'audience': expected one of internal, public"
    )


def test_unknown_question_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        classify(POLICY, answers(colour="blue"))
    assert str(caught.value) == (
        "unknown question 'colour': expected one of annex_iii_area, profiling, audience, scale"
    )


def test_answer_not_allowed_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        classify(POLICY, answers(profiling="maybe"))
    assert str(caught.value) == "answer 'maybe' to 'profiling' is not allowed: expected yes, no"


def test_error_messages_are_one_line() -> None:
    for bad in (answers(profiling="maybe"), answers(x="y"), {"profiling": "yes"}):
        with pytest.raises(InvalidInputError) as caught:
            classify(POLICY, bad)
        assert "\n" not in str(caught.value)


def test_a_rule_naming_an_undefined_tier_is_a_policy_error() -> None:
    policy = make_policy(rules=[{"tier": "extreme", "all": {"profiling": "yes"}}])
    with pytest.raises(PolicyInvalidError, match="rule 1 names tier 'extreme'"):
        classify(policy, answers(profiling="yes"))


# Rules --------------------------------------------------------------------------------------


def test_a_tier_rule_sets_the_tier_with_its_reason() -> None:
    result = classify(POLICY, answers(annex_iii_area="employment", profiling="yes"))
    assert result == Classification(
        tier="high",
        score=0,
        reasons=(
            "rule 2: annex_iii_area=employment and profiling=yes → high "
            "(profiling of natural persons is always high-risk)",
        ),
    )


def test_the_first_matching_tier_rule_wins() -> None:
    policy = make_policy(
        rules=[
            {"tier": "limited", "all": {"profiling": "yes"}},
            {"tier": "high", "all": {"profiling": "yes"}},
        ]
    )
    result = classify(policy, answers(profiling="yes"))
    assert result.tier == "limited"
    assert result.reasons == ("rule 1: profiling=yes → limited",)


def test_a_tier_rule_stops_the_reading_so_earlier_floors_and_bands_do_not_apply() -> None:
    policy = make_policy(
        rules=[
            {"minimum": "high", "all": {"audience": "public"}},
            {"tier": "limited", "all": {"audience": "public"}},
        ]
    )
    result = classify(policy, answers(audience="public", scale="large"))
    assert result.tier == "limited"
    assert result.score == 7  # still reported
    assert result.reasons == ("rule 2: audience=public → limited",)


def test_a_rule_without_conditions_always_matches() -> None:
    policy = make_policy(rules=[{"tier": "limited"}])
    assert classify(policy, answers()).reasons == ("rule 1: always → limited",)


def test_a_rule_needs_every_all_condition() -> None:
    result = classify(POLICY, answers(annex_iii_area="employment", profiling="no"))
    assert result.tier == "minimal"


def test_any_conditions_need_one_hit_and_only_hits_are_named() -> None:
    one = classify(POLICY, answers(scale="large"))
    assert one.tier == "limited"
    assert "rule 3: scale=large → at least limited" in one.reasons

    both = classify(POLICY, answers(scale="large", audience="public"))
    assert "rule 3: audience=public or scale=large → at least limited" in both.reasons


def test_any_hits_are_grouped_when_there_are_all_conditions_too() -> None:
    policy = make_policy(
        rules=[
            {
                "tier": "high",
                "all": {"profiling": "yes"},
                "any": {"audience": "public", "scale": ["medium", "large"]},
            }
        ]
    )
    hit = classify(policy, answers(profiling="yes", audience="public", scale="medium"))
    assert hit.reasons == ("rule 1: profiling=yes and (audience=public or scale=medium) → high",)
    miss = classify(policy, answers(profiling="yes"))
    assert miss.tier == "minimal"


def test_not_matches_every_other_answer() -> None:
    result = classify(POLICY, answers(annex_iii_area="credit"))
    assert result.tier == "high"
    assert result.reasons == (
        "score 0 is below every band (lowest min 3) → default minimal",
        "rule 4: annex_iii_area=credit → at least high (credit scoring)",
        "raised from minimal to high by the minimum of rule 4",
    )
    assert classify(POLICY, answers(annex_iii_area="none")).tier == "minimal"


# Scoring and floors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "score", "tier", "reason"),
    [
        ({}, 0, "minimal", "score 0 is below every band (lowest min 3) → default minimal"),
        (
            {"scale": "medium"},
            2,
            "minimal",
            "score 2 is below every band (lowest min 3) → default minimal",
        ),
        ({"audience": "public"}, 3, "limited", "score 3 → band limited (min 3)"),
        ({"audience": "public", "scale": "medium"}, 5, "limited", "score 5 → band limited (min 3)"),
        ({"audience": "public", "scale": "large"}, 7, "high", "score 7 → band high (min 7)"),
    ],
)
def test_the_band_with_the_highest_reached_minimum_gives_the_tier(
    given: dict[str, str], score: int, tier: str, reason: str
) -> None:
    policy = make_policy(rules=[])
    result = classify(policy, answers(**given))
    assert (result.tier, result.score, result.reasons) == (tier, score, (reason,))


def test_bands_need_not_be_listed_in_order() -> None:
    policy = make_policy(rules=[], scoring=list(reversed(SCORING)))
    assert classify(policy, answers(audience="public", scale="large")).tier == "high"
    assert classify(policy, answers(audience="public")).tier == "limited"


def test_without_scoring_the_default_tier_applies() -> None:
    policy = make_policy(rules=[], scoring=[])
    result = classify(policy, answers(audience="public", scale="large"))
    assert result == Classification(
        tier="minimal", score=7, reasons=("no rule set the tier → default minimal",)
    )


def test_a_floor_raises_a_lower_band() -> None:
    policy = make_policy(rules=[{"minimum": "limited", "all": {"scale": "medium"}, "reason": "r"}])
    result = classify(policy, answers(scale="medium"))
    assert result == Classification(
        tier="limited",
        score=2,
        reasons=(
            "score 2 is below every band (lowest min 3) → default minimal",
            "rule 1: scale=medium → at least limited (r)",
            "raised from minimal to limited by the minimum of rule 1",
        ),
    )


def test_a_floor_never_lowers_the_tier() -> None:
    result = classify(POLICY, answers(audience="public", scale="large"))
    assert result.tier == "high"
    assert result.reasons == (
        "score 7 → band high (min 7)",
        "rule 3: audience=public or scale=large → at least limited",
    )


def test_the_highest_floor_wins_whatever_the_rule_order() -> None:
    for rules in (
        [{"minimum": "high", "all": {"profiling": "no"}}, {"minimum": "limited"}],
        [{"minimum": "limited"}, {"minimum": "high", "all": {"profiling": "no"}}],
    ):
        result = classify(make_policy(rules=rules, scoring=[]), answers())
        assert result.tier == "high"
        assert result.reasons[-1].startswith("raised from minimal to high by the minimum of rule ")


def test_floor_order_follows_the_policy_tier_list_not_names() -> None:
    policy = make_policy(rules=[{"minimum": "limited"}], scoring=[], default_tier="high")
    assert classify(policy, answers()).tier == "high"


def test_a_prohibited_rule_classifies_as_prohibited() -> None:
    result = classify(POLICY, answers(annex_iii_area="social_scoring", audience="public"))
    assert result.tier == "prohibited"
    assert result.score == 3
    assert result.reasons == (
        "rule 1: annex_iii_area=social_scoring → prohibited (social scoring is banned)",
    )


# Properties ---------------------------------------------------------------------------------

all_answers = st.fixed_dictionaries(
    {q["id"]: st.sampled_from(list(q["answers"])) for q in QUESTIONS}
)


def _rank(tier: str) -> int:
    return POLICY.tier_names().index(tier)


@settings(max_examples=150)
@given(all_answers)
def test_score_is_the_sum_and_the_tier_is_defined(given: dict[str, str]) -> None:
    result = classify(POLICY, given)
    assert result.score == sum(q.score_of(given[q.id]) for q in POLICY.questionnaire.questions)
    assert result.tier in POLICY.tier_names()
    assert result.reasons


@settings(max_examples=100)
@given(all_answers, st.randoms(use_true_random=False))
def test_the_order_of_the_answers_does_not_matter(given: dict[str, str], rnd: Any) -> None:
    items = list(given.items())
    rnd.shuffle(items)
    assert classify(POLICY, dict(items)) == classify(POLICY, given)


@settings(max_examples=150)
@given(all_answers)
def test_without_tier_rules_the_tier_is_at_least_band_and_every_matched_floor(
    given: dict[str, str],
) -> None:
    policy = make_policy(rules=[r for r in RULES if "minimum" in r])
    result = classify(policy, given)
    reached = [b for b in policy.questionnaire.scoring if b.min_score <= result.score]
    band = max(reached, key=lambda b: b.min_score).tier if reached else "minimal"
    matched = [
        rule.minimum
        for rule in policy.questionnaire.rules
        if rule.minimum is not None
        and all(m.matches(given[q]) for q, m in rule.all.items())
        and (not rule.any or any(m.matches(given[q]) for q, m in rule.any.items()))
    ]
    assert _rank(result.tier) == max([_rank(band), *(_rank(f) for f in matched)])
