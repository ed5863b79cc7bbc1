"""The gate's sign-off requirements: which approvals count, which are stale or invalid, and
how the people who signed fill each requirement's seats."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from steward.domain.audit import format_ts
from steward.domain.errors import InvalidInputError
from steward.domain.gate_records import parse_time, requirement_result, signoff_order
from steward.domain.governance import (
    Evidence,
    GateSubject,
    RequirementResult,
    RequirementStatus,
    SignOff,
)
from steward.domain.policy import Policy, SeparationOfDuties, SignoffRequirement, Tier

__all__ = ["signoff_results", "why_stale"]


def signoff_results(
    policy: Policy,
    policy_version: int,
    tier: Tier,
    subject: GateSubject,
    target: str,
    requirements: tuple[SignoffRequirement, ...],
    evidence: tuple[Evidence, ...],
    digest: str,
    signoffs: Sequence[SignOff],
    members: Mapping[str, frozenset[str]],
    now: str,
) -> list[RequirementResult]:
    """One result per sign-off requirement of the gate."""
    moment = parse_time(now)
    if moment is None:
        raise InvalidInputError(f"malformed time {now!r}: expected 2026-11-23T14:30:00.000000Z")
    latest = _latest(signoffs, subject, target, {r.role for r in requirements})
    produced: dict[str, Evidence] = {}
    for item in evidence:  # sorted: the first item each person produced
        produced.setdefault(item.producer, item)
    tally = _Tally(requirements, latest)
    accepted = policy.gate(tier.name, target).signer_identity
    for (signer, role), signoff in latest.items():
        why_not = _why_invalid(
            policy.duties(tier.name, target), subject, signer, role, produced, members
        )
        if why_not is None and accepted and signoff.identity not in accepted:
            how = signoff.identity or "not recorded"
            why_not = f"signed under a {how} identity; this gate needs {' or '.join(accepted)}"
        if why_not is not None:
            tally.invalid[(signer, role)] = why_not
            continue
        why_stale = stale_reason(policy, policy_version, tier, signoff, digest, moment)
        if why_stale is not None:
            if why_stale == NEW_EVIDENCE:
                why_stale += _what_changed(signoff, evidence)
            tally.stale[(signer, role)] = why_stale
    tally.assign()
    return [tally.result(index) for index in range(len(requirements))]


def _latest(
    signoffs: Sequence[SignOff], subject: GateSubject, target: str, roles: set[str]
) -> dict[tuple[str, str], SignOff]:
    # Only the latest decision of each person in each role counts.
    latest: dict[tuple[str, str], SignOff] = {}
    for signoff in sorted(signoffs, key=signoff_order):
        relevant = signoff.version_ref == subject.ref and signoff.stage == target
        if relevant and signoff.role in roles:
            latest[(signoff.signer, signoff.role)] = signoff
    return latest


class _Tally:
    """The latest sign-offs judged (invalid, stale) and matched to the requirements' seats."""

    def __init__(
        self,
        requirements: tuple[SignoffRequirement, ...],
        latest: dict[tuple[str, str], SignOff],
    ) -> None:
        self.requirements = requirements
        self.latest = latest
        self.invalid: dict[tuple[str, str], str] = {}
        self.stale: dict[tuple[str, str], str] = {}
        self.counts = [r.count for r in requirements]
        self.fresh: list[set[str]] = []
        self.best = 0
        self.filled: list[list[str]] = [[] for _ in requirements]
        self.counted_for: dict[str, str] = {}

    def approvers(self, role: str, *, stale_too: bool) -> set[str]:
        return {
            signer
            for (signer, r), s in self.latest.items()
            if r == role
            and s.decision == "approve"
            and (signer, r) not in self.invalid
            and (stale_too or (signer, r) not in self.stale)
        }

    def assign(self) -> None:
        self.fresh = [self.approvers(r.role, stale_too=False) for r in self.requirements]
        owner = _match(self.counts, self.fresh)
        self.best = len(owner)
        for (index, _), person in owner.items():
            self.filled[index].append(person)
        self.counted_for = {
            person: self.requirements[index].role for (index, _), person in owner.items()
        }

    def result(self, index: int) -> RequirementResult:
        requirement = self.requirements[index]
        role = requirement.role
        names = sorted(self.filled[index])
        plural = "" if requirement.count == 1 else "s"
        tally = f"{len(names)} of {requirement.count} {role} approval{plural}"
        if names:
            tally += f" ({', '.join(names)})"
        rejections, notes = self._remarks(role, names, met=len(names) == requirement.count)
        detail = "; ".join([*rejections, tally, *notes])
        status = self._status(index, names, rejections=bool(rejections))
        return requirement_result(
            requirement.key, "signoff", _description(requirement), status, detail
        )

    def _remarks(self, role: str, names: list[str], *, met: bool) -> tuple[list[str], list[str]]:
        rejections: list[str] = []
        notes: list[str] = []
        for (signer, r), signoff in sorted(self.latest.items()):
            if r != role:
                continue
            what = "approval" if signoff.decision == "approve" else "rejection"
            if (signer, r) in self.invalid:
                notes.append(f"{signer}'s {what} does not count: {self.invalid[(signer, r)]}")
            elif (signer, r) in self.stale:
                # Once fresh approvals fill the requirement, nobody needs to sign again.
                then = (
                    "not needed: the requirement is met"
                    if met
                    else f"{signer} must sign again as {r}"
                )
                notes.append(f"{signer}'s {what} is stale: {self.stale[(signer, r)]}; {then}")
            elif signoff.decision == "reject":
                because = f": {signoff.reason}" if signoff.reason else ""
                rejections.append(f"rejected by {signer}{because}")
            elif signer not in names and signer in self.counted_for:
                notes.append(f"{signer} already counts for {self.counted_for[signer]}")
        return rejections, notes

    def _status(self, index: int, names: list[str], *, rejections: bool) -> RequirementStatus:
        requirement = self.requirements[index]
        if rejections:
            return "failed"
        if len(names) == requirement.count:
            return "met"
        # Stale when fresh signatures from those whose approvals went stale would fill more.
        widened = list(self.fresh)
        widened[index] = self.approvers(requirement.role, stale_too=True)
        return "stale" if len(_match(self.counts, widened)) > self.best else "missing"


NEW_EVIDENCE = "signed before new evidence"


def _what_changed(signoff: SignOff, evidence: Sequence[Evidence]) -> str:
    """The evidence recorded after a sign-off that new evidence made stale: what its signer
    has not seen."""
    if signoff.decision != "approve":
        return ""
    newer = [e for e in evidence if e.created_at > signoff.signed_at]
    if not newer:
        return ""
    shown = ", ".join(f"{e.kind} #{e.id}" for e in newer[:5])
    more = f" and {len(newer) - 5} more" if len(newer) > 5 else ""
    return f" ({shown}{more} added since)"


def _description(requirement: SignoffRequirement) -> str:
    description = (
        f"{requirement.role} sign-off"
        if requirement.count == 1
        else f"{requirement.count} {requirement.role} sign-offs"
    )
    if requirement.meaning:
        description += f": {requirement.meaning}"
    return description


def _why_invalid(
    duties: SeparationOfDuties,
    subject: GateSubject,
    signer: str,
    role: str,
    produced: Mapping[str, Evidence],
    members: Mapping[str, frozenset[str]],
) -> str | None:
    held = members.get(signer, frozenset())
    conflict = duties.conflict(signer, subject.author, produced, held)
    if conflict is not None and conflict[0] == "author":
        return f"{signer} is the author of the version"
    if conflict is not None and conflict[0] == "evidence_producer":
        item = produced[signer]
        return f"{signer} produced evidence {item.kind} #{item.id}"
    if role not in held:
        return f"{signer} does not hold the role {role}"
    if conflict is not None:
        return f"{signer} holds the role {conflict[1]}, whose holders may not sign"
    return None


def why_stale(
    policy: Policy, policy_version: int, tier: Tier | None, signoff: SignOff, digest: str, now: str
) -> str | None:
    """Why a sign-off no longer counts as given on what the version holds now, or None: the one
    staleness rule of gates, sign-off listings and inboxes. Without a tier (an unclassified
    project) only the evidence is compared."""
    moment = parse_time(now)
    if moment is None:
        raise InvalidInputError(f"malformed time {now!r}: expected 2026-11-23T14:30:00.000000Z")
    if tier is None:
        if signoff.decision == "reject":
            return None
        return None if signoff.evidence_digest == digest else NEW_EVIDENCE
    return stale_reason(policy, policy_version, tier, signoff, digest, moment)


def stale_reason(
    policy: Policy,
    policy_version: int,
    tier: Tier,
    signoff: SignOff,
    digest: str,
    now: datetime,
) -> str | None:
    # A rejection stays in force until its signer decides again in that role (only the latest
    # decision counts) or a new version is registered: evidence added after it, however alike,
    # a new policy version or the passing of time do not lift it.
    if signoff.decision == "reject":
        return None
    if signoff.evidence_digest != digest:
        return NEW_EVIDENCE
    if (signoff.policy_name, signoff.policy_version) != (policy.name, policy_version):
        return f"signed under policy {signoff.policy_name} v{signoff.policy_version}"
    if tier.recertify_days is not None:
        signed = parse_time(signoff.signed_at)
        if signed is None:
            return f"the signing time {signoff.signed_at!r} is unreadable"
        expires = signed + timedelta(days=tier.recertify_days)
        if expires <= now:
            return (
                f"expired on {format_ts(expires)} "
                f"(tier {tier.name} is recertified every {tier.recertify_days} days)"
            )
    return None


def _match(
    counts: Sequence[int], eligible: Sequence[Collection[str]]
) -> dict[tuple[int, int], str]:
    """A maximum assignment of people to requirement slots (requirement index, seat): each
    requirement has `counts[i]` seats, a person takes at most one seat in all. Augmenting paths,
    trying people and seats in a fixed order so the answer depends only on the sets."""
    seats = [(index, seat) for index, count in enumerate(counts) for seat in range(count)]
    owner: dict[tuple[int, int], str] = {}

    def augment(person: str, seen: set[tuple[int, int]]) -> bool:
        for slot in seats:
            if slot in seen or person not in eligible[slot[0]]:
                continue
            seen.add(slot)
            if slot not in owner or augment(owner[slot], seen):
                owner[slot] = person
                return True
        return False

    for person in sorted(set().union(*eligible)) if eligible else ():
        augment(person, set())
    return owner
