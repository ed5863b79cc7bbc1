"""Registry tables: projects, models, versions, stages, tags, metrics and the audit chain.

Revision ID: 0001_registry
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_registry"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.String(27)
# SQLite: INTEGER PRIMARY KEY makes the sequence the rowid (no separate index to maintain).
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PERSON = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("business_objective", sa.Text, nullable=False),
        sa.Column("owner", PERSON, nullable=False),
        sa.Column("kpis", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", PERSON, nullable=False),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("person", PERSON, primary_key=True),
        sa.Column("role", sa.String(64), primary_key=True),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", PERSON, nullable=False),
        sa.Column("version_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_models_project_name"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", PERSON, nullable=False),
        sa.Column("artifact_sha256", sa.String(64), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("model_id", "number", name="uq_versions_model_number"),
    )
    op.create_index("ix_versions_model_id_id", "versions", ["model_id", "id"])
    op.create_table(
        "version_records",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "version_state",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("since", TS, nullable=False),
    )
    op.create_index("ix_version_state_model_stage", "version_state", ["model_id", "stage"])
    op.create_index("ix_version_state_stage_version", "version_state", ["stage", "version_id"])
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False),
        sa.Column("from_stage", sa.String(32), nullable=True),
        sa.Column("to_stage", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", PERSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_stage_changes_model_seq", "stage_changes", ["model_id", "audit_seq"])
    op.create_index("ix_stage_changes_version", "stage_changes", ["version_id", "to_stage"])
    op.create_table(
        "version_tags",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_index(
        "ix_version_tags_key_value_version", "version_tags", ["key", "value", "version_id"]
    )
    op.create_table(
        "version_metrics",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_version_metrics_key_value", "version_metrics", ["key", "value", "version_id"]
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("ts", TS, nullable=False),
        sa.Column("actor", PERSON, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entity", "audit_events", ["entity_type", "entity_id", "seq"])
    op.create_index("ix_audit_actor", "audit_events", ["actor", "seq"])
    op.create_index("ix_audit_ts", "audit_events", ["ts"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("ts", TS, nullable=True),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64, "ts": None}])


def downgrade() -> None:
    for table in (
        "audit_head",
        "audit_events",
        "version_metrics",
        "version_tags",
        "stage_changes",
        "version_state",
        "version_records",
        "versions",
        "models",
        "project_members",
        "projects",
    ):
        op.drop_table(table)
