"""Cross-reference checks of a policy's questionnaire: its questions, tier rules and scoring."""

from __future__ import annotations

from steward.domain.policy import AnswerMatch, Question, Questionnaire, TierRule
from steward.domain.policy_check_common import (
    Location,
    Problem,
    duplicates,
    listing,
    unknown_tier,
)

__all__ = ["questionnaire_problems"]


def questionnaire_problems(q: Questionnaire, tiers: tuple[str, ...]) -> list[Problem]:
    base: Location = ("questionnaire",)
    questions = {question.id: question for question in q.questions}
    found = _question_problems(q, base)
    for ri, rule in enumerate(q.rules):
        found.extend(_rule_problems(rule, (*base, "rules", ri), questions, tiers))
    found.extend(_scoring_problems(q, base, tiers))
    return found


def _question_problems(q: Questionnaire, base: Location) -> list[Problem]:
    found: list[Problem] = []
    for index, qid in duplicates(question.id for question in q.questions):
        found.append(((*base, "questions", index, "id"), f"duplicate question id {qid!r}"))
    for qi, question in enumerate(q.questions):
        for ai, value in duplicates(question.allowed()):
            found.append(
                (
                    (*base, "questions", qi, "answers", ai),
                    f"duplicate answer {value!r} to question {question.id!r}",
                )
            )
    return found


def _rule_problems(
    rule: TierRule, where: Location, questions: dict[str, Question], tiers: tuple[str, ...]
) -> list[Problem]:
    found: list[Problem] = []
    if rule.tier is not None and rule.minimum is not None:
        found.append(
            (
                (*where, "minimum"),
                "a rule has either tier (set the tier and stop) or minimum (raise the floor), "
                "not both",
            )
        )
    if rule.tier is None and rule.minimum is None:
        found.append(
            (where, "a rule needs tier (set the tier and stop) or minimum (raise the floor)")
        )
    for field, tier in (("tier", rule.tier), ("minimum", rule.minimum)):
        if tier is not None and tier not in tiers:
            found.append(((*where, field), unknown_tier(tier, tiers)))
    if not rule.all and not rule.any:
        found.append(
            (
                where,
                "a rule needs at least one condition under all or any; it would never match",
            )
        )
    for group, conditions in (("all", rule.all), ("any", rule.any)):
        for qid, match in conditions.items():
            found.extend(_condition_problems((*where, group, qid), qid, match, questions))
    return found


def _condition_problems(
    where: Location, qid: str, match: AnswerMatch, questions: dict[str, Question]
) -> list[Problem]:
    asked = questions.get(qid)
    if asked is None:
        return [
            (
                where,
                f"unknown question {qid!r}: the questionnaire asks {listing(questions)}",
            )
        ]
    found: list[Problem] = []
    allowed = asked.allowed()
    for answer in (*match.in_, *match.not_):
        if answer not in allowed:
            found.append(
                (
                    where,
                    f"unknown answer {answer!r} to question {qid!r}: expected one of "
                    f"{listing(allowed)}",
                )
            )
    if match.in_ and not set(match.in_) - set(match.not_):
        found.append((where, f"the condition on {qid!r} matches no answer"))
    return found


def _scoring_problems(q: Questionnaire, base: Location, tiers: tuple[str, ...]) -> list[Problem]:
    found: list[Problem] = []
    for bi, band in enumerate(q.scoring):
        if band.tier not in tiers:
            found.append(((*base, "scoring", bi, "tier"), unknown_tier(band.tier, tiers)))
    for bi, score in duplicates(str(band.min_score) for band in q.scoring):
        found.append(
            ((*base, "scoring", bi, "min_score"), f"two scoring bands start at score {score}")
        )
    if q.default_tier not in tiers:
        found.append(((*base, "default_tier"), unknown_tier(q.default_tier, tiers)))
    return found
