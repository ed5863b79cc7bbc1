"""What an ingest must not do to a version's windows: count the same data twice, count rows
from before the version served, or from the future. Part of `Monitor.ingest`.

The same file or frame (by content digest) is recognised and not counted again; rows whose
prediction id an earlier ingest logged are left out; rows stamped before the version entered
the serving stage it is monitored in (a backfill) are refused unless the caller admits them,
and rows stamped in the future beyond a small clock skew are always refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.audit import parse_ts
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.monitoring import Ingest
from steward.domain.naming import VersionRef
from steward.domain.windows import window_text
from steward.services.governed import Governed
from steward.services.ports import ArtifactStore, ReadSession
from steward.stats.window_profiler import TimeSpan

# Seconds a row may be stamped ahead of this machine's clock (clocks of producers drift).
CLOCK_SKEW = 300


@dataclass(frozen=True, slots=True)
class Bounds:
    """The times an ingest's rows may carry, and why: `since` names the stage entered."""

    earliest: int | None
    latest: int
    since: str | None = None


def bounds(q: ReadSession, governed: Governed, ref: VersionRef, now: int, backfill: bool) -> Bounds:
    """Rows may be stamped from when the version entered the serving stage it holds (unless
    `backfill`) up to now plus the clock skew. A version in no serving stage is monitored
    before deployment (shadow scoring): only the future is refused."""
    latest = now + CLOCK_SKEW
    stage = governed.handle.stage
    if backfill or stage not in governed.policy.stages.exclusive:
        return Bounds(None, latest)
    entered = [
        change
        for change in q.registry.stage_history(ref.project, ref.model, None)
        if change.version_ref == str(ref) and change.to_stage == stage
    ]
    if not entered:
        return Bounds(None, latest)
    at = entered[-1].at
    return Bounds(int(parse_ts(at).timestamp()), latest, f"{stage} at {at}")


def refuse_out_of_range(span: TimeSpan, limits: Bounds, ref: VersionRef, column: str) -> None:
    """InvalidInputError naming how many rows fall outside the bounds and the first of them."""
    if span.first_late is not None:
        row, at = span.first_late
        raise InvalidInputError(
            f"{span.late:,} row(s) are stamped in the future (after "
            f"{window_text(limits.latest)}, now plus {CLOCK_SKEW // 60} minutes of clock skew) "
            f"in {column!r}; first: row {row + 1:,}, at {window_text(at)}: fix the clock or "
            "the time column"
        )
    if span.first_early is None:
        return
    row, at = span.first_early
    first = f"first: row {row + 1:,}, at {window_text(at)}"
    raise InvalidInputError(
        f"{span.early:,} row(s) are stamped before {ref} entered {limits.since} in "
        f"{column!r}; {first}: pass --allow-backfill (allow_backfill=True) to admit them"
    )


def replaced_ingest(q: ReadSession, version_id: int, ref: VersionRef, ingest: int) -> Ingest:
    """The earlier ingest of the version that `--replace` names, if it still counts."""
    for found in q.monitoring.ingests(version_id):
        if found.id == ingest:
            if found.replaced_by is not None:
                raise InvalidInputError(
                    f"ingest {ingest} of {ref} was replaced already, by ingest "
                    f"{found.replaced_by}: replace that one"
                )
            return found
    raise NotFoundError(f"{ref} has no ingest {ingest}: `steward monitor ingests` lists them")


def repeated_ids(
    ids: pa.Array, artifacts: ArtifactStore, digests: tuple[str, ...]
) -> pa.Array | None:
    """The ids of the incoming rows that the prediction logs `digests` hold (those rows are
    left out), or None; a file that repeats an id of its own is refused."""
    from steward.services.monitor_feedback import logged

    text = pc.cast(ids, pa.string())
    present = text.filter(pc.is_valid(text))
    distinct = pc.unique(present)
    if len(distinct) < len(present):
        counts = pc.value_counts(present)
        repeated = counts.filter(pc.greater(counts.field("counts"), 1))
        first = repeated[0]["values"].as_py()
        raise InvalidInputError(
            f"{len(present) - len(distinct):,} row(s) repeat a prediction id of the same data "
            f"(first: {first!r}): each prediction must have its own id"
        )
    if not digests:
        return None
    earlier = logged(artifacts, digests).column("id").combine_chunks()
    seen = distinct.filter(pc.is_in(distinct, value_set=earlier))
    return seen if len(seen) else None
