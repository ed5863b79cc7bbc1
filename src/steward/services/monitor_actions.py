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
        for result in sorted(results, key=lambda r: r.window_start):
            for rule in rules:
                reading = read(rule, result)
                if reading.state in ("unmeasured", "insufficient"):
                    continue
                assert reading.value is not None
                current = book.open.get(rule.key)
                if reading.state == "clear":
                    if current is not None and _last(current) <= result.window_start:
                        book.close(current, result.window_start, reading.value, rule)
                    continue
                if current is not None:
                    book.update(current, result.window_start, reading.value, rule)
                    continue
                if not book.may_raise(rule, result):
                    continue
                alert = self._raise(tx, governed, result, rule, reading.value, demoted)
                if alert is not None:
                    raised.append(alert)
                    book.opened(rule.key, alert)
        return raised

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
    """The version's alerts as this transaction leaves them: which are open, when each rule's
    last one closed, and each rule's history of qualifying windows."""

    def __init__(self, tx: WriteSession, governed: Governed) -> None:
        self._tx = tx
        self._governed = governed
        self.open: dict[str, Alert] = {}
        self._closed: dict[str, Alert] = {}
        for alert in tx.monitoring.alerts(governed.handle.id):
            self._file(alert)
        self._latest: dict[tuple[str, str], WindowResult] | None = None
        self._histories: dict[tuple[str, str], RuleHistory] = {}

    def _file(self, alert: Alert) -> None:
        if alert.status == "open":
            self.open[alert.rule] = alert
        else:
            self.open.pop(alert.rule, None)
            self._closed[alert.rule] = alert

    def opened(self, rule_key: str, alert_id: int) -> None:
        for alert in self._tx.monitoring.alerts(self._governed.handle.id):
            if alert.id == alert_id:
                self._file(alert)

    def history(self, rule: MonitoringRule, kind: str) -> RuleHistory:
        key = (rule.key, kind)
        if key not in self._histories:
            if self._latest is None:
                # Results are stored oldest first: the newest result of a window wins.
                self._latest = {
                    (r.kind, r.window_start): r
                    for r in self._tx.monitoring.window_results(self._governed.handle.id)
                }
            mine = [r for (k, _), r in self._latest.items() if k == kind]
            self._histories[key] = RuleHistory(rule, mine)
        return self._histories[key]

    def may_raise(self, rule: MonitoringRule, result: WindowResult) -> bool:
        history = self.history(rule, result.kind)
        last = self._closed.get(rule.key)
        if last is not None:
            since = last.closed_window or _last(last)
            if history.windows_after(since, result.window_start) <= rule.cooldown:
                return False
        return history.run_at(result.window_start) >= rule.windows_needed

    def update(self, alert: Alert, window: str, value: float, rule: MonitoringRule) -> None:
        why = f"{rule.signal} = {value:.4g} still breaches {rule.op} {rule.value:g}"
        self._note(alert, "updated", window, value, why)

    def close(self, alert: Alert, window: str, value: float, rule: MonitoringRule) -> None:
        why = f"recovered: {rule.signal} = {value:.4g} in window {window}"
        self._note(alert, "closed", window, value, why)

    def _note(
        self, alert: Alert, kind: Literal["updated", "closed"], window: str, value: float, why: str
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
