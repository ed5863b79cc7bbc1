"""The AuditTrail service over the in-memory store: verification, the log and its export.

Also the unit-of-work rules every service relies on (and the SQL store keeps): a write fixes the
chain head and its time when it starts, appends its events at commit, and leaves no trace when it
ends without commit().
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from steward.domain.audit import GENESIS_HASH, PendingEvent, canonical_json, format_ts
from steward.domain.errors import InvalidInputError
from steward.domain.naming import VersionRef
from steward.domain.principal import Principal
from steward.services import audit as audit_service
from steward.services.audit import AuditTrail
from steward.services.ports import AuditQuery, PageRequest
from tests.fakes import (
    FakeChainVerifier,
    FakeClock,
    FakeStore,
    make_lineage,
)
from tests.fakes.access import access_over, inventory_over
from tests.fakes.keys import FakeKeys
from tests.fakes.state import ROW_FIELDS
from tests.support.principals import READER, who
from tests.support.stages import force_stage


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> FakeStore:
    return FakeStore(clock)


@pytest.fixture
def trail(store: FakeStore) -> AuditTrail:
    return AuditTrail(store, FakeKeys(), access=access_over(store))


def _filters(query: AuditQuery) -> dict[str, Any]:
    """An AuditQuery's filters as the use cases take them."""
    entity = None
    if query.entity_type is not None:
        entity = f"{query.entity_type}:{query.entity_id or ''}"
    return {
        "entity": entity,
        "actor": query.actor,
        "action": query.action,
        "since": query.since,
        "until": query.until,
    }


def _log(
    trail: AuditTrail, query: AuditQuery | None = None, page: PageRequest | None = None
) -> Any:
    query = query or AuditQuery()
    return trail.log(READER, **_filters(query), newest_first=query.newest_first, page=page)


@pytest.fixture
def history(store: FakeStore, clock: FakeClock) -> FakeStore:
    """A store with a small history, one hour between changes: 8 events by three actors."""
    inv = inventory_over(store)
    inv.create_project(who("ana"), "credit")  # 1
    clock.advance(hours=1)
    inv.add_member(who("ana"), "credit", "carl", "ml_engineer")  # 2
    clock.advance(hours=1)
    inv.register_version(who("carl"), "credit", "scorer", b"one", make_lineage())  # 3, 4
    clock.advance(hours=1)
    inv.register_version(
        who("carl"), "credit", "scorer", b"two", make_lineage(), tags={"team": "risk"}
    )  # 5, 6
    clock.advance(hours=1)
    force_stage(store, who("ben"), VersionRef("credit", "scorer", 1), "staging", "ready")  # 7
    clock.advance(hours=1)
    force_stage(store, who("ben"), "credit/scorer/1", "production", "approved")  # 8
    assert store.head.seq == 8
    return store


# Verification -------------------------------------------------------------------------------


def test_an_empty_trail_verifies(trail: AuditTrail) -> None:
    result = trail.verify(READER, raise_on_break=False)
    assert result.ok
    assert (result.checked, result.head_seq, result.head_hash) == (0, 0, GENESIS_HASH)
    assert result.broken_seq is None and result.problem is None


def test_an_untouched_trail_verifies_up_to_its_head(history: FakeStore, trail: AuditTrail) -> None:
    result = trail.verify(READER, raise_on_break=False)
    assert result.ok and result.checked == 8
    assert (result.head_seq, result.head_hash) == (8, history.head.hash)
    assert result.as_dict()["ok"] is True


def test_verify_reports_progress_up_to_the_total(history: FakeStore, trail: AuditTrail) -> None:
    calls: list[tuple[int, int]] = []
    trail.verify(
        READER, raise_on_break=False, on_progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (8, 8)


def _tampered_value(field: str, old: Any) -> Any:
    if field == "seq":
        return -old  # renumbered below the chain: the database key allows it
    if field == "reason":
        return "edited" if old is None else None
    if field == "payload_json":
        return old.replace("}", ',"x":1}', 1) if old != "{}" else '{"x":1}'
    if field == "hash":
        return ("0" if old[0] != "0" else "1") + old[1:]
    return old + "x"


@pytest.mark.parametrize("seq", [1, 4, 8])
@pytest.mark.parametrize("field", ROW_FIELDS)
def test_a_tampered_event_is_found_and_named(
    history: FakeStore, trail: AuditTrail, field: str, seq: int
) -> None:
    event = history.events()[seq - 1]
    history.tamper_event(seq, **{field: _tampered_value(field, getattr(event, field))})

    result = trail.verify(READER, raise_on_break=False)

    assert not result.ok
    assert result.broken_seq == seq
    assert result.checked == seq - 1
    assert str(seq) in (result.problem or "")


def test_removing_the_last_event_is_found_by_comparing_with_the_head(
    history: FakeStore, trail: AuditTrail
) -> None:
    history.delete_event(8)
    result = trail.verify(READER, raise_on_break=False)
    assert not result.ok
    assert result.broken_seq == 8
    assert "removed" in (result.problem or "")


def test_removing_an_event_in_the_middle_is_found_at_the_gap(
    history: FakeStore, trail: AuditTrail
) -> None:
    history.delete_event(5)
    result = trail.verify(READER, raise_on_break=False)
    assert (result.ok, result.broken_seq) == (False, 5)
    assert "missing" in (result.problem or "")


def test_every_event_records_how_its_actor_was_identified_and_it_is_hashed(
    history: FakeStore, trail: AuditTrail
) -> None:
    """`declared` for a typed name, `os_login` for the operating system's; changing it breaks
    the chain like any other field."""
    inv = inventory_over(history)
    inv.create_project(Principal("root", "os_login"), "fraud")
    events = history.events()
    assert {e.identity for e in events[:-1]} == {"declared"}
    assert events[-1].identity == "os_login" and events[-1].actor == "root"
    assert events[-1].as_dict()["identity"] == "os_login"
    assert trail.verify(READER, raise_on_break=False).ok
    history.tamper_event(3, identity="os_login")
    result = trail.verify(READER, raise_on_break=False)
    assert not result.ok and result.broken_seq == 3


def test_rewriting_the_last_event_with_a_valid_hash_is_found_by_the_head(
    history: FakeStore, trail: AuditTrail
) -> None:
    """Someone who recomputes the last link (but cannot move the head) is still caught."""
    from steward.domain.audit import chain_event

    last = history.events()[-1]
    forged = chain_event(
        last.prev_hash,
        8,
        last.ts,
        "mallory",
        PendingEvent(last.action, last.entity_type, last.entity_id, last.payload, last.reason),
        last.identity,
    )
    history.tamper_event(8, actor="mallory", hash=forged.hash)
    result = trail.verify(READER, raise_on_break=False)
    assert not result.ok and result.broken_seq == 8
    assert "rewritten" in (result.problem or "")


def test_an_event_appended_after_the_head_is_found(history: FakeStore, trail: AuditTrail) -> None:
    from steward.domain.audit import chain_event

    head = history.head
    forged = chain_event(
        head.hash,
        head.seq + 1,
        head.ts or "",
        "mallory",
        PendingEvent(
            "version.stage_changed",
            "version",
            "credit/scorer/1",
            {"from": "staging", "to": "production"},
            "trust me",
        ),
    )
    history.append_row(tuple(getattr(forged, f) for f in ROW_FIELDS))
    assert _log(trail, AuditQuery(newest_first=True)).items[0].seq == 9
    result = trail.verify(READER, raise_on_break=False)
    assert not result.ok and result.broken_seq == 9
    assert "beyond the recorded head" in (result.problem or "")


def test_an_event_renumbered_past_the_head_is_reported_at_the_gap_it_left(
    history: FakeStore, trail: AuditTrail
) -> None:
    history.tamper_event(5, seq=50)
    result = trail.verify(READER, raise_on_break=False)
    assert not result.ok
    assert result.broken_seq == 5


# Verification in parallel stretches --------------------------------------------------------


@pytest.fixture
def parallel(history: FakeStore, monkeypatch: pytest.MonkeyPatch) -> FakeChainVerifier:
    """A verifier with three workers, used from 4 events on: the 8 events of `history` are cut
    into the stretches 1-3, 4-6 and 7-8."""
    monkeypatch.setattr(audit_service, "PARALLEL_FROM", 4)
    return FakeChainVerifier(history, workers=3)


def test_a_long_chain_is_verified_in_stretches_each_from_the_stored_hash_before_it(
    history: FakeStore, parallel: FakeChainVerifier
) -> None:
    calls: list[tuple[int, int]] = []
    result = AuditTrail(history, FakeKeys(), parallel, access=access_over(history)).verify(
        READER, on_progress=lambda d, t: calls.append((d, t))
    )
    assert result.ok and result.checked == 8
    hashes = {e.seq: e.hash for e in history.events()}
    assert parallel.calls == [[(1, 3, GENESIS_HASH), (4, 6, hashes[3]), (7, 8, hashes[6])]]
    assert calls[-1] == (8, 8)


def test_a_short_chain_is_verified_in_one_pass_without_the_workers(
    store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_service, "PARALLEL_FROM", 4)
    verifier = FakeChainVerifier(store, workers=3)
    with store.write(who("ana")) as tx:
        for name in "abc":
            tx.record(_pending(name))
        tx.commit()
    assert (
        AuditTrail(store, FakeKeys(), verifier, access=access_over(store))
        .verify(READER, raise_on_break=False)
        .ok
    )
    assert verifier.calls == []


TAMPERINGS: dict[str, Callable[[FakeStore], None]] = {
    "actor of the first event": lambda s: s.tamper_event(1, actor="mallory"),
    "reason at the end of a stretch": lambda s: s.tamper_event(3, reason="edited"),
    "payload at the start of a stretch": lambda s: s.tamper_event(4, payload_json='{"x":1}'),
    "hash at the end of a stretch": lambda s: s.tamper_event(6, hash="0" * 64),
    "ts of the last event": lambda s: s.tamper_event(8, ts="2020-01-01T00:00:00.000000Z"),
    "event at the end of a stretch deleted": lambda s: s.delete_event(3),
    "event at the start of a stretch deleted": lambda s: s.delete_event(7),
    "last event deleted": lambda s: s.delete_event(8),
    "seq renumbered below the chain": lambda s: s.tamper_event(5, seq=-5),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verifying_in_stretches_finds_the_same_first_broken_event_as_one_pass(
    history: FakeStore, parallel: FakeChainVerifier, tamper: Callable[[FakeStore], None]
) -> None:
    tamper(history)
    one_pass = AuditTrail(history, FakeKeys(), access=access_over(history)).verify(
        READER, raise_on_break=False
    )
    stretches = AuditTrail(history, FakeKeys(), parallel, access=access_over(history)).verify(
        READER, raise_on_break=False
    )
    assert parallel.calls, "the stretches were not used"
    assert not one_pass.ok and not stretches.ok
    assert stretches.broken_seq == one_pass.broken_seq
    assert stretches.checked == one_pass.checked


# The log ------------------------------------------------------------------------------------


def test_the_log_pages_forward_with_prev_hash_filled(history: FakeStore, trail: AuditTrail) -> None:
    seen = []
    cursor = None
    while True:
        page = _log(trail, page=PageRequest(limit=3, after=cursor))
        seen += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [e.seq for e in seen] == list(range(1, 9))
    assert seen[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(seen):
        assert after.prev_hash == before.hash


def test_the_log_pages_backward_newest_first(history: FakeStore, trail: AuditTrail) -> None:
    query = AuditQuery(newest_first=True)
    first = _log(trail, query, PageRequest(limit=5))
    second = _log(trail, query, PageRequest(limit=5, after=first.next_cursor))
    assert [e.seq for e in first.items] == [8, 7, 6, 5, 4]
    assert [e.seq for e in second.items] == [3, 2, 1]
    assert second.next_cursor is None
    assert first.items[0].prev_hash == first.items[1].hash


def test_a_filtered_page_still_links_each_event_to_its_chain_predecessor(
    history: FakeStore, trail: AuditTrail
) -> None:
    by_seq = {e.seq: e for e in history.events()}
    for event in _log(trail, AuditQuery(actor="ben")).items:
        assert event.prev_hash == by_seq[event.seq - 1].hash


@pytest.mark.parametrize(
    ("query", "seqs"),
    [
        (AuditQuery(actor="carl"), [3, 4, 5, 6]),
        (AuditQuery(action="version.stage_changed"), [7, 8]),
        (AuditQuery(entity_type="project", entity_id="credit"), [1, 2]),
        (AuditQuery(entity_type="version", entity_id="credit/scorer/1"), [4, 7, 8]),
        (AuditQuery(actor="ben", newest_first=True), [8, 7]),
        (AuditQuery(actor="ana"), [1, 2]),
        (AuditQuery(actor="nobody"), []),
    ],
)
def test_the_log_filters_by_entity_actor_and_action(
    history: FakeStore, trail: AuditTrail, query: AuditQuery, seqs: list[int]
) -> None:
    assert [e.seq for e in _log(trail, query).items] == seqs


def test_the_log_filters_by_time_inclusively(
    history: FakeStore, trail: AuditTrail, clock: FakeClock
) -> None:
    ts = {e.seq: e.ts for e in history.events()}
    assert [e.seq for e in _log(trail, AuditQuery(since=ts[3], until=ts[6])).items] == [3, 4, 5, 6]
    assert [e.seq for e in _log(trail, AuditQuery(since=ts[8])).items] == [8]
    later = format_ts(clock.advance(days=1))
    assert _log(trail, AuditQuery(since=later)).items == []


@pytest.mark.parametrize(
    "page", [PageRequest(limit=0), PageRequest(limit=1001), PageRequest(after="x1")]
)
def test_a_bad_log_page_is_refused(trail: AuditTrail, page: PageRequest) -> None:
    with pytest.raises(InvalidInputError):
        _log(trail, page=page)


@pytest.mark.parametrize("batch", [1, 3, 8, 1000])
def test_export_yields_every_matching_event_once_in_order(
    history: FakeStore, trail: AuditTrail, batch: int
) -> None:
    every = [json.loads(line) for line in trail.export(READER, batch=batch)]
    assert [e["seq"] for e in every] == list(range(1, 9))
    assert all(e["payload_canonical"] == canonical_json(e["payload"]) for e in every)
    ben = [json.loads(line) for line in trail.export(READER, actor="ben", batch=batch)]
    assert [e["seq"] for e in ben] == [7, 8]


# The unit of work ---------------------------------------------------------------------------


def _pending(entity_id: str = "credit") -> PendingEvent:
    return PendingEvent("project.created", "project", entity_id, {"purpose": ""})


def test_a_write_left_without_commit_leaves_no_trace(store: FakeStore, trail: AuditTrail) -> None:
    with store.write(who("ana")) as tx:
        tx.registry.add_project("credit", "", "", "ana", ())
        tx.record(_pending())
    assert store.head.seq == 0
    assert _log(trail).items == []
    with store.read() as q:
        assert q.registry.get_project("credit") is None


def test_a_write_that_raises_leaves_no_trace(store: FakeStore) -> None:
    with pytest.raises(RuntimeError), store.write(who("ana")) as tx:
        tx.registry.add_project("credit", "", "", "ana", ())
        tx.record(_pending())
        raise RuntimeError("boom")
    with store.read() as q:
        assert q.registry.get_project("credit") is None
        assert q.audit.chain_head().seq == 0


def test_events_appear_only_when_the_write_commits(store: FakeStore) -> None:
    with store.write(who("ana")) as tx:
        event = tx.record(_pending())
        with store.read() as q:
            assert q.audit.chain_head().seq == 0
            assert q.audit.audit_event(1) is None
        tx.commit()
    with store.read() as q:
        assert q.audit.chain_head().seq == 1 and q.audit.chain_head().hash == event.hash
        assert q.audit.audit_event(1) == event


def test_one_write_has_one_time_and_consecutive_seqs(store: FakeStore, clock: FakeClock) -> None:
    with store.write(who("ana")) as tx:
        first = tx.record(_pending("a"))
        clock.advance(minutes=5)
        second = tx.record(_pending("b"))
        tx.commit()
    assert first.ts == second.ts == tx.now
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert store.head.ts == tx.now


def test_a_commit_without_events_does_not_move_the_head(store: FakeStore, clock: FakeClock) -> None:
    with store.write(who("ana")) as tx:
        tx.record(_pending())
        tx.commit()
    head = store.head
    clock.advance(hours=1)
    with store.write(who("ana")) as tx:
        tx.registry.add_project("other", "", "", "ana", ())
        tx.commit()
    assert store.head == head


def test_a_reader_keeps_the_snapshot_it_started_with(store: FakeStore) -> None:
    with store.read() as q:
        with store.write(who("ana")) as tx:
            tx.record(_pending())
            tx.commit()
        assert q.audit.chain_head().seq == 0
    with store.read() as q:
        assert q.audit.chain_head().seq == 1


def test_a_write_inside_a_write_is_a_test_error(store: FakeStore) -> None:
    """The SQL store would wait for its own lock on the chain head."""
    with store.write(who("ana")), pytest.raises(AssertionError), store.write(who("bob")):
        pass
