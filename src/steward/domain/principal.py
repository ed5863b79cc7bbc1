"""Who acts, and how Steward knows it.

Every use case takes the acting principal. Today a principal is established from the operating
system's login (`os_login`) or from what the caller declared (`declared`: `--actor`,
`STEWARD_ACTOR`, `Client(actor=...)`); the server adds tokens, single sign-on and passwords.
Knowing *how* an identity was established is what lets a policy ask for a stronger one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from steward.domain.errors import InvalidInputError
from steward.domain.naming import check_person

# From weakest to strongest; "system" is Steward acting on its own (a scheduled delivery).
IdentityMethod = Literal["declared", "os_login", "system", "password", "token", "sso"]
IDENTITY_METHODS: tuple[str, ...] = ("declared", "os_login", "system", "password", "token", "sso")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    established_by: IdentityMethod

    def __post_init__(self) -> None:
        # Frozen, so the stripped name is set the one way a frozen dataclass allows.
        object.__setattr__(self, "name", check_person("actor", self.name))
        if self.established_by not in IDENTITY_METHODS:
            raise InvalidInputError(
                f"unknown identity method {self.established_by!r}: "
                f"expected one of {', '.join(IDENTITY_METHODS)}"
            )

    def __str__(self) -> str:
        return self.name


def declared(name: str) -> Principal:
    """A principal whose name the caller stated and nothing verified."""
    return Principal(name, "declared")
