"""How each piece of evidence came to be: `computed` by Steward's checks, or `attested` by a
person. Evidence stored before this revision has none and reads as attested: nothing proves
it was computed.

Revision ID: 0009_evidence_provenance
Revises: 0008_actor_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_evidence_provenance"
down_revision = "0008_actor_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence", recreate="never") as batch:
        batch.add_column(sa.Column("provenance", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("provenance")
