"""Steward: bulk fill straight into its tables (a consistent registry with a valid audit chain),
and the measured operations through its public API."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from _dataset import (
    ACTOR,
    ARTIFACT,
    PROJECT,
    PlannedVersion,
    RegisterInput,
    Scale,
    lineage,
    model_names,
    plan_versions,
)
from steward.adapters.sql import tables as t
from steward.bootstrap import Container, build
from steward.config import Settings, load_settings
from steward.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    PendingEvent,
    canonical_json,
    chain_event,
    format_ts,
)
from steward.domain.entities import VersionRecord
from steward.domain.stages import DEFAULT_STAGES
from steward.sdk import Client
from steward.services.audit import VerifyResult
from steward.services.inventory_inputs import Lineage
from steward.services.ports import StoredArtifact

INSERT_BATCH = 5_000


def settings_for(home: Path, url: str) -> Settings:
    return load_settings(home=home, database_url=url, actor=ACTOR)


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Core executemany in batches: one round of parameter sets per batch, not per row."""
    for start in range(0, len(rows), INSERT_BATCH):
        conn.execute(insert(table), list(rows[start : start + INSERT_BATCH]))


class Chain:
    """Numbers, times and links events exactly as a write session does (domain.chain_event)."""

    def __init__(self, seq: int = 0, last_hash: str = GENESIS_HASH) -> None:
        self.seq, self.hash = seq, last_hash
        self.ts: str | None = None
        self.rows: list[dict[str, Any]] = []

    def add(self, ts: str, pending: PendingEvent) -> AuditEvent:
        event = chain_event(self.hash, self.seq + 1, ts, ACTOR, pending)
        self.seq, self.hash, self.ts = event.seq, event.hash, ts
        self.rows.append(event_row(event))
        return event


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "ts": event.ts,
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "reason": event.reason,
        "payload": event.payload_json,
        "hash": event.hash,
    }


def set_head(conn: Connection, chain: Chain) -> None:
    conn.execute(
        update(t.audit_head)
        .where(t.audit_head.c.id == 1)
        .values(seq=chain.seq, hash=chain.hash, ts=chain.ts)
    )


# Bulk fill --------------------------------------------------------------------------------


def _add_project(conn: Connection, chain: Chain, at: datetime) -> int:
    ts = format_ts(at)
    conn.execute(
        insert(t.projects).values(
            name=PROJECT,
            purpose="Registry benchmark",
            business_objective="",
            owner=ACTOR,
            kpis=json.dumps([]),
            created_at=ts,
            created_by=ACTOR,
        )
    )
    chain.add(
        ts,
        PendingEvent(
            "project.created",
            "project",
            PROJECT,
            {"purpose": "Registry benchmark", "business_objective": "", "owner": ACTOR, "kpis": []},
        ),
    )
    return int(conn.execute(select(t.projects.c.id)).scalar_one())


def _add_models(
    conn: Connection,
    chain: Chain,
    project_id: int,
    names: list[str],
    counts: list[int],
    at: datetime,
) -> list[int]:
    """One row and one model.created event per model; version_count is the final count so that
    the next registration continues the numbering."""
    rows = []
    for j, (name, count) in enumerate(zip(names, counts, strict=True)):
        ts = format_ts(at + timedelta(milliseconds=j))
        rows.append(
            {
                "project_id": project_id,
                "name": name,
                "description": "",
                "created_at": ts,
                "created_by": ACTOR,
                "version_count": count,
            }
        )
        chain.add(
            ts, PendingEvent("model.created", "model", f"{PROJECT}/{name}", {"description": ""})
        )
    insert_rows(conn, t.models, rows)
    ids: dict[str, int] = dict(conn.execute(select(t.models.c.name, t.models.c.id)).tuples().all())
    return [ids[name] for name in names]


def _record(
    names: list[str], planned: PlannedVersion, stored: StoredArtifact, facts: Lineage
) -> VersionRecord:
    """The record Inventory.register_version builds for the same inputs."""
    return VersionRecord(
        project=PROJECT,
        model=names[planned.model],
        number=planned.number,
        created_at=format_ts(planned.at),
        created_by=ACTOR,
        description="",
        artifact={"sha256": stored.digest, "size": stored.size, "format": facts.artifact_format},
        framework=facts.framework,
        signature=facts.signature,
        training_data=facts.training_data,
        validation_data=facts.validation_data,
        code=facts.code,
        environment=facts.environment,
        metrics={"auc": planned.auc},
        documentation={},
        parent=None,
    )


def _add_versions(
    conn: Connection,
    chain: Chain,
    names: list[str],
    model_ids: list[int],
    planned: list[PlannedVersion],
    stored: StoredArtifact,
) -> None:
    """Versions first (their ids come from the database), then everything that points at them,
    with the events in the order a registration records them: registered, then tagged."""
    initial, facts = DEFAULT_STAGES.initial, lineage()
    version_rows: list[dict[str, Any]] = []
    record_rows: list[str] = []
    events: list[tuple[int, str, dict[str, str]]] = []
    for p in planned:
        record = _record(names, p, stored, facts)
        record_json = canonical_json(record.as_dict())
        digest = record.digest()
        version_rows.append(
            {
                "model_id": model_ids[p.model],
                "number": p.number,
                "created_at": record.created_at,
                "created_by": ACTOR,
                "artifact_sha256": stored.digest,
                "record_sha256": digest,
            }
        )
        record_rows.append(record_json)
        registered = chain.add(
            record.created_at,
            PendingEvent(
                "version.registered",
                "version",
                record.ref,
                {
                    "record_sha256": digest,
                    "artifact_sha256": stored.digest,
                    "metrics": record.metrics,
                    "stage": initial,
                    "parent": None,
                },
            ),
        )
        tags = {"team": p.team, "batch": p.batch}
        chain.add(
            record.created_at, PendingEvent("version.tagged", "version", record.ref, {"tags": tags})
        )
        events.append((registered.seq, record.created_at, tags))
    insert_rows(conn, t.versions, version_rows)
    del version_rows
    ids: dict[tuple[int, int], int] = {
        (m, n): i
        for i, m, n in conn.execute(
            select(t.versions.c.id, t.versions.c.model_id, t.versions.c.number)
        ).tuples()
    }
    state: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    metric_rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for p, (seq, ts, tags) in zip(planned, events, strict=True):
        model_id = model_ids[p.model]
        version_id = ids[(model_id, p.number)]
        state.append(
            {"version_id": version_id, "model_id": model_id, "stage": initial, "since": ts}
        )
        changes.append(
            {
                "version_id": version_id,
                "model_id": model_id,
                "from_stage": None,
                "to_stage": initial,
                "at": ts,
                "actor": ACTOR,
                "reason": None,
                "audit_seq": seq,
            }
        )
        records.append({"version_id": version_id, "record": record_rows[len(records)]})
        tag_rows.extend({"version_id": version_id, "key": k, "value": v} for k, v in tags.items())
        metric_rows.append({"version_id": version_id, "key": "auc", "value": p.auc})
    insert_rows(conn, t.version_records, records)
    insert_rows(conn, t.version_state, state)
    insert_rows(conn, t.stage_changes, changes)
    insert_rows(conn, t.version_tags, tag_rows)
    insert_rows(conn, t.version_metrics, metric_rows)


def fill(settings: Settings, scale: Scale, start: datetime) -> dict[str, int]:
    """A fresh database with the benchmark registry; returns row counts."""
    names = model_names(scale)
    planned = plan_versions(scale, start + timedelta(milliseconds=1 + scale.models))
    counts = [0] * scale.models
    for p in planned:
        counts[p.model] += 1
    container = build(settings)
    try:
        stored = container.context.artifacts.put(ARTIFACT)
        with container.store.read() as q:
            assert q.audit.chain_head().seq == 0, "the Steward bench database must start empty"
        chain = Chain()
        with container.store.writer.begin() as conn:
            project_id = _add_project(conn, chain, start)
            model_ids = _add_models(
                conn, chain, project_id, names, counts, start + timedelta(milliseconds=1)
            )
            _add_versions(conn, chain, names, model_ids, planned, stored)
            insert_rows(conn, t.audit_events, chain.rows)
            set_head(conn, chain)
        if container.store.writer.dialect.name == "sqlite":
            checkpoint(container)
    finally:
        container.close()
    return {"models": len(names), "versions": len(planned), "audit_events": chain.seq}


def checkpoint(container: Container) -> None:
    """Fold the write-ahead log back into the database file after a bulk load, as SQLite's
    automatic checkpoint would have done along the way for ordinary transactions."""
    # On the driver connection: SQLAlchemy would open a transaction first, which a checkpoint
    # cannot run inside.
    raw = container.store.writer.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


# Measured operations ----------------------------------------------------------------------


class StewardTool:
    """The calls being measured, through Steward's services and SDK."""

    def __init__(self, settings: Settings) -> None:
        self.container = build(settings)
        self.client = Client(settings=settings)
        self.lineage = lineage()

    def register(self, item: RegisterInput) -> int:
        version = self.container.inventory.register_version(
            self.container.settings.resolved_principal,
            PROJECT,
            item.model,
            ARTIFACT,
            self.lineage,
            metrics={"auc": item.auc},
            tags=dict(item.tags),
        )
        return int(version.record.number)

    def search_tag(self, batch: str) -> list[tuple[str, int]]:
        page = self.client.versions(tags={"batch": batch}, limit=50)
        return [(v.model, v.number) for v in page.items]

    def first_page(self, model: str) -> list[tuple[str, int]]:
        page = self.client.versions(PROJECT, model, limit=50)
        return [(v.model, v.number) for v in page.items]

    def verify(self) -> VerifyResult:
        return self.client.verify_audit(raise_on_break=False)

    def close(self) -> None:
        self.client.close()
        self.container.close()
