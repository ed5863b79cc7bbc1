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
from steward.services.monitor_feedback import remeasured_performance
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
    # The prediction logs that decided which ids were skipped: another ingest that logs
    # predictions between that decision and this one's transaction makes it run again.
    logs_seen: tuple[str, ...] | None = None


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
        if earlier is not None and replaced is not None and earlier.id != replaced.id:
            raise InvalidInputError(
                f"this data is already ingest {earlier.id} of {ref}: replacing ingest "
                f"{replace} with it would count it twice (replace ingest {earlier.id} instead)"
            )
        # The same data replacing its own ingest is a redo, with other options (a time
        # column, a window, a threshold): the earlier counting is swapped out.
        return None if replaced is not None else earlier, limits, version_id, replaced

    @staticmethod
    def _already(ref: VersionRef, earlier: Ingest) -> IngestResult:
        note = (
            f"this data was already ingested into {ref} as ingest {earlier.id}, by "
            f"{earlier.ingested_by} at {earlier.ingested_at} ({earlier.rows:,} rows): nothing "
            f"was counted again; --replace {earlier.id} ingests it again with other options"
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
            _refuse_if_overtaken(tx, handle.id, ref, batch)
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
            results = [
                self._evaluate_window(
                    tx, handle.id, str(ref), reference, name, width, tier_rules, event.seq
                )
                for name in touched
            ]
            notes.extend(_window_notes(results))
            if replaced is not None:
                # Labels joined to the replaced predictions no longer count.
                for result in remeasured_performance(
                    tx, self._artifacts, handle.id, str(ref), set(touched)
                ):
                    noted(result, tier_rules.rules)
                    tx.monitoring.add_window_result(handle.id, result, event.seq)
                    results.append(result)
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
    ) -> WindowResult:
        parts = tx.monitoring.window_parts(version_id, starts=[start])
        profile, sums, left_out = merged_window(reference, parts, width.seconds)
        if profile is None:
            # Its rows were replaced away (or were all profiled on an earlier reference): the
            # window is recorded as empty, so that its earlier result no longer stands.
            result = WindowResult(
                version_ref, start, "drift", {"rows": 0.0}, {"rows": 0, "emptied": True}, tx.now
            )
        else:
            result = window_result(
                version_ref, start, reference, profile, sums, settings.drift, tx.now
            )
        noted(result, settings.rules)
        if left_out:
            result.detail["older_parts"] = left_out
        tx.monitoring.add_window_result(version_id, result, seq)
        return result


def _refuse_if_overtaken(
    tx: WriteSession, version_id: int, ref: VersionRef, batch: IngestBatch
) -> None:
    """ConflictError when another ingest stored the same data, or logged predictions, between
    this ingest's checks and its transaction: its decisions may no longer hold."""
    replaced = batch.replaces
    same = tx.monitoring.ingest_by_digest(version_id, batch.digest)
    if same is not None and (replaced is None or same.id != replaced.id):
        raise ConflictError(f"this data was ingested into {ref} meanwhile: run again")
    if batch.logs_seen is None:
        return
    exclude = None if replaced is None else replaced.audit_seq
    now_logged = tx.monitoring.monitor_logs(version_id, "predictions", exclude)
    if tuple(d for d, _ in now_logged) != batch.logs_seen:
        raise ConflictError(f"another ingest logged predictions of {ref} meanwhile: run again")


def _window_notes(results: list[WindowResult]) -> list[str]:
    notes = []
    for result in results:
        if result.detail.get("emptied"):
            notes.append(
                f"window {result.window_start} holds no rows once the replaced ingest is out"
            )
        elif skipped := result.detail.get("older_parts"):
            notes.append(
                f"window {result.window_start}: {skipped} part(s) ingested under an earlier "
                "reference were left out of its profile"
            )
    return notes
