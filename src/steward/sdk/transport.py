"""How the SDK reaches the use cases. In process, the services are built from local settings
(`steward.bootstrap`) on first use; a client of the HTTP API offers the same services over
the network. Either way the SDK calls the same methods and gets the same results and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from steward.bootstrap import DatabaseStatus, LocalServices
    from steward.config import Settings
    from steward.domain.principal import Principal
    from steward.services.app import Services


class Transport(Protocol):
    @property
    def principal(self) -> Principal:
        """Who the calls act for."""
        ...

    @property
    def services(self) -> Services: ...

    def database_status(self) -> DatabaseStatus: ...
    def upgrade_database(self, revision: str = "head") -> tuple[str | None, str | None]: ...
    def close(self) -> None: ...


class LocalTransport:
    """The services of a local store (SQLite or PostgreSQL), built when first called, so that
    creating a client, or importing Steward, connects to nothing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._services: LocalServices | None = None

    @property
    def principal(self) -> Principal:
        return self.settings.resolved_principal

    @property
    def services(self) -> Services:
        if self._services is None:
            from steward.bootstrap import LocalServices

            self._services = LocalServices(self.settings)
        return self._services

    def database_status(self) -> DatabaseStatus:
        from steward.bootstrap import database_status

        return database_status(self.settings)

    def upgrade_database(self, revision: str = "head") -> tuple[str | None, str | None]:
        from steward.bootstrap import upgrade_database

        return upgrade_database(self.settings, revision)

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
