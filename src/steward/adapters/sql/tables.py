"""Table definitions. Migrations under `migrations/` create them; this module only describes them
for queries. Times are fixed-width UTC text (see domain.audit.format_ts) so that they compare and
sort the same way in every database."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata: MetaData = MetaData()

TS: String = String(27)
SEQ = BigInteger().with_variant(Integer(), "sqlite")
PERSON: String = String(200)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("purpose", Text, nullable=False),
    Column("business_objective", Text, nullable=False),
    Column("owner", PERSON, nullable=False),
    Column("kpis", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", PERSON, nullable=False),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id"), primary_key=True),
    Column("person", PERSON, primary_key=True),
    Column("role", String(64), primary_key=True),
    Column("added_at", TS, nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", PERSON, nullable=False),
    Column("version_count", Integer, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_models_project_name"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", Integer, ForeignKey("models.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", PERSON, nullable=False),
    Column("artifact_sha256", String(64), nullable=False),
    Column("record_sha256", String(64), nullable=False),
    UniqueConstraint("model_id", "number", name="uq_versions_model_number"),
    Index("ix_versions_model_id_id", "model_id", "id"),
)

# The full record (lineage, environment: kilobytes) lives apart so that listing rows stay small
# and a page of versions is a few disk pages, not one page per version.
version_records = Table(
    "version_records",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("record", Text, nullable=False),
)

# Current stage of each version: derived state, kept beside the append-only stage_changes.
version_state = Table(
    "version_state",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("model_id", Integer, ForeignKey("models.id"), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("since", TS, nullable=False),
    Index("ix_version_state_model_stage", "model_id", "stage"),
    Index("ix_version_state_stage_version", "stage", "version_id"),
)

stage_changes = Table(
    "stage_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("model_id", Integer, ForeignKey("models.id"), nullable=False),
    Column("from_stage", String(32), nullable=True),
    Column("to_stage", String(32), nullable=False),
    Column("at", TS, nullable=False),
    Column("actor", PERSON, nullable=False),
    Column("reason", Text, nullable=True),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_stage_changes_model_seq", "model_id", "audit_seq"),
    Index("ix_stage_changes_version", "version_id", "to_stage"),
)

version_tags = Table(
    "version_tags",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Index("ix_version_tags_key_value_version", "key", "value", "version_id"),
)

version_metrics = Table(
    "version_metrics",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", Float, nullable=False),
    Index("ix_version_metrics_key_value", "key", "value", "version_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    # On SQLite an INTEGER primary key is the rowid itself: one B-tree less to write per event.
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("ts", TS, nullable=False),
    Column("actor", PERSON, nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(300), nullable=False),
    Column("reason", Text, nullable=True),
    Column("payload", Text, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("identity", String(16), nullable=True),  # None before revision 0008
    Index("ix_audit_entity", "entity_type", "entity_id", "seq"),
    Index("ix_audit_actor", "actor", "seq"),
    Index("ix_audit_ts", "ts"),
)

# One row: the last link of the chain. Writers lock it first, which serialises them.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", SEQ, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("ts", TS, nullable=True),
)


# Governance ---------------------------------------------------------------------------------
# Append-only (triggers in migration 0003) except promotion_requests, whose status moves on.
# JSON columns hold canonical JSON text.

STAGE = String(32)

policies = Table(
    "policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("applied_at", TS, nullable=False),
    Column("applied_by", PERSON, nullable=False),
    UniqueConstraint("name", "version", name="uq_policies_name_version"),
)

# The current assessment of a project is its latest row.
assessments = Table(
    "assessments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("policy_id", Integer, ForeignKey("policies.id"), nullable=False),
    Column("answers", Text, nullable=False),
    Column("tier", String(64), nullable=False),
    Column("score", Integer, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("assessed_at", TS, nullable=False),
    Column("assessed_by", PERSON, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_assessments_project_id", "project_id", "id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("passed", Boolean, nullable=True),
    Column("metrics", Text, nullable=False),
    Column("config", Text, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("producer", PERSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("report", Text, nullable=True),
    Column("summary", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("provenance", String(16), nullable=True),  # computed or attested; null: attested
    Index("ix_evidence_version_kind", "version_id", "kind", "id"),
)

signoffs = Table(
    "signoffs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("stage", STAGE, nullable=False),
    Column("role", String(64), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("meaning", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("signer", PERSON, nullable=False),
    Column("signed_at", TS, nullable=False),
    Column("evidence_digest", String(64), nullable=False),
    Column("policy_name", String(100), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("identity", String(16), nullable=True),  # how the signer was identified
    Index("ix_signoffs_version", "version_id", "id"),
)

waivers = Table(
    "waivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("stage", STAGE, nullable=False),
    Column("requirement", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("granted_by", PERSON, nullable=False),
    Column("granted_role", String(64), nullable=False),
    Column("granted_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_waivers_version", "version_id", "id"),
)

# A revocation is a fact of its own, so that waivers never change.
waiver_revocations = Table(
    "waiver_revocations",
    metadata,
    Column("waiver_id", Integer, ForeignKey("waivers.id"), primary_key=True),
    Column("revoked_by", PERSON, nullable=False),
    Column("revoked_at", TS, nullable=False),
    Column("reason", Text, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
)

promotion_requests = Table(
    "promotion_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("from_stage", STAGE, nullable=False),
    Column("to_stage", STAGE, nullable=False),
    Column("requested_by", PERSON, nullable=False),
    Column("requested_at", TS, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("closed_at", TS, nullable=True),
    # At most one open request per version and target stage: migration 0003 makes this index
    # partial (WHERE status = 'open'). The predicate is not repeated here: a dialect option on a
    # table imports that dialect when this module loads, PostgreSQL's on every start.
    Index(
        "uq_promotion_requests_open",
        "version_id",
        "to_stage",
        unique=True,
    ),
    Index("ix_promotion_requests_status", "status", "id"),
)

gate_decisions = Table(
    "gate_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("from_stage", STAGE, nullable=False),
    Column("to_stage", STAGE, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("policy_id", Integer, ForeignKey("policies.id"), nullable=True),
    Column("policy_name", String(100), nullable=True),
    Column("policy_version", Integer, nullable=True),
    Column("tier", String(64), nullable=True),
    Column("actor", PERSON, nullable=False),
    Column("decided_at", TS, nullable=False),
    Column("requirements", Text, nullable=False),
    Column("evidence_digest", String(64), nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_gate_decisions_version", "version_id", "id"),
)

# Monitoring (0004) ---------------------------------------------------------------------------

monitor_references = Table(
    "monitor_references",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("profile_digest", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("prediction", Boolean, nullable=False),
    Column("calibration", Text, nullable=True),
    Column("created_by", PERSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_monitor_references_version", "version_id", "id"),
)

monitor_windows = Table(
    "monitor_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("window_start", TS, nullable=False),
    Column("width", Integer, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("profile", Text, nullable=False),
    Column("scores", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("ingested_by", PERSON, nullable=False),
    Column("ingested_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_monitor_windows_version_start", "version_id", "window_start", "id"),
)

monitor_logs = Table(
    "monitor_logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_monitor_logs_version", "version_id", "kind", "id"),
)

monitor_results = Table(
    "monitor_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("window_start", TS, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("signals", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_monitor_results_version", "version_id", "window_start", "id"),
)

series_points = Table(
    "series_points",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=True),
    Column("name", String(100), nullable=False),
    Column("at", TS, nullable=False),
    Column("value", Float, nullable=False),
    Column("recorded_by", PERSON, nullable=False),
    Column("recorded_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_series_points_name", "project_id", "name", "at", "id"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("window_start", TS, nullable=True),
    Column("signal", String(200), nullable=False),
    Column("value", Float, nullable=False),
    Column("rule", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("dedup_key", String(512), nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("detail", Text, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    UniqueConstraint("dedup_key", name="uq_alerts_dedup_key"),
    Index("ix_alerts_version", "version_id", "id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_by", PERSON, nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("closed_by", PERSON, nullable=True),
    Column("closed_at", TS, nullable=True),
    Column("resolution", Text, nullable=True),
    # At most one open review per version; partial (WHERE status = 'open') in migration 0004.
    Index(
        "uq_reviews_open",
        "version_id",
        unique=True,
    ),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=True),
    Column("route", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("event", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("secret_env", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", TS, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("delivered_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Index("ix_deliveries_due", "status", "next_attempt_at", "id"),
)

org_roles = Table(
    "org_roles",
    metadata,
    Column("person", PERSON, primary_key=True),
    Column("role", String(64), primary_key=True),
    Column("granted_by", PERSON, nullable=False),
    Column("granted_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
)

pending_changes = Table(
    "pending_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=True),
    Column("subject", String(300), nullable=False),
    Column("summary", Text, nullable=False),
    Column("weakens", Text, nullable=False),  # JSON list of sentences
    Column("payload", Text, nullable=False),  # JSON: what approval applies
    Column("status", String(16), nullable=False),
    Column("requested_by", PERSON, nullable=False),
    Column("requested_at", TS, nullable=False),
    Column("reason", Text, nullable=False),
    Column("request_seq", BigInteger, nullable=False),
    Column("decided_by", PERSON, nullable=True),
    Column("decided_at", TS, nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("decision_seq", BigInteger, nullable=True),
    # One pending change per kind and subject; partial (WHERE status = 'pending') in 0006.
    Index("uq_pending_changes_subject", "kind", "subject", unique=True),
)

person_aliases = Table(
    "person_aliases",
    metadata,
    Column("key", PERSON, primary_key=True),  # the alias's identity key
    Column("alias", PERSON, nullable=False),
    Column("person", PERSON, nullable=False),
    Column("added_by", PERSON, nullable=False),
    Column("added_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
)

# The later monitoring tables live in their own module, on this module's metadata; they are
# imported here so that `metadata` describes every table.
from steward.adapters.sql import tables_monitoring  # noqa: E402, F401
