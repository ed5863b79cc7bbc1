"""Organisation roles for integration and end-to-end tests, set up the way a real store gets
them: the operating-system login becomes the first admin (`steward org init`) and grants the
rest (`steward org grant`)."""

from __future__ import annotations

from steward.config import Settings
from steward.sdk import Client


def grant_org_roles(settings: Settings, roles: dict[str, str]) -> None:
    """Give each person their organisation role (person -> role) on the store of `settings`."""
    login = Client(settings=settings.model_copy(update={"actor": None}))
    try:
        if not any("admin" in held for held in login.org_roles().values()):
            login.initialise_admin("test set-up")
        for person, role in roles.items():
            login.grant_org_role(person, role, "test set-up")
    finally:
        login.close()


APPROVER = "quinn.approver"


def approve_pending(settings: Settings, project: str | None = None) -> list[int]:
    """Approve every pending governance change (of one project) as a second person would: an
    organisation risk officer who neither asked for the change nor gains by it. Returns the ids
    approved."""
    _ensure_officer(settings, APPROVER)
    approver = Client(settings=settings.model_copy(update={"actor": APPROVER}))
    try:
        approved = []
        for change in approver.changes("pending", project):
            if APPROVER in (change.requested_by, change.payload.get("beneficiary")):
                continue
            approver.approve_change(change.id, "approved in test set-up")
            approved.append(change.id)
        return approved
    finally:
        approver.close()


def _ensure_officer(settings: Settings, person: str) -> None:
    login = Client(settings=settings.model_copy(update={"actor": None}))
    try:
        holders = login.org_roles()
        if "risk_officer" in holders.get(person, frozenset()):
            return
        if not any("admin" in held for held in holders.values()):
            login.initialise_admin("test set-up")
        change = login.grant_org_role(person, "risk_officer", "test set-up")
    finally:
        login.close()
    if change is None:
        return
    officer = next(p for p, held in holders.items() if "risk_officer" in held and p != person)
    other = Client(settings=settings.model_copy(update={"actor": officer}))
    try:
        other.approve_change(change.id, "test set-up")
    finally:
        other.close()
