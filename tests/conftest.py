"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL comes from STEWARD_TEST_POSTGRES_URL (default: the local server). Where it cannot be
reached, PostgreSQL tests are skipped, unless STEWARD_REQUIRE_POSTGRES=1 (as in CI): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    return os.environ.get("STEWARD_TEST_POSTGRES_URL", DEFAULT_PG)


class PostgresServer:
    """Creates a migrated template database once, then one cheap copy per test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"steward_tpl_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    def url_for(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def start(self) -> None:
        from steward.adapters.sql import schema
        from steward.adapters.sql.engine import make_engines

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        writer, _ = make_engines(self.url_for(self.template))
        schema.upgrade(writer)
        writer.dispose()

    def new_database(self) -> str:
        name = f"steward_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        for name in [*self.created, self.template]:
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    server = PostgresServer(_admin_url())
    try:
        server.start()
    except OperationalError as exc:
        server.admin.dispose()
        message = (
            f"PostgreSQL not reachable at {make_url(_admin_url()).render_as_string()}: {exc.orig}"
        )
        if os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1":
            pytest.fail(message, pytrace=False)
        yield None
        return
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh Steward database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steward.db'}"
        return
    server: PostgresServer | None = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip("PostgreSQL not reachable (set STEWARD_REQUIRE_POSTGRES=1 to fail instead)")
    url = server.new_database()
    yield url
    server.drop(make_url(url).database or "")


@pytest.fixture
def steward_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def client(database_url: str, steward_home: Path) -> Iterator[object]:
    from steward.sdk import Client

    c = Client(home=steward_home, database_url=database_url, actor="alice")
    yield c
    c.close()
