"""Plain values the ports exchange: paging, queries, handles, stored artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from steward.domain.naming import MetricFilter

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset paging: `after` is the opaque cursor a previous page returned."""

    limit: int = DEFAULT_PAGE_SIZE
    after: str | None = None


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
