"""The audit trail on real databases: verification finds tampering, export recomputes, log filters."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import create_engine, text

from steward import IntegrityBrokenError
from steward.domain.audit import GENESIS_HASH, event_body
from steward.sdk import Client
from tests.support.org import grant_org_roles


def _fill(client: Client) -> None:
    # Roles that sign nothing: a role that signs would wait for a second person's approval.
    client.create_project("credit", members={"ben": "ml_engineer"})
    client.create_project("fraud")
    client.add_member("fraud", "ana", "owner", reason="new team lead")
    client.add_member("fraud", "ben", "ml_engineer")


def _tamper(database_url: str, sql: str) -> None:
    """Change rows as a database administrator could: with the append-only triggers disabled."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
                conn.execute(text(sql))
                conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER audit_events_no_update"))
                conn.execute(text("DROP TRIGGER audit_events_no_delete"))
                conn.execute(text(sql))
    finally:
        engine.dispose()


def test_intact_chain_verifies(client: Client) -> None:
    _fill(client)
    result = client.verify_audit()
    assert result.ok and result.checked == result.head_seq == 5


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 4", 4),
        ('UPDATE audit_events SET payload = \'{"person":"eve","role":"owner"}\' WHERE seq = 4', 4),
        ("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2", 2),
        ("UPDATE audit_events SET identity = 'sso' WHERE seq = 3", 3),  # a stronger identity
        ("UPDATE audit_events SET identity = NULL WHERE seq = 2", 2),  # posing as an old event
        ("DELETE FROM audit_events WHERE seq = 3", 3),
        ("DELETE FROM audit_events WHERE seq = 5", 5),
        ("UPDATE audit_events SET ts = '2020-01-01T00:00:00.000000Z' WHERE seq = 1", 1),
        (
            "INSERT INTO audit_events (seq, ts, actor, action, entity_type, entity_id, reason, "
            "payload, hash) VALUES (6, '2030-01-01T00:00:00.000000Z', 'eve', 'project.created', "
            "'project', 'ghost', NULL, '{}', 'ab')",
            6,
        ),
    ],
)
def test_tampering_is_found_at_the_first_broken_link(
    client: Client, database_url: str, sql: str, broken: int
) -> None:
    _fill(client)
    _tamper(database_url, sql)
    result = client.verify_audit(raise_on_break=False)
    assert not result.ok and result.broken_seq == broken
    with pytest.raises(IntegrityBrokenError, match=f"broken at event {broken}"):
        client.verify_audit()


def test_export_is_json_lines_that_recompute_to_the_same_hashes(client: Client) -> None:
    """An auditor can check an export without Steward: every line re-hashes to its hash."""
    _fill(client)
    out = io.StringIO()
    assert client.audit_export(out) == 5
    prev = GENESIS_HASH
    for line in out.getvalue().splitlines():
        event = json.loads(line)
        assert event["prev_hash"] == prev
        payload = json.dumps(
            event["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        body = event_body(
            event["seq"],
            event["ts"],
            event["actor"],
            event["action"],
            event["entity_type"],
            event["entity_id"],
            event["reason"],
            payload,
            event["identity"],
        )
        assert hashlib.sha256((prev + body).encode()).hexdigest() == event["hash"]
        prev = event["hash"]


def test_log_filters_by_entity_actor_action_and_time(
    client: Client, database_url: str, steward_home: object
) -> None:
    grant_org_roles(client.settings, {"bob": "admin"})  # bob changes a project he is not in
    _fill(client)
    other = Client(home=str(steward_home), database_url=database_url, actor="bob")
    try:
        other.add_member("credit", "carl", "operations", reason="joined")
    finally:
        other.close()
    assert [e.action for e in client.audit_log(entity="fraud", newest_first=False).items] == [
        "project.created",
        "project.member_added",
        "project.member_added",
    ]
    by_bob = client.audit_log(actor="bob").items
    assert [(e.actor, e.reason) for e in by_bob] == [("bob", "joined")]
    assert len(client.audit_log(action="project.created").items) == 2
    last = client.audit_log(newest_first=True, limit=1).items[0]
    assert [e.seq for e in client.audit_log(since=last.ts).items] == [last.seq]
    assert client.audit_log(until="2000-01-01").items == []
    first_page = client.audit_log(limit=2, newest_first=False)
    second_page = client.audit_log(limit=2, after=first_page.next_cursor, newest_first=False)
    assert [e.seq for e in first_page.items + second_page.items] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        (None, None),
        ("UPDATE audit_events SET reason = 'edited' WHERE seq = 2", 2),  # end of the first stretch
        ("UPDATE audit_events SET reason = 'edited' WHERE seq = 3", 3),  # start of the second
        ("DELETE FROM audit_events WHERE seq = 4", 4),  # end of the second stretch
        ("DELETE FROM audit_events WHERE seq = 7", 7),  # the last event
        ("UPDATE audit_events SET hash = '00' WHERE seq = 5", 5),
    ],
)
def test_parallel_verification_finds_the_same_first_broken_link(
    client: Client,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sql: str | None,
    broken: int | None,
) -> None:
    """Long chains are verified in stretches by worker processes; the verdict must not change."""
    from steward.adapters.signing import Ed25519Keys
    from steward.adapters.sql.chain import ParallelChainVerifier
    from steward.services import audit as audit_service
    from tests.support.containers import container_of
    from tests.support.principals import who

    _fill(client)
    client.create_project("extra", members={"x": "r"})
    # Text the database must escape exactly like Python for the fast path (else it falls back).
    odd = 'tab\t nl\n ls\u2028 nbsp\u00a0 emoji\U0001f600 quote" backslash\\ cr-free'
    client.add_member("extra", "y", "r", reason=odd)  # 8 events: stretches 1-2, 3-4, 5-6, 7-8
    if sql is not None:
        _tamper(database_url, sql)
    monkeypatch.setattr(audit_service, "PARALLEL_FROM", 2)
    # The test swaps in a verifier with more workers than cores.
    with container_of(client) as container:
        keys = Ed25519Keys()
        parallel = audit_service.AuditTrail(
            container.store, keys, ParallelChainVerifier(database_url, 4), access=container.access
        )
        sequential = audit_service.AuditTrail(container.store, keys, access=container.access)
        result = parallel.verify(who("auditor"), raise_on_break=False)
        expected = sequential.verify(who("auditor"), raise_on_break=False)
    assert (result.ok, result.broken_seq, result.checked) == (
        expected.ok,
        expected.broken_seq,
        expected.checked,
    )
    assert result.broken_seq == broken
