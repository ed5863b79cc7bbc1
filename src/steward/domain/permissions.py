"""Who may perform which action, in the organisation or in one project.

A permission names the roles that allow an action. A role is one of a project's roles (held by
membership in that project), an organisation role (held in the store, granted by an admin, and
counting in every project), or one of two groups: `everyone` (any identified person) and
`member` (anyone holding any role in the project). The mapping is part of the policy, so a
stricter policy can be stricter; actions a policy does not map keep the defaults below.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from steward.domain.actions import ACTIONS
from steward.domain.entities import OWNER_ROLE as OWNER

EVERYONE = "everyone"
MEMBER = "member"
GROUPS: tuple[str, ...] = (EVERYONE, MEMBER)

ADMIN = "admin"
RISK_OFFICER = "risk_officer"
AUDITOR = "auditor"
# Held organisation-wide, in the store; an organisation role counts in every project too.
ORG_ROLES: tuple[str, ...] = (ADMIN, RISK_OFFICER, AUDITOR)

# Actions that concern the organisation as a whole: no project's roles can allow them.
ORG_ACTIONS: frozenset[str] = frozenset({"admin", "policy.apply", "project.create"})

_MEMBERS = (MEMBER,)
_ANYONE = (EVERYONE,)

# The mapping a policy starts from. Structure (members, owner, tier, policy) is the owner's or
# an officer's; day-to-day work is any member's, and what a role may sign or waive is decided
# by the gate and waiver rules of the policy on top of this.
DEFAULT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "admin": (ADMIN,),
    "project.create": _ANYONE,
    "project.members.change": (OWNER, ADMIN),
    "project.owner.change": (OWNER, ADMIN),
    "project.classify": (OWNER, RISK_OFFICER, ADMIN),
    "policy.apply": (RISK_OFFICER, ADMIN),
    "change.approve": (RISK_OFFICER,),
    "change.withdraw": _ANYONE,
    "model.create": _MEMBERS,
    "version.register": _MEMBERS,
    "version.tag": _MEMBERS,
    "version.recertify": _MEMBERS,
    "stage.move": _MEMBERS,
    "request.withdraw": _MEMBERS,
    "evidence.compute": _MEMBERS,
    "evidence.attest": _MEMBERS,
    "signoff.give": _MEMBERS,
    "waiver.grant": _MEMBERS,
    "waiver.revoke": _MEMBERS,
    "monitor.configure": _MEMBERS,
    "monitor.ingest": _MEMBERS,
    "review.close": _MEMBERS,
    "webhook.manage": _ANYONE,
    "inventory.read": _ANYONE,
    "policy.read": _ANYONE,
    "governance.read": _ANYONE,
    "monitor.read": _ANYONE,
    "roles.read": _ANYONE,
    "data.analyse": _ANYONE,
    "audit.read": _ANYONE,
    "audit.checkpoint": _ANYONE,
}


@dataclass(frozen=True, slots=True)
class Holdings:
    """What a person holds where an action is asked for: organisation roles, and the roles of
    the project in scope (empty when the action concerns no project)."""

    org_roles: frozenset[str] = frozenset()
    project_roles: frozenset[str] = frozenset()


def allows(allowed: Collection[str], held: Holdings, in_project: bool) -> bool:
    """Whether the roles `allowed` for an action include one the person holds. Project roles
    and the `member` group count only inside a project."""
    if EVERYONE in allowed:
        return True
    if held.org_roles & set(allowed):
        return True
    if not in_project:
        return False
    if MEMBER in allowed and held.project_roles:
        return True
    return bool(held.project_roles & set(allowed))


def mapping_problems(
    mapping: Mapping[str, Collection[str]], project_roles: Collection[str]
) -> list[tuple[str, str]]:
    """What is wrong with a policy's permissions, as (action, message): unknown actions or
    roles, an action nobody may perform, project roles on an organisation-wide action."""
    known = set(project_roles) | {OWNER} | set(ORG_ROLES) | set(GROUPS)
    found = []
    for action, roles in mapping.items():
        if action not in ACTIONS:
            found.append((action, f"unknown action {action!r}"))
            continue
        if not roles:
            found.append((action, "no role may perform it: name at least one"))
        for role in roles:
            if role not in known:
                found.append(
                    (
                        action,
                        f"unknown role {role!r}: expected a role of the policy, an "
                        f"organisation role ({', '.join(ORG_ROLES)}) or {' or '.join(GROUPS)}",
                    )
                )
        local = sorted(set(roles) & (known - set(ORG_ROLES) - {EVERYONE}))
        if action in ORG_ACTIONS and local:
            found.append(
                (
                    action,
                    "concerns the whole organisation, so only organisation roles or everyone "
                    f"can allow it, not {', '.join(local)}",
                )
            )
    return found


def refusal(person: str, action: str, project: str | None, allowed: Collection[str]) -> str:
    """The one-line reason a person may not perform an action."""
    where = f" in project {project!r}" if project is not None else ""
    roles = list(allowed)
    if not roles:
        needs = "no role allows it"
    elif roles == [MEMBER]:
        needs = "it needs a role in the project"
    else:
        shown = [r if r != MEMBER else "any project role" for r in roles]
        needs = f"it needs the role {' or '.join(shown)}"
    return f"{person} may not {action}{where}: {needs}"
