"""Audit use cases: verify the chain and signed checkpoints of it, read the log, export it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from steward.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    ChainReport,
    PendingEvent,
    StoredRow,
    verify_rows,
)
from steward.domain.checkpoint import Checkpoint
from steward.domain.errors import IntegrityBrokenError, InvalidInputError
from steward.domain.inputs import entity_filter
from steward.domain.principal import Principal
from steward.domain.times import to_utc_text
from steward.services.access import Access
from steward.services.ports import (
    AuditQuery,
    ChainHead,
    ChainVerifier,
    Keys,
    Page,
    PageRequest,
    ReadSession,
    Store,
)
from steward.services.use_case import use_case

Progress = Callable[[int, int], None]

VERIFY_BATCH = 20_000
# Below this many events, starting worker processes costs more than it saves.
PARALLEL_FROM = 200_000


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None
    problem: str | None
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.checked / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "broken_seq": self.broken_seq,
            "problem": self.problem,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second) if self.seconds > 0 else None,
        }


class AuditTrail:
    def __init__(
        self, store: Store, keys: Keys, verifier: ChainVerifier | None = None, *, access: Access
    ) -> None:
        self._access = access
        self._store = store
        self._keys = keys
        self._verifier = verifier

    @use_case("audit.read")
    def verify(
        self,
        principal: Principal,
        *,
        on_progress: Progress | None = None,
        checkpoints: Sequence[tuple[str, str]] = (),
        public_key: str | None = None,
        raise_on_break: bool = True,
    ) -> VerifyResult:
        """Recompute every link and compare the end of the chain with the recorded head, so
        that changed, inserted, reordered and deleted events (also at the end) are all found;
        then check signed checkpoints, given as (name, JSON text), against the chain (with
        `public_key`, only checkpoints signed by that key are accepted). Raises
        IntegrityBrokenError naming the first problem, unless `raise_on_break` is False."""
        loaded = [(source, _parse_checkpoint(text, source)) for source, text in checkpoints]
        result = self._verify_chain(on_progress)
        if result.ok and loaded:
            problems = self._check_checkpoints(loaded, public_key)
            if problems:
                result = replace(result, ok=False, problem=problems[0], broken_seq=None)
        if raise_on_break and not result.ok:
            raise IntegrityBrokenError(_verify_message(result))
        return result

    def _verify_chain(self, on_progress: Progress | None) -> VerifyResult:
        started = time.perf_counter()
        with self._store.read() as q:
            head = q.audit.chain_head()
            beyond = _beyond_head(q, head)
            ranges = self._plan(q, head.seq)
            if len(ranges) == 1:
                rows = q.audit.audit_rows(0, head.seq, VERIFY_BATCH)
                report = verify_rows(_reporting(rows, head.seq, on_progress))
        if len(ranges) > 1:
            assert self._verifier is not None
            report = _merge(ranges, self._verifier.verify_ranges(ranges))
            if on_progress is not None:
                on_progress(report.checked, head.seq)
        seconds = time.perf_counter() - started
        if report.ok:
            report = _compare_with_head(report, head.seq, head.hash)
        if report.ok and beyond is not None:
            # Checked last: a renumbered event leaves a gap, and the gap is the first break.
            report = ChainReport(
                report.checked, report.last_seq, report.last_hash, beyond.broken_seq, beyond.problem
            )
        return VerifyResult(
            ok=report.ok,
            checked=report.checked,
            head_seq=head.seq,
            head_hash=head.hash,
            broken_seq=report.broken_seq,
            problem=report.problem,
            seconds=seconds,
        )

    def _plan(self, q: ReadSession, head_seq: int) -> list[tuple[int, int, str]]:
        """One stretch per worker for long chains; each starts from the stored hash before it
        (a wrong stored hash there is caught as the previous stretch's last broken link)."""
        workers = self._verifier.workers if self._verifier is not None else 1
        if workers < 2 or head_seq < PARALLEL_FROM:
            return [(1, head_seq, GENESIS_HASH)]
        size = -(-head_seq // workers)
        ranges: list[tuple[int, int, str]] = []
        for start in range(1, head_seq + 1, size):
            before = q.audit.audit_event(start - 1) if start > 1 else None
            prev = GENESIS_HASH if start == 1 else (before.hash if before else "")
            ranges.append((start, min(start + size - 1, head_seq), prev))
        return ranges

    @use_case("audit.checkpoint")
    def generate_key(self, principal: Principal, path: str | Path) -> str:
        """Write a new Ed25519 private key for signing checkpoints (readable by its owner
        only; an existing file is never overwritten); returns the public key in hex."""
        return self._keys.generate(Path(path))

    @use_case("audit.checkpoint")
    def checkpoint(self, principal: Principal, key: str | Path) -> Checkpoint:
        """Sign the chain's current head with the Ed25519 key in the file `key`, and record in
        the trail that it was signed. Keep the result where the database administrator cannot
        change it."""
        signer = self._keys.signer(Path(key))
        actor = principal.name
        with self._store.write(principal) as tx:
            with self._store.read() as q:
                head = q.audit.chain_head()
            if head.seq == 0:
                raise InvalidInputError("the audit trail is empty: there is nothing to checkpoint")
            unsigned = Checkpoint(head.seq, head.hash, head.ts, tx.now, actor, signer.public_key)
            signed = replace(unsigned, signature=signer.sign(unsigned.message()))
            tx.record(
                PendingEvent(
                    "audit.checkpoint_signed",
                    "audit",
                    str(head.seq),
                    {"seq": head.seq, "hash": head.hash, "public_key": signer.public_key},
                )
            )
            tx.commit()
        return signed

    def _check_checkpoints(
        self, checkpoints: list[tuple[str, Checkpoint]], trusted_key: str | None
    ) -> list[str]:
        """Problems found, one line each: a signature that does not hold, or a chain that no
        longer contains the signed event with the signed hash."""
        problems: list[str] = []
        with self._store.read() as q:
            for source, cp in checkpoints:
                if trusted_key is not None and cp.public_key != trusted_key.lower():
                    problems.append(f"{source}: signed by another key ({cp.public_key[:16]}…)")
                elif not self._keys.valid(cp.public_key, cp.message(), cp.signature):
                    problems.append(f"{source}: the signature does not match the checkpoint")
                else:
                    event = q.audit.audit_event(cp.seq)
                    if event is None:
                        problems.append(
                            f"{source}: the chain has no event {cp.seq} any more: it was truncated"
                        )
                    elif event.hash != cp.hash:
                        problems.append(
                            f"{source}: event {cp.seq} no longer has the hash signed at "
                            f"{cp.signed_at}: the chain was rewritten"
                        )
        return problems

    @use_case("audit.read")
    def log(
        self,
        principal: Principal,
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        newest_first: bool = True,
        page: PageRequest | None = None,
    ) -> Page[AuditEvent]:
        """Events matching every filter given: `entity` as PROJECT[/MODEL[/NUMBER]] or
        TYPE:ID; `since` and `until` as times or dates."""
        query = _audit_query(entity, actor, action, since, until, newest_first)
        with self._store.read() as q:
            return q.audit.audit_events(query, page or PageRequest())

    @use_case("audit.read")
    def export(
        self,
        principal: Principal,
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        batch: int = 1000,
    ) -> Iterator[str]:
        """Matching events as JSON Lines, oldest first, read page by page. Each line carries
        `payload_canonical`, the exact text that was hashed, so that any language can
        re-verify an export without re-serialising JSON. All pages come from one read
        session, so an export is one snapshot: events recorded meanwhile are not in it."""
        query = _audit_query(entity, actor, action, since, until, newest_first=False)
        cursor: str | None = None
        with self._store.read() as q:
            while True:
                page = q.audit.audit_events(query, PageRequest(limit=batch, after=cursor))
                for event in page.items:
                    line = event.as_dict()
                    line["payload_canonical"] = event.payload_json
                    yield json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
                if page.next_cursor is None:
                    return
                cursor = page.next_cursor


def _audit_query(
    entity: str | None,
    actor: str | None,
    action: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    newest_first: bool,
) -> AuditQuery:
    entity_type, entity_id = entity_filter(entity)
    return AuditQuery(
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        action=action,
        since=to_utc_text(since, date_means="start") if since is not None else None,
        until=to_utc_text(until) if until is not None else None,
        newest_first=newest_first,
    )


def _parse_checkpoint(text: str, source: str) -> Checkpoint:
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInputError(f"{source}: not JSON") from None
    return Checkpoint.from_dict(data, source)


def _verify_message(result: VerifyResult) -> str:
    if result.broken_seq is not None:
        return f"audit chain broken at event {result.broken_seq}: {result.problem}"
    return f"audit checkpoint check failed: {result.problem}"


def _reporting(
    rows: Iterator[StoredRow], total: int, on_progress: Callable[[int, int], None] | None
) -> Iterator[StoredRow]:
    if on_progress is None:
        yield from rows
        return
    for count, row in enumerate(rows, start=1):
        if count % VERIFY_BATCH == 0:
            on_progress(count, total)
        yield row
    on_progress(total, total)


def _beyond_head(q: ReadSession, head: ChainHead) -> ChainReport | None:
    """Events numbered past the recorded head were not written through Steward (or the head
    was rolled back). Re-reading the head tells them from a writer that committed meanwhile."""
    last = q.audit.max_audit_seq()
    if last <= head.seq or last <= q.audit.chain_head().seq:
        return None
    first = head.seq + 1
    return ChainReport(
        0,
        head.seq,
        head.hash,
        first,
        f"event {first} lies beyond the recorded head (event {head.seq}): it was inserted "
        "outside Steward or the head was rolled back",
    )


def _merge(ranges: list[tuple[int, int, str]], reports: list[ChainReport]) -> ChainReport:
    """Combine per-stretch reports into one: the first broken link in chain order wins."""
    checked = 0
    last_seq, last_hash = 0, GENESIS_HASH
    for (_, end, _), report in zip(ranges, reports, strict=True):
        checked += report.checked
        if not report.ok:
            return ChainReport(
                checked, report.last_seq, report.last_hash, report.broken_seq, report.problem
            )
        if report.last_seq != end:
            missing = report.last_seq + 1
            return ChainReport(
                checked, report.last_seq, report.last_hash, missing, f"event {missing} is missing"
            )
        last_seq, last_hash = report.last_seq, report.last_hash
    return ChainReport(checked, last_seq, last_hash)


def _compare_with_head(report: ChainReport, head_seq: int, head_hash: str) -> ChainReport:
    if report.last_seq < head_seq:
        return ChainReport(
            report.checked,
            report.last_seq,
            report.last_hash,
            report.last_seq + 1,
            f"the chain ends at event {report.last_seq} but its head records event {head_seq}: "
            "events were removed",
        )
    if (
        report.last_seq > head_seq
        or (head_seq and report.last_hash != head_hash)
        or (head_seq == 0 and report.last_hash != GENESIS_HASH)
    ):
        return ChainReport(
            report.checked,
            report.last_seq,
            report.last_hash,
            head_seq + 1 if report.last_seq > head_seq else head_seq,
            f"the chain's last event ({report.last_seq}) does not match its recorded head "
            f"(event {head_seq}): the end of the chain was rewritten",
        )
    return report
