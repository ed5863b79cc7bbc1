"""The base of the SQL adapters' per-feature parts: each part of a session shares the session's
connection, and inside a write transaction its fixed `now` and actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


class SqlPart:
    def __init__(self, conn: Connection, now: str = "", actor: str = "") -> None:
        self._conn = conn
        self.now = now
        self.actor = actor
