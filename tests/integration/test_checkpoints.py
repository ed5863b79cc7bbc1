"""Signed checkpoints expose what the chain alone cannot: a consistent rewrite of the whole trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from steward import IntegrityBrokenError, InvalidInputError
from steward.adapters.signing import generate_key
from steward.domain.audit import GENESIS_HASH, event_body, link_hash
from steward.sdk import Client


def _rewrite_whole_chain(database_url: str, new_actor: str) -> None:
    """What an administrator with full database access could do: change an event, then recompute
    every later hash and the head so that the chain verifies again."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER audit_events_no_update"))
            rows = conn.execute(text("SELECT * FROM audit_events ORDER BY seq")).mappings().all()
            prev = GENESIS_HASH
            for row in rows:
                actor = new_actor if row["seq"] == 1 else row["actor"]
                body = event_body(row["seq"], row["ts"], actor, row["action"], row["entity_type"],
                                  row["entity_id"], row["reason"], row["payload"],
                                  row["identity"])  # fmt: skip
                prev = link_hash(prev, body)
                conn.execute(
                    text("UPDATE audit_events SET actor = :a, hash = :h WHERE seq = :s"),
                    {"a": actor, "h": prev, "s": row["seq"]},
                )
            conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    finally:
        engine.dispose()


@pytest.fixture
def signed(client: Client, tmp_path: Path) -> tuple[Path, str]:
    public = generate_key(tmp_path / "audit.key")
    client.create_project("credit", members={"ben": "ml_engineer"})
    checkpoint = client.audit_checkpoint(tmp_path / "audit.key")
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint.as_dict()))
    client.create_project("fraud")  # the chain goes on after the checkpoint
    return path, public


def test_an_intact_chain_contains_its_checkpoints(client: Client, signed: tuple[Path, str]) -> None:
    path, public = signed
    result = client.verify_audit(checkpoints=[path], public_key=public)
    assert result.ok
    actions = [e.action for e in client.audit_log(newest_first=False).items]
    assert actions == [
        "project.created",
        "project.member_added",
        "audit.checkpoint_signed",
        "project.created",
    ]


def test_a_consistent_rewrite_passes_the_chain_but_not_the_checkpoint(
    client: Client, database_url: str, signed: tuple[Path, str]
) -> None:
    path, public = signed
    _rewrite_whole_chain(database_url, "mallory")
    assert client.verify_audit().ok  # the hashes alone cannot tell
    with pytest.raises(
        IntegrityBrokenError, match=r"event 2 no longer has the hash signed .* rewritten"
    ):
        client.verify_audit(checkpoints=[path], public_key=public)


def test_a_forged_or_foreign_checkpoint_is_refused(
    client: Client, signed: tuple[Path, str], tmp_path: Path
) -> None:
    path, public = signed
    forged = json.loads(path.read_text())
    forged["seq"] = 1
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    with pytest.raises(IntegrityBrokenError, match="signature does not match"):
        client.verify_audit(checkpoints=[tmp_path / "forged.json"])
    other = generate_key(tmp_path / "other.key")
    with pytest.raises(IntegrityBrokenError, match="signed by another key"):
        client.verify_audit(checkpoints=[path], public_key=other)
    assert client.verify_audit(checkpoints=[path], public_key=public).ok
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(InvalidInputError, match="not a Steward audit checkpoint"):
        client.verify_audit(checkpoints=[tmp_path / "junk.json"])
