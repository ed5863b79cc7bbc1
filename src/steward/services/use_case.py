"""Marking the public methods of the services as use cases.

Every entrypoint (SDK, CLI, HTTP, web) reaches Steward through these methods only. Each one
declares the action it performs (`steward.domain.actions`), takes the acting principal first,
and returns typed results; the permission to perform the action is decided from the
declaration, in the service, so it holds on every path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__steward_use_case__"


@dataclass(frozen=True, slots=True)
class UseCase:
    name: str  # Class.method
    action: str


def use_case(action: str) -> Callable[[F], F]:
    """Declare that the decorated service method performs `action`."""

    def mark(method: F) -> F:
        setattr(method, _MARK, UseCase(method.__qualname__, action))
        return method

    return mark


def declared(method: object) -> UseCase | None:
    """The declaration of a service method, if it has one."""
    found = getattr(method, _MARK, None)
    return found if isinstance(found, UseCase) else None


def public_methods(service: type) -> Iterator[tuple[str, object]]:
    """The public methods of a service class, inherited ones included: each must be a use case."""
    for name in sorted(dir(service)):
        if name.startswith("_"):
            continue
        member = getattr(service, name)
        if callable(member):
            yield name, member
