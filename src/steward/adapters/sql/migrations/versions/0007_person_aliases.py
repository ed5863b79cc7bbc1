"""Aliases: another name (a login, an e-mail address) that stands for one person.

An admin maps an alias to a person (`person.alias_added`); the alias then acts as that person,
so separation of duties sees one person behind both names. Keyed by the alias's identity key
(`steward.domain.identity.identity_key`), so spelling variants of an alias are one alias.

Revision ID: 0007_person_aliases
Revises: 0006_pending_changes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_person_aliases"
down_revision = "0006_pending_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_aliases",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(27), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_aliases")
