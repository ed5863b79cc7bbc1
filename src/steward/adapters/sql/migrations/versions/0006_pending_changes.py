"""Pending governance changes: what weakens governance waits for a second person.

A request is a row in state `pending`; the approval, rejection or withdrawal closes it, and
each step is audited in the same transaction (`change.requested`, `change.approved`, ...).
At most one change of a kind is pending per subject.

Revision ID: 0006_pending_changes
Revises: 0005_org_roles
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_pending_changes"
down_revision = "0005_org_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("weakens", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.String(27), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("request_seq", sa.BigInteger, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.String(27), nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.Column("decision_seq", sa.BigInteger, nullable=True),
    )
    op.create_index(
        "uq_pending_changes_subject",
        "pending_changes",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_pending_changes_subject", "pending_changes")
    op.drop_table("pending_changes")
