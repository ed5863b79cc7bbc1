"""Whether a change of policy or tier weakens governance, and how.

Steward applies at once a change that only adds or tightens requirements, and holds one that
removes or loosens any of them for a second person's approval. The comparison is the one
statement of "weaker": a reclassification compares the requirements of the old tier with those
of the new one, stage by stage; a new policy version compares every tier, the rules around the
gates (separation of duties, waivers, transitions) and the permissions. Each finding is one
sentence a reviewer can read, naming the stage and the requirement.
"""

from __future__ import annotations

from collections.abc import Iterable

from steward.domain.policy import CheckRequirement, Gate, MonitoringRule, Policy, SeparationOfDuties

_AT_LEAST = (">=", ">")
_AT_MOST = ("<=", "<")


def tier_weakenings(old: Policy, old_tier: str, new: Policy, new_tier: str) -> list[str]:
    """What a project gives up when it moves from `old_tier` under `old` to `new_tier` under
    `new`: every requirement of a gate that is missing or looser, stage by stage."""
    found: list[str] = []
    if old.tier(old_tier).prohibited and not new.tier(new_tier).prohibited:
        found.append(f"tier {old_tier} is prohibited and {new_tier} is not")
    old_days, new_days = old.tier(old_tier).recertify_days, new.tier(new_tier).recertify_days
    if old_days is not None and (new_days is None or new_days > old_days):
        after = "never" if new_days is None else f"every {new_days} days"
        found.append(f"recertification every {old_days} days becomes {after}")
    for stage in old.stages.names:
        before = old.gate(old_tier, stage)
        if stage not in new.stages.names:
            if not before.is_empty():
                found.append(f"stage {stage} and its gate are gone")
            continue
        where = f"{stage}:"
        found += [f"{where} {item}" for item in gate_weakenings(before, new.gate(new_tier, stage))]
        found += [
            f"{where} {item}"
            for item in duty_weakenings(old.duties(old_tier, stage), new.duties(new_tier, stage))
        ]
    found += [
        f"monitoring: {item}"
        for item in monitoring_weakenings(_rules(old, old_tier), _rules(new, new_tier))
    ]
    return found


def policy_weakenings(old: Policy, new: Policy) -> list[str]:
    """What a new version of a policy gives up against the version it replaces. A tier the new
    version drops is not a weakening: projects in it are unclassified until assessed again,
    and an unclassified project cannot be promoted."""
    found: list[str] = []
    for tier in old.tier_names():
        if tier in new.tier_names():
            found += [f"tier {tier}, {item}" for item in tier_weakenings(old, tier, new, tier)]
    old_moves = {(t.from_, t.to) for t in old.stages.transitions}
    for move in sorted({(t.from_, t.to) for t in new.stages.transitions} - old_moves):
        found.append(f"a new transition {move[0]} → {move[1]} opens another way between stages")
    old_back = {(t.from_, t.to) for t in old.stages.rollback}
    for move in sorted({(t.from_, t.to) for t in new.stages.rollback} - old_back):
        found.append(f"a new rollback {move[0]} → {move[1]}")
    found += waiver_weakenings(old, new)
    for action in sorted(old.permissions):
        added = sorted(set(new.allowed(action)) - set(old.allowed(action)))
        if added:
            found.append(f"permission {action} is opened to {', '.join(added)}")
    return found


def gate_weakenings(old: Gate, new: Gate) -> list[str]:
    found = [
        f"check {_text(check)} is {_loss(check, new.checks)}"
        for check in old.checks
        if not any(_as_strict(candidate, check) for candidate in new.checks)
    ]
    counts = {s.role: s.count for s in new.signoffs}
    for signoff in old.signoffs:
        kept = counts.get(signoff.role, 0)
        if kept < signoff.count:
            found.append(f"sign-offs by {signoff.role} drop from {signoff.count} to {kept}")
    for kind in _missing(old.computed, new.computed):
        found.append(f"{kind} evidence no longer needs to be computed: an attestation counts")
    if old.signer_identity and not set(new.signer_identity or ()) <= set(old.signer_identity):
        looser = ", ".join(sorted(set(new.signer_identity) - set(old.signer_identity))) or "any"
        found.append(f"sign-offs may now come from a {looser} identity")
    elif old.signer_identity and not new.signer_identity:
        found.append("sign-offs may now come from any identity, a declared one included")
    found += [
        f"documentation {item} is no longer required"
        for item in _missing(old.documentation, new.documentation)
    ]
    found += [
        f"lineage fact {item} is no longer required" for item in _missing(old.lineage, new.lineage)
    ]
    return found


def duty_weakenings(old: SeparationOfDuties, new: SeparationOfDuties) -> list[str]:
    found = []
    if new.author_may_sign and not old.author_may_sign:
        found.append("the author may now sign")
    if new.evidence_producers_may_sign and not old.evidence_producers_may_sign:
        found.append("whoever produced evidence may now sign")
    if new.author_may_attest and not old.author_may_attest:
        found.append("the author's own attestations now count as evidence")
    for role in _missing(old.signers_may_not_hold, new.signers_may_not_hold):
        found.append(f"holders of {role} may now sign")
    return found


def monitoring_weakenings(
    old: Iterable[MonitoringRule], new: Iterable[MonitoringRule]
) -> list[str]:
    """A rule the new set drops, makes laxer (a threshold further away) or acts on less."""
    kept = list(new)
    found = []
    for rule in old:
        same = [r for r in kept if (r.signal, r.op) == (rule.signal, rule.op)]
        acting = [r for r in same if r.action == rule.action]
        text = f"{rule.signal} {rule.op} {rule.value:g} ({rule.action})"
        if not same:
            found.append(f"rule {text} is removed")
        elif not acting:
            found.append(f"rule {text} no longer acts by {rule.action}")
        elif not any(_fires_as_soon(r, rule) for r in acting):
            found.append(f"rule {text} is loosened")
    return found


def waiver_weakenings(old: Policy, new: Policy) -> list[str]:
    found = []
    if new.waivers.max_days > old.waivers.max_days:
        found.append(
            f"waivers may last {new.waivers.max_days} days instead of {old.waivers.max_days}"
        )
    for kind in _missing(new.waivers.waivable, old.waivers.waivable):
        found.append(f"{kind} requirements become waivable")
    if old.waivers.granted_by:
        for role in _missing(new.waivers.granted_by, old.waivers.granted_by):
            found.append(f"{role} may now grant waivers")
    return found


def _rules(policy: Policy, tier: str) -> tuple[MonitoringRule, ...]:
    setting = policy.monitoring.get(tier)
    return setting.rules if setting is not None else ()


def _as_strict(candidate: CheckRequirement, required: CheckRequirement) -> bool:
    """Whether `candidate` demands at least what `required` does."""
    if (candidate.kind, candidate.metric) != (required.kind, required.metric):
        return False
    if required.metric is None:
        return candidate.metric is None
    assert required.value is not None and candidate.value is not None
    if required.op == "==":
        return candidate.op == "==" and candidate.value == required.value
    if required.op in _AT_LEAST and candidate.op in _AT_LEAST:
        if candidate.value != required.value:
            return candidate.value > required.value
        return candidate.op == ">" or required.op == ">="
    if required.op in _AT_MOST and candidate.op in _AT_MOST:
        if candidate.value != required.value:
            return candidate.value < required.value
        return candidate.op == "<" or required.op == "<="
    return False


def _fires_as_soon(candidate: MonitoringRule, rule: MonitoringRule) -> bool:
    """An alert rule `signal > 0.2` fires at least as soon as another when its threshold is no
    further from the healthy side, it reads windows with no more rows, waits for no more
    breaching windows in a row and cools down for no longer."""
    from steward.domain.alerting import min_rows

    if min_rows(candidate) > min_rows(rule) or candidate.cooldown > rule.cooldown:
        return False
    if candidate.windows_needed > rule.windows_needed:
        return False
    if rule.op in (">=", ">"):
        return candidate.value <= rule.value
    if rule.op in ("<=", "<"):
        return candidate.value >= rule.value
    return candidate.value == rule.value


def _loss(check: CheckRequirement, new: Iterable[CheckRequirement]) -> str:
    same = any((c.kind, c.metric) == (check.kind, check.metric) for c in new)
    return "loosened" if same else "no longer required"


def _text(check: CheckRequirement) -> str:
    return check.key.removeprefix("check:")


def _missing(old: Iterable[str], new: Iterable[str]) -> list[str]:
    kept = set(new)
    return [item for item in dict.fromkeys(old) if item not in kept]
