"""The read side of monitoring, and reviews: finding a deployment, a version's history, the
health of every monitored version, alerts, and closing the reviews alerts open."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.monitoring import Alert, Delivery, Review, SeriesPoint, WindowResult
from steward.domain.naming import VersionRef, parse_version_ref
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.services.change_requests import request_change
from steward.services.governed import GovernanceContext
from steward.services.lookup import explain_unknown_version
from steward.services.ports import ReadSession
from steward.services.use_case import project_of, use_case


@dataclass(frozen=True, slots=True)
class MonitorHistory:
    version: str
    results: list[WindowResult]
    alerts: list[Alert]
    reviews: list[Review]
    series: list[SeriesPoint]


@dataclass(frozen=True, slots=True)
class MonitorHealth:
    """One monitored version: its newest window's signals, its alerts, open reviews and
    notifications not delivered yet."""

    version: str
    stage: str
    # "alert" (an open alert or review), "insufficient data" (the newest window has too few
    # rows for a rule to read it), "ok", or "no data".
    health: str
    windows: int
    latest_window: str | None
    signals: dict[str, float]
    performance: dict[str, float]
    alerts: int
    alerts_in_latest_window: int
    open_reviews: list[int]
    pending_deliveries: int
    failed_deliveries: int
    open_alerts: int = 0
    insufficient: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "stage": self.stage,
            "health": self.health,
            "windows": self.windows,
            "latest_window": self.latest_window,
            "signals": dict(self.signals),
            "performance": dict(self.performance),
            "alerts": self.alerts,
            "alerts_in_latest_window": self.alerts_in_latest_window,
            "open_reviews": list(self.open_reviews),
            "pending_deliveries": self.pending_deliveries,
            "failed_deliveries": self.failed_deliveries,
            "open_alerts": self.open_alerts,
            "insufficient": list(self.insufficient),
        }


class MonitorReading:
    """Part of `Monitor`, which provides the governance context."""

    _ctx: GovernanceContext

    @use_case("monitor.read")
    def deployment(self, principal: Principal, target: str | VersionRef) -> VersionRef:
        """PROJECT/MODEL/NUMBER as given, or PROJECT/MODEL@STAGE resolved to the version
        serving in that stage."""
        return self._target(target)

    def _target(self, target: str | VersionRef) -> VersionRef:
        if isinstance(target, VersionRef):
            return target
        if "@" not in target:
            return parse_version_ref(target)
        name, _, stage = target.partition("@")
        parts = name.split("/")
        if len(parts) != 2 or not stage:
            raise InvalidInputError(
                f"malformed deployment {target!r}: expected PROJECT/MODEL@STAGE, "
                "e.g. credit/scorer@production"
            )
        with self._ctx.store.read() as q:
            holders = [
                v for v in q.registry.versions_in_stage(parts[0], stage) if v.model == parts[1]
            ]
            if not holders:
                if q.registry.get_model(parts[0], parts[1]) is None:
                    raise NotFoundError(f"unknown model {parts[0]}/{parts[1]}")
                raise NotFoundError(f"no version of {name} is in {stage}")
        newest = max(holders, key=lambda v: v.number)
        return VersionRef(newest.project, newest.model, newest.number)

    @use_case("monitor.read")
    def history(self, principal: Principal, target: str | VersionRef) -> MonitorHistory:
        """A version's window results, alerts, reviews and its project's series."""
        return self._history(self._target(target))

    def _history(self, ref: VersionRef) -> MonitorHistory:
        with self._ctx.store.read() as q:
            version_id = version_id_of(q, ref)
            project = q.registry.get_project(ref.project)
            assert project is not None
            return MonitorHistory(
                str(ref),
                q.monitoring.window_results(version_id),
                q.monitoring.alerts(version_id),
                q.monitoring.reviews(None, version_id),
                q.monitoring.series_points(project.id),
            )

    @use_case("monitor.read")
    def status(self, principal: Principal) -> list[MonitorHealth]:
        """Health of every monitored version: its newest window's signals, open alerts and
        reviews, and undelivered notifications."""
        with self._ctx.store.read() as q:
            pending = q.outbox.deliveries("pending")
            failed = q.outbox.deliveries("failed")
            return [
                _health(q, version_id, ref, stage, pending, failed)
                for version_id, ref, stage in q.monitoring.monitored_versions()
            ]

    @use_case("review.close", scope="inside")
    def close_review(
        self, principal: Principal, review_id: int, reason: str | None
    ) -> Review | PendingChange:
        """Close a review with its resolution. A review an alert opened is evidence that
        production misbehaved, so closing it waits for a second person (a pending change)."""
        why = required_reason(reason, "close a review")
        with self._ctx.store.write(principal) as tx:
            review = tx.monitoring.review(review_id)
            if review is None:
                raise NotFoundError(f"unknown review {review_id}")
            project = project_of(review.version_ref)
            self._ctx.access.require(principal, "review.close", project)
            if review.status != "open":
                raise InvalidInputError(f"review {review_id} is already closed")
            if review.alert_id is not None:
                assert project is not None
                project_id = tx.registry.project_id(project)
                assert project_id is not None
                change = request_change(
                    tx,
                    principal,
                    "review.close",
                    (project_id, project),
                    f"review:{review_id}",
                    f"close review {review_id} of {review.version_ref}, opened by alert "
                    f"{review.alert_id}",
                    [f"the alert's review of {review.version_ref} ends: {why}"],
                    {"review": review_id},
                    why,
                )
                tx.commit()
                return change
            tx.record(
                PendingEvent(
                    "review.closed", "version", review.version_ref, {"review": review_id}, why
                )
            )
            tx.monitoring.close_review(review_id, why)
            tx.commit()
            closed = tx.monitoring.review(review_id)
        assert closed is not None
        return closed

    @use_case("monitor.read")
    def reviews(self, principal: Principal, status: str | None = "open") -> list[Review]:
        """Reviews with `status` (open, closed; None for all)."""
        with self._ctx.store.read() as q:
            return q.monitoring.reviews(status)

    @use_case("monitor.read")
    def alerts(
        self,
        principal: Principal,
        target: str | VersionRef | None = None,
        project: str | None = None,
    ) -> list[Alert]:
        """Alerts of one version (or deployment), of one project, or all."""
        ref = None if target is None else self._target(target)
        with self._ctx.store.read() as q:
            version_id = None if ref is None else version_id_of(q, ref)
            return q.monitoring.alerts(version_id, project)


def _health(
    q: ReadSession,
    version_id: int,
    ref: str,
    stage: str,
    pending: Sequence[Delivery],
    failed: Sequence[Delivery],
) -> MonitorHealth:
    results = q.monitoring.window_results(version_id)
    alerts = q.monitoring.alerts(version_id)
    reviews = q.monitoring.reviews("open", version_id)
    # The newest result of each window wins; a window emptied by a replaced ingest holds none.
    by_window = {r.window_start: r for r in results if r.kind == "drift"}
    drift = [r for r in by_window.values() if not r.detail.get("emptied")]
    latest = drift[-1] if drift else None
    window_alerts = [a for a in alerts if latest and a.window_start == latest.window_start]
    open_alerts = [a for a in alerts if a.status == "open"]
    newest = [r for r in results if latest and r.window_start == latest.window_start]
    short = [note for r in newest for note in r.detail.get("insufficient", [])]
    health = "no data" if latest is None else "insufficient data" if short else "ok"
    if open_alerts or reviews:
        health = "alert"
    alert_ids = {a.id for a in alerts}
    return MonitorHealth(
        version=ref,
        stage=stage,
        health=health,
        windows=len({r.window_start for r in drift}),
        latest_window=latest.window_start if latest else None,
        signals=dict(latest.signals) if latest else {},
        performance=_latest(results, "performance"),
        alerts=len(alerts),
        alerts_in_latest_window=len(window_alerts),
        open_reviews=[r.id for r in reviews],
        pending_deliveries=sum(1 for d in pending if d.alert_id in alert_ids),
        failed_deliveries=sum(1 for d in failed if d.alert_id in alert_ids),
        open_alerts=len(open_alerts),
        insufficient=short,
    )


def _latest(results: Sequence[WindowResult], kind: str) -> dict[str, float]:
    found = [r for r in results if r.kind == kind]
    return dict(found[-1].signals) if found else {}


def version_id_of(q: ReadSession, ref: VersionRef) -> int:
    found = q.registry.version_id_of(ref.project, ref.model, ref.number)
    if found is None:
        explain_unknown_version(q, ref)
    return found


def source_label(data: object) -> str:
    """How a data source is named in the trail: a file's name, else the kind of object."""
    if isinstance(data, str | os.PathLike):
        return Path(data).name
    return type(data).__name__
