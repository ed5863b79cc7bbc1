"""The Python SDK: the same operations as the CLI, for training code and notebooks.

    import steward
    steward.register(model, project="credit", name="scorer", training_data=df, metrics={"auc": 0.91})

Module-level functions use a client configured from the environment (see `steward.config`);
`Client(...)` takes explicit settings. Nothing connects until the first call. The client holds
no rules of its own: every method calls one use case of `steward.services` through its
transport, in process today.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.sdk.audit import AuditMethods
from steward.sdk.checks import ChecksMethods
from steward.sdk.governance import GovernanceMethods
from steward.sdk.monitoring import MonitorMethods
from steward.sdk.organisation import ChangeMethods, OrganisationMethods
from steward.sdk.registry import RegistryMethods
from steward.sdk.transport import LocalTransport, Transport

if TYPE_CHECKING:
    from pathlib import Path

    from steward.bootstrap import DatabaseStatus
    from steward.config import Settings
    from steward.domain.entities import Version

__all__ = ["Client", "LocalTransport", "Transport", "register"]


class Client(
    RegistryMethods,
    GovernanceMethods,
    ChecksMethods,
    MonitorMethods,
    AuditMethods,
    OrganisationMethods,
    ChangeMethods,
):
    """A connection to one Steward store. Cheap to create; connects on first use."""

    def __init__(
        self,
        *,
        home: str | Path | None = None,
        database_url: str | None = None,
        artifact_root: str | Path | None = None,
        actor: str | None = None,
        settings: Settings | None = None,
        transport: Transport | None = None,
    ) -> None:
        if transport is None:
            from steward.config import load_settings

            chosen = settings or load_settings(
                home=home, database_url=database_url, artifact_root=artifact_root, actor=actor
            )
            transport = LocalTransport(chosen)
        self._transport = transport

    @property
    def settings(self) -> Settings:
        """The local settings the client runs on (in-process transports only)."""
        found = getattr(self._transport, "settings", None)
        if found is None:
            from steward.domain.errors import InvalidInputError

            raise InvalidInputError("this client has no local settings: it talks to a server")
        settings: Settings = found
        return settings

    def database_status(self) -> DatabaseStatus:
        """The database, its schema revision and the revision this Steward needs."""
        return self._transport.database_status()

    def upgrade_database(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Apply schema migrations: (revision before, revision after)."""
        return self._transport.upgrade_database(revision)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_default: Client | None = None


def _default_client() -> Client:
    global _default  # noqa: PLW0603 - one lazily built client per process, by design
    if _default is None:
        _default = Client()
    return _default


def register(model_obj: object, **kwargs: Any) -> Version:
    """Register with the client configured from the environment. See `Client.register`."""
    return _default_client().register(model_obj, **kwargs)
