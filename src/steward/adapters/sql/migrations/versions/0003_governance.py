"""Governance tables: policies, risk assessments, evidence, sign-offs, waivers, promotion
requests and gate decisions.

Everything but promotion requests is append-only, with the triggers of 0002: a waiver is revoked
by appending a row to `waiver_revocations`, never by changing the waiver. A promotion request has
a status that moves from open to closed; at most one request per (version, target stage) is open
at a time, which a partial unique index enforces.

Revision ID: 0003_governance
Revises: 0002_append_only
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_governance"
down_revision = "0002_append_only"
branch_labels = None
depends_on = None

TS = sa.String(27)
PERSON = sa.String(200)
STAGE = sa.String(32)

PROTECTED = (
    "policies",
    "assessments",
    "evidence",
    "signoffs",
    "waivers",
    "waiver_revocations",
    "gate_decisions",
)


def _version_fk() -> sa.Column[int]:
    return sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False)


def _audit_seq() -> sa.Column[int]:
    return sa.Column("audit_seq", sa.BigInteger, nullable=False)


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("applied_by", PERSON, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_policies_name_version"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("policy_id", sa.Integer, sa.ForeignKey("policies.id"), nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("assessed_at", TS, nullable=False),
        sa.Column("assessed_by", PERSON, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_assessments_project_id", "assessments", ["project_id", "id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("metrics", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("producer", PERSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("report", sa.Text, nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_evidence_version_kind", "evidence", ["version_id", "kind", "id"])
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("stage", STAGE, nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("meaning", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("signer", PERSON, nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("evidence_digest", sa.String(64), nullable=False),
        sa.Column("policy_name", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.Integer, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_signoffs_version", "signoffs", ["version_id", "id"])
    op.create_table(
        "waivers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("stage", STAGE, nullable=False),
        sa.Column("requirement", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("granted_by", PERSON, nullable=False),
        sa.Column("granted_role", sa.String(64), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_waivers_version", "waivers", ["version_id", "id"])
    op.create_table(
        "waiver_revocations",
        sa.Column("waiver_id", sa.Integer, sa.ForeignKey("waivers.id"), primary_key=True),
        sa.Column("revoked_by", PERSON, nullable=False),
        sa.Column("revoked_at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _audit_seq(),
    )
    op.create_table(
        "promotion_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("from_stage", STAGE, nullable=False),
        sa.Column("to_stage", STAGE, nullable=False),
        sa.Column("requested_by", PERSON, nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_at", TS, nullable=True),
    )
    op.create_index(
        "uq_promotion_requests_open",
        "promotion_requests",
        ["version_id", "to_stage"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_promotion_requests_status", "promotion_requests", ["status", "id"])
    op.create_table(
        "gate_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("from_stage", STAGE, nullable=False),
        sa.Column("to_stage", STAGE, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("policy_id", sa.Integer, sa.ForeignKey("policies.id"), nullable=True),
        sa.Column("policy_name", sa.String(100), nullable=True),
        sa.Column("policy_version", sa.Integer, nullable=True),
        sa.Column("tier", sa.String(64), nullable=True),
        sa.Column("actor", PERSON, nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("requirements", sa.Text, nullable=False),
        sa.Column("evidence_digest", sa.String(64), nullable=False),
        sa.Column("decision_digest", sa.String(64), nullable=False),
        _audit_seq(),
    )
    op.create_index("ix_gate_decisions_version", "gate_decisions", ["version_id", "id"])

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
    # Dropping a table drops its triggers and indexes with it.
    for table in (
        "gate_decisions",
        "promotion_requests",
        "waiver_revocations",
        "waivers",
        "signoffs",
        "evidence",
        "assessments",
        "policies",
    ):
        op.drop_table(table)
