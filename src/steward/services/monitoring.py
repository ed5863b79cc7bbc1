"""Production monitoring: a version's reference profile, ingesting production rows into window
profiles, late labels, series, and what follows from them (results, alerts, actions).

Every write happens in one transaction: the window profiles of an ingest, the results of the
windows it touched, the alerts they raise and the actions those take are committed together or
not at all. Notifications are queued in the same transaction and sent after it (see
`steward.services.outbox`), so a slow receiver never holds the database.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError, MissingExtraError
from steward.domain.monitoring import (
    PREDICTION,
    WindowResult,
)
from steward.domain.naming import VersionRef
from steward.domain.policy import DriftSettings, Monitoring
from steward.domain.principal import Principal
from steward.domain.windows import BATCH_ROWS, Window, parse_window, window_text
from steward.services.governed import GovernanceContext
from steward.services.inventory import Inventory
from steward.services.monitor_actions import Reactor
from steward.services.monitor_intake import FeedbackIntake
from steward.services.monitor_reads import source_label
from steward.services.monitor_signals import (
    merged_window,
    same_terms,
    tier_monitoring,
    window_result,
)
from steward.services.outbox import DeliveryOutcome, Outbox
from steward.services.ports import ModelCodec, MonitorReportRenderer, SparkProfiler, WriteSession
from steward.services.use_case import use_case
from steward.stats.profile import Profile
from steward.stats.score_sums import ScoreSums

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class IngestResult:
    version: str
    rows: int
    untimed: int
    windows: list[str]
    results: list[WindowResult]
    alerts: list[int]
    logged_predictions: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "rows": self.rows,
            "untimed_rows": self.untimed,
            "windows": self.windows,
            "results": [r.as_dict() for r in self.results],
            "alerts": self.alerts,
            "logged_predictions": self.logged_predictions,
            "notes": self.notes,
        }


class Monitor(FeedbackIntake):
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
    ) -> IngestResult:
        """Profile production rows (pandas, Polars, Arrow, or a Parquet/CSV path, read in
        batches) into windows, merge them with what the windows already hold, evaluate the
        touched windows and raise the alerts the policy's rules call for; then send the
        notifications they queue unless `deliver` is False."""
        ref = self._target(target)
        from steward.stats.stream import csv_types, read_in_passes
        from steward.stats.window_profiler import ScoreTerms, WindowTerms, profile_passes

        reference, stored = self._reference(ref)
        width = self._window_for(ref, window)
        if prediction_column is not None and PREDICTION not in reference.columns:
            raise InvalidInputError(
                f"{ref}'s reference profile holds no prediction to compare "
                f"{prediction_column!r} with: set a reference with scores first"
            )
        wanted = [name for name in reference.columns if name != PREDICTION]
        extras = [c for c in (time_column, prediction_column, id_column) if c is not None]
        now_epoch = int(datetime.now(UTC).timestamp())
        logger = _PredictionLog() if id_column is not None else None
        if id_column is not None and prediction_column is None:
            raise InvalidInputError("--id-column needs --prediction-column: labels join to scores")
        scores = None
        if prediction_column is not None:
            calibration = stored.calibration if stored is not None else None
            scores = ScoreTerms(prediction_column, PREDICTION, threshold, calibration)
        terms = WindowTerms(
            reference, time_column, width, width.start_of(now_epoch), scores, logger is not None
        )
        passes = read_in_passes(
            source,
            wanted,
            every_pass=[time_column] if time_column is not None else [],
            first_pass=[c for c in (prediction_column, id_column) if c is not None],
            batch_rows=batch_rows,
            column_types=csv_types(reference),
        )
        totals = profile_passes(
            terms,
            passes,
            first=lambda batch: _check_extras(batch, extras),
            on_piece=None if logger is None else logger.piece_adder(id_column),
            progress=progress,
        )
        untimed = totals.untimed
        if totals.rows == 0:
            raise InvalidInputError("the data has no rows")
        if not totals.profiles:
            raise InvalidInputError(
                f"no row of the data has a time in {time_column!r}: every value is missing"
            )
        notes = []
        if untimed:
            notes.append(f"{untimed} row(s) have no time in {time_column!r} and were left out")
        log_digest = None
        if logger is not None and logger.rows:
            log_digest = self._artifacts.put(logger.parquet()).digest
        profiles = {start: (p, totals.sums.get(start)) for start, p in totals.profiles.items()}
        return self._store_windows(
            principal,
            ref,
            reference,
            profiles,
            width,
            source_label(source),
            untimed,
            notes,
            prediction_log=None if logger is None else (log_digest, logger.rows),
            deliver=deliver,
        )

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
    ) -> IngestResult:
        """Profile a Spark DataFrame where it lives (each partition profiled with mapInArrow,
        merged on the driver) and store the windows as `ingest` does. Needs the `spark`
        extra; scores and ids are not read on this path."""
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
            principal, ref, profiles, width, untimed, source_name="spark", deliver=deliver
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
    ) -> IngestResult:
        """Store window profiles computed elsewhere (on Spark where the data lives, or in
        another process) as the version's windows, keyed by window start in epoch seconds,
        and evaluate them as `ingest` does. Each profile must have been made on the version's
        reference."""
        ref = self._target(target)
        width = self._window_for(ref, window)
        return self._ingest_profiles(
            principal, ref, profiles, width, untimed, source_name=source_name, deliver=deliver
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
    ) -> IngestResult:
        reference, _ = self._reference(ref)
        if not profiles:
            raise InvalidInputError("no window profiles to store: the data had no rows")
        for start, profile in profiles.items():
            if not same_terms(reference, profile):
                raise InvalidInputError(
                    f"the profile of window {window_text(start)} was not made on {ref}'s "
                    "reference: profile with the version's reference profile"
                )
        notes = [f"{untimed} row(s) had no time and were left out"] if untimed else []
        pairs: dict[int, tuple[Profile, ScoreSums | None]] = {
            start: (profile, None) for start, profile in profiles.items()
        }
        return self._store_windows(
            principal, ref, reference, pairs, width, source_name, untimed, notes, deliver=deliver
        )

    def _store_windows(
        self,
        principal: Principal,
        ref: VersionRef,
        reference: Profile,
        windows: Mapping[int, tuple[Profile, ScoreSums | None]],
        width: Window,
        source: str,
        untimed: int,
        notes: list[str],
        *,
        prediction_log: tuple[str | None, int] | None = None,
        deliver: bool = True,
    ) -> IngestResult:
        """One transaction: the window parts, the results of the windows they touch, the
        alerts those raise and the actions they take; then the notifications are sent."""
        starts = [window_text(s) for s in sorted(windows)]
        rows = sum(profile.rows for profile, _ in windows.values()) + untimed
        logged = prediction_log[1] if prediction_log is not None else 0
        with self._ctx.store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            tier_rules = tier_monitoring(governed)
            handle = governed.handle
            event = tx.record(
                PendingEvent(
                    "monitor.ingested",
                    "version",
                    str(ref),
                    {
                        "source": source,
                        "rows": rows,
                        "untimed_rows": untimed,
                        "window": width.label,
                        "windows": starts,
                        "predictions_logged": logged,
                    },
                    None,
                )
            )
            for start in sorted(windows):
                profile, sums = windows[start]
                tx.monitoring.add_window_part(
                    handle.id,
                    window_text(start),
                    width.seconds,
                    profile.rows,
                    profile.to_dict(),
                    None if sums is None else sums.to_dict(),
                    source,
                    event.seq,
                )
            if prediction_log is not None and prediction_log[0] is not None:
                tx.monitoring.add_monitor_log(
                    handle.id, "predictions", prediction_log[0], logged, event.seq
                )
            results = [
                self._evaluate_window(
                    tx, handle.id, str(ref), reference, start, width, tier_rules.drift, event.seq
                )
                for start in starts
            ]
            for result in results:
                skipped = result.detail.get("older_parts")
                if skipped:
                    notes.append(
                        f"window {result.window_start}: {skipped} part(s) ingested under an "
                        "earlier reference were left out of its profile"
                    )
            alerts = self._reactor.react(tx, governed, results, tier_rules.rules)
            tx.commit()
        if deliver:
            self._outbox.deliver_due(principal)
        return IngestResult(str(ref), rows, untimed, starts, results, alerts, logged, notes)

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

    def _evaluate_window(
        self,
        tx: WriteSession,
        version_id: int,
        version_ref: str,
        reference: Profile,
        start: str,
        width: Window,
        drift: DriftSettings,
        seq: int,
    ) -> WindowResult:
        parts = tx.monitoring.window_parts(version_id, starts=[start])
        profile, sums, left_out = merged_window(reference, parts, width.seconds)
        result = window_result(version_ref, start, reference, profile, sums, drift, tx.now)
        if left_out:
            result.detail["older_parts"] = left_out
        tx.monitoring.add_window_result(version_id, result, seq)
        return result

    def _window_for(self, ref: VersionRef, window: str | Window | None = None) -> Window:
        """The window width given, else the one the version's tier sets in the policy."""
        if isinstance(window, Window):
            return window
        return parse_window(window or self._tier_monitoring(ref).window)

    def _tier_monitoring(self, ref: VersionRef) -> Monitoring:
        with self._ctx.store.read() as q:
            return tier_monitoring(self._ctx.governed_for_read(q, ref))


# ---- helpers ---------------------------------------------------------------------------------


class _PredictionLog:
    """Ids and scores of ingested rows, kept so that labels arriving later can be joined. Each
    batch is written at once as compressed Parquet, so what stays in memory is the compressed
    log (a few bytes a row), not the rows."""

    _SCHEMA = pa.schema([("id", pa.string()), ("score", pa.float64()), ("window", pa.string())])

    def __init__(self) -> None:
        import pyarrow.parquet as pq

        self._sink = io.BytesIO()
        self._writer = pq.ParquetWriter(self._sink, self._SCHEMA, compression="zstd")
        self.rows = 0

    def add(self, ids: pa.ChunkedArray, scores: Any, window: str) -> None:
        table = pa.table(
            {
                "id": pc.cast(ids, pa.string()),
                "score": pa.array(scores, type=pa.float64()),
                "window": pa.array([window] * len(scores), type=pa.string()),
            },
            schema=self._SCHEMA,
        )
        self._writer.write_table(table)
        self.rows += table.num_rows

    def piece_adder(self, id_column: str | None) -> Callable[[int, pa.Table, Any], None]:
        """What logs each window's piece of a batch: its ids and scores."""
        assert id_column is not None

        def add(start: int, piece: pa.Table, scores: Any) -> None:
            self.add(piece.column(id_column), scores, window_text(start))

        return add

    def parquet(self) -> bytes:
        self._writer.close()
        return self._sink.getvalue()


def _check_extras(batch: pa.Table, extras: Sequence[str]) -> None:
    for name in extras:
        if name not in batch.column_names:
            raise InvalidInputError(f"column {name!r} is not in the data")
