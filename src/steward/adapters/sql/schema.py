"""Schema revisions: create a fresh database, refuse an outdated one, upgrade on request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from steward.domain.errors import InvalidInputError, SchemaOutdatedError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works: it only has to be the same in every Steward process.
_PG_MIGRATION_LOCK = 7_401_355_210
# The newest migration. Kept as a constant so that opening a store does not load Alembic and
# every migration script; a test checks that it matches Alembic's own view of the head.
HEAD_REVISION = "0010_alert_lifecycle"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return HEAD_REVISION


def alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in script.walk_revisions()]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to `revision`, one process at a time; return the revision reached."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util.exc import CommandError

    current = current_revision(engine)
    if current is not None and current not in known_revisions():
        raise _from_newer_steward(current)
    if revision != "head" and revision not in known_revisions():
        raise InvalidInputError(
            f"unknown schema revision {revision!r}: known revisions are {', '.join(reversed(known_revisions()))}"
        )
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        try:
            command.upgrade(_config(conn), revision)
        except CommandError as exc:
            raise InvalidInputError(f"cannot upgrade to {revision!r}: {exc}") from None
        return MigrationContext.configure(conn).get_current_revision()


def _from_newer_steward(current: str) -> SchemaOutdatedError:
    return SchemaOutdatedError(
        f"the database schema is at revision {current}, which this Steward does not know: "
        "it was written by a newer Steward; upgrade Steward"
    )


def describe_state(current: str | None) -> str:
    """One phrase for `steward db status`."""
    if current == HEAD_REVISION:
        return "up to date"
    if current is None:
        return "empty: created on first use, or run `steward db upgrade`"
    if current in known_revisions():
        return "older than this Steward: run `steward db upgrade`"
    return "written by a newer Steward: upgrade Steward"


def ensure_current(engine: Engine, create_if_empty: bool = True) -> None:
    """Create an empty database's schema; refuse one at another revision with what to do."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables & {"projects", "audit_events"}:
            raise SchemaOutdatedError(
                "the database has Steward tables but no schema revision: it was not created by "
                "Steward's migrations and cannot be used"
            )
        if create_if_empty:
            upgrade(engine)
            return
        raise SchemaOutdatedError("the database has no Steward schema: run `steward db upgrade`")
    if current in known_revisions():
        raise SchemaOutdatedError(
            f"the database schema is at revision {current} but this Steward needs {head}: "
            "run `steward db upgrade`"
        )
    raise _from_newer_steward(current)
