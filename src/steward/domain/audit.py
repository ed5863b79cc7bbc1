"""The audit chain: canonical encoding, hashing and verification of events.

An event's hash is SHA-256 over the previous event's hash (hex) followed by the canonical JSON of
the event: keys sorted, no spaces, UTF-8, NaN forbidden. The payload is stored exactly as its
canonical JSON text, so verification hashes the stored bytes and never re-serialises a payload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from steward.domain.errors import InvalidInputError

GENESIS_HASH = "0" * 64
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_json(value: Any) -> str:
    """Canonical JSON text of a JSON-compatible value."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        text.encode("utf-8")  # lone surrogates (from undecodable input) cannot be hashed
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"value is not canonical JSON: {exc}") from None
    return text


def json_sha256(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of a value: the digest of records, policies and
    evidence."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def format_ts(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order in every database."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_TS_FORMAT)


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, _TS_FORMAT).replace(tzinfo=UTC)


def _text(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


def event_body(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    reason: str | None,
    payload_json: str,
    identity: str | None = None,
) -> str:
    """Canonical JSON of one event, written out by hand because the key order is fixed. How the
    actor's identity was established (`identity`) is part of the event from the schema that
    records it on; events written before carry none, and their text is unchanged."""
    return (
        '{"action":'
        + _text(action)
        + ',"actor":'
        + _text(actor)
        + ',"entity_id":'
        + _text(entity_id)
        + ',"entity_type":'
        + _text(entity_type)
        + ("" if identity is None else ',"identity":' + _text(identity))
        + ',"payload":'
        + payload_json
        + ',"reason":'
        + _text(reason)
        + ',"seq":'
        + str(seq)
        + ',"ts":'
        + _text(ts)
        + "}"
    )


def link_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


# A stored row as the verifier reads it:
# (seq, ts, actor, action, entity_type, entity_id, reason, payload_json, hash, identity)
StoredRow = tuple[int, str, str, str, str, str, str | None, str, str, str | None]


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event a use case wants to record; the unit of work numbers, times and chains it."""

    action: str
    entity_type: str
    entity_id: str
    payload: Mapping[str, Any]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    ts: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    reason: str | None
    payload_json: str
    prev_hash: str
    hash: str
    identity: str | None = None  # how the actor was identified: os_login, declared, ...

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)

    def stored_row(self) -> StoredRow:
        """The event as a store keeps it and the verifier reads it."""
        return (
            self.seq,
            self.ts,
            self.actor,
            self.action,
            self.entity_type,
            self.entity_id,
            self.reason,
            self.payload_json,
            self.hash,
            self.identity,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "identity": self.identity,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "reason": self.reason,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def chain_event(
    prev_hash: str,
    seq: int,
    ts: str,
    actor: str,
    pending: PendingEvent,
    identity: str | None = None,
) -> AuditEvent:
    payload_json = canonical_json(dict(pending.payload))
    body = event_body(
        seq,
        ts,
        actor,
        pending.action,
        pending.entity_type,
        pending.entity_id,
        pending.reason,
        payload_json,
        identity,
    )
    try:
        digest = link_hash(prev_hash, body)
    except UnicodeEncodeError:
        raise InvalidInputError(
            "the event has text that is not valid Unicode (a lone surrogate): check the input"
        ) from None
    return AuditEvent(
        seq=seq,
        ts=ts,
        actor=actor,
        action=pending.action,
        entity_type=pending.entity_type,
        entity_id=pending.entity_id,
        reason=pending.reason,
        payload_json=payload_json,
        prev_hash=prev_hash,
        hash=digest,
        identity=identity,
    )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of recomputing a stretch of the chain."""

    checked: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _out_of_sequence(checked: int, prev_hash: str, expected_seq: int, seq: int) -> ChainReport:
    what = "missing" if seq > expected_seq else "duplicated or out of order"
    return ChainReport(
        checked,
        expected_seq - 1,
        prev_hash,
        expected_seq,
        f"event {expected_seq} is {what} (found event {seq} in its place)",
    )


def verify_rows(
    rows: Iterable[StoredRow], prev_hash: str = GENESIS_HASH, expected_seq: int = 1
) -> ChainReport:
    """Recompute the chain over `rows` (ordered by seq) and stop at the first broken link."""
    checked = 0
    sha256 = hashlib.sha256
    enc = encode_basestring
    for seq, ts, actor, action, entity_type, entity_id, reason, payload_json, stored, who in rows:
        if seq != expected_seq:
            return _out_of_sequence(checked, prev_hash, expected_seq, seq)
        # Same text as event_body(), inlined as one f-string: this loop is the verifier's hot path.
        why = "null" if reason is None else enc(reason)
        how = "" if who is None else f',"identity":{enc(who)}'
        body = (
            f'{{"action":{enc(action)},"actor":{enc(actor)},"entity_id":{enc(entity_id)},'
            f'"entity_type":{enc(entity_type)}{how},"payload":{payload_json},"reason":{why},'
            f'"seq":{seq},"ts":{enc(ts)}}}'
        )
        if sha256((prev_hash + body).encode()).hexdigest() != stored:
            return ChainReport(
                checked,
                expected_seq - 1,
                prev_hash,
                seq,
                f"event {seq} does not match its hash: it, or the link before it, was altered",
            )
        prev_hash = stored
        expected_seq += 1
        checked += 1
    return ChainReport(checked, expected_seq - 1, prev_hash)


# A row whose canonical event text the database rebuilt itself: (seq, body, stored hash).
BodyRow = tuple[int, str, str]


def verify_bodies(
    rows: Iterable[BodyRow],
    exact_row: Callable[[int], StoredRow | None],
    prev_hash: str = GENESIS_HASH,
    expected_seq: int = 1,
) -> ChainReport:
    """Like verify_rows, over event texts that SQL rebuilt from the columns (one string per row
    instead of nine is what makes reading fast). Sound because a match means SHA-256 found the
    exact text that was hashed at write time, and the SQL encoding is injective. Where the
    database escapes some rare character differently from Python, the hash does not match; such
    a row is then judged from its raw columns by verify_rows, so no verdict rests on SQL."""
    checked = 0
    sha256 = hashlib.sha256
    for seq, body, stored in rows:
        if seq != expected_seq:
            return _out_of_sequence(checked, prev_hash, expected_seq, seq)
        if sha256((prev_hash + body).encode()).hexdigest() != stored:
            raw = exact_row(seq)
            report = verify_rows([raw] if raw is not None else [], prev_hash, seq)
            if not report.ok or report.checked != 1:
                return ChainReport(
                    checked,
                    expected_seq - 1,
                    prev_hash,
                    seq,
                    report.problem or f"event {seq} is missing",
                )
        prev_hash = stored
        expected_seq += 1
        checked += 1
    return ChainReport(checked, expected_seq - 1, prev_hash)
