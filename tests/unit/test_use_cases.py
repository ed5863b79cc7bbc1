"""Every public method of the use-case services (steward.services.app.USE_CASE_SERVICES) is a
declared use case: it names an action from steward.domain.actions.ACTIONS, and takes the acting
principal as its first parameter, so every entrypoint reaches Steward through a method whose
permission can be decided from its declaration."""

from __future__ import annotations

import importlib
import inspect

import pytest

from steward.domain.actions import ACTIONS
from steward.domain.principal import Principal
from steward.services.app import USE_CASE_SERVICES
from steward.services.use_case import declared, public_methods, use_case


def _service(target: str) -> type:
    module, _, name = target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert inspect.isclass(cls)
    return cls


def problems(service: type) -> list[str]:
    """What is wrong with the service's public methods as use cases; empty when nothing is."""
    found = []
    for name, method in public_methods(service):
        where = f"{service.__name__}.{name}"
        declaration = declared(method)
        if declaration is None:
            found.append(f"{where} is not declared a use case")
            continue
        if declaration.action not in ACTIONS:
            found.append(f"{where} declares the unknown action {declaration.action!r}")
        assert callable(method)
        parameters = list(inspect.signature(method).parameters)
        if parameters[1:2] != ["principal"]:
            found.append(f"{where} does not take the principal first: {parameters}")
    return found


def test_the_services_are_listed_and_have_use_cases() -> None:
    """Each listed service imports and offers at least one use case."""
    for target in USE_CASE_SERVICES.values():
        assert list(public_methods(_service(target))), target


@pytest.mark.parametrize("service", sorted(USE_CASE_SERVICES))
def test_every_public_method_is_a_declared_use_case(service: str) -> None:
    """No public service method escapes the declaration, the action names or the principal."""
    assert problems(_service(USE_CASE_SERVICES[service])) == []


def test_the_check_catches_undeclared_and_misdeclared_methods() -> None:
    """A public method without a declaration, with an unknown action, or without the principal
    first is reported by name; a private helper is not a use case."""

    class Throwaway:
        @use_case("inventory.read")
        def fine(self, principal: Principal) -> None: ...

        def undeclared(self, principal: Principal) -> None: ...

        @use_case("no.such.action")
        def unknown(self, principal: Principal) -> None: ...

        @use_case("inventory.read")
        def no_principal(self, project: str) -> None: ...

        def _helper(self) -> None: ...

    found = problems(Throwaway)
    assert len(found) == 3
    assert found[0].startswith("Throwaway.no_principal does not take the principal first")
    assert found[1:] == [
        "Throwaway.undeclared is not declared a use case",
        "Throwaway.unknown declares the unknown action 'no.such.action'",
    ]
