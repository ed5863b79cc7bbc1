"""What every part of the client shares: the transport, and who acts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steward.domain.principal import Principal
    from steward.sdk.transport import Transport
    from steward.services.app import Services


class ClientBase:
    _transport: Transport

    @property
    def _s(self) -> Services:
        return self._transport.services

    @property
    def _p(self) -> Principal:
        return self._transport.principal

    @property
    def actor(self) -> str:
        """The name the calls act under."""
        return self._transport.principal.name
