"""What the policy cross-reference checks share: the shape of a problem and its messages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from steward.domain.policy import Policy

Location = tuple[str | int, ...]
Problem = tuple[Location, str]


def listing(names: Iterable[str]) -> str:
    listed = list(names)
    return ", ".join(listed) if listed else "none"


def duplicates(items: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(index, item) of every item that repeats an earlier one."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            yield index, item
        seen.add(item)


def unknown_role(role: str, policy: Policy) -> str:
    return f"unknown role {role!r}: the policy defines {listing(policy.roles)}"


def unknown_tier(tier: str, tiers: tuple[str, ...]) -> str:
    return f"unknown tier {tier!r}: the policy defines {listing(tiers)}"


def unknown_stage(stage: str, stages: tuple[str, ...]) -> str:
    return f"unknown stage {stage!r}: the stages are {listing(stages)}"
