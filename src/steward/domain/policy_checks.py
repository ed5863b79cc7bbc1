"""Cross-reference checks of a policy: what its models cannot see field by field.

`problems` returns every inconsistency as (location, message), where the location is the path
of the offending value in the policy document as written (`("gates", "high", "production",
"signoffs", 0, "role")`), so a loader can point at the line. An empty list means the policy is
coherent: every name it uses is defined, the stage graph moves forward, and every threshold
reads a metric some check produces.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator

from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import known_kinds, metric_names
from steward.domain.naming import check_role, check_tag_key
from steward.domain.policy import (
    DRIFT_METHODS,
    AnswerMatch,
    Gate,
    Monitoring,
    Policy,
    Question,
    Questionnaire,
    SeparationOfDuties,
    Stages,
    TierRule,
)
from steward.domain.windows import parse_window

Location = tuple[str | int, ...]
Problem = tuple[Location, str]

_STAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_METRIC = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KIND = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")  # what a check can name
_URL = re.compile(r"^https?://[^\s/]+\S*$")


def problems(policy: Policy) -> list[Problem]:
    """Every cross-reference problem of `policy`, in document order of its sections."""
    found: list[Problem] = []
    found += _roles(policy)
    found += _duties(policy, policy.separation_of_duties, ("separation_of_duties",))
    found += _questionnaire(policy.questionnaire, policy.tier_names())
    found += _tiers(policy)
    found += _stages(policy.stages)
    found += _gates(policy)
    found += _documentation_fields(policy)
    found += _evidence_kinds(policy)
    found += _raci(policy)
    found += _routes(policy)
    found += _monitoring(policy)
    found += _waivers(policy)
    return found


# Helpers ------------------------------------------------------------------------------------


def _listing(names: Iterable[str]) -> str:
    listed = list(names)
    return ", ".join(listed) if listed else "none"


def _duplicates(items: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(index, item) of every item that repeats an earlier one."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            yield index, item
        seen.add(item)


def _unknown_role(role: str, policy: Policy) -> str:
    return f"unknown role {role!r}: the policy defines {_listing(policy.roles)}"


def _unknown_tier(tier: str, tiers: tuple[str, ...]) -> str:
    return f"unknown tier {tier!r}: the policy defines {_listing(tiers)}"


def _unknown_stage(stage: str, stages: tuple[str, ...]) -> str:
    return f"unknown stage {stage!r}: the stages are {_listing(stages)}"


# Sections -----------------------------------------------------------------------------------


def _roles(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    for role in policy.roles:
        try:
            check_role(role)
        except InvalidInputError as exc:
            found.append((("roles", role), exc.message))
    return found


def _duties(policy: Policy, duties: SeparationOfDuties, where: Location) -> list[Problem]:
    return [
        ((*where, "signers_may_not_hold", index), _unknown_role(role, policy))
        for index, role in enumerate(duties.signers_may_not_hold)
        if role not in policy.roles
    ]


def _questionnaire(q: Questionnaire, tiers: tuple[str, ...]) -> list[Problem]:
    base: Location = ("questionnaire",)
    questions = {question.id: question for question in q.questions}
    found = _question_problems(q, base)
    for ri, rule in enumerate(q.rules):
        found.extend(_rule_problems(rule, (*base, "rules", ri), questions, tiers))
    found.extend(_scoring_problems(q, base, tiers))
    return found


def _question_problems(q: Questionnaire, base: Location) -> list[Problem]:
    found: list[Problem] = []
    for index, qid in _duplicates(question.id for question in q.questions):
        found.append(((*base, "questions", index, "id"), f"duplicate question id {qid!r}"))
    for qi, question in enumerate(q.questions):
        for ai, value in _duplicates(question.allowed()):
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
            found.append(((*where, field), _unknown_tier(tier, tiers)))
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
                f"unknown question {qid!r}: the questionnaire asks {_listing(questions)}",
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
                    f"{_listing(allowed)}",
                )
            )
    if match.in_ and not set(match.in_) - set(match.not_):
        found.append((where, f"the condition on {qid!r} matches no answer"))
    return found


def _scoring_problems(q: Questionnaire, base: Location, tiers: tuple[str, ...]) -> list[Problem]:
    found: list[Problem] = []
    for bi, band in enumerate(q.scoring):
        if band.tier not in tiers:
            found.append(((*base, "scoring", bi, "tier"), _unknown_tier(band.tier, tiers)))
    for bi, score in _duplicates(str(band.min_score) for band in q.scoring):
        found.append(
            ((*base, "scoring", bi, "min_score"), f"two scoring bands start at score {score}")
        )
    if q.default_tier not in tiers:
        found.append(((*base, "default_tier"), _unknown_tier(q.default_tier, tiers)))
    return found


def _tiers(policy: Policy) -> list[Problem]:
    return [
        (("tiers", index, "name"), f"duplicate tier {name!r}")
        for index, name in _duplicates(policy.tier_names())
    ]


def _stages(stages: Stages) -> list[Problem]:
    base: Location = ("stages",)
    return [
        *_stage_name_problems(stages, base),
        *_move_problems(stages, base),
        *_exclusive_problems(stages, base),
        *_cycles(stages),
        *_unreachable_problems(stages, base),
    ]


def _stage_name_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    for index, name in enumerate(names):
        if not _STAGE.fullmatch(name):
            found.append(
                (
                    (*base, "names", index),
                    f"invalid stage name {name!r}: use up to 64 letters, digits, '_', '.' or '-', "
                    "starting with a letter or '_'",
                )
            )
    for index, name in _duplicates(names):
        found.append(((*base, "names", index), f"duplicate stage {name!r}"))
    if stages.initial not in names:
        found.append(((*base, "initial"), _unknown_stage(stages.initial, names)))
    return found


def _move_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    forward: set[tuple[str, str]] = set()
    for group, moves in (("transitions", stages.transitions), ("rollback", stages.rollback)):
        for index, move in enumerate(moves):
            for field, stage in (("from", move.from_), ("to", move.to)):
                if stage not in names:
                    found.append(((*base, group, index, field), _unknown_stage(stage, names)))
            if move.from_ == move.to:
                found.append(
                    ((*base, group, index), f"a move from {move.from_!r} to itself is no move")
                )
            pair = (move.from_, move.to)
            if group == "transitions":
                if pair in forward:
                    found.append(
                        (
                            (*base, group, index),
                            f"duplicate transition {move.from_} -> {move.to}",
                        )
                    )
                forward.add(pair)
            elif pair in forward:
                found.append(
                    (
                        (*base, group, index),
                        f"{move.from_} -> {move.to} is already a transition; a rollback is a move "
                        "back to a stage the version held before",
                    )
                )
    return found


def _exclusive_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    for stage, displaced in stages.exclusive.items():
        if stage not in names:
            found.append(((*base, "exclusive", stage), _unknown_stage(stage, names)))
        if displaced not in names:
            found.append(((*base, "exclusive", stage), _unknown_stage(displaced, names)))
        elif displaced == stage:
            found.append(
                (
                    (*base, "exclusive", stage),
                    f"the holder of {stage!r} cannot be displaced to {stage!r} itself",
                )
            )
    return found


def _unreachable_problems(stages: Stages, base: Location) -> list[Problem]:
    if stages.initial not in stages.names:
        return []
    reachable = _reachable(stages)
    return [
        (
            (*base, "names", index),
            f"stage {name!r} cannot be reached from {stages.initial!r} by any transition",
        )
        for index, name in enumerate(stages.names)
        if name not in reachable
    ]


def _reachable(stages: Stages) -> set[str]:
    seen = {stages.initial}
    todo = [stages.initial]
    while todo:
        current = todo.pop()
        for move in stages.transitions:
            if move.from_ == current and move.to not in seen:
                seen.add(move.to)
                todo.append(move.to)
    return seen


def _cycles(stages: Stages) -> list[Problem]:
    """One problem per forward transition that closes a cycle. Left out are rollback moves
    (they go back on purpose, only for a version that held the stage before) and moves back to
    the initial stage (sending a version back for rework: every version started there)."""
    edges: dict[str, list[tuple[int, str]]] = {}
    for index, move in enumerate(stages.transitions):
        if move.to not in (move.from_, stages.initial):
            edges.setdefault(move.from_, []).append((index, move.to))
    order = list(dict.fromkeys([stages.initial, *stages.names, *edges]))
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    found: list[Problem] = []

    def visit(stage: str) -> None:
        state[stage] = 1
        path.append(stage)
        for index, target in edges.get(stage, []):
            if state.get(target) == 1:
                loop = [*path[path.index(target) :], target]
                found.append(
                    (
                        ("stages", "transitions", index),
                        f"stage cycle: {' -> '.join(loop)}; list moves back to an earlier stage "
                        "under stages.rollback",
                    )
                )
            elif target not in state:
                visit(target)
        path.pop()
        state[stage] = 2

    for stage in order:
        if stage not in state:
            visit(stage)
    return found


def _gates(policy: Policy) -> list[Problem]:
    tiers = policy.tier_names()
    stages = policy.stages.names
    found: list[Problem] = []
    for tier, by_stage in policy.gates.items():
        if tier not in tiers:
            found.append((("gates", tier), _unknown_tier(tier, tiers)))
        elif policy.tier(tier).prohibited and any(not g.is_empty() for g in by_stage.values()):
            found.append(
                (
                    ("gates", tier),
                    f"tier {tier!r} is prohibited: its versions never leave "
                    f"{policy.stages.initial!r}, so it takes no gates",
                )
            )
        for stage, gate in by_stage.items():
            where: Location = ("gates", tier, stage)
            if stage not in stages:
                found.append((where, _unknown_stage(stage, stages)))
            elif stage == policy.stages.initial and not gate.is_empty():
                found.append(
                    (
                        where,
                        f"{stage!r} is the initial stage: versions start there, so no gate "
                        "leads into it",
                    )
                )
            found += _gate(policy, gate, where)
    return found


def _gate(policy: Policy, gate: Gate, where: Location) -> list[Problem]:
    return [
        *_gate_check_problems(policy, gate, where),
        *_gate_signoff_problems(policy, gate, where),
        *_gate_documentation_problems(policy, gate, where),
    ]


def _gate_check_problems(policy: Policy, gate: Gate, where: Location) -> list[Problem]:
    found: list[Problem] = []
    for index, check in enumerate(gate.checks):
        at: Location = (*where, "checks", index)
        metrics = metric_names(check.kind, policy)
        if metrics is None:
            found.append(
                (
                    at,
                    f"no check produces evidence kind {check.kind!r}; known kinds: "
                    f"{_listing(known_kinds(policy))} (declare others under evidence_kinds)",
                )
            )
        elif check.metric is not None and check.metric not in metrics:
            found.append(
                (
                    at,
                    f"no check produces metric '{check.kind}.{check.metric}'; {check.kind} "
                    f"produces: {_listing(metrics)}",
                )
            )
        if check.value is not None and not math.isfinite(check.value):
            found.append((at, f"the threshold of {check.kind}.{check.metric} must be finite"))
    for index, key in _duplicates(check.key for check in gate.checks):
        found.append(((*where, "checks", index), f"duplicate check {key.split(':', 1)[1]!r}"))
    return found


def _gate_signoff_problems(policy: Policy, gate: Gate, where: Location) -> list[Problem]:
    found: list[Problem] = []
    if gate.separation_of_duties is not None:
        found += _duties(policy, gate.separation_of_duties, (*where, "separation_of_duties"))
        barred = set(gate.separation_of_duties.signers_may_not_hold)
    else:
        barred = set(policy.separation_of_duties.signers_may_not_hold)
    for index, signoff in enumerate(gate.signoffs):
        if signoff.role not in policy.roles:
            found.append(((*where, "signoffs", index, "role"), _unknown_role(signoff.role, policy)))
        elif signoff.role in barred:
            found.append(
                (
                    (*where, "signoffs", index, "role"),
                    f"role {signoff.role!r} is asked to sign, but its holders may not sign "
                    "(separation_of_duties.signers_may_not_hold)",
                )
            )
    for index, role in _duplicates(signoff.role for signoff in gate.signoffs):
        found.append(
            (
                (*where, "signoffs", index, "role"),
                f"role {role!r} is asked twice in one gate; ask once with a count",
            )
        )
    return found


def _gate_documentation_problems(policy: Policy, gate: Gate, where: Location) -> list[Problem]:
    found: list[Problem] = []
    declared = policy.documentation_fields
    for index, field in enumerate(gate.documentation):
        if field not in declared:
            found.append(
                (
                    (*where, "documentation", index),
                    f"unknown documentation field {field!r}: declare it under "
                    f"documentation_fields (declared: {_listing(declared)})",
                )
            )
    for index, field in _duplicates(gate.documentation):
        found.append(((*where, "documentation", index), f"duplicate documentation field {field!r}"))
    for index, fact in _duplicates(gate.lineage):
        found.append(((*where, "lineage", index), f"duplicate lineage fact {fact!r}"))
    return found


def _documentation_fields(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    for field in policy.documentation_fields:
        try:
            check_tag_key(field)
        except InvalidInputError:
            found.append(
                (
                    ("documentation_fields", field),
                    f"invalid documentation field name {field!r}: use letters, digits, '_', '.', "
                    "':' or '-', starting with a letter or '_'",
                )
            )
    return found


def _evidence_kinds(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    for kind, declared in policy.evidence_kinds.items():
        if not _KIND.fullmatch(kind):
            found.append(
                (
                    ("evidence_kinds", kind),
                    f"invalid evidence kind {kind!r}: use letters, digits, '_' or '-', starting "
                    "with a letter or '_'",
                )
            )
        for index, metric in enumerate(declared.metrics):
            if not _METRIC.fullmatch(metric):
                found.append(
                    (
                        ("evidence_kinds", kind, "metrics", index),
                        f"invalid metric name {metric!r}: use letters, digits and '_', starting "
                        "with a letter or '_'",
                    )
                )
        for index, metric in _duplicates(declared.metrics):
            found.append(
                (("evidence_kinds", kind, "metrics", index), f"duplicate metric {metric!r}")
            )
    return found


def _raci(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    for step, raci in policy.raci.items():
        for letter, roles in (
            ("responsible", raci.responsible),
            ("accountable", raci.accountable),
            ("consulted", raci.consulted),
            ("informed", raci.informed),
        ):
            for index, role in enumerate(roles):
                if role not in policy.roles:
                    found.append((("raci", step, letter, index), _unknown_role(role, policy)))
    return found


def _routes(policy: Policy) -> list[Problem]:
    found: list[Problem] = []
    for name, route in policy.routes.items():
        if route.kind == "webhook":
            if not route.url:
                found.append((("routes", name), "a webhook route needs a url"))
            elif not _URL.fullmatch(route.url):
                found.append(
                    (("routes", name, "url"), f"malformed url {route.url!r}: use http(s)://host/…")
                )
        elif route.url or route.secret_env:
            found.append((("routes", name), "a log route takes no url and no secret_env"))
    return found


def _monitoring(policy: Policy) -> list[Problem]:
    tiers = policy.tier_names()
    found: list[Problem] = []
    for tier, monitoring in policy.monitoring.items():
        if tier not in tiers:
            found.append((("monitoring", tier), _unknown_tier(tier, tiers)))
        found += _monitoring_settings(tier, monitoring)
        for ri, rule in enumerate(monitoring.rules):
            where: Location = ("monitoring", tier, "rules", ri)
            if not math.isfinite(rule.value):
                found.append(((*where, "value"), "the value must be a finite number"))
            for index, route in enumerate(rule.routes):
                if route not in policy.routes:
                    found.append(
                        (
                            (*where, "routes", index),
                            f"unknown route {route!r}: the policy defines {_listing(policy.routes)}",
                        )
                    )
    return found


def _monitoring_settings(tier: str, monitoring: Monitoring) -> list[Problem]:
    found: list[Problem] = []
    try:
        parse_window(monitoring.window)
    except InvalidInputError as exc:
        found.append((("monitoring", tier, "window"), exc.message))
    drift = monitoring.drift
    where: Location = ("monitoring", tier, "drift")
    methods = [((*where, "method"), drift.method)] if drift.method is not None else []
    methods += [((*where, "column_methods", c), m) for c, m in drift.column_methods.items()]
    for location, method in methods:
        if method not in DRIFT_METHODS:
            found.append(
                (
                    location,
                    f"unknown drift method {method!r}: use one of {', '.join(DRIFT_METHODS)}",
                )
            )
    thresholds = [((*where, "threshold"), drift.threshold)] if drift.threshold is not None else []
    thresholds += [
        ((*where, "column_thresholds", c), v) for c, v in drift.column_thresholds.items()
    ]
    for location, value in thresholds:
        if not math.isfinite(value) or value <= 0:
            found.append((location, "a drift threshold must be a finite number above 0"))
    return found


def _waivers(policy: Policy) -> list[Problem]:
    return [
        (("waivers", "granted_by", index), _unknown_role(role, policy))
        for index, role in enumerate(policy.waivers.granted_by)
        if role not in policy.roles
    ]
