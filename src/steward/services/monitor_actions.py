"""From results to alerts and actions, inside the write transaction that stored the results.

Each rule of the tier's monitoring policy whose signal crosses its threshold raises one alert per
version, window and rule (ingesting more rows into a window does not raise it again). Every alert
is an audit event; its routes queue notifications in the outbox; and its action is taken:
`notify` does nothing more, `open_review` opens a review of the version (one open review at a
time), `retrain` queues a call of the configured retraining hook, and `demote` moves the version
out of the stage it serves in, to where the policy sends a displaced holder.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.monitoring import WindowResult, breaches, dedup_key
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
        """Raise the alerts `results` call for; returns the new alerts' ids."""
        raised: list[int] = []
        # The handle is read once per ingest: after one window's rule demoted the version, the
        # next windows' must not move it again (one demotion, one stage event).
        demoted: list[str] = []
        for result in results:
            for breach in breaches(tuple(rules), result.signals):
                alert = self._raise(tx, governed, result, breach.rule, breach.value, demoted)
                if alert is not None:
                    raised.append(alert)
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
