"""Storing an ingest: its record, its window parts, the results of the windows it touches and
the alerts they raise, in one transaction. Part of `Monitor`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.errors import ConflictError, InvalidInputError
from steward.domain.monitoring import Ingest, WindowResult
from steward.domain.naming import VersionRef
from steward.domain.policy import Monitoring
from steward.domain.principal import Principal
from steward.domain.windows import Window, window_text
from steward.services.monitor_guard import Bounds
from steward.services.monitor_intake import FeedbackIntake
from steward.services.monitor_signals import merged_window, noted, tier_monitoring, window_result
from steward.services.ports import WriteSession
from steward.services.use_case import use_case
from steward.stats.profile import Profile
from steward.stats.score_sums import ScoreSums


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
    ingest: int | None = None
    digest: str | None = None
    first_at: str | None = None
    last_at: str | None = None
    skipped: int = 0  # rows whose prediction id an earlier ingest logged
    replaced: int | None = None
    # The earlier ingest of the same data: nothing was counted this time.
    already: Ingest | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "ingest": self.ingest,
            "digest": self.digest,
            "rows": self.rows,
            "untimed_rows": self.untimed,
            "skipped_rows": self.skipped,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "windows": self.windows,
            "results": [r.as_dict() for r in self.results],
            "alerts": self.alerts,
            "logged_predictions": self.logged_predictions,
            "replaced": self.replaced,
            "already_ingested": None if self.already is None else self.already.as_dict(),
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """What one ingest stores: its windows' parts, and what names and bounds it."""

    windows: Mapping[int, tuple[Profile, ScoreSums | None]]
    width: Window
    source: str
    digest: str
    untimed: int
    notes: list[str]
    span: tuple[str | None, str | None] = (None, None)
    replaces: Ingest | None = None
    skipped: int = 0
    prediction_log: tuple[str | None, int] | None = None


class WindowStore(FeedbackIntake):
    def _guard(
        self,
        ref: VersionRef,
        digest: str,
        replace: int | None,
        now_epoch: int,
        allow_backfill: bool,
    ) -> tuple[Ingest | None, Bounds, int, Ingest | None]:
        """The earlier ingest of the same data (None: new data), the times rows may carry, the
        version's id and the ingest `replace` names."""
        from steward.services.monitor_guard import bounds, replaced_ingest

        with self._ctx.store.read() as q:
            governed = self._ctx.governed_for_read(q, ref)
            version_id = governed.handle.id
            limits = bounds(q, governed, ref, now_epoch, allow_backfill)
            replaced = None if replace is None else replaced_ingest(q, version_id, ref, replace)
            earlier = q.monitoring.ingest_by_digest(version_id, digest)
        if earlier is not None and replaced is not None and earlier.id == replaced.id:
            raise InvalidInputError(
                f"ingest {replace} of {ref} holds this very data: there is nothing to replace"
            )
        return earlier, limits, version_id, replaced

    @staticmethod
    def _already(ref: VersionRef, earlier: Ingest) -> IngestResult:
        note = (
            f"this data was already ingested into {ref} as ingest {earlier.id}, by "
            f"{earlier.ingested_by} at {earlier.ingested_at} ({earlier.rows:,} rows): nothing "
            "was counted again; --replace ID swaps an earlier ingest for new data"
        )
        return IngestResult(
            str(ref), 0, 0, [], [], [], 0, [note], digest=earlier.digest, already=earlier
        )

    def _store_windows(
        self,
        principal: Principal,
        ref: VersionRef,
        reference: Profile,
        batch: IngestBatch,
        *,
        deliver: bool = True,
    ) -> IngestResult:
        """One transaction: the ingest and its window parts (swapping out the ingest it
        replaces), the results of the windows they touch, the alerts those raise and the
        actions they take; then the notifications are sent."""
        windows, width, notes = batch.windows, batch.width, batch.notes
        starts = [window_text(s) for s in sorted(windows)]
        rows = sum(profile.rows for profile, _ in windows.values()) + batch.untimed
        logged = batch.prediction_log[1] if batch.prediction_log is not None else 0
        replaced = batch.replaces
        with self._ctx.store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            tier_rules = tier_monitoring(governed)
            handle = governed.handle
            if tx.monitoring.ingest_by_digest(handle.id, batch.digest) is not None:
                raise ConflictError(f"this data was ingested into {ref} meanwhile: run again")
            event = tx.record(
                PendingEvent(
                    "monitor.ingested",
                    "version",
                    str(ref),
                    {
                        "source": batch.source,
                        "digest": batch.digest,
                        "rows": rows,
                        "untimed_rows": batch.untimed,
                        "skipped_rows": batch.skipped,
                        "window": width.label,
                        "windows": starts,
                        "predictions_logged": logged,
                        "replaces": None if replaced is None else replaced.id,
                    },
                    None,
                )
            )
            ingest_id = tx.monitoring.add_ingest(
                handle.id,
                batch.digest,
                batch.source,
                rows,
                batch.span[0],
                batch.span[1],
                starts,
                None if replaced is None else replaced.id,
                event.seq,
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
                    batch.source,
                    event.seq,
                )
            if batch.prediction_log is not None and batch.prediction_log[0] is not None:
                tx.monitoring.add_monitor_log(
                    handle.id, "predictions", batch.prediction_log[0], logged, event.seq
                )
            touched = sorted(set(starts) | set(replaced.windows if replaced else ()))
            results = []
            for name in touched:
                result = self._evaluate_window(
                    tx, handle.id, str(ref), reference, name, width, tier_rules, event.seq
                )
                if result is None:
                    notes.append(f"window {name} holds no rows once the replaced ingest is out")
                    continue
                results.append(result)
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
        return IngestResult(
            str(ref),
            rows,
            batch.untimed,
            starts,
            results,
            alerts,
            logged,
            notes,
            ingest=ingest_id,
            digest=batch.digest,
            first_at=batch.span[0],
            last_at=batch.span[1],
            skipped=batch.skipped,
            replaced=None if replaced is None else replaced.id,
        )

    @use_case("monitor.read")
    def ingests(self, principal: Principal, target: str | VersionRef) -> list[Ingest]:
        """Every ingest of the version, oldest first: its digest, rows, time span and windows,
        and which later ingest replaced it."""
        ref = self._target(target)
        with self._ctx.store.read() as q:
            version_id = self._ctx.governed_for_read(q, ref).handle.id
            return q.monitoring.ingests(version_id)

    def _evaluate_window(
        self,
        tx: WriteSession,
        version_id: int,
        version_ref: str,
        reference: Profile,
        start: str,
        width: Window,
        settings: Monitoring,
        seq: int,
    ) -> WindowResult | None:
        parts = tx.monitoring.window_parts(version_id, starts=[start])
        if not parts:
            return None
        profile, sums, left_out = merged_window(reference, parts, width.seconds)
        result = window_result(version_ref, start, reference, profile, sums, settings.drift, tx.now)
        noted(result, settings.rules)
        if left_out:
            result.detail["older_parts"] = left_out
        tx.monitoring.add_window_result(version_id, result, seq)
        return result
