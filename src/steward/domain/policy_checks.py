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

from steward.domain.alerting import BOUNDED_METRICS, unboundable
from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import known_kinds, metric_names, metric_range
from steward.domain.naming import check_role, check_tag_key
from steward.domain.permissions import mapping_problems
from steward.domain.policy import (
    DRIFT_METHODS,
    Gate,
    Monitoring,
    Policy,
    SeparationOfDuties,
)
from steward.domain.policy_check_common import (
    Location,
    Problem,
    duplicates,
    listing,
    unknown_role,
    unknown_stage,
    unknown_tier,
)
from steward.domain.policy_check_questionnaire import questionnaire_problems
from steward.domain.policy_check_stages import stage_problems
from steward.domain.windows import parse_window

__all__ = ["Location", "Problem", "problems"]

_METRIC = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KIND = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")  # what a check can name
_URL = re.compile(r"^https?://[^\s/]+\S*$")


def problems(policy: Policy) -> list[Problem]:
    """Every cross-reference problem of `policy`, in document order of its sections."""
    found: list[Problem] = []
    found += _roles(policy)
    found += _duties(policy, policy.separation_of_duties, ("separation_of_duties",))
    found += questionnaire_problems(policy.questionnaire, policy.tier_names())
    found += _tiers(policy)
    found += stage_problems(policy.stages)
    found += _gates(policy)
    found += _documentation_fields(policy)
    found += _evidence_kinds(policy)
    found += _raci(policy)
    found += _routes(policy)
    found += _monitoring(policy)
    found += _waivers(policy)
    found += [
        (("permissions", action), message)
        for action, message in mapping_problems(policy.permissions, policy.roles)
    ]
    return found


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
        ((*where, "signers_may_not_hold", index), unknown_role(role, policy))
        for index, role in enumerate(duties.signers_may_not_hold)
        if role not in policy.roles
    ]


def _tiers(policy: Policy) -> list[Problem]:
    return [
        (("tiers", index, "name"), f"duplicate tier {name!r}")
        for index, name in duplicates(policy.tier_names())
    ]


def _gates(policy: Policy) -> list[Problem]:
    tiers = policy.tier_names()
    stages = policy.stages.names
    found: list[Problem] = []
    for tier, by_stage in policy.gates.items():
        if tier not in tiers:
            found.append((("gates", tier), unknown_tier(tier, tiers)))
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
                found.append((where, unknown_stage(stage, stages)))
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
                    f"{listing(known_kinds(policy))} (declare others under evidence_kinds)",
                )
            )
        elif check.metric is not None and check.metric not in metrics:
            found.append(
                (
                    at,
                    f"no check produces metric '{check.kind}.{check.metric}'; {check.kind} "
                    f"produces: {listing(metrics)}",
                )
            )
        if check.value is not None and not math.isfinite(check.value):
            found.append((at, f"the threshold of {check.kind}.{check.metric} must be finite"))
    for index, key in duplicates(check.key for check in gate.checks):
        found.append(((*where, "checks", index), f"duplicate check {key.split(':', 1)[1]!r}"))
    for index, kind in enumerate(gate.computed):
        if metric_names(kind, policy) is None:
            found.append(
                (
                    (*where, "computed", index),
                    f"no check produces evidence kind {kind!r}; known kinds: "
                    f"{listing(known_kinds(policy))}",
                )
            )
    return found + _threshold_problems(gate, where)


def _threshold_problems(gate: Gate, where: Location) -> list[Problem]:
    """A threshold no value of the metric can meet (`auc >= 1.5`), and checks of one metric that
    no single value meets together (`auc >= 0.8` with `auc <= 0.7`): such a gate can never be
    passed honestly, only waived."""
    found: list[Problem] = []
    bounds: dict[tuple[str, str], tuple[float, float, int]] = {}
    for index, check in enumerate(gate.checks):
        if check.metric is None or check.value is None or not math.isfinite(check.value):
            continue
        name = f"{check.kind}.{check.metric}"
        low, high = metric_range(check.kind, check.metric)
        value, op = check.value, check.op
        meets_low, meets_high = {
            ">=": (value, high),
            ">": (value, high),
            "<=": (low, value),
            "<": (low, value),
            "==": (value, value),
        }[str(op)]
        if (
            meets_low > high
            or meets_high < low
            or (op == ">" and value >= high)
            or (op == "<" and value <= low)
        ):
            found.append(
                (
                    (*where, "checks", index),
                    f"{name} {op} {value:g} can never hold: "
                    f"{check.metric} lies between {low:g} and {high:g}",
                )
            )
            continue
        was_low, was_high, _ = bounds.get((check.kind, check.metric), (low, high, index))
        now_low, now_high = max(was_low, meets_low), min(was_high, meets_high)
        if now_low > now_high:
            found.append(
                (
                    (*where, "checks", index),
                    f"the checks of {name} contradict each other: no value meets all of them",
                )
            )
        bounds[(check.kind, check.metric)] = (now_low, now_high, index)
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
            found.append(((*where, "signoffs", index, "role"), unknown_role(signoff.role, policy)))
        elif signoff.role in barred:
            found.append(
                (
                    (*where, "signoffs", index, "role"),
                    f"role {signoff.role!r} is asked to sign, but its holders may not sign "
                    "(separation_of_duties.signers_may_not_hold)",
                )
            )
    for index, role in duplicates(signoff.role for signoff in gate.signoffs):
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
                    f"documentation_fields (declared: {listing(declared)})",
                )
            )
    for index, field in duplicates(gate.documentation):
        found.append(((*where, "documentation", index), f"duplicate documentation field {field!r}"))
    for index, fact in duplicates(gate.lineage):
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
        for index, metric in duplicates(declared.metrics):
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
                    found.append((("raci", step, letter, index), unknown_role(role, policy)))
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
            found.append((("monitoring", tier), unknown_tier(tier, tiers)))
        found += _monitoring_settings(tier, monitoring)
        for ri, rule in enumerate(monitoring.rules):
            where: Location = ("monitoring", tier, "rules", ri)
            if not math.isfinite(rule.value):
                found.append(((*where, "value"), "the value must be a finite number"))
            if unboundable(rule):
                found.append(
                    (
                        (*where, "signal"),
                        f"a {rule.action} rule reads the confidence bound of its metric, and "
                        f"{rule.signal} has none: use performance."
                        f"{', performance.'.join(BOUNDED_METRICS)}",
                    )
                )
            for index, route in enumerate(rule.routes):
                if route not in policy.routes:
                    found.append(
                        (
                            (*where, "routes", index),
                            f"unknown route {route!r}: the policy defines {listing(policy.routes)}",
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


# A waiver is a temporary exception; one that outlives every recertification is a rewrite of
# the policy in disguise.
MAX_WAIVER_DAYS = 3650


def _waivers(policy: Policy) -> list[Problem]:
    found: list[Problem] = [
        (("waivers", "granted_by", index), unknown_role(role, policy))
        for index, role in enumerate(policy.waivers.granted_by)
        if role not in policy.roles
    ]
    if policy.waivers.max_days > MAX_WAIVER_DAYS:
        found.append(
            (
                ("waivers", "max_days"),
                f"waivers of {policy.waivers.max_days} days are not exceptions: at most "
                f"{MAX_WAIVER_DAYS} days (ten years)",
            )
        )
    return found
