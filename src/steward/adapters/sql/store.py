"""SqlStore: opens write and read sessions and turns driver errors into Steward errors."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, InternalError, OperationalError, ProgrammingError

from steward.adapters.sql.read import SqlReadSession
from steward.adapters.sql.write import SqlWriteSession
from steward.domain.errors import ConflictError, StewardError, StorageUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from steward.domain.principal import Principal


def _describe(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else type(exc).__name__


class SqlStore:
    def __init__(self, writer: Engine, reader: Engine) -> None:
        self.writer = writer
        self.reader = reader

    @contextmanager
    def write(self, principal: Principal) -> Iterator[SqlWriteSession]:
        try:
            with self.writer.connect() as conn:
                conn.begin()
                yield SqlWriteSession(conn, principal.name, principal.established_by)
                # Leaving without commit() rolls back: the caller decided not to keep the change.
        except IntegrityError as exc:
            raise ConflictError(
                f"the change conflicts with data written at the same time: {_describe(exc)}"
            ) from None
        except (OperationalError, ProgrammingError, InternalError) as exc:
            raise _storage_error(exc) from None

    @contextmanager
    def read(self) -> Iterator[SqlReadSession]:
        try:
            with self.reader.connect() as conn:
                conn.begin()
                yield SqlReadSession(conn)
        except StewardError:
            raise
        except (OperationalError, ProgrammingError, InternalError) as exc:
            raise _storage_error(exc) from None

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def _storage_error(exc: Exception) -> StewardError:
    message = _describe(exc)
    if "locked" in message or "busy" in message:
        return ConflictError(f"the database stayed busy too long: {message}")
    if "append-only" in message:
        return ConflictError(f"refused by the database: {message}")
    return StorageUnavailableError(f"database error: {message}")
