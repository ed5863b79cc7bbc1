"""How each actor was identified: `os_login`, `declared` (`--actor`, `STEWARD_ACTOR`), and the
server's `token`, `sso` and `password`, on every audit event and every sign-off.

The event's identity is part of its hashed text from now on, so it cannot be edited unseen;
events written before this revision have none, and their text and hashes are unchanged. A
policy can ask sign-offs into a stage to come from an identity stronger than `declared`.

Revision ID: 0008_actor_identity
Revises: 0007_person_aliases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_actor_identity"
down_revision = "0007_person_aliases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", recreate="never") as batch:
        batch.add_column(sa.Column("identity", sa.String(16), nullable=True))
    with op.batch_alter_table("signoffs", recreate="never") as batch:
        batch.add_column(sa.Column("identity", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signoffs") as batch:
        batch.drop_column("identity")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("identity")
