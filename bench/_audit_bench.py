"""`audit verify` throughput: a database holding only a long, valid chain of realistic events,
verified through the AuditTrail service; and the pure-domain rate on rows held in memory."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert

from _common import log
from _dataset import ACTOR, PROJECT, SEED
from _steward_side import Chain, checkpoint, set_head
from steward.adapters.sql import tables as t
from steward.bootstrap import build
from steward.config import Settings
from steward.domain.audit import (
    GENESIS_HASH,
    PendingEvent,
    StoredRow,
    chain_event,
    format_ts,
    verify_rows,
)

INSERT_BATCH = 10_000
_COLUMNS = ("seq", "ts", "actor", "action", "entity_type", "entity_id", "reason", "payload", "hash")


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _pending(rng: random.Random, i: int) -> PendingEvent:
    """The events a busy registry records: mostly registrations (about 320-byte payloads), tag
    changes, and some stage changes with a reason."""
    ref = f"{PROJECT}/m{i % 997:04d}/{i // 997 + 1}"
    kind = i % 10
    if kind < 7:
        return PendingEvent(
            "version.registered",
            "version",
            ref,
            {
                "record_sha256": _hex(rng),
                "artifact_sha256": _hex(rng),
                "metrics": {
                    name: round(rng.random(), 4)
                    for name in ("auc", "f1", "precision", "recall", "log_loss")
                },
                "stage": "draft",
                "parent": f"{ref}-parent" if kind == 0 else None,
            },
        )
    if kind < 9:
        return PendingEvent(
            "version.tagged",
            "version",
            ref,
            {
                "tags": {
                    "team": f"team{rng.randrange(20):02d}",
                    "batch": f"b{rng.randrange(1000):04d}",
                },
                "previous": {"team": f"team{rng.randrange(20):02d}"},
            },
        )
    return PendingEvent(
        "version.stage_changed",
        "version",
        ref,
        {"from": "draft", "to": "staging"},
        "validated on the holdout set, see ticket RISK-1234",
    )


def build_rows(count: int, start: datetime) -> list[StoredRow]:
    """A valid chain of `count` events, as the verifier reads them back."""
    rng = random.Random(SEED + 3)
    rows: list[StoredRow] = []
    prev = GENESIS_HASH
    for i in range(count):
        ts = format_ts(start + timedelta(microseconds=100 * i))
        e = chain_event(prev, i + 1, ts, ACTOR, _pending(rng, i))
        rows.append(e.stored_row())
        prev = e.hash
        if (i + 1) % 250_000 == 0:
            log(f"  chained {i + 1:,} events")
    return rows


def _batches(rows: list[StoredRow]) -> Iterator[list[dict[str, object]]]:
    for begin in range(0, len(rows), INSERT_BATCH):
        yield [dict(zip(_COLUMNS, row, strict=True)) for row in rows[begin : begin + INSERT_BATCH]]


def fill(settings: Settings, rows: list[StoredRow]) -> None:
    container = build(settings)
    try:
        with container.store.writer.begin() as conn:
            _insert_events(conn, rows)
            head = Chain(rows[-1][0], rows[-1][8])
            head.ts = rows[-1][1]
            set_head(conn, head)
        if container.store.writer.dialect.name == "sqlite":
            checkpoint(container)
    finally:
        container.close()


def _insert_events(conn: Connection, rows: list[StoredRow]) -> None:
    for n, batch in enumerate(_batches(rows), start=1):
        conn.execute(insert(t.audit_events), batch)
        if (n * INSERT_BATCH) % 250_000 == 0:
            log(f"  inserted {n * INSERT_BATCH:,} events")


@dataclass(frozen=True, slots=True)
class VerifyFigures:
    events: int
    runs_seconds: list[float]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.runs_seconds)

    @property
    def events_per_second(self) -> float:
        return self.events / self.median_seconds

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "runs_seconds": [round(s, 3) for s in self.runs_seconds],
            "median_seconds": round(self.median_seconds, 3),
            "events_per_second": round(self.events_per_second),
        }


def verify_service(settings: Settings, expected: int, runs: int) -> VerifyFigures:
    """Time `AuditTrail.verify()` end to end (read through the read session, recompute, compare
    with the head), on one container, `runs` times."""
    container = build(settings)
    times = []
    try:
        for run in range(runs):
            started = time.perf_counter()
            result = container.audit.verify(settings.resolved_principal)
            times.append(time.perf_counter() - started)
            if not result.ok or result.checked != expected:
                raise RuntimeError(f"verify did not pass: {result.as_dict()}")
            log(f"  verify run {run + 1}: {times[-1]:.2f}s, {expected / times[-1]:,.0f} events/s")
    finally:
        container.close()
    return VerifyFigures(expected, times)


def verify_in_memory(rows: list[StoredRow], runs: int) -> VerifyFigures:
    """The pure-domain rate: `verify_rows` over rows already in memory (no database)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = verify_rows(rows)
        times.append(time.perf_counter() - started)
        if not report.ok or report.checked != len(rows):
            raise RuntimeError(f"in-memory verify did not pass: {report}")
    return VerifyFigures(len(rows), times)


def mean_sizes(rows: list[StoredRow]) -> dict[str, float]:
    """Mean payload and whole-row size in bytes (UTF-8), to describe the data."""
    payloads = [len(r[7].encode()) for r in rows]
    whole = statistics.fmean(sum(len(str(v).encode()) for v in r) for r in rows)
    return {
        "payload_bytes": round(statistics.fmean(payloads)),
        "payload_min": min(payloads),
        "payload_max": max(payloads),
        "row_bytes": round(whole),
    }
