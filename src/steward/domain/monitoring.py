"""Production monitoring records: reference profiles, window profiles, results per window, series
points, alerts, reviews and the outbox of notifications.

Window profiles, results, series points and alerts are facts and never change: a window that is
ingested twice holds two partial profiles, merged when read. Reviews and deliveries have a
status that moves forward (open to closed, pending to delivered or failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from steward.domain.policy import MonitoringRule

ReviewStatus = Literal["open", "closed"]
AlertStatus = Literal["open", "closed"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
DeliveryKind = Literal["webhook", "command"]

# Name of the pseudo-column that holds the model's score in reference and window profiles.
PREDICTION = "__prediction__"


@dataclass(frozen=True, slots=True)
class MonitorReference:
    """The profile production windows of a version are compared with. The newest one counts."""

    id: int
    version_ref: str
    profile_digest: str  # an artifact: the JSON of a stats.profile.Profile
    rows: int
    source: str
    prediction: bool  # the profile holds the model's scores as PREDICTION
    calibration: dict[str, Any] | None  # reference scores' calibration, for estimates
    created_by: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "profile_digest": self.profile_digest,
            "rows": self.rows,
            "source": self.source,
            "prediction": self.prediction,
            "calibration": self.calibration,
            "created_by": self.created_by,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class WindowPart:
    """One ingest's share of one window: a partial profile that merges with the others."""

    id: int
    version_ref: str
    window_start: str
    width: int  # seconds
    rows: int
    profile: dict[str, Any]
    scores: dict[str, Any] | None  # mergeable sums for estimated performance
    source: str
    ingested_by: str
    ingested_at: str


@dataclass(frozen=True, slots=True)
class WindowResult:
    """What was measured on a window at one time: its signals (flat name -> number) and the
    detail behind them (the drift report, the metrics)."""

    version_ref: str
    window_start: str
    kind: str  # drift, performance, estimate, series
    signals: dict[str, float]
    detail: dict[str, Any]
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "window": self.window_start,
            "kind": self.kind,
            "signals": dict(self.signals),
            "detail": self.detail,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One value of a named series (a business KPI, an error rate) at a time."""

    project: str
    version_ref: str | None
    name: str
    at: str
    value: float
    recorded_by: str
    recorded_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "version": self.version_ref,
            "name": self.name,
            "at": self.at,
            "value": self.value,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    version_ref: str
    window_start: str | None
    signal: str
    value: float
    rule: str  # the rule's key, such as "drift.psi_max > 0.2 -> open_review"
    action: str
    dedup_key: str
    opened_at: str
    detail: dict[str, Any] = field(default_factory=dict)
    # What later windows did to it (alert_updates): an open alert is updated by each further
    # breaching window instead of being raised again, and closes when a window recovers or its
    # review is closed.
    windows: int = 1
    last_window: str | None = None
    last_value: float | None = None
    closed_at: str | None = None
    closed_window: str | None = None
    closed_reason: str | None = None

    @property
    def status(self) -> AlertStatus:
        return "open" if self.closed_at is None else "closed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "window": self.window_start,
            "signal": self.signal,
            "value": self.value,
            "rule": self.rule,
            "action": self.action,
            "opened_at": self.opened_at,
            "detail": self.detail,
            "status": self.status,
            "windows": self.windows,
            "last_window": self.last_window or self.window_start,
            "last_value": self.value if self.last_value is None else self.last_value,
            "closed_at": self.closed_at,
            "closed_window": self.closed_window,
            "closed_reason": self.closed_reason,
        }


@dataclass(frozen=True, slots=True)
class AlertUpdate:
    """A later window's effect on an open alert: `updated` (the condition still holds) or
    `closed` (it recovered, or the alert's review was closed)."""

    alert_id: int
    kind: Literal["updated", "closed"]
    window_start: str | None
    value: float | None
    reason: str
    at: str


def folded(alert: Alert, updates: list[AlertUpdate]) -> Alert:
    """The alert as its updates, oldest first, leave it."""
    from dataclasses import replace

    for update in updates:
        if update.kind == "updated":
            newer = alert.last_window is None or (update.window_start or "") > alert.last_window
            alert = replace(
                alert,
                windows=alert.windows + 1,
                last_window=update.window_start if newer else alert.last_window,
                last_value=update.value if newer else alert.last_value,
            )
        elif alert.closed_at is None:
            alert = replace(
                alert,
                closed_at=update.at,
                closed_window=update.window_start,
                closed_reason=update.reason,
            )
    return alert


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    version_ref: str
    alert_id: int | None
    status: ReviewStatus
    reason: str
    opened_by: str
    opened_at: str
    closed_by: str | None = None
    closed_at: str | None = None
    resolution: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "alert": self.alert_id,
            "status": self.status,
            "reason": self.reason,
            "opened_by": self.opened_by,
            "opened_at": self.opened_at,
            "closed_by": self.closed_by,
            "closed_at": self.closed_at,
            "resolution": self.resolution,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """A notification in the outbox: where it goes, what it says, and how trying went."""

    id: int
    alert_id: int | None
    route: str
    kind: DeliveryKind
    target: str  # a URL, or a command as JSON list
    event: str
    body: str  # canonical JSON
    secret_env: str | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: str
    last_error: str | None
    last_status: int | None
    delivered_at: str | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alert": self.alert_id,
            "route": self.route,
            "kind": self.kind,
            "target": self.target,
            "event": self.event,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error,
            "last_status": self.last_status,
            "delivered_at": self.delivered_at,
            "created_at": self.created_at,
        }


def dedup_key(version_ref: str, window_start: str | None, rule: MonitoringRule) -> str:
    """An alert is named by its version, the window that raised it and its rule: ingesting more
    rows into that window, or checking it again, does not raise it twice."""
    return f"{version_ref}|{window_start or '-'}|{rule.key}"


@dataclass(frozen=True, slots=True)
class Ingest:
    """One ingest of production rows into a version's windows, named by the digest of what was
    ingested (a file's bytes, a frame's content, the profiles handed in). An ingest that a
    later one replaced (`replaced_by`) no longer counts in its windows."""

    id: int
    version_ref: str
    digest: str
    source: str
    rows: int
    first_at: str | None
    last_at: str | None
    windows: list[str]
    replaces: int | None
    replaced_by: int | None
    ingested_by: str
    ingested_at: str
    audit_seq: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version_ref,
            "digest": self.digest,
            "source": self.source,
            "rows": self.rows,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "windows": list(self.windows),
            "replaces": self.replaces,
            "replaced_by": self.replaced_by,
            "ingested_by": self.ingested_by,
            "ingested_at": self.ingested_at,
            "event": self.audit_seq,
        }
