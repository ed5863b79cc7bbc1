"""The audit trail in the SDK: verify it (and signed checkpoints of it), sign checkpoints, read
and export the log."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from steward.sdk import files
from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime
    from pathlib import Path

    from steward.domain.audit import AuditEvent
    from steward.domain.checkpoint import Checkpoint
    from steward.services.audit import VerifyResult
    from steward.services.ports import Page


class AuditMethods(ClientBase):
    def verify_audit(
        self,
        *,
        raise_on_break: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
        checkpoints: Iterable[str | Path] = (),
        public_key: str | None = None,
    ) -> VerifyResult:
        """Recompute the audit chain, then check any signed checkpoint files against it (with
        `public_key`, only checkpoints signed by that key are accepted). Raises
        IntegrityBrokenError naming the first problem (or returns the failed result with
        raise_on_break=False)."""
        texts = [(str(p), files.read_text(p, "checkpoint file")[0]) for p in checkpoints]
        return self._s.audit.verify(
            self._p,
            on_progress=on_progress,
            checkpoints=texts,
            public_key=public_key,
            raise_on_break=raise_on_break,
        )

    def audit_keygen(self, path: str | Path) -> str:
        """Write a new Ed25519 signing key for checkpoints (readable by you only); returns the
        public key to publish for `verify_audit(public_key=...)`."""
        return self._s.audit.generate_key(self._p, path)

    def audit_checkpoint(self, key: str | Path) -> Checkpoint:
        """Sign the chain's current head with an Ed25519 key (see `audit_keygen`). Keep the
        result where the database administrator cannot change it."""
        return self._s.audit.checkpoint(self._p, key)

    def audit_log(
        self,
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        newest_first: bool = True,
        limit: int = 50,
        after: str | None = None,
    ) -> Page[AuditEvent]:
        from steward.services.ports import PageRequest

        return self._s.audit.log(
            self._p,
            entity=entity,
            actor=actor,
            action=action,
            since=since,
            until=until,
            newest_first=newest_first,
            page=PageRequest(limit, after),
        )

    def audit_export(
        self,
        out: IO[str],
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> int:
        """Write matching events as JSON Lines to `out`, oldest first; return how many. Each line
        carries `payload_canonical`, the exact text that was hashed, so that any language can
        re-verify an export without re-serialising JSON."""
        count = 0
        for line in self._s.audit.export(
            self._p, entity=entity, actor=actor, action=action, since=since, until=until
        ):
            out.write(line)
            count += 1
        return count
