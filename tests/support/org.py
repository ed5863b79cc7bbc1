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
