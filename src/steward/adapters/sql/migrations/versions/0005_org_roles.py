"""Organisation roles: who holds admin, risk_officer or auditor across every project.

A grant is a row; a revocation deletes it. Both are audited in the same transaction
(`org.role_granted`, `org.role_revoked`), which is what the trail's replay checks.

Revision ID: 0005_org_roles
Revises: 0004_monitoring
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_org_roles"
down_revision = "0004_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_roles",
        sa.Column("person", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(64), primary_key=True),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.String(27), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("org_roles")
