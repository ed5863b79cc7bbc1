"""Make audit events and version records append-only inside the database.

The application never updates or deletes them; these triggers make an accidental or casual
change fail loudly. A database administrator can still drop the triggers, which is why
`steward audit verify` recomputes the hash chain rather than trusting them.

Revision ID: 0002_append_only
Revises: 0001_registry
"""

from __future__ import annotations

from alembic import op

revision = "0002_append_only"
down_revision = "0001_registry"
branch_labels = None
depends_on = None

PROTECTED = ("audit_events", "versions", "version_records", "stage_changes")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION steward_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$"
        )
        for table in PROTECTED:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION steward_append_only()"
            )
        return
    for table in PROTECTED:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PROTECTED:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION steward_append_only()")
        return
    for table in PROTECTED:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{verb}")
