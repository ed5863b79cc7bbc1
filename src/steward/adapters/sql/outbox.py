"""The outbox: queued notifications and their attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from steward.adapters.sql import governance_rows as rows
from steward.adapters.sql import tables as t
from steward.adapters.sql.part import SqlPart
from steward.domain.monitoring import Delivery


class SqlOutboxReads(SqlPart):
    """Queued notifications."""

    def deliveries(self, status: str | None = None, due_by: str | None = None) -> list[Delivery]:
        d = t.deliveries
        stmt = select(d)
        if status is not None:
            stmt = stmt.where(d.c.status == status)
        if due_by is not None:
            stmt = stmt.where(d.c.next_attempt_at <= due_by)
        return [_delivery(row) for row in self._conn.execute(stmt.order_by(d.c.id))]


class SqlOutboxWrites(SqlOutboxReads):
    """Queueing notifications and recording their attempts."""

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
        result = self._conn.execute(
            insert(t.deliveries).values(
                alert_id=alert_id,
                route=route,
                kind=kind,
                target=target,
                event=event,
                body=body,
                secret_env=secret_env,
                status="pending",
                attempts=0,
                next_attempt_at=self.now,
                created_at=self.now,
            )
        )
        return rows.inserted_id(result)

    def record_attempt(
        self,
        delivery_id: int,
        status: str,
        attempts: int,
        next_attempt_at: str,
        last_error: str | None,
        last_status: int | None,
    ) -> None:
        self._conn.execute(
            update(t.deliveries)
            .where(t.deliveries.c.id == delivery_id)
            .values(
                status=status,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
                last_error=last_error,
                last_status=last_status,
                delivered_at=self.now if status == "delivered" else None,
            )
        )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.alert_id,
        route=row.route,
        kind=row.kind,
        target=row.target,
        event=row.event,
        body=row.body,
        secret_env=row.secret_env,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        last_status=row.last_status,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )
