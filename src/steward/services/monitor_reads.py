"""The read side of monitoring, and reviews: finding a deployment, a version's history, the
health of every monitored version, alerts, and closing the reviews alerts open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.monitoring import Alert, Review, SeriesPoint, WindowResult
from steward.domain.naming import VersionRef, parse_version_ref
from steward.services.governance import Governance
from steward.services.governed import required_reason
from steward.services.lookup import explain_unknown_version
from steward.services.ports import ReadSession


@dataclass(frozen=True, slots=True)
class MonitorHistory:
    version: str
    results: list[WindowResult]
    alerts: list[Alert]
    reviews: list[Review]
    series: list[SeriesPoint]


class MonitorReading:
    """Mixed into `Monitor`, which provides the governance service."""

    _gov: Governance

    def resolve(self, target: str) -> VersionRef:
        """PROJECT/MODEL/NUMBER, or PROJECT/MODEL@STAGE: the version serving in that stage."""
        if "@" not in target:
            return parse_version_ref(target)
        name, _, stage = target.partition("@")
        parts = name.split("/")
        if len(parts) != 2 or not stage:
            raise InvalidInputError(
                f"malformed deployment {target!r}: expected PROJECT/MODEL@STAGE, "
                "e.g. credit/scorer@production"
            )
        with self._gov.store.read() as q:
            holders = [v for v in q.versions_in_stage(parts[0], stage) if v.model == parts[1]]
            if not holders:
                if q.get_model(parts[0], parts[1]) is None:
                    raise NotFoundError(f"unknown model {parts[0]}/{parts[1]}")
                raise NotFoundError(f"no version of {name} is in {stage}")
        newest = max(holders, key=lambda v: v.number)
        return VersionRef(newest.project, newest.model, newest.number)

    # Reference ---------------------------------------------------------------------------

    def history(self, ref: VersionRef) -> MonitorHistory:
        with self._gov.store.read() as q:
            version_id = version_id_of(q, ref)
            project = q.get_project(ref.project)
            assert project is not None
            project_id = project.id
            return MonitorHistory(
                str(ref),
                q.window_results(version_id),
                q.alerts(version_id),
                q.reviews(None, version_id),
                q.series_points(project_id),
            )

    def status(self) -> list[dict[str, Any]]:
        """Health of every monitored version: its newest window's signals, open alerts and
        reviews, and undelivered notifications."""
        out = []
        with self._gov.store.read() as q:
            pending = q.deliveries("pending")
            failed = q.deliveries("failed")
            for version_id, ref, stage in q.monitored_versions():
                results = q.window_results(version_id)
                alerts = q.alerts(version_id)
                reviews = q.reviews("open", version_id)
                drift = [r for r in results if r.kind == "drift"]
                latest = drift[-1] if drift else None
                window_alerts = [
                    a for a in alerts if latest and a.window_start == latest.window_start
                ]
                health = "no data" if latest is None else "ok"
                if window_alerts or reviews:
                    health = "alert"
                alert_ids = {a.id for a in alerts}
                out.append(
                    {
                        "version": ref,
                        "stage": stage,
                        "health": health,
                        "windows": len({r.window_start for r in drift}),
                        "latest_window": latest.window_start if latest else None,
                        "signals": dict(latest.signals) if latest else {},
                        "performance": _latest(results, "performance"),
                        "alerts": len(alerts),
                        "alerts_in_latest_window": len(window_alerts),
                        "open_reviews": [r.id for r in reviews],
                        "pending_deliveries": sum(1 for d in pending if d.alert_id in alert_ids),
                        "failed_deliveries": sum(1 for d in failed if d.alert_id in alert_ids),
                    }
                )
        return out

    def close_review(self, actor: str, review_id: int, resolution: str | None) -> Review:
        why = required_reason(resolution, "close a review")
        with self._gov.store.write(actor) as tx:
            review = tx.review(review_id)
            if review is None:
                raise NotFoundError(f"unknown review {review_id}")
            if review.status != "open":
                raise InvalidInputError(f"review {review_id} is already closed")
            tx.record(
                PendingEvent(
                    "review.closed", "version", review.version_ref, {"review": review_id}, why
                )
            )
            tx.close_review(review_id, why)
            tx.commit()
            closed = tx.review(review_id)
        assert closed is not None
        return closed

    def reviews(self, status: str | None = "open") -> list[Review]:
        with self._gov.store.read() as q:
            return q.reviews(status)

    def alerts(self, ref: VersionRef | None = None, project: str | None = None) -> list[Alert]:
        with self._gov.store.read() as q:
            version_id = None if ref is None else version_id_of(q, ref)
            return q.alerts(version_id, project)


def _latest(results: Sequence[WindowResult], kind: str) -> dict[str, float]:
    found = [r for r in results if r.kind == kind]
    return dict(found[-1].signals) if found else {}


def version_id_of(q: ReadSession, ref: VersionRef) -> int:
    found = q.version_id_of(ref.project, ref.model, ref.number)
    if found is None:
        explain_unknown_version(q, ref)
    return found
