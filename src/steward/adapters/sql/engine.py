"""Engines for the supported databases, set up for many processes writing at once."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from steward.domain.errors import InvalidInputError, StorageUnavailableError, require_extra

SQLITE_BUSY_TIMEOUT_MS = 60_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and pick psycopg 3, the driver Steward ships with."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInputError(f"malformed database URL {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("postgresql", "sqlite"):
        raise InvalidInputError(
            f"unsupported database {backend!r} in the database URL: use sqlite or postgresql"
        )
    return parsed.render_as_string(hide_password=False)


# SQLite moves the write-ahead log into the database at this many pages, inside whichever commit
# crosses the line (a 10-20 ms stall). Writers in a long-lived process hand the work to a
# background thread well before that; the automatic checkpoint stays as a backstop.
SQLITE_AUTOCHECKPOINT_PAGES = 4000
CHECKPOINT_EVERY_COMMITS = 32


class _Checkpointer:
    """Runs passive WAL checkpoints on its own connection and thread, off the request path.
    sqlite3 releases the GIL while SQLite works, so writers carry on meanwhile."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._commits = 0

    def committed(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY_COMMITS:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="steward-wal", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                with contextlib.suppress(sqlite3.Error):  # busy: the next round will do it
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def _read_only_url(url: URL) -> URL:
    """The same database file opened read-only (`file:PATH?mode=ro` as an SQLite URI), so the
    database itself refuses any write made through a reader."""
    if url.query.get("uri") in ("true", "1"):
        return url.update_query_dict({"mode": "ro"})
    path = quote(os.path.abspath(url.database or ""))
    return url.set(database=f"file:{path}").update_query_dict({"mode": "ro", "uri": "true"})


def _sqlite_engine(url: str, writer: bool) -> Engine:
    parsed = make_url(url)
    database = parsed.database
    on_disk = bool(database) and database != ":memory:"
    if database and on_disk and writer:
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StorageUnavailableError(
                f"cannot create the database in {str(folder)!r}: a file is in the way, not a folder"
            ) from None
        except OSError as exc:
            raise StorageUnavailableError(
                f"cannot create the database's folder {str(folder)!r}: {exc.strerror}"
            ) from None
    if not writer and on_disk and parsed.query.get("mode") != "memory":
        # The writer creates the file and sets WAL mode (both persist) before any reader opens
        # it: `bootstrap.build` checks the schema with the writer first.
        parsed = _read_only_url(parsed)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    if writer and database and on_disk:
        checkpointer = _Checkpointer(database)
        event.listen(engine, "commit", lambda _conn: checkpointer.committed())
        # dispose() is how Steward closes a store; stop the thread with it.
        event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if writer:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        else:
            # Also refuses writes where the file could not be opened read-only (in memory).
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so two of them never deadlock upgrading a read
        # lock. A reader's deferred BEGIN takes its WAL snapshot at the first read and keeps it
        # until the read session ends.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def make_engines(url: str) -> tuple[Engine, Engine]:
    """(writer, reader) engines. PostgreSQL uses one engine for both."""
    url = normalise_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, writer=True), _sqlite_engine(url, writer=False)
    require_extra(("psycopg",), "postgres", "PostgreSQL support")
    # No pre-ping: it costs a round trip on every checkout, a third of a short query's time.
    # Connections are recycled instead, so a server restart costs at most one failed command.
    engine = create_engine(url, pool_recycle=600)
    # Each read session is one read-only REPEATABLE READ transaction: every query of a page, a
    # report or an export sees the snapshot taken at its first query, and the server refuses
    # writes. psycopg keeps both settings on the connection and opens the transaction with the
    # first query (`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`); leaving the session rolls
    # it back. The reader shares the writer's pool.
    return engine, engine.execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
