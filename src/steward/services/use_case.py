"""Marking the public methods of the services as use cases, and deciding their permission.

Every entrypoint (SDK, CLI, HTTP, web) reaches Steward through these methods only. Each one
declares the action it performs (`steward.domain.actions`), takes the acting principal first,
and returns typed results. The declaration is also the check: before the method runs, the
service's `Access` decides whether the principal may perform the action in the project the
arguments name (`project`, else the project of `ref` or `target`), so the rule holds on every
path. Two other scopes are declared explicitly:

- `inside`: the project is known only from the store (a waiver or review id); the method calls
  `self._access.require(...)` itself, and returning without having done so is a programming
  error, raised as one.
- `local`: the use case reads only the caller's own files and touches no store.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from steward.domain.errors import InvalidInputError
from steward.domain.naming import check_name

if TYPE_CHECKING:
    from steward.services.access import Access

F = TypeVar("F", bound=Callable[..., Any])
Scope = Literal["arguments", "inside", "local"]

_MARK = "__steward_use_case__"
# Parameters that name the project in scope, in the order they are looked at.
SCOPE_PARAMETERS = ("project", "ref", "target")
_checks: ContextVar[list[str] | None] = ContextVar("steward_access_checks", default=None)


@dataclass(frozen=True, slots=True)
class UseCase:
    name: str  # Class.method
    action: str
    scope: Scope = "arguments"


def use_case(action: str, scope: Scope = "arguments") -> Callable[[F], F]:
    """Declare that the decorated service method performs `action`, and check the permission
    before it runs (see the module's docstring for `scope`)."""

    def mark(method: F) -> F:
        declaration = UseCase(method.__qualname__, action, scope)
        signature = inspect.signature(method)
        names = [p for p in SCOPE_PARAMETERS if p in signature.parameters]

        @functools.wraps(method)
        def guarded(self: Any, principal: Any, /, *args: Any, **kwargs: Any) -> Any:
            if scope == "local":
                return method(self, principal, *args, **kwargs)
            access: Access = self._access
            # One person behind every spelling of a name, before anything is decided.
            principal = access.identify(principal)
            if scope == "inside":
                with _expecting_check(declaration):
                    return method(self, principal, *args, **kwargs)
            project = None
            if names:
                bound = signature.bind_partial(self, principal, *args, **kwargs).arguments
                project = next(
                    (p for p in (project_of(bound.get(n)) for n in names) if p is not None), None
                )
            access.require(principal, action, project)
            return method(self, principal, *args, **kwargs)

        setattr(guarded, _MARK, declaration)
        return cast("F", guarded)

    return mark


def project_of(value: object) -> str | None:
    """The project a scope argument names: a project name, or the first part of a model,
    version or deployment reference. None when it names none (the use case then reports the
    malformed value itself)."""
    named = getattr(value, "project", None)
    if isinstance(named, str):
        return named
    if not isinstance(value, str):
        return None
    try:
        return check_name("project", value.split("/", 1)[0])
    except InvalidInputError:
        return None


@contextmanager
def _expecting_check(declaration: UseCase) -> Iterator[None]:
    checks: list[str] = []
    token = _checks.set(checks)
    try:
        yield
    finally:
        _checks.reset(token)
    if not checks:
        raise AssertionError(f"{declaration.name} returned without deciding its permission")


def note_check(action: str) -> None:
    """Called by Access for every decision, so that an `inside` use case proves it made one."""
    checks = _checks.get()
    if checks is not None:
        checks.append(action)


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
