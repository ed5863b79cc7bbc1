"""The monitoring tables added after the first wave (migration 0010): alert updates and ingest
records. Defined on the metadata of `steward.adapters.sql.tables`, which re-exports them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from steward.adapters.sql.tables import PERSON, TS, metadata

alert_updates = Table(
    "alert_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("window_start", TS, nullable=True),
    Column("value", Float, nullable=True),
    Column("reason", Text, nullable=False),
    Column("created_by", PERSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_alert_updates_alert", "alert_id", "id"),
)

monitor_ingests = Table(
    "monitor_ingests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("digest", String(80), nullable=False),
    Column("source", Text, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("first_at", TS, nullable=True),
    Column("last_at", TS, nullable=True),
    Column("windows", Text, nullable=False),
    Column("replaces", Integer, ForeignKey("monitor_ingests.id"), nullable=True),
    Column("ingested_by", PERSON, nullable=False),
    Column("ingested_at", TS, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_monitor_ingests_digest", "version_id", "digest"),
    Index("uq_monitor_ingests_replaces", "replaces", unique=True),
)
