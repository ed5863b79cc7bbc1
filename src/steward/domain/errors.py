"""The one error hierarchy. Entrypoints map these to exit codes and HTTP statuses."""

from __future__ import annotations


class StewardError(Exception):
    """Base of every error Steward raises on purpose. Its message is one line for the user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(StewardError):
    """A named project, model, version or event does not exist."""

    exit_code = 3


class ConflictError(StewardError):
    """The change collides with existing state (a duplicate name, a concurrent change)."""

    exit_code = 4


class InvalidInputError(StewardError):
    """The caller gave a value Steward cannot accept (a malformed tag, a bad metric)."""

    exit_code = 2


class PermissionDeniedError(StewardError):
    """The actor may not do this."""

    exit_code = 5


class GateBlockedError(StewardError):
    """A promotion was refused; `reasons` lists every unmet requirement."""

    exit_code = 6

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = list(reasons or [])


class PolicyInvalidError(StewardError):
    """A policy file failed validation. The message names the first problem; `problems` lists
    every problem found, one line each."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


class IntegrityBrokenError(StewardError):
    """Stored data no longer matches its digest: a tampered audit row or a corrupted artifact."""

    exit_code = 7


class SchemaOutdatedError(StewardError):
    """The database schema is older (or newer) than this version of Steward expects."""

    exit_code = 8


class StorageUnavailableError(StewardError):
    """The database or artifact store cannot be reached."""

    exit_code = 9


class MissingExtraError(StewardError):
    """A feature needs an optional part of Steward that is not installed."""

    exit_code = 10

    def __init__(self, extra: str, needed_for: str) -> None:
        super().__init__(
            f"{needed_for} needs the '{extra}' extra: pip install 'steward-governance[{extra}]'"
        )
        self.extra = extra


def require_extra(modules: tuple[str, ...], extra: str, needed_for: str) -> None:
    """Import each of `modules`, raising MissingExtraError naming `extra` if one is absent.
    Called where an optional dependency is first needed, so the user sees one line saying what
    to install instead of an ImportError from deep inside Steward."""
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtraError(extra, needed_for) from None
