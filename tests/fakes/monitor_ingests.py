"""Ingest records and alert updates in memory, as the SQL tables hold them: an ingest is
replaced at most once, and a replaced ingest's window parts and logs no longer count."""

from __future__ import annotations

import json
from typing import Any

from steward.domain.monitoring import Alert, AlertUpdate, Ingest, folded
from tests.fakes.state import View, _conflict, _new_id


class FakeIngestReads(View):
    def _replaced_seqs(self) -> set[int]:
        gone = {r["replaces"] for r in self._state.ingests.values() if r["replaces"] is not None}
        return {r["audit_seq"] for r in self._state.ingests.values() if r["id"] in gone}

    def ingests(self, version_id: int) -> list[Ingest]:
        by_replaced = {
            r["replaces"]: r["id"]
            for r in self._state.ingests.values()
            if r["replaces"] is not None
        }
        return [
            Ingest(
                id=r["id"],
                version_ref=self._version_ref(version_id),
                digest=r["digest"],
                source=r["source"],
                rows=r["rows"],
                first_at=r["first_at"],
                last_at=r["last_at"],
                windows=json.loads(r["windows"]),
                replaces=r["replaces"],
                replaced_by=by_replaced.get(r["id"]),
                ingested_by=r["ingested_by"],
                ingested_at=r["ingested_at"],
                audit_seq=r["audit_seq"],
            )
            for _, r in sorted(self._state.ingests.items())
            if r["version_id"] == version_id
        ]

    def ingest_by_digest(self, version_id: int, digest: str) -> Ingest | None:
        found = [
            i for i in self.ingests(version_id) if i.digest == digest and i.replaced_by is None
        ]
        return found[-1] if found else None

    def _folded(self, alerts: list[Alert]) -> list[Alert]:
        updates: dict[int, list[AlertUpdate]] = {}
        for _, r in sorted(self._state.alert_updates.items()):
            updates.setdefault(r["alert_id"], []).append(
                AlertUpdate(
                    r["alert_id"], r["kind"], r["window_start"], r["value"], r["reason"], r["at"]
                )
            )
        return [folded(a, updates.get(a.id, [])) for a in alerts]


class FakeIngestWrites(FakeIngestReads):
    def add_alert_update(
        self,
        alert_id: int,
        kind: str,
        window_start: str | None,
        value: float | None,
        reason: str,
        audit_seq: int,
    ) -> None:
        if alert_id not in self._state.alerts:
            raise _conflict(f"no alert with id {alert_id}")
        new = _new_id(self._state.alert_updates)
        self._state.alert_updates[new] = {
            "id": new,
            "alert_id": alert_id,
            "kind": kind,
            "window_start": window_start,
            "value": None if value is None else float(value),
            "reason": reason,
            "by": self.actor,
            "at": self.now,
            "audit_seq": audit_seq,
        }

    def add_ingest(
        self,
        version_id: int,
        digest: str,
        source: str,
        row_count: int,
        first_at: str | None,
        last_at: str | None,
        windows: list[str],
        replaces: int | None,
        audit_seq: int,
    ) -> int:
        if version_id not in self._state.versions:
            raise _conflict(f"no version with id {version_id}")
        if replaces is not None:
            if replaces not in self._state.ingests:
                raise _conflict(f"no ingest with id {replaces}")
            if any(r["replaces"] == replaces for r in self._state.ingests.values()):
                # The unique index of the SQL table.
                raise _conflict(f"ingest {replaces} was replaced already")
        new = _new_id(self._state.ingests)
        row: dict[str, Any] = {
            "id": new,
            "version_id": version_id,
            "digest": digest,
            "source": source,
            "rows": row_count,
            "first_at": first_at,
            "last_at": last_at,
            "windows": json.dumps(windows),
            "replaces": replaces,
            "ingested_by": self.actor,
            "ingested_at": self.now,
            "audit_seq": audit_seq,
        }
        self._state.ingests[new] = row
        return new
