"""Plain values the ports exchange: paging, queries, handles, stored artifacts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from steward.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.domain.naming import MetricFilter

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_CURSOR = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset paging: `after` is the opaque cursor a previous page returned."""

    limit: int = DEFAULT_PAGE_SIZE
    after: str | None = None

    def position(self) -> int | None:
        """The key after which the page starts, refusing a size out of range or a cursor no
        page returned (at most 18 digits: keys are 64-bit, and the databases refuse larger)."""
        if self.limit < 1 or self.limit > MAX_PAGE_SIZE:
            raise InvalidInputError(
                f"page size must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}"
            )
        if self.after is None:
            return None
        if not _CURSOR.fullmatch(self.after):
            raise InvalidInputError(f"malformed page cursor {self.after!r}")
        return int(self.after)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class VersionQuery:
    project: str | None = None
    model: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    stage: str | None = None
    metrics: tuple[MetricFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditQuery:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str
    ts: str | None


@dataclass(frozen=True, slots=True)
class VersionHandle:
    """What a write needs to know about an existing version."""

    id: int
    model_id: int
    ref: str
    stage: str


@dataclass(slots=True)
class StoredArtifact:
    digest: str
    size: int
    created: bool = field(default=False)
