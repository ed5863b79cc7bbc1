"""What later windows do to an alert, and each ingest as a record of its own.

`alert_updates` holds the facts that follow an alert: a further breaching window updates it
(instead of raising it again), a recovering window or the closing of its review closes it.
`monitor_ingests` names each ingest by the digest of what was ingested, so that the same file
or batch is not counted twice, and records which earlier ingest a replacing one swapped out.
Both are append-only, as the other monitoring facts are.

Revision ID: 0010_alert_lifecycle
Revises: 0009_evidence_provenance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_alert_lifecycle"
down_revision = "0009_evidence_provenance"
branch_labels = None
depends_on = None

TS = sa.String(27)
PROTECTED = ("alert_updates", "monitor_ingests")


def upgrade() -> None:
    op.create_table(
        "alert_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("window_start", TS, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alert_updates_alert", "alert_updates", ["alert_id", "id"])
    op.create_table(
        "monitor_ingests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("first_at", TS, nullable=True),
        sa.Column("last_at", TS, nullable=True),
        sa.Column("windows", sa.Text, nullable=False),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("monitor_ingests.id"), nullable=True),
        sa.Column("ingested_by", sa.String(200), nullable=False),
        sa.Column("ingested_at", TS, nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_monitor_ingests_digest", "monitor_ingests", ["version_id", "digest"])
    # An ingest is swapped out at most once.
    op.create_index("uq_monitor_ingests_replaces", "monitor_ingests", ["replaces"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        # steward_append_only() comes from 0002.
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
    op.drop_table("monitor_ingests")
    op.drop_table("alert_updates")
