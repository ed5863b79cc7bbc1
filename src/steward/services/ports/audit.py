"""The audit trail's ports: reading the chain, verifying stretches of it in parallel, signing
checkpoints of its head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from steward.domain.audit import AuditEvent, ChainReport, StoredRow
    from steward.services.ports.values import AuditQuery, ChainHead, Page, PageRequest


class AuditReads(Protocol):
    def audit_events(self, query: AuditQuery, page: PageRequest) -> Page[AuditEvent]: ...
    def audit_rows(self, after_seq: int, until_seq: int, batch: int) -> Iterator[StoredRow]:
        """Stored rows with `after_seq < seq <= until_seq`, in sequence order."""
        ...

    def audit_event(self, seq: int) -> AuditEvent | None: ...
    def chain_head(self) -> ChainHead: ...
    def max_audit_seq(self) -> int: ...


class ChainVerifier(Protocol):
    """Verifies stretches of the audit chain concurrently: each item is (first seq, last seq,
    stored hash of the event before the first)."""

    workers: int

    def verify_ranges(self, ranges: list[tuple[int, int, str]]) -> list[ChainReport]: ...


class Signer(Protocol):
    public_key: str

    def sign(self, message: bytes) -> str: ...


class Keys(Protocol):
    """Ed25519 keys for checkpoints: made and read from files the user names."""

    def generate(self, path: Path) -> str:
        """Writes a new private key (readable by its owner only); returns the public key."""
        ...

    def signer(self, path: Path) -> Signer:
        """The private key in `path`; InvalidInputError when it is missing or not a key."""
        ...

    def valid(self, public_key: str, message: bytes, signature: str) -> bool: ...
