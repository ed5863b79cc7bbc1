"""Readers are read-only and see one snapshot, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from steward.sdk import Client
from steward.services.ports import PageRequest, ReadSession
from tests.support.containers import container_of
from tests.support.principals import READER


def _project_names(q: ReadSession) -> list[str]:
    return sorted(p.name for p in q.registry.list_projects(PageRequest()).items)


def test_a_write_through_the_reader_is_refused_by_the_database(client: Client) -> None:
    """The database itself, not only Steward's code, refuses writes made on a reader
    connection: a read-only SQLite file, a READ ONLY PostgreSQL transaction."""
    client.create_project("credit", purpose="Score loans")
    with container_of(client) as container:
        with container.store.reader.connect() as conn:
            conn.begin()
            with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
                conn.execute(text("UPDATE projects SET purpose = 'rewritten'"))
        with container.store.reader.connect() as conn:
            conn.begin()
            with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
                conn.execute(text("CREATE TABLE intruder (x INTEGER)"))
    assert client.project("credit").purpose == "Score loans"


def test_a_read_session_keeps_its_snapshot_until_the_next(client: Client) -> None:
    """A read session that began before another session committed does not see that commit
    (neither the new row nor its audit event); the next read session does."""
    client.create_project("credit")
    with container_of(client) as container:
        with container.store.read() as q:
            before = _project_names(q)
            head = q.audit.chain_head().seq
            client.create_project("fraud")  # committed by another session meanwhile
            assert _project_names(q) == before
            assert q.registry.get_project("fraud") is None
            assert q.audit.chain_head().seq == head
        with container.store.read() as q:
            assert q.registry.get_project("fraud") is not None
            assert q.audit.chain_head().seq == head + 1
    assert before == ["credit"]


def test_an_export_is_one_snapshot(client: Client) -> None:
    """An audit export read over several pages holds one snapshot: an event recorded while
    it is being written is not in it, and the next export has it."""
    for name in ("a", "b", "c"):
        client.create_project(name)
    with container_of(client) as container:
        lines = container.audit.export(READER, batch=1)
        first = next(lines)
        client.create_project("late")
        exported = [first, *lines]
        assert [json.loads(line)["seq"] for line in exported] == [1, 2, 3]
        again = list(container.audit.export(READER, batch=1))
    assert [json.loads(line)["seq"] for line in again] == [1, 2, 3, 4]


def test_cli_reads_and_exports_work_on_read_only_readers(
    database_url: str, steward_home: Path, tmp_path: Path
) -> None:
    """The command line's reads (a listing, verification, an export) still work when every
    read goes through a read-only reader."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    environ.update({"STEWARD_HOME": str(steward_home), "STEWARD_DATABASE_URL": database_url})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "steward", "--actor", "ana", *args],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
            check=False,
        )

    assert cli("project", "create", "credit").returncode == 0
    listed = cli("project", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [p["name"] for p in json.loads(listed.stdout)["items"]] == ["credit"]
    verify = cli("audit", "verify", "--json")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True
    out = tmp_path / "trail.jsonl"
    exported = cli("audit", "export", "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(line)["action"] for line in out.read_text().splitlines()] == [
        "project.created"
    ]
