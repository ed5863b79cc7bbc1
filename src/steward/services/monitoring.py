"""Production monitoring: a version's reference profile, ingesting production rows into window
profiles, late labels, series, and what follows from them (results, alerts, actions).

Every write happens in one transaction: the window profiles of an ingest, the results of the
windows it touched, the alerts they raise and the actions those take are committed together or
not at all. Notifications are queued in the same transaction and sent after it (see
`steward.services.outbox`), so a slow receiver never holds the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from steward.domain.errors import InvalidInputError, MissingExtraError
from steward.domain.monitoring import (
    PREDICTION,
    Ingest,
)
from steward.domain.naming import VersionRef
from steward.domain.policy import Monitoring
from steward.domain.principal import Principal
from steward.domain.windows import BATCH_ROWS, Window, parse_window, window_text
from steward.services.governed import GovernanceContext
from steward.services.inventory import Inventory
from steward.services.monitor_actions import Reactor
from steward.services.monitor_log import PredictionLog, check_extras
from steward.services.monitor_reads import source_label
from steward.services.monitor_signals import (
    same_terms,
    tier_monitoring,
)
from steward.services.monitor_store import IngestBatch, IngestResult, WindowStore
from steward.services.outbox import DeliveryOutcome, Outbox
from steward.services.ports import ModelCodec, MonitorReportRenderer, SparkProfiler
from steward.services.use_case import use_case
from steward.stats.profile import Profile
from steward.stats.score_sums import ScoreSums

if TYPE_CHECKING:
    from steward.stats.window_profiler import WindowTotals

Progress = Callable[[int], None]


class Monitor(WindowStore):
    """Production monitoring of registered versions. A version is named PROJECT/MODEL/NUMBER,
    or as the deployment PROJECT/MODEL@STAGE: the version serving in that stage."""

    def __init__(
        self,
        ctx: GovernanceContext,
        inventory: Inventory,
        outbox: Outbox,
        codec: ModelCodec,
        reports: MonitorReportRenderer,
        *,
        spark: SparkProfiler | None = None,
        retrain_hook: str | None = None,
        retrain_secret_env: str | None = None,
    ) -> None:
        self._ctx = ctx
        self._access = ctx.access
        self._inventory = inventory
        self._artifacts = ctx.artifacts
        self._outbox = outbox
        self._codec = codec
        self._reports = reports
        self._spark = spark
        self._reactor = Reactor(retrain_hook, retrain_secret_env)

    @use_case("monitor.ingest")
    def ingest(
        self,
        principal: Principal,
        target: str | VersionRef,
        source: object,
        *,
        time_column: str | None = None,
        window: str | Window | None = None,
        prediction_column: str | None = None,
        id_column: str | None = None,
        threshold: float = 0.5,
        batch_rows: int = BATCH_ROWS,
        progress: Progress | None = None,
        deliver: bool = True,
        replace: int | None = None,
        allow_backfill: bool = False,
    ) -> IngestResult:
        """Profile production rows (pandas, Polars, Arrow, or a Parquet/CSV path, read in
        batches) into windows, merge them with what the windows already hold, evaluate the
        touched windows and raise the alerts the policy's rules call for; then send the
        notifications they queue unless `deliver` is False.

        The same data ingested again is not counted twice (the result names the earlier
        ingest); rows whose id an earlier ingest logged are left out; `replace` swaps the
        earlier ingest of that number for this one. Rows stamped before the version entered
        its serving stage are refused unless `allow_backfill`, and rows from the future
        always."""
        from steward.services.monitor_guard import refuse_out_of_range
        from steward.stats.stream import content_digest, csv_types, read_in_passes
        from steward.stats.window_profiler import ScoreTerms, WindowTerms, profile_passes

        ref = self._target(target)
        if id_column is not None and prediction_column is None:
            raise InvalidInputError("--id-column needs --prediction-column: labels join to scores")
        digest = content_digest(source)
        reference, stored = self._reference(ref)
        width = self._window_for(ref, window)
        if prediction_column is not None and PREDICTION not in reference.columns:
            raise InvalidInputError(
                f"{ref}'s reference profile holds no prediction to compare "
                f"{prediction_column!r} with: set a reference with scores first"
            )
        now_epoch = int(datetime.now(UTC).timestamp())
        earlier, limits, version_id, replaced = self._guard(
            ref, digest, replace, now_epoch, allow_backfill
        )
        if earlier is not None:
            return self._already(ref, earlier)
        skip, logs_seen = self._logged_ids(source, id_column, batch_rows, version_id, replaced)
        wanted = [name for name in reference.columns if name != PREDICTION]
        extras = [c for c in (time_column, prediction_column, id_column) if c is not None]
        logger = PredictionLog() if id_column is not None else None
        scores = None
        if prediction_column is not None:
            calibration = stored.calibration if stored is not None else None
            scores = ScoreTerms(prediction_column, PREDICTION, threshold, calibration)
        terms = WindowTerms(
            reference,
            time_column,
            width,
            width.start_of(now_epoch),
            scores,
            logger is not None,
            earliest=limits.earliest,
            latest=limits.latest,
            skip_column=id_column if skip is not None else None,
            skip_values=skip,
        )
        every_pass = [c for c in (time_column,) if c is not None]
        if skip is not None and id_column is not None:
            every_pass.append(id_column)
        passes = read_in_passes(
            source,
            wanted,
            every_pass=every_pass,
            first_pass=[c for c in (prediction_column, id_column) if c not in every_pass and c],
            batch_rows=batch_rows,
            column_types=csv_types(reference),
        )
        totals = profile_passes(
            terms,
            passes,
            first=lambda batch: check_extras(batch, extras),
            on_piece=None if logger is None else logger.piece_adder(id_column),
            progress=progress,
        )
        if time_column is not None:
            refuse_out_of_range(totals.span, limits, ref, time_column)
        notes = _profiled_notes(totals, time_column)
        if not totals.profiles and replaced is not None:
            raise InvalidInputError(
                f"every row of the data carries a prediction id another ingest logged: ingest "
                f"{replaced.id} was not replaced"
            )
        if not totals.profiles:
            return IngestResult(str(ref), 0, 0, [], [], [], 0, notes, skipped=totals.skipped)
        log_digest = None
        if logger is not None and logger.rows:
            log_digest = self._artifacts.put(logger.parquet()).digest
        span = totals.span
        batch = IngestBatch(
            {start: (p, totals.sums.get(start)) for start, p in totals.profiles.items()},
            width,
            source_label(source),
            digest,
            totals.untimed,
            notes,
            span=(
                None if span.first is None else window_text(span.first),
                None if span.last is None else window_text(span.last),
            ),
            replaces=replaced,
            skipped=totals.skipped,
            prediction_log=None if logger is None else (log_digest, logger.rows),
            logs_seen=logs_seen,
        )
        return self._store_windows(principal, ref, reference, batch, deliver=deliver)

    def _logged_ids(
        self,
        source: object,
        id_column: str | None,
        batch_rows: int,
        version_id: int,
        replaced: Ingest | None,
    ) -> tuple[pa.Array | None, tuple[str, ...] | None]:
        """Ids of the incoming rows that an earlier ingest (other than the one replaced)
        logged, and the prediction logs read to decide it; a source that repeats an id of its
        own is refused."""
        from steward.services.monitor_guard import repeated_ids
        from steward.stats.stream import read_column

        if id_column is None:
            return None, None
        ids = read_column(source, id_column, batch_rows)
        with self._ctx.store.read() as q:
            exclude = None if replaced is None else replaced.audit_seq
            logs = tuple(
                d for d, _ in q.monitoring.monitor_logs(version_id, "predictions", exclude)
            )
        return repeated_ids(ids, self._artifacts, logs), logs

    @use_case("monitor.ingest")
    def ingest_spark(
        self,
        principal: Principal,
        target: str | VersionRef,
        frame: object,
        *,
        time_column: str | None = None,
        window: str | None = None,
        deliver: bool = True,
        allow_backfill: bool = False,
    ) -> IngestResult:
        """Profile a Spark DataFrame where it lives (each partition profiled with mapInArrow,
        merged on the driver) and store the windows as `ingest` does. Needs the `spark`
        extra; scores and ids are not read on this path. Windows that end before the version
        entered its serving stage are refused unless `allow_backfill`."""
        if self._spark is None:
            raise MissingExtraError("spark", "profiling Spark DataFrames")
        ref = self._target(target)
        reference, _ = self._reference(ref)
        width = self._window_for(ref, window)
        profiles, untimed = self._spark(
            reference,
            frame,
            time_column=time_column,
            window=width,
            now_epoch=int(datetime.now(UTC).timestamp()),
        )
        return self._ingest_profiles(
            principal,
            ref,
            profiles,
            width,
            untimed,
            source_name="spark",
            deliver=deliver,
            allow_backfill=allow_backfill,
        )

    @use_case("monitor.ingest")
    def ingest_profiles(
        self,
        principal: Principal,
        target: str | VersionRef,
        profiles: dict[int, Profile],
        *,
        window: str | Window | None = None,
        untimed: int = 0,
        source_name: str = "profiles",
        deliver: bool = True,
        allow_backfill: bool = False,
    ) -> IngestResult:
        """Store window profiles computed elsewhere (on Spark where the data lives, or in
        another process) as the version's windows, keyed by window start in epoch seconds,
        and evaluate them as `ingest` does. Each profile must have been made on the version's
        reference. The same profiles handed in again are not counted twice; windows that end
        before the version entered its serving stage are refused unless `allow_backfill`."""
        ref = self._target(target)
        width = self._window_for(ref, window)
        return self._ingest_profiles(
            principal,
            ref,
            profiles,
            width,
            untimed,
            source_name=source_name,
            deliver=deliver,
            allow_backfill=allow_backfill,
        )

    def _ingest_profiles(
        self,
        principal: Principal,
        ref: VersionRef,
        profiles: dict[int, Profile],
        width: Window,
        untimed: int,
        *,
        source_name: str,
        deliver: bool,
        allow_backfill: bool,
    ) -> IngestResult:
        import hashlib

        from steward.domain.audit import canonical_json

        reference, _ = self._reference(ref)
        if not profiles:
            raise InvalidInputError("no window profiles to store: the data had no rows")
        for start, profile in profiles.items():
            if not same_terms(reference, profile):
                raise InvalidInputError(
                    f"the profile of window {window_text(start)} was not made on {ref}'s "
                    "reference: profile with the version's reference profile"
                )
        now_epoch = int(datetime.now(UTC).timestamp())
        content = {str(start): profiles[start].to_dict() for start in sorted(profiles)}
        body = canonical_json({"width": width.seconds, "windows": content})
        digest = "profiles:" + hashlib.sha256(body.encode()).hexdigest()
        earlier, limits, _, _ = self._guard(ref, digest, None, now_epoch, allow_backfill)
        if earlier is not None:
            return self._already(ref, earlier)
        future = [s for s in profiles if s > limits.latest]
        if future:
            raise InvalidInputError(
                f"{len(future)} window(s) start in the future (first: "
                f"{window_text(min(future))}): fix the clock or the time column"
            )
        if limits.earliest is not None:
            # Only whole windows are known here: one that ends before the version served holds
            # no row of its service.
            early = [s for s in profiles if s + width.seconds <= limits.earliest]
            if early:
                raise InvalidInputError(
                    f"{len(early)} window(s) end before {ref} entered {limits.since} (first: "
                    f"{window_text(min(early))}): pass allow_backfill=True to admit them"
                )
        notes = [f"{untimed} row(s) had no time and were left out"] if untimed else []
        pairs: dict[int, tuple[Profile, ScoreSums | None]] = {
            start: (profile, None) for start, profile in profiles.items()
        }
        batch = IngestBatch(pairs, width, source_name, digest, untimed, notes)
        return self._store_windows(principal, ref, reference, batch, deliver=deliver)

    # Reports and notifications --------------------------------------------------------------

    @use_case("monitor.read")
    def report(self, principal: Principal, target: str | VersionRef) -> str:
        """The offline HTML report of the version's windows: drift, performance and KPIs over
        time, alerts and reviews."""
        return self._reports.render(self._history(self._target(target)))

    @use_case("webhook.manage")
    def deliver(self, principal: Principal, wait: float = 0.0) -> list[DeliveryOutcome]:
        """Attempt the notifications that are due; with `wait`, keep retrying for that many
        seconds until none is pending."""
        if wait > 0:
            return self._outbox.drain(wait, principal)
        return self._outbox.deliver_due(principal)

    # Reading -------------------------------------------------------------------------------

    def _window_for(self, ref: VersionRef, window: str | Window | None = None) -> Window:
        """The window width given, else the one the version's tier sets in the policy."""
        if isinstance(window, Window):
            return window
        return parse_window(window or self._tier_monitoring(ref).window)

    def _tier_monitoring(self, ref: VersionRef) -> Monitoring:
        with self._ctx.store.read() as q:
            return tier_monitoring(self._ctx.governed_for_read(q, ref))


def _profiled_notes(totals: WindowTotals, time_column: str | None) -> list[str]:
    """What the summary says about rows that were read but not counted; refuses data that
    holds nothing to count."""
    if totals.rows == 0:
        raise InvalidInputError("the data has no rows")
    notes = []
    if totals.skipped:
        notes.append(
            f"{totals.skipped:,} row(s) carry prediction ids an earlier ingest logged and "
            "were not counted again"
        )
    if not totals.profiles:
        if not totals.skipped:
            raise InvalidInputError(
                f"no row of the data has a time in {time_column!r}: every value is missing"
            )
        notes.append("nothing new was ingested")
    if totals.untimed:
        notes.append(f"{totals.untimed} row(s) have no time in {time_column!r} and were left out")
    return notes
