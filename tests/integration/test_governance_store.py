"""Governance storage on real databases (SQLite and PostgreSQL): what only a database does,
append-only triggers and the migration's way back. The scenarios the fakes also answer are in
the port contract suite (tests/integration/test_port_contracts.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from steward.adapters.sql import schema
from steward.adapters.sql.engine import make_engines
from steward.adapters.sql.store import SqlStore
from steward.domain.errors import ConflictError
from tests.integration.test_port_contracts import World, fill_every_table
from tests.support.principals import who

GOVERNANCE_TABLES = {
    "policies",
    "assessments",
    "evidence",
    "signoffs",
    "waivers",
    "waiver_revocations",
    "promotion_requests",
    "gate_decisions",
}


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    writer, reader = make_engines(database_url)
    schema.ensure_current(writer)
    sql_store = SqlStore(writer, reader)
    yield sql_store
    sql_store.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evidence SET passed = NULL",
        "DELETE FROM evidence",
        "UPDATE signoffs SET decision = 'reject'",
        "DELETE FROM signoffs",
        "UPDATE waivers SET expires_at = '2099-01-01T00:00:00.000000Z'",
        "DELETE FROM waiver_revocations",
        "UPDATE policies SET source = ''",
        "UPDATE assessments SET tier = 'high'",
        "DELETE FROM gate_decisions",
    ],
)
def test_append_only_tables_refuse_changes(store: SqlStore, database_url: str, sql: str) -> None:
    fill_every_table(World(store))
    engine = create_engine(database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_a_refused_change_inside_steward_is_a_conflict(store: SqlStore) -> None:
    fill_every_table(World(store))
    with pytest.raises(ConflictError, match="append-only"), store.write(who("mallory")) as tx:
        tx._conn.execute(text("DELETE FROM signoffs"))


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_downgrade_drops_the_governance_tables_and_upgrade_restores_them(
    store: SqlStore,
) -> None:
    engine = store.writer
    assert _tables(engine) >= GOVERNANCE_TABLES
    with engine.begin() as conn:
        command.downgrade(schema._config(conn), "0002_append_only")
    assert not _tables(engine) & GOVERNANCE_TABLES
    assert schema.current_revision(engine) == "0002_append_only"
    # The triggers of 0002 and the function they share are still there.
    assert schema.upgrade(engine) == schema.head_revision()
    fill_every_table(World(store))
