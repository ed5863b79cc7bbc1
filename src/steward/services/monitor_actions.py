"""From results to alerts and actions, inside the write transaction that stored the results.

A rule reads each window whose sample reaches its floor (`steward.domain.alerting`); below it the
window is "insufficient data" and raises nothing. A breach raises an alert only when the rule's
condition has held in its number of qualifying windows in a row (3 for demote unless the rule
says otherwise), and not during the rule's cooldown after its previous alert closed. While an
alert is open, further breaching windows update it instead of raising it again, and a qualifying
window that no longer breaches closes it. Every alert and every update is an audit event; an
alert's routes queue notifications in the outbox; and its action is taken once, when it is
raised: `notify` does nothing more, `open_review` opens a review of the version (one open review
at a time), `retrain` queues a call of the configured retraining hook, and `demote` moves the
version out of the stage it serves in, to where the policy sends a displaced holder.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any, Literal

from steward.domain.alerting import RuleHistory, read
from steward.domain.audit import PendingEvent
from steward.domain.monitoring import Alert, AlertUpdate, WindowResult, dedup_key, folded
from steward.domain.policy import MonitoringRule
from steward.domain.webhooks import canonical_body
from steward.services.governed import Governed
from steward.services.moves import apply_move
from steward.services.ports import WriteSession

ALERT_EVENT = "alert.raised"


class Reactor:
    def __init__(self, retrain_hook: str | None, retrain_secret_env: str | None = None) -> None:
        self._retrain_hook = retrain_hook
        # Name of the variable holding the secret that signs calls of a retraining URL.
        self._retrain_secret_env = retrain_secret_env

    def react(
        self,
        tx: WriteSession,
        governed: Governed,
        results: Sequence[WindowResult],
        rules: Sequence[MonitoringRule],
    ) -> list[int]:
        """Raise, update and close the alerts `results` call for; returns the new alerts' ids."""
        raised: list[int] = []
        if not rules or not results:
            return raised
        # After one window's rule demoted the version, the next windows' must not move it
        # again (one demotion, one stage event).
        demoted: list[str] = []
        book = _AlertBook(tx, governed)
        book.close_orphans({rule.key for rule in rules})
        for result in sorted(results, key=lambda r: r.window_start):
            for rule in rules:
                alert = self._step(tx, governed, book, rule, result, demoted)
                if alert is not None:
                    raised.append(alert)
        return raised

    def _step(
        self,
        tx: WriteSession,
        governed: Governed,
        book: _AlertBook,
        rule: MonitoringRule,
        result: WindowResult,
        demoted: list[str],
    ) -> int | None:
        """What one rule does with one window: close, update or raise an alert, or nothing."""
        reading = read(rule, result)
        if reading.state in ("unmeasured", "insufficient"):
            return None
        assert reading.value is not None
        current = book.newest_open(rule.key)
        if reading.state == "clear":
            if current is not None and _last(current) <= result.window_start:
                book.close(rule, result.window_start, reading.value)
            return None
        if current is not None:
            # A window read again (more rows merged into it) is not a further window.
            if result.window_start > _last(current):
                book.update(current, result.window_start, reading.value, rule)
            return None
        if not book.may_raise(rule, result):
            return None
        alert = self._raise(tx, governed, result, rule, reading.value, demoted)
        if alert is not None:
            book.opened(alert)
        return alert

    def _raise(
        self,
        tx: WriteSession,
        governed: Governed,
        result: WindowResult,
        rule: MonitoringRule,
        value: float,
        demoted: list[str],
    ) -> int | None:
        ref = governed.handle.ref
        key = dedup_key(ref, result.window_start, rule)
        if tx.monitoring.alert_exists(key):
            return None
        outcome = self._act(tx, governed, rule, value, result, demoted)
        detail = {"kind": result.kind, "outcome": outcome, "routes": list(rule.routes)}
        event = tx.record(
            PendingEvent(
                ALERT_EVENT,
                "version",
                ref,
                {
                    "signal": rule.signal,
                    "value": value,
                    "rule": rule.key,
                    "action": rule.action,
                    "window": result.window_start,
                    "outcome": outcome,
                },
                f"{rule.signal} = {value:.4g} breaches {rule.op} {rule.value:g}",
            )
        )
        alert_id = tx.monitoring.add_alert(
            governed.handle.id,
            result.window_start,
            rule.signal,
            value,
            rule.key,
            rule.action,
            key,
            detail,
            event.seq,
        )
        if outcome == "review opened":
            why = f"{rule.signal} = {value:.4g} in window {result.window_start} ({rule.key})"
            review_id = tx.monitoring.add_review(governed.handle.id, alert_id, why)
            tx.record(
                PendingEvent(
                    "review.opened", "version", ref, {"review": review_id, "alert": alert_id}, why
                )
            )
        payload = _payload(alert_id, ref, governed, rule, value, result, outcome)
        body = canonical_body(payload).decode()
        for name in rule.routes:
            route = governed.policy.routes.get(name)
            if route is not None and route.kind == "webhook" and route.url:
                tx.outbox.add_delivery(
                    alert_id, name, "webhook", route.url, ALERT_EVENT, body, route.secret_env
                )
        if rule.action == "retrain" and self._retrain_hook:
            kind, target = _hook_target(self._retrain_hook)
            secret = self._retrain_secret_env if kind == "webhook" else None
            tx.outbox.add_delivery(
                alert_id, "retrain", kind, target, "retrain.requested", body, secret
            )
        return alert_id

    def _act(
        self,
        tx: WriteSession,
        governed: Governed,
        rule: MonitoringRule,
        value: float,
        result: WindowResult,
        demoted: list[str],
    ) -> str:
        ref = governed.handle.ref
        why = f"{rule.signal} = {value:.4g} in window {result.window_start} ({rule.key})"
        if rule.action == "open_review":
            if tx.monitoring.reviews("open", governed.handle.id):
                return "a review of the version is already open"
            # Opened by `_raise` once the alert exists, so that the review names its alert.
            return "review opened"
        if rule.action == "retrain":
            if not self._retrain_hook:
                return "no retraining hook is configured (STEWARD_RETRAIN_HOOK)"
            tx.record(
                PendingEvent(
                    "retrain.requested",
                    "version",
                    ref,
                    {"hook": _hook_target(self._retrain_hook)[0]},
                    why,
                )
            )
            return "retraining hook called"
        if rule.action == "demote":
            if demoted:
                return f"already {demoted[0]} by an earlier window of this ingest"
            stage = governed.handle.stage
            destination = governed.policy.stages.exclusive.get(stage)
            if destination is None:
                return f"not demoted: {stage} is not a serving stage of the policy"
            graph = governed.policy.stages.graph()
            apply_move(
                tx, graph, governed.handle, destination, f"demoted: {why}", {"demoted": True}
            )
            demoted.append(f"demoted from {stage} to {destination}")
            return demoted[0]
        return "notified"


class _AlertBook:
    """The version's alerts as this transaction leaves them: which are open (by rule, oldest
    first), when each rule's last one closed, and each rule's history of qualifying windows."""

    def __init__(self, tx: WriteSession, governed: Governed) -> None:
        self._tx = tx
        self._governed = governed
        self._open: dict[str, list[Alert]] = {}
        self._closed: dict[str, Alert] = {}
        for alert in tx.monitoring.alerts(governed.handle.id):
            self._file(alert)
        self._results: list[WindowResult] | None = None
        self._histories: dict[tuple[str, str], RuleHistory] = {}

    def _file(self, alert: Alert) -> None:
        mine = [a for a in self._open.get(alert.rule, []) if a.id != alert.id]
        if alert.status == "open":
            mine.append(alert)
        else:
            self._closed[alert.rule] = alert
        self._open[alert.rule] = mine

    def newest_open(self, rule_key: str) -> Alert | None:
        mine = self._open.get(rule_key)
        return mine[-1] if mine else None

    def opened(self, alert_id: int) -> None:
        for alert in self._tx.monitoring.alerts(self._governed.handle.id):
            if alert.id == alert_id:
                self._file(alert)

    def close_orphans(self, rule_keys: set[str]) -> None:
        """Close the open alerts of rules the policy no longer has: nothing would ever read a
        window for them again, and they would hold the version's health at "alert"."""
        for key, alerts in list(self._open.items()):
            if key in rule_keys:
                continue
            for alert in list(alerts):
                window = _last(alert)
                why = f"closed: its rule ({key}) is no longer in the policy"
                self._note(alert, "closed", window, None, why)

    def history(self, rule: MonitoringRule, kind: str) -> RuleHistory:
        key = (rule.key, kind)
        if key not in self._histories:
            if self._results is None:
                self._results = self._tx.monitoring.window_results(self._governed.handle.id)
            # Results are stored oldest first: the newest result of a window wins. Only those
            # that measure the rule's signal count (two series share a kind and a timestamp).
            latest = {
                r.window_start: r
                for r in self._results
                if r.kind == kind and rule.signal in r.signals
            }
            self._histories[key] = RuleHistory(rule, latest.values())
        return self._histories[key]

    def may_raise(self, rule: MonitoringRule, result: WindowResult) -> bool:
        history = self.history(rule, result.kind)
        last = self._closed.get(rule.key)
        if last is not None:
            since = last.closed_window or _last(last)
            if history.windows_after(since, result.window_start) <= rule.cooldown:
                return False
        if rule.destructive and history.newest != result.window_start:
            # A run of old windows (a backfill) must not demote or retrain a version whose
            # newer windows are healthy: a destructive action needs the run to be current.
            return False
        return history.run_at(result.window_start) >= rule.windows_needed

    def update(self, alert: Alert, window: str, value: float, rule: MonitoringRule) -> None:
        why = f"{rule.signal} = {value:.4g} still breaches {rule.op} {rule.value:g}"
        self._note(alert, "updated", window, value, why)

    def close(self, rule: MonitoringRule, window: str, value: float) -> None:
        """Close every open alert of the rule (alerts raised before alerts were updated in
        place may be several)."""
        why = f"recovered: {rule.signal} = {value:.4g} in window {window}"
        for alert in list(self._open.get(rule.key, [])):
            self._note(alert, "closed", window, value, why)

    def _note(
        self,
        alert: Alert,
        kind: Literal["updated", "closed"],
        window: str,
        value: float | None,
        why: str,
    ) -> None:
        event = self._tx.record(
            PendingEvent(
                f"alert.{kind}",
                "version",
                self._governed.handle.ref,
                {"alert": alert.id, "rule": alert.rule, "window": window, "value": value},
                why,
            )
        )
        self._tx.monitoring.add_alert_update(alert.id, kind, window, value, why, event.seq)
        step = AlertUpdate(alert.id, kind, window, value, why, self._tx.now)
        self._file(folded(alert, [step]))


def close_alert(tx: WriteSession, alert: Alert, reason: str) -> None:
    """Close an open alert when its review is closed; its rule then cools down."""
    if alert.status != "open":
        return
    window = _last(alert)
    event = tx.record(
        PendingEvent(
            "alert.closed",
            "version",
            alert.version_ref,
            {"alert": alert.id, "rule": alert.rule, "window": window, "value": None},
            reason,
        )
    )
    tx.monitoring.add_alert_update(alert.id, "closed", window, None, reason, event.seq)


def _last(alert: Alert) -> str:
    return alert.last_window or alert.window_start or ""


def _payload(
    alert_id: int,
    ref: str,
    governed: Governed,
    rule: MonitoringRule,
    value: float,
    result: WindowResult,
    outcome: str,
) -> dict[str, Any]:
    return {
        "alert": alert_id,
        "version": ref,
        "stage": governed.handle.stage,
        "tier": governed.tier,
        "window": result.window_start,
        "signal": rule.signal,
        "value": value,
        "rule": {"op": rule.op, "value": rule.value, "action": rule.action},
        "outcome": outcome,
        "signals": dict(result.signals),
    }


def _hook_target(hook: str) -> tuple[str, str]:
    if hook.startswith(("http://", "https://")):
        return "webhook", hook
    return "command", json.dumps(shlex.split(hook))
