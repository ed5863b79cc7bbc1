"""Monitoring tables: reference profiles, window profiles, prediction and label logs, results per window,
series points, alerts, reviews and the outbox of deliveries.

Everything but reviews and deliveries is append-only, with the triggers of 0002. A window
ingested twice holds two partial profiles, merged when read. A review moves from open to closed
(at most one open review per version, enforced by a partial unique index); a delivery moves from
pending to delivered or failed as attempts are made.

Revision ID: 0004_monitoring
Revises: 0003_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_monitoring"
down_revision = "0003_governance"
branch_labels = None
depends_on = None

TS = sa.String(27)
PERSON = sa.String(200)

PROTECTED = (
    "monitor_references",
    "monitor_windows",
    "monitor_logs",
    "monitor_results",
    "series_points",
    "alerts",
)


def _version_fk(nullable: bool = False) -> sa.Column[int]:
    return sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=nullable)


def _audit_seq() -> sa.Column[int]:
    return sa.Column("audit_seq", sa.BigInteger, nullable=False)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "monitor_references",
        _id(),
        _version_fk(),
        sa.Column("profile_digest", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("prediction", sa.Boolean, nullable=False),
        sa.Column("calibration", sa.Text, nullable=True),
        sa.Column("created_by", PERSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_monitor_references_version", "monitor_references", ["version_id", "id"])
    op.create_table(
        "monitor_windows",
        _id(),
        _version_fk(),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("scores", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("ingested_by", PERSON, nullable=False),
        sa.Column("ingested_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index(
        "ix_monitor_windows_version_start", "monitor_windows", ["version_id", "window_start", "id"]
    )
    op.create_table(
        "monitor_logs",
        _id(),
        _version_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_monitor_logs_version", "monitor_logs", ["version_id", "kind", "id"])
    op.create_table(
        "monitor_results",
        _id(),
        _version_fk(),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("signals", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index(
        "ix_monitor_results_version", "monitor_results", ["version_id", "window_start", "id"]
    )
    op.create_table(
        "series_points",
        _id(),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        _version_fk(nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("recorded_by", PERSON, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_series_points_name", "series_points", ["project_id", "name", "at", "id"])
    op.create_table(
        "alerts",
        _id(),
        _version_fk(),
        sa.Column("window_start", TS, nullable=True),
        sa.Column("signal", sa.String(200), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("dedup_key", sa.String(512), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        _audit_seq(),
        sa.UniqueConstraint("dedup_key", name="uq_alerts_dedup_key"),
    )
    op.create_index("ix_alerts_version", "alerts", ["version_id", "id"])
    op.create_table(
        "reviews",
        _id(),
        _version_fk(),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_by", PERSON, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_by", PERSON, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
    )
    op.create_index(
        "uq_reviews_open",
        "reviews",
        ["version_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "deliveries",
        _id(),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
        sa.Column("route", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("secret_env", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at", "id"])

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
    for table in (
        "deliveries",
        "reviews",
        "alerts",
        "series_points",
        "monitor_results",
        "monitor_logs",
        "monitor_windows",
        "monitor_references",
    ):
        op.drop_table(table)
