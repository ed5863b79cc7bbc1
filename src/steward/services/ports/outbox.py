"""The outbox's ports: queued notifications, and the hooks that deliver them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from steward.domain.monitoring import Delivery
    from steward.domain.webhooks import DeliveryAttempt


class OutboxReads(Protocol):
    def deliveries(self, status: str | None = None, due_by: str | None = None) -> list[Delivery]:
        """By id; `due_by` keeps those whose next attempt is at or before that time."""
        ...


class OutboxWrites(OutboxReads, Protocol):
    def add_delivery(
        self,
        alert_id: int | None,
        route: str,
        kind: str,
        target: str,
        event: str,
        body: str,
        secret_env: str | None,
    ) -> int:
        """A pending delivery, due now."""
        ...

    def record_attempt(
        self,
        delivery_id: int,
        status: str,
        attempts: int,
        next_attempt_at: str,
        last_error: str | None,
        last_status: int | None,
    ) -> None: ...


class Hooks(Protocol):
    """Sends one notification; never raises for a network or process failure, which it reports
    in the attempt instead."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt: ...
    def run(
        self, command: Sequence[str], body: bytes, env: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt: ...


class Receiver(Protocol):
    """A running local receiver: where it listens, what it got; `close` stops it."""

    @property
    def url(self) -> str: ...
    @property
    def received(self) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


class WebhookListener(Protocol):
    """Starts a receiver on the loopback interface that checks signatures like a real one."""

    def listen(
        self,
        secret: bytes | None,
        *,
        port: int,
        failures: int,
        failure_status: int,
        on_receive: Callable[[dict[str, Any]], None] | None,
    ) -> Receiver: ...
