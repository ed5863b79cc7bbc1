"""The outbox: notifications queued with the alert that caused them, sent after the alert's
transaction commits, and retried with backoff until delivered or given up.

A delivery keeps its id across attempts and sends it as `X-Steward-Delivery`, so a receiver that
got an attempt whose answer was lost can drop the repeat. Each attempt's outcome is written back
(attempts, last error, when to try next); a delivery that succeeds or is given up on (a
permanent error such as 404, or MAX_ATTEMPTS failures) is also an audit event. Nothing is lost
when the receiver is down: the delivery stays pending and the next `deliver_due` tries again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from steward.domain.audit import PendingEvent, format_ts
from steward.domain.monitoring import Delivery
from steward.domain.principal import Principal
from steward.domain.webhooks import MAX_ATTEMPTS, next_attempt_delay, signed_headers
from steward.services.ports import Hooks, Store

# Who deliveries are recorded under when no person or job asked for them.
SYSTEM = Principal("steward-monitor", "system")

DEFAULT_TIMEOUT = 5.0
# How long a delivery whose signing secret is missing waits before it looks again.
SECRET_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    delivery: int
    route: str
    status: str
    attempts: int
    error: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "delivery": self.delivery,
            "route": self.route,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
        }


class Outbox:
    """Not a use case: `Monitor.deliver` is, and the monitoring use cases deliver what they
    queue after their own transaction."""

    def __init__(
        self,
        store: Store,
        hooks: Hooks,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        backoff_base: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._hooks = hooks
        self._environ = environ
        self._timeout = timeout
        self._base = backoff_base
        self._clock = clock

    def pending(self) -> list[Delivery]:
        with self._store.read() as q:
            return q.outbox.deliveries("pending")

    def deliveries(self, status: str | None = None) -> list[Delivery]:
        with self._store.read() as q:
            return q.outbox.deliveries(status)

    def deliver_due(self, principal: Principal | None = None) -> list[DeliveryOutcome]:
        """One attempt at every pending delivery whose time has come; `principal` is who the
        outcomes are recorded under (the person or job running the command)."""
        now = format_ts(self._clock())
        with self._store.read() as q:
            due = q.outbox.deliveries("pending", due_by=now)
        return [self._attempt(delivery, principal or SYSTEM) for delivery in due]

    def drain(
        self,
        deadline_seconds: float,
        principal: Principal | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> list[DeliveryOutcome]:
        """Keep attempting until nothing is pending or `deadline_seconds` have passed; returns
        the last outcome of each delivery attempted."""
        end = time.monotonic() + deadline_seconds
        last: dict[int, DeliveryOutcome] = {}
        while True:
            for outcome in self.deliver_due(principal):
                last[outcome.delivery] = outcome
            pending = self.pending()
            if not pending or time.monotonic() >= end:
                break
            soonest = min(_epoch(d.next_attempt_at) for d in pending)
            wait = max(0.05, soonest - self._clock().timestamp())
            sleep(min(wait, max(0.0, end - time.monotonic())))
        return list(last.values())

    def _attempt(self, delivery: Delivery, actor: Principal) -> DeliveryOutcome:
        body = delivery.body.encode()
        secret = self._secret(delivery.secret_env)
        if delivery.secret_env and secret is None:
            # Sending unsigned would teach receivers to accept unsigned alerts: wait, without
            # using up attempts, until the variable is set where deliveries run.
            error = f"not sent: the signing secret variable {delivery.secret_env} is not set"
            later = format_ts(self._clock() + timedelta(seconds=SECRET_WAIT))
            with self._store.write(actor) as tx:
                tx.outbox.record_attempt(
                    delivery.id, "pending", delivery.attempts, later, error, None
                )
                tx.commit()
            return DeliveryOutcome(delivery.id, delivery.route, "pending", delivery.attempts, error)
        if delivery.kind == "webhook":
            stamp = int(self._clock().timestamp())
            headers = signed_headers(str(delivery.id), delivery.event, body, secret, stamp)
            attempt = self._hooks.post(delivery.target, body, headers, self._timeout)
        else:
            env = {
                "STEWARD_EVENT": delivery.event,
                "STEWARD_DELIVERY": str(delivery.id),
            }
            attempt = self._hooks.run(json.loads(delivery.target), body, env, self._timeout)
        attempts = delivery.attempts + 1
        if attempt.delivered:
            status = "delivered"
        elif not attempt.retryable or attempts >= MAX_ATTEMPTS:
            status = "failed"
        else:
            status = "pending"
        delay = 0.0 if status != "pending" else next_attempt_delay(attempts, base=self._base)
        next_at = format_ts(self._clock() + timedelta(seconds=delay))
        with self._store.write(actor) as tx:
            tx.outbox.record_attempt(
                delivery.id, status, attempts, next_at, attempt.error, attempt.status
            )
            if status != "pending":
                tx.record(
                    PendingEvent(
                        f"delivery.{status}",
                        "delivery",
                        str(delivery.id),
                        {
                            "alert": delivery.alert_id,
                            "route": delivery.route,
                            "kind": delivery.kind,
                            "attempts": attempts,
                            "status": attempt.status,
                            "error": attempt.error,
                        },
                        None,
                    )
                )
            tx.commit()
        return DeliveryOutcome(delivery.id, delivery.route, status, attempts, attempt.error)

    def _secret(self, name: str | None) -> bytes | None:
        if not name:
            return None
        environ = os.environ if self._environ is None else self._environ
        value = environ.get(name)
        return value.encode() if value else None


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
