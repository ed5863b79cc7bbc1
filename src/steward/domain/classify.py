"""Risk classification: a project's answers to a policy's questionnaire give it a tier.

Rules are read in order. A `tier:` rule that matches sets the tier and ends the reading; a
`minimum:` rule that matches raises a floor and the reading goes on. When no `tier:` rule matched,
the tier is the scoring band the total score reaches (or the default tier), raised to the highest
floor. Every step that decided the outcome is given back as a sentence, for the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from steward.domain.errors import InvalidInputError, PolicyInvalidError
from steward.domain.governance import Assessment
from steward.domain.policy import AnswerMatch, Policy, TierRule


@dataclass(frozen=True, slots=True)
class Classification:
    tier: str
    score: int
    reasons: tuple[str, ...]


def classify(policy: Policy, answers: Mapping[str, str]) -> Classification:
    """The tier `answers` give under `policy`, with the total score and the reasons."""
    questionnaire = policy.questionnaire
    _check_answers(policy, answers)
    score = sum(q.score_of(answers[q.id]) for q in questionnaire.questions)

    floors: list[tuple[int, str, int, str]] = []  # (rank, tier, rule number, reason) per floor
    for number, rule in enumerate(questionnaire.rules, start=1):
        conditions = _matched(rule, answers)
        if conditions is None:
            continue
        if rule.tier is not None:
            tier = _known(policy, rule.tier, f"rule {number}")
            return Classification(
                tier=tier,
                score=score,
                reasons=(_sentence(number, conditions, rule.tier, rule.reason),),
            )
        if rule.minimum is not None:
            floor = _known(policy, rule.minimum, f"rule {number}")
            reason = _sentence(number, conditions, f"at least {floor}", rule.reason)
            floors.append((_rank(policy, floor), floor, number, reason))

    reasons: list[str] = []
    tier = _from_score(policy, score, reasons)
    reasons.extend(reason for *_, reason in floors)
    if floors:
        # max() keeps the first of equal floors: the earliest rule that set the highest floor.
        rank, floor, number, _ = max(floors, key=lambda item: item[0])
        if rank > _rank(policy, tier):
            reasons.append(f"raised from {tier} to {floor} by the minimum of rule {number}")
            tier = floor
    return Classification(tier=tier, score=score, reasons=tuple(reasons))


def _check_answers(policy: Policy, answers: Mapping[str, str]) -> None:
    """Every unknown question, missing answer and answer not allowed, reported at once (one
    line, problems separated by semicolons), each with what would be accepted."""
    questions = policy.questionnaire.questions
    ids = [q.id for q in questions]
    problems = [
        f"unknown question {given!r}: expected one of {', '.join(ids)}"
        for given in sorted(answers)
        if given not in ids
    ]
    for question in questions:
        allowed = question.allowed()
        if question.id not in answers:
            problems.append(
                f"missing answer to question {question.id!r}: expected one of {', '.join(allowed)}"
            )
        elif answers[question.id] not in allowed:
            problems.append(
                f"answer {answers[question.id]!r} to {question.id!r} is not allowed: "
                f"expected {', '.join(allowed)}"
            )
    if len(problems) == 1:
        raise InvalidInputError(problems[0])
    if problems:
        raise InvalidInputError(f"{len(problems)} problems with the answers: {'; '.join(problems)}")


def _holds(question: str, match: AnswerMatch, answers: Mapping[str, str]) -> bool:
    answer = answers.get(question)
    return answer is not None and match.matches(answer)


def _matched(rule: TierRule, answers: Mapping[str, str]) -> list[str] | None:
    """The conditions that made `rule` match, as `question=answer` texts; None: no match."""
    if not all(_holds(q, m, answers) for q, m in rule.all.items()):
        return None
    conditions = [f"{q}={answers[q]}" for q in rule.all]
    if rule.any:
        hits = [f"{q}={answers[q]}" for q, m in rule.any.items() if _holds(q, m, answers)]
        if not hits:
            return None
        either = " or ".join(hits)
        conditions.append(f"({either})" if conditions and len(hits) > 1 else either)
    return conditions


def _sentence(number: int, conditions: list[str], outcome: str, reason: str) -> str:
    when = " and ".join(conditions) if conditions else "always"
    text = f"rule {number}: {when} → {outcome}"
    return f"{text} ({reason})" if reason else text


def _from_score(policy: Policy, score: int, reasons: list[str]) -> str:
    questionnaire = policy.questionnaire
    default = _known(policy, questionnaire.default_tier, "default_tier")
    if not questionnaire.scoring:
        reasons.append(f"no rule set the tier → default {default}")
        return default
    reached = [band for band in questionnaire.scoring if band.min_score <= score]
    if not reached:
        lowest = min(band.min_score for band in questionnaire.scoring)
        reasons.append(
            f"score {score} is below every band (lowest min {lowest}) → default {default}"
        )
        return default
    band = max(reached, key=lambda b: b.min_score)
    tier = _known(policy, band.tier, "scoring")
    reasons.append(f"score {score} → band {tier} (min {band.min_score})")
    return tier


def _known(policy: Policy, tier: str, where: str) -> str:
    if tier not in policy.tier_names():
        raise PolicyInvalidError(
            f"policy {policy.name}: {where} names tier {tier!r}, which is not one of "
            f"{', '.join(policy.tier_names())}"
        )
    return tier


def _rank(policy: Policy, tier: str) -> int:
    return policy.tier_names().index(tier)


def tier_of(policy: Policy, assessment: Assessment | None) -> str | None:
    """The tier under the newest version of the assessed policy: the stored answers are
    re-scored, so a new policy version applies from the next decision on. Answers that the new
    version no longer accepts leave the project unclassified until it is assessed again."""
    if assessment is None:
        return None
    if assessment.policy_name != policy.name:
        return None
    try:
        return classify(policy, assessment.answers).tier
    except InvalidInputError:
        return None
