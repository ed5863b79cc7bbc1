"""The audit chain without a database: encoding, chaining and verification.

The chain is only as good as its verifier: every single change to a stored event, and every
deletion, insertion or reordering of events, must be found, and the first broken event named.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    PendingEvent,
    StoredRow,
    canonical_json,
    chain_event,
    event_body,
    format_ts,
    link_hash,
    parse_ts,
    verify_rows,
)
from steward.domain.errors import InvalidInputError

# Strategies ---------------------------------------------------------------------------------

# Any text a user could type, including quotes, backslashes, control characters and non-ASCII
# (Hypothesis leaves out lone surrogates, which no UTF-8 text can hold).
texts = st.text(max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(texts, json_values, max_size=4)
timestamps = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(format_ts)
pending_events = st.builds(
    PendingEvent,
    action=texts,
    entity_type=texts,
    entity_id=texts,
    payload=payloads,
    reason=st.none() | texts,
)
event_specs = st.tuples(timestamps, texts, pending_events)  # (ts, actor, event)

FIELDS = ("seq", "ts", "actor", "action", "entity_type", "entity_id", "reason", "payload", "hash")


def _chain(specs: list[tuple[str, str, PendingEvent]]) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev = GENESIS_HASH
    for seq, (ts, actor, pending) in enumerate(specs, start=1):
        event = chain_event(prev, seq, ts, actor, pending)
        events.append(event)
        prev = event.hash
    return events


chains = st.lists(event_specs, min_size=1, max_size=6).map(_chain)


def _row(e: AuditEvent) -> StoredRow:
    return e.stored_row()


def _rows(events: list[AuditEvent]) -> list[StoredRow]:
    return [_row(e) for e in events]


def _first_difference(original: list[StoredRow], changed: list[StoredRow]) -> int | None:
    """The seq the verifier should name: the first position where the stored log differs."""
    for index, row in enumerate(changed):
        if index >= len(original) or row != original[index]:
            return index + 1
    return None


def _different(strategy: st.SearchStrategy[Any], old: Any) -> st.SearchStrategy[Any]:
    return strategy.filter(lambda new: new != old)


# Chaining and verification ------------------------------------------------------------------


@given(chains)
def test_a_chained_log_verifies_and_ends_at_its_last_event(events: list[AuditEvent]) -> None:
    report = verify_rows(_rows(events))
    assert report.ok and report.problem is None
    assert report.checked == len(events)
    assert report.last_seq == events[-1].seq
    assert report.last_hash == events[-1].hash


@given(chains)
def test_each_event_links_to_the_hash_of_the_one_before(events: list[AuditEvent]) -> None:
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for e in events:
        body = event_body(
            e.seq, e.ts, e.actor, e.action, e.entity_type, e.entity_id, e.reason, e.payload_json
        )
        assert e.hash == link_hash(e.prev_hash, body)


def test_an_empty_log_verifies_to_the_genesis_hash() -> None:
    report = verify_rows([])
    assert report.ok and report.checked == 0
    assert (report.last_seq, report.last_hash) == (0, GENESIS_HASH)


@given(chains, st.data())
def test_verification_resumes_from_any_checkpoint(events: list[AuditEvent], data: Any) -> None:
    """A verifier that remembers (seq, hash) of a checked event can continue from there."""
    k = data.draw(st.integers(0, len(events)))
    prev = events[k - 1].hash if k else GENESIS_HASH
    report = verify_rows(_rows(events)[k:], prev_hash=prev, expected_seq=k + 1)
    assert report.ok and report.checked == len(events) - k
    assert report.last_hash == events[-1].hash


@given(chains)
def test_a_chain_hung_from_another_genesis_fails_at_its_first_event(
    events: list[AuditEvent],
) -> None:
    report = verify_rows(_rows(events), prev_hash="f" * 64)
    assert report.broken_seq == 1 and report.checked == 0


# Tampering ----------------------------------------------------------------------------------


def _changed_value(field: str, old: Any) -> st.SearchStrategy[Any]:
    if field == "seq":
        return _different(st.integers(-3, 50), old)
    if field == "reason":
        return _different(st.none() | texts, old)
    if field == "payload":
        # Any other text, JSON or not, and also the same JSON written differently.
        respaced = json.dumps(json.loads(old))
        return _different(st.just(respaced) | texts | payloads.map(canonical_json), old)
    if field == "hash":
        return _different(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), old)
    if field == "ts":
        return _different(timestamps | texts, old)
    return _different(texts, old)


@settings(max_examples=300)
@given(chains, st.data())
def test_changing_any_field_of_any_event_is_reported_at_that_event(
    events: list[AuditEvent], data: Any
) -> None:
    rows = _rows(events)
    index = data.draw(st.integers(0, len(rows) - 1), label="event index")
    field = data.draw(st.sampled_from(FIELDS), label="field")
    column = FIELDS.index(field)
    new = data.draw(_changed_value(field, rows[index][column]), label="new value")
    changed = list(rows)
    changed[index] = (*rows[index][:column], new, *rows[index][column + 1 :])

    report = verify_rows(changed)

    assert not report.ok
    assert report.broken_seq == index + 1
    assert report.checked == index
    assert report.last_hash == (rows[index - 1][8] if index else GENESIS_HASH)
    assert str(index + 1) in (report.problem or "")


@settings(max_examples=200)
@given(chains, st.data())
def test_deleting_an_event_is_reported_where_the_gap_is(
    events: list[AuditEvent], data: Any
) -> None:
    rows = _rows(events)
    index = data.draw(st.integers(0, len(rows) - 1), label="deleted index")
    changed = rows[:index] + rows[index + 1 :]

    report = verify_rows(changed)

    if index < len(rows) - 1:
        assert report.broken_seq == index + 1
        assert "missing" in (report.problem or "")
    else:
        # Without the last event the rest is a valid, shorter chain: only a comparison with the
        # recorded head (what AuditTrail.verify does) can tell.
        assert report.ok
        assert (report.last_seq, report.last_hash) != (rows[-1][0], rows[-1][8])


@settings(max_examples=200)
@given(chains, st.data())
def test_inserting_a_copy_of_an_event_is_reported_at_the_first_displaced_position(
    events: list[AuditEvent], data: Any
) -> None:
    rows = _rows(events)
    copied = data.draw(st.integers(0, len(rows) - 1), label="copied index")
    position = data.draw(st.integers(0, len(rows)), label="inserted at")
    changed = [*rows[:position], rows[copied], *rows[position:]]

    report = verify_rows(changed)

    assert not report.ok
    assert report.broken_seq == _first_difference(rows, changed)


@settings(max_examples=200)
@given(st.lists(event_specs, min_size=2, max_size=6).map(_chain), st.data())
def test_swapping_two_events_is_reported_at_the_earlier_one(
    events: list[AuditEvent], data: Any
) -> None:
    rows = _rows(events)
    i = data.draw(st.integers(0, len(rows) - 2), label="first")
    j = data.draw(st.integers(i + 1, len(rows) - 1), label="second")
    changed = list(rows)
    changed[i], changed[j] = changed[j], changed[i]

    report = verify_rows(changed)

    assert report.broken_seq == i + 1 == _first_difference(rows, changed)


@settings(max_examples=200)
@given(chains, st.data())
def test_swapping_the_contents_of_two_events_keeping_their_seqs_is_reported(
    events: list[AuditEvent], data: Any
) -> None:
    """Rows ordered by seq in a database: an attacker who swaps the contents keeps seq order."""
    rows = _rows(events)
    if len(rows) < 2:
        return
    i = data.draw(st.integers(0, len(rows) - 2), label="first")
    j = data.draw(st.integers(i + 1, len(rows) - 1), label="second")
    changed = list(rows)
    changed[i] = (rows[i][0], *rows[j][1:])
    changed[j] = (rows[j][0], *rows[i][1:])
    expected = _first_difference(rows, changed)
    if expected is None:  # two events with the same contents: nothing changed
        return

    assert verify_rows(changed).broken_seq == expected


# Canonical JSON -----------------------------------------------------------------------------


def _key_orders(text: str) -> list[list[str]]:
    orders: list[list[str]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        orders.append([k for k, _ in pairs])
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return orders


def test_canonical_json_sorts_keys_and_drops_spaces() -> None:
    value = {"b": [1, {"d": None, "c": True}], "a": "x y", "B": 1.5}
    assert canonical_json(value) == '{"B":1.5,"a":"x y","b":[1,{"c":true,"d":null}]}'


@given(json_values)
def test_canonical_json_sorts_the_keys_of_every_object(value: Any) -> None:
    for keys in _key_orders(canonical_json(value)):
        assert keys == sorted(keys)


@given(payloads)
def test_canonical_json_does_not_depend_on_insertion_order(payload: dict[str, Any]) -> None:
    reversed_payload = dict(reversed(list(payload.items())))
    assert canonical_json(reversed_payload) == canonical_json(payload)


@given(json_values)
def test_canonical_json_round_trips_and_is_idempotent(value: Any) -> None:
    text = canonical_json(value)
    assert json.loads(text) == value
    assert canonical_json(json.loads(text)) == text


no_space_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]).filter(lambda c: not c.isspace()),
    max_size=8,
)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | no_space_text,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(no_space_text, children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_canonical_json_has_no_whitespace_outside_strings(value: Any) -> None:
    assert not any(c.isspace() for c in canonical_json(value))


def test_canonical_json_keeps_non_ascii_text_as_utf8() -> None:
    text = canonical_json({"name": "Zoë", "city": "東京", "emoji": "🚀"})
    assert text == '{"city":"東京","emoji":"🚀","name":"Zoë"}'
    assert "\\u" not in text
    assert "Zoë".encode() in text.encode("utf-8")


@given(st.text(alphabet=st.characters(min_codepoint=0x80, exclude_categories=["Cs"])))
def test_canonical_json_writes_non_ascii_characters_unescaped(text: str) -> None:
    assert canonical_json(text) == '"' + text + '"'


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        {"auc": float("nan")},
        {"nested": [1, {"x": float("inf")}]},
    ],
)
def test_canonical_json_rejects_nan_and_infinity(value: Any) -> None:
    with pytest.raises(InvalidInputError, match="not canonical JSON"):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1, 2}, b"bytes", object(), {"when": datetime(2026, 1, 1)}])
def test_canonical_json_rejects_values_json_cannot_hold(value: Any) -> None:
    with pytest.raises(InvalidInputError):
        canonical_json(value)


def test_canonical_json_refuses_text_that_cannot_be_utf8() -> None:
    with pytest.raises(InvalidInputError):
        canonical_json({"reason": "caf\udce9"})


def test_chaining_an_event_with_text_that_cannot_be_utf8_is_refused_cleanly() -> None:
    with pytest.raises(InvalidInputError):
        chain_event(
            GENESIS_HASH,
            1,
            format_ts(datetime.now(UTC)),
            "caf\udce9",
            PendingEvent("project.created", "project", "credit", {}),
        )


# The hand-written event encoding ------------------------------------------------------------


@settings(max_examples=300)
@given(
    seq=st.integers(1, 2**62),
    ts=timestamps | texts,
    actor=texts,
    action=texts,
    entity_type=texts,
    entity_id=texts,
    reason=st.none() | texts,
    payload=payloads,
)
def test_event_body_is_the_canonical_json_of_the_event(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    reason: str | None,
    payload: dict[str, Any],
) -> None:
    """event_body builds the text by hand for speed; it must equal canonical_json exactly."""
    body = event_body(
        seq, ts, actor, action, entity_type, entity_id, reason, canonical_json(payload)
    )
    assert body == canonical_json(
        {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "reason": reason,
            "payload": payload,
        }
    )


@given(chains)
def test_an_event_as_dict_matches_its_stored_fields(events: list[AuditEvent]) -> None:
    for e in events:
        data = e.as_dict()
        assert data["payload"] == json.loads(e.payload_json)
        assert canonical_json(data["payload"]) == e.payload_json
        assert (data["seq"], data["hash"], data["prev_hash"]) == (e.seq, e.hash, e.prev_hash)


# Timestamps ---------------------------------------------------------------------------------


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)),
)
def test_timestamp_text_sorts_like_time_and_round_trips(a: datetime, b: datetime) -> None:
    ta, tb = format_ts(a), format_ts(b)
    assert len(ta) == len(tb) == 27
    assert (ta < tb) == (a < b)
    assert parse_ts(ta) == a


def test_timestamps_are_converted_to_utc_and_naive_ones_are_refused() -> None:
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_ts(moment) == "2026-05-01T10:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_ts(datetime(2026, 5, 1, 12, 0))


def test_bodies_rebuilt_differently_are_rechecked_from_the_raw_columns() -> None:
    """verify_bodies trusts a database-built text only when its hash matches; otherwise the raw
    row decides, so a database escaping quirk never produces a false alarm or a false pass."""
    from steward.domain.audit import verify_bodies

    events, prev = [], GENESIS_HASH
    for seq in range(1, 4):
        event = chain_event(prev, seq, "2026-01-01T00:00:00.000000Z", "ana",
                            PendingEvent("x.y", "t", f"e{seq}", {"n": seq}, "r"))  # fmt: skip
        events.append(event)
        prev = event.hash
    raw = {e.seq: e.stored_row() for e in events}
    good = [
        (
            e.seq,
            event_body(
                e.seq, e.ts, e.actor, e.action, e.entity_type, e.entity_id, e.reason, e.payload_json
            ),
            e.hash,
        )
        for e in events
    ]
    quirky = [good[0], (2, good[1][1].replace('"r"', '"\\u0072"'), good[1][2]), good[2]]
    assert verify_bodies(good, raw.get).ok
    assert verify_bodies(quirky, raw.get).ok  # escaping differs, raw columns agree: fine
    raw[2] = (*raw[2][:6], "edited", *raw[2][7:])
    report = verify_bodies(quirky, raw.get)
    assert not report.ok and report.broken_seq == 2
