"""The one window profiler: a stream of Arrow tables cut into monitoring windows by a time
column, each window's rows profiled on a reference's terms, the profiles merged.

`steward monitor ingest`, the SDK (both through `Monitor.ingest`), `profile_windows` and the
partitions of the Spark profiler all profile their rows here. Each batch is profiled on its own
(`profile_batch`), in a small pool of threads when `workers` is above 1: the work is Arrow and
numpy kernels that release the GIL, so the batches of one file are profiled on several cores.
The partial profiles are merged on the calling thread in the order the batches were read, so
the result does not depend on the number of workers (up to rounding of the mean and M2) and
every batch is counted once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.domain.windows import Window
from steward.stats.arrow_numpy import floats, integers, valid_mask
from steward.stats.profile import Profile, profile_like
from steward.stats.profile_values import Floats
from steward.stats.score_sums import ScoreSums, score_sums
from steward.stats.windows import epoch_seconds, split_by_window

DEFAULT_WORKERS = 2
# Batches read ahead of the one being merged, per worker: enough to keep the workers busy while
# the reader decodes the next one, few enough that memory stays a handful of batches.
_AHEAD_PER_WORKER = 1

Pieces = Callable[[int, pa.Table, Floats], None]


@dataclass(frozen=True, slots=True)
class ScoreTerms:
    """How the scores of a batch are read: `column` holds them, they are profiled as the
    reference's column `profile_as`, and summed with `threshold` and `calibration`."""

    column: str
    profile_as: str
    threshold: float = 0.5
    calibration: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class WindowTerms:
    """What every batch is profiled on: the reference, the time column (None: every row goes in
    the window `fixed_start`), the window width and the scores, if any."""

    reference: Profile
    time_column: str | None
    window: Window
    fixed_start: int
    scores: ScoreTerms | None = None
    keep_pieces: bool = False
    # Times (epoch seconds, inclusive) outside which a row is counted as out of range.
    earliest: int | None = None
    latest: int | None = None
    # Rows whose value in this column is in this set are left out (ids already ingested).
    skip_column: str | None = None
    skip_values: pa.Array | None = None


@dataclass(slots=True)
class TimeSpan:
    """The times of the rows counted: first and last, and the rows before `earliest` and
    after `latest`, each with the first such row's number (from 0, in reading order) and
    time."""

    first: int | None = None
    last: int | None = None
    early: int = 0
    late: int = 0
    first_early: tuple[int, int] | None = None
    first_late: tuple[int, int] | None = None

    def add(self, other: TimeSpan, offset: int) -> None:
        if other.first is not None:
            self.first = other.first if self.first is None else min(self.first, other.first)
        if other.last is not None:
            self.last = other.last if self.last is None else max(self.last, other.last)
        self.early += other.early
        self.late += other.late
        if self.first_early is None and other.first_early is not None:
            self.first_early = (other.first_early[0] + offset, other.first_early[1])
        if self.first_late is None and other.first_late is not None:
            self.first_late = (other.first_late[0] + offset, other.first_late[1])


@dataclass(slots=True)
class BatchParts:
    """One batch's profiles by window start, its score sums, its rows and untimed rows, and,
    when asked for, its pieces and their scores (to be handed on in order)."""

    profiles: dict[int, Profile]
    sums: dict[int, ScoreSums]
    rows: int
    untimed: int
    pieces: list[tuple[int, pa.Table, Floats]] = field(default_factory=list)
    span: TimeSpan = field(default_factory=TimeSpan)
    skipped: int = 0


@dataclass(slots=True)
class WindowTotals:
    """The merged profile and score sums of each window, and the rows, untimed rows and
    batches seen."""

    profiles: dict[int, Profile] = field(default_factory=dict)
    sums: dict[int, ScoreSums] = field(default_factory=dict)
    rows: int = 0
    untimed: int = 0
    batches: int = 0
    span: TimeSpan = field(default_factory=TimeSpan)
    skipped: int = 0

    def add(self, part: BatchParts) -> None:
        self.span.add(part.span, self.rows)
        self.skipped += part.skipped
        for start, profile in part.profiles.items():
            known = self.profiles.get(start)
            self.profiles[start] = profile if known is None else known.merge(profile)
        for start, sums in part.sums.items():
            earlier = self.sums.get(start)
            self.sums[start] = sums if earlier is None else earlier.merge(sums)
        self.rows += part.rows
        self.untimed += part.untimed
        self.batches += 1

    def sorted(self) -> WindowTotals:
        return WindowTotals(
            dict(sorted(self.profiles.items())),
            dict(sorted(self.sums.items())),
            self.rows,
            self.untimed,
            self.batches,
            self.span,
            self.skipped,
        )


def profile_batch(terms: WindowTerms, batch: pa.Table) -> BatchParts:
    """The profile of each window's rows of one batch, on the reference's terms."""
    scores = terms.scores
    if scores is not None:
        batch = batch.append_column(scores.profile_as, batch.column(scores.column))
    read = batch.num_rows
    span = TimeSpan()
    seconds = None
    keep = None
    skipped = 0
    if terms.skip_column is not None and terms.skip_values is not None:
        keep = pc.invert(
            pc.is_in(pc.cast(batch.column(terms.skip_column), pa.string()), terms.skip_values)
        )
        keep = pc.fill_null(keep, True)
        skipped = read - int(pc.sum(keep).as_py() or 0)
    if terms.time_column is not None:
        seconds = epoch_seconds(batch, terms.time_column)
        # Rows left out (ids already ingested) neither bound the span nor count as out of
        # range; row numbers stay those of the data as read.
        counted = None if keep is None else keep.to_numpy(zero_copy_only=False)
        span = _span(seconds, terms.earliest, terms.latest, counted)
    if keep is not None and skipped:
        batch = batch.filter(keep)
        seconds = None if seconds is None else seconds.filter(keep)
    if terms.time_column is None:
        pieces, untimed = {terms.fixed_start: batch}, 0
    else:
        pieces, untimed = split_by_window(batch, terms.time_column, terms.window, seconds)
    part = BatchParts({}, {}, read, untimed, span=span, skipped=skipped)
    for start, piece in pieces.items():
        if piece.num_rows == 0:
            continue
        part.profiles[start] = profile_like(terms.reference, piece)
        if scores is None:
            continue
        values = score_values(piece.column(scores.profile_as))
        part.sums[start] = score_sums(
            values, threshold=scores.threshold, calibration=scores.calibration
        )
        if terms.keep_pieces:
            part.pieces.append((start, piece, values))
    return part


def _span(
    seconds: pa.Array,
    earliest: int | None,
    latest: int | None,
    counted: np.ndarray[Any, np.dtype[np.bool_]] | None = None,
) -> TimeSpan:
    values = integers(seconds)
    valid = valid_mask(seconds)
    if counted is not None:
        valid = valid & counted
    if not valid.any():
        return TimeSpan()
    timed = values[valid]
    span = TimeSpan(int(timed.min()), int(timed.max()))
    if earliest is not None:
        early = valid & (values < earliest)
        span.early = int(early.sum())
        if span.early:
            index = int(np.argmax(early))
            span.first_early = (index, int(values[index]))
    if latest is not None:
        late = valid & (values > latest)
        span.late = int(late.sum())
        if span.late:
            index = int(np.argmax(late))
            span.first_late = (index, int(values[index]))
    return span


def profile_stream(
    terms: WindowTerms,
    batches: Iterable[pa.Table],
    *,
    workers: int = DEFAULT_WORKERS,
    first: Callable[[pa.Table], None] | None = None,
    on_piece: Pieces | None = None,
    progress: Callable[[int], None] | None = None,
) -> WindowTotals:
    """Profile every batch into its windows and merge them. `first` checks the first batch
    before any work is done; `on_piece` receives each window's piece of each batch with its
    scores (only with score terms), in the order the rows were read; `progress` the number of
    rows read after each batch."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInputError(f"workers must be a whole number of at least 1, got {workers!r}")
    totals = WindowTotals()
    for part in _parts(terms, _checked(batches, first), workers):
        totals.add(part)
        if on_piece is not None:
            for start, piece, values in part.pieces:
                on_piece(start, piece, values)
        if progress is not None:
            progress(totals.rows)
    return totals.sorted()


def profile_passes(
    terms: WindowTerms,
    passes: Sequence[tuple[Sequence[str], Iterable[pa.Table]]],
    *,
    workers: int = DEFAULT_WORKERS,
    first: Callable[[pa.Table], None] | None = None,
    on_piece: Pieces | None = None,
    progress: Callable[[int], None] | None = None,
) -> WindowTotals:
    """Profile rows read in one or more passes, each pass holding a group of the reference's
    columns (`steward.stats.stream.read_in_passes`), and join each window's column profiles.
    The first pass also carries the scores, `first` and `on_piece`; `progress` counts each
    pass as its share of the rows, so it ends at the number of rows. The passes must see the
    same rows: a file that changed between them is refused."""
    if len(passes) == 1:
        batches = passes[0][1]
        return profile_stream(
            terms, batches, workers=workers, first=first, on_piece=on_piece, progress=progress
        )
    count = len(passes)
    results: list[WindowTotals] = []
    for number, (columns, batches) in enumerate(passes):
        lead = number == 0
        done = number * results[0].rows if results else 0
        counted = None if progress is None else _share(progress, done, count)
        results.append(
            profile_stream(
                _pass_terms(terms, columns, lead),
                batches,
                workers=workers,
                first=first if lead else None,
                on_piece=on_piece if lead else None,
                progress=counted,
            )
        )
    return _joined(terms.reference, results)


def _share(progress: Callable[[int], None], done: int, count: int) -> Callable[[int], None]:
    return lambda rows: progress((done + rows) // count)


def _pass_terms(terms: WindowTerms, columns: Sequence[str], lead: bool) -> WindowTerms:
    """The terms of one pass: the reference's columns of the group (and the scores' column in
    the first pass)."""
    keep = set(columns)
    if lead and terms.scores is not None:
        keep.add(terms.scores.profile_as)
    reference = terms.reference
    narrowed = Profile(
        reference.rows,
        {name: column for name, column in reference.columns.items() if name in keep},
        reference.max_categories,
    )
    return replace(
        terms,
        reference=narrowed,
        scores=terms.scores if lead else None,
        keep_pieces=terms.keep_pieces and lead,
    )


def _joined(reference: Profile, results: Sequence[WindowTotals]) -> WindowTotals:
    lead = results[0]
    for other in results[1:]:
        same = (
            other.rows == lead.rows
            and other.untimed == lead.untimed
            and other.profiles.keys() == lead.profiles.keys()
            and all(p.rows == lead.profiles[s].rows for s, p in other.profiles.items())
        )
        if not same:
            raise InvalidInputError(
                "the file changed while it was read: its passes over the columns found "
                "different rows"
            )
    profiles: dict[int, Profile] = {}
    for start, profile in lead.profiles.items():
        found = {n: c for r in results for n, c in r.profiles[start].columns.items()}
        columns = {name: found[name] for name in reference.columns if name in found}
        profiles[start] = Profile(profile.rows, columns, profile.max_categories)
    batches = sum(result.batches for result in results)
    return WindowTotals(
        profiles, lead.sums, lead.rows, lead.untimed, batches, lead.span, lead.skipped
    )


def score_values(column: pa.ChunkedArray | pa.Array) -> Floats:
    """Scores as float64 (nulls as NaN). A missing score is a null and is left out; a NaN is
    not a probability (a failed computation upstream) and is refused."""
    try:
        values = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise InvalidInputError("the prediction column must hold numbers (scores)") from None
    not_numbers = pc.sum(pc.is_nan(values)).as_py() or 0
    if not_numbers:
        raise InvalidInputError(
            f"scores must be probabilities in [0, 1]: {not_numbers:,} score(s) are NaN "
            "(leave a missing score empty: a null is left out)"
        )
    return floats(values)


def _checked(
    batches: Iterable[pa.Table], first: Callable[[pa.Table], None] | None
) -> Iterator[pa.Table]:
    for number, batch in enumerate(batches):
        if number == 0 and first is not None:
            first(batch)
        yield batch


def _parts(terms: WindowTerms, batches: Iterator[pa.Table], workers: int) -> Iterator[BatchParts]:
    """Each batch's parts, in the order of the batches; with several workers, a few batches
    are profiled at once while the next ones are read."""
    if workers == 1:
        for batch in batches:
            yield profile_batch(terms, batch)
        return
    ahead = workers * _AHEAD_PER_WORKER
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="steward-profile") as pool:
        pending: deque[Future[BatchParts]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(profile_batch, terms, batch))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


__all__ = [
    "DEFAULT_WORKERS",
    "BatchParts",
    "ScoreTerms",
    "TimeSpan",
    "WindowTerms",
    "WindowTotals",
    "profile_batch",
    "profile_passes",
    "profile_stream",
    "score_values",
]
