"""Schema revisions and storage errors: clear refusals, and `db upgrade` as the way forward."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from steward import SchemaOutdatedError, StorageUnavailableError
from steward.adapters.sql import schema
from steward.adapters.sql.engine import make_engines
from steward.bootstrap import upgrade_database
from steward.config import load_settings
from steward.sdk import Client


def _fresh_at(database_url: str, revision: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    writer, reader = make_engines(database_url)
    schema.upgrade(writer, revision)
    writer.dispose()
    reader.dispose()


def test_old_schema_is_refused_until_upgraded(database_url: str, steward_home: Path) -> None:
    _fresh_at(database_url, "0001_registry")
    client = Client(home=steward_home, database_url=database_url, actor="ana")
    with pytest.raises(
        SchemaOutdatedError, match=r"revision 0001_registry .* run `steward db upgrade`"
    ):
        client.projects()
    before, after = upgrade_database(load_settings(home=steward_home, database_url=database_url))
    assert (before, after) == ("0001_registry", schema.head_revision())
    client.create_project("credit")
    assert client.verify_audit().ok
    client.close()


def test_schema_from_a_newer_steward_is_refused(database_url: str, steward_home: Path) -> None:
    writer, reader = make_engines(database_url)
    schema.upgrade(writer)
    with writer.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    writer.dispose()
    reader.dispose()
    with pytest.raises(SchemaOutdatedError, match="newer Steward"):
        Client(home=steward_home, database_url=database_url).projects()


def test_unreachable_database_is_one_clear_error(steward_home: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(StorageUnavailableError, match="cannot open the database"):
        Client(home=steward_home, database_url=url).projects()


def test_embedded_default_creates_its_database_under_home(
    steward_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    client = Client(home=steward_home, actor="ana")
    client.create_project("credit")
    client.close()
    assert (steward_home / "steward.db").exists()


def test_recorded_head_is_alembics_head() -> None:
    """Opening a store compares with a constant; it must name the newest migration."""
    assert schema.head_revision() == schema.alembic_head()


def test_table_metadata_agrees_with_the_migrations(database_url: str) -> None:
    """The queries are written against tables.py and the schema is made by the migrations: a
    column, type, index or constraint in one and not the other is a difference here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from steward.adapters.sql.tables import metadata

    writer, reader = make_engines(database_url)
    try:
        schema.upgrade(writer)
        with writer.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, metadata) if "alembic_version" not in str(d)
            ]
    finally:
        writer.dispose()
        reader.dispose()
    assert differences == []
