"""Reading the audit chain fast: raw driver cursors in keyset batches, and stretches of the chain
verified in parallel worker processes (one database connection each)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from steward.domain.audit import BodyRow, ChainReport, StoredRow, verify_bodies
from steward.domain.errors import StorageUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

_COLUMNS = "seq, ts, actor, action, entity_type, entity_id, reason, payload, hash, identity"


def _windows(
    dbapi_connection: Any, sql: str, after_seq: int, until_seq: int, batch: int
) -> Iterator[Any]:
    """Run `sql` (two placeholders: low exclusive, high inclusive) over windows of `batch`
    sequence numbers. Windows, not LIMIT: the plan never depends on table statistics (without
    them PostgreSQL sorted the whole remaining range for every batch), and memory stays bounded
    on drivers whose cursors buffer a whole result."""
    cursor = dbapi_connection.cursor()
    try:
        low = after_seq
        while low < until_seq:
            high = min(until_seq, low + batch)
            cursor.execute(sql, (low, high))
            yield from cursor.fetchall()
            low = high
    finally:
        cursor.close()


def iter_chain_rows(
    dbapi_connection: Any, paramstyle: str, after_seq: int, until_seq: int, batch: int
) -> Iterator[StoredRow]:
    """Rows with after_seq < seq <= until_seq in order. Driver cursors skip SQLAlchemy's row
    objects, which would cost as much as the hashing itself; bounded windows bound memory on
    drivers whose cursors buffer a whole result."""
    mark = "?" if paramstyle == "qmark" else "%s"
    sql = f"SELECT {_COLUMNS} FROM audit_events WHERE seq > {mark} AND seq <= {mark} ORDER BY seq"
    yield from _windows(dbapi_connection, sql, after_seq, until_seq, batch)


def _body_sql(dialect: str) -> str:
    """SQL that rebuilds each event's canonical text (see domain.audit.event_body)."""
    if dialect == "postgresql":

        def quote(column: str) -> str:
            return f"to_json({column}::text)::text"

        seq, reason = "seq::text", "coalesce(to_json(reason::text)::text, 'null')"
        identity = "coalesce(',\"identity\":' || to_json(identity::text)::text, '')"
    else:

        def quote(column: str) -> str:
            return f"json_quote({column})"

        seq, reason = (
            "CAST(seq AS TEXT)",
            "CASE WHEN reason IS NULL THEN 'null' ELSE json_quote(reason) END",
        )
        identity = (
            "CASE WHEN identity IS NULL THEN '' ELSE ',\"identity\":' || json_quote(identity) END"
        )
    parts = [
        "'{\"action\":'", quote("action"),
        "',\"actor\":'", quote("actor"),
        "',\"entity_id\":'", quote("entity_id"),
        "',\"entity_type\":'", quote("entity_type"), identity,
        "',\"payload\":'", "payload",
        "',\"reason\":'", reason,
        "',\"seq\":'", seq,
        "',\"ts\":'", quote("ts"),
        "'}'",
    ]  # fmt: skip
    return " || ".join(parts)


def iter_chain_bodies(
    dbapi_connection: Any, dialect: str, paramstyle: str, after_seq: int, until_seq: int, batch: int
) -> Iterator[BodyRow]:
    """(seq, event text rebuilt by the database, stored hash) in windows of `batch`."""
    mark = "?" if paramstyle == "qmark" else "%s"
    sql = (
        f"SELECT seq, {_body_sql(dialect)}, hash FROM audit_events "
        f"WHERE seq > {mark} AND seq <= {mark} ORDER BY seq"
    )
    yield from _windows(dbapi_connection, sql, after_seq, until_seq, batch)


def verify_range(url: str, start: int, end: int, prev_hash: str, batch: int) -> ChainReport:
    """Verify events start..end in this process, starting from the stored hash before `start`."""
    from steward.adapters.sql.engine import make_engines

    writer, reader = make_engines(url)
    try:
        with reader.connect() as conn:
            raw = conn.connection.dbapi_connection
            dialect, paramstyle = conn.dialect.name, conn.dialect.paramstyle
            assert raw is not None

            def exact_row(seq: int) -> StoredRow | None:
                rows = list(iter_chain_rows(raw, paramstyle, seq - 1, seq, 1))
                return rows[0] if rows else None

            bodies = iter_chain_bodies(raw, dialect, paramstyle, start - 1, end, batch)
            return verify_bodies(bodies, exact_row, prev_hash, start)
    finally:
        writer.dispose()
        reader.dispose()


class ParallelChainVerifier:
    """Runs `verify_range` for several stretches at once, one worker process per core.

    Workers are fresh interpreters started with `python -m steward.adapters.sql.chain`, told
    what to do on standard input (so a database password never shows in a process list) and
    answering on standard output. Unlike multiprocessing's spawn and forkserver modes this never
    re-imports the caller's main module, so it is safe from notebooks and unguarded scripts;
    unlike fork it shares no connections with the parent."""

    def __init__(self, url: str, workers: int, batch: int = 20_000) -> None:
        self.url = url
        self.workers = max(1, workers)
        self.batch = batch

    def verify_ranges(self, ranges: list[tuple[int, int, str]]) -> list[ChainReport]:
        procs = []
        for start, end, prev in ranges:
            proc = subprocess.Popen(
                [sys.executable, "-m", "steward.adapters.sql.chain"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdin is not None
            request = {
                "url": self.url,
                "start": start,
                "end": end,
                "prev": prev,
                "batch": self.batch,
            }
            proc.stdin.write(json.dumps(request))
            proc.stdin.close()
            procs.append(proc)
        outputs = []
        for proc in procs:  # reap every worker before judging any of them
            with proc:  # closes the pipes
                assert proc.stdout is not None and proc.stderr is not None
                out, err = proc.stdout.read(), proc.stderr.read()
                outputs.append((proc.wait(), out, err))
        reports = []
        for code, out, err in outputs:
            if code != 0:
                last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
                raise StorageUnavailableError(f"an audit verification worker failed: {last}")
            reports.append(ChainReport(**json.loads(out)))
        return reports


def _worker_main() -> None:
    request = json.loads(sys.stdin.read())
    report = verify_range(
        request["url"], request["start"], request["end"], request["prev"], request["batch"]
    )
    sys.stdout.write(json.dumps(dataclasses.asdict(report)))


if __name__ == "__main__":
    _worker_main()
