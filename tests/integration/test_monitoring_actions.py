"""The actions a monitoring rule can take, on both databases: `retrain` calls the configured
retraining hook (a command, given the alert as JSON on stdin), `demote` moves the version out of
production to where the policy sends a displaced holder, and a webhook that keeps failing is
retried with backoff and then recorded as failed, without losing the alert."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.adapters.hooks import HttpAndCommandHooks
from steward.sdk import Client
from steward.services.outbox import Outbox
from tests.policy_samples import ADHOC_ANSWERS
from tests.support.containers import container_of
from tests.support.org import grant_org_roles
from tests.support.webhook_receiver import WebhookReceiver

REF = "lab/scorer/1"
POLICY_DIR = Path(__file__).resolve().parents[2] / "src" / "steward" / "policies"


def _policy(path: Path, url: str) -> Path:
    """The default policy with rules for the ad-hoc tier (which has no gates, so the version
    reaches production in two moves) that always fire once rows arrive."""
    text = (POLICY_DIR / "default.yaml").read_text()
    text = text.replace(
        "routes:\n  audit_log: {kind: log}",
        f"routes:\n  audit_log: {{kind: log}}\n  down: {{kind: webhook, url: '{url}'}}",
    )
    text = text.replace(
        "monitoring:\n  scheduled:\n",
        "monitoring:\n  adhoc:\n    window: 1d\n    rules:\n"
        '      - {signal: rows, op: ">", value: 0, action: retrain, routes: [down]}\n'
        '      - {signal: rows, op: ">", value: 0, action: demote, routes: [audit_log]}\n'
        "  scheduled:\n",
    )
    path.write_text(text)
    return path


@pytest.fixture
def frame() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    # Always answers 503: every attempt fails and is retried.
    with WebhookReceiver(None, failures=1_000, failure_status=503) as hook:
        yield hook


@pytest.fixture
def steward(
    database_url: str,
    steward_home: Path,
    frame: pd.DataFrame,
    receiver: WebhookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Client]:
    calls = tmp_path / "retrain-calls.jsonl"
    hook = (
        f"{sys.executable} -c \"import sys; open({str(calls)!r}, 'a').write(sys.stdin.read() + "
        "'\\n')\""
    )
    monkeypatch.setenv("STEWARD_RETRAIN_HOOK", hook)
    c = Client(home=steward_home, database_url=database_url, actor="dana")
    grant_org_roles(c.settings, {"dana": "risk_officer"})  # she writes the monitoring policy
    c.apply_policy(_policy(tmp_path / "policy.yaml", receiver.url), reason="actions")
    c.create_project("lab")
    c.classify("lab", ADHOC_ANSWERS, reason="exploration")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(frame.drop(columns="target"), frame["target"])
    c.register(model, project="lab", name="scorer", training_data=frame, target="target")
    c.move(REF, "staging", reason="try it")
    c.move(REF, "production", reason="try it")
    yield c
    c.close()


def _days(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    days = pd.date_range("2026-11-03", periods=count, freq="D", tz="UTC")
    features = frame.drop(columns="target")
    return pd.concat([features.assign(ts=day) for day in days], ignore_index=True)


def test_retrain_calls_the_hook_and_demote_moves_the_version_out_of_production(
    steward: Client, frame: pd.DataFrame, tmp_path: Path
) -> None:
    """Retraining fires on the first breaching window; demotion waits for its third in a row.
    The days predate the promotion, so they are a backfill the caller admits; each arrives in
    its own ingest, as a day's traffic would."""
    days = _days(frame, 3)
    raised = []
    for day in sorted(days["ts"].unique()):
        result = steward.ingest(
            "lab/scorer@production",
            days[days["ts"] == day],
            time_column="ts",
            allow_backfill=True,
        )
        raised.append(len(result.alerts))
    assert raised == [1, 0, 1]
    alerts = {a.action: a for a in steward.alerts(REF)}
    assert alerts["retrain"].detail["outcome"] == "retraining hook called"
    assert alerts["retrain"].window_start == "2026-11-03T00:00:00Z"
    # Still breaching: the open retrain alert was updated by the later windows, not repeated.
    assert alerts["retrain"].windows == 3 and alerts["retrain"].status == "open"
    assert alerts["demote"].detail["outcome"] == "demoted from production to retired"
    assert alerts["demote"].window_start == "2026-11-05T00:00:00Z"
    assert steward.version(REF).stage == "retired"
    calls = [
        json.loads(line) for line in (tmp_path / "retrain-calls.jsonl").read_text().splitlines()
    ]
    assert [c["signal"] for c in calls] == ["rows"]
    assert calls[0]["rule"]["action"] == "retrain" and calls[0]["version"] == REF
    actions = [e.action for e in steward.audit_log(limit=500).items]
    assert "retrain.requested" in actions and "version.stage_changed" in actions
    assert actions.count("alert.updated") == 2


def test_a_backfilled_run_acts_only_where_it_reaches_the_newest_window(
    steward: Client, frame: pd.DataFrame
) -> None:
    """Three breaching days in one backfill: the destructive rules act once, on the newest
    day, not on the first day of a run that later windows might have ended."""
    result = steward.ingest(
        "lab/scorer@production", _days(frame, 3), time_column="ts", allow_backfill=True
    )
    alerts = {a.action: a for a in steward.alerts(REF)}
    assert len(result.alerts) == 2
    assert alerts["retrain"].window_start == "2026-11-05T00:00:00Z"
    assert alerts["demote"].window_start == "2026-11-05T00:00:00Z"
    assert steward.version(REF).stage == "retired"


def test_rows_from_before_the_promotion_are_refused_unless_admitted(
    steward: Client, frame: pd.DataFrame
) -> None:
    """A backfill into a serving version is refused with its count and first row; nothing is
    written."""
    from steward.domain.errors import InvalidInputError

    before = len(steward.audit_log(limit=500).items)
    with pytest.raises(InvalidInputError, match=r"569 row\(s\) are stamped before lab/scorer/1"):
        steward.ingest("lab/scorer@production", _days(frame, 1), time_column="ts")
    assert len(steward.audit_log(limit=500).items) == before
    assert steward.ingests(REF) == []


def test_a_webhook_that_keeps_failing_is_retried_then_recorded_as_failed(
    steward: Client, frame: pd.DataFrame, receiver: WebhookReceiver
) -> None:
    rows = frame.drop(columns="target").assign(ts=pd.Timestamp("2026-11-03", tz="UTC"))
    steward.ingest(REF, rows, time_column="ts", allow_backfill=True)
    with container_of(steward) as container:
        # Drive the remaining attempts without waiting out the backoff: a short backoff base.
        outbox = Outbox(container.store, HttpAndCommandHooks(), backoff_base=0.01)
        with container.store.read() as q:
            webhook = next(d for d in q.outbox.deliveries() if d.kind == "webhook")
        assert webhook.status == "pending" and webhook.attempts == 1
        assert webhook.last_status == 503 and "503" in (webhook.last_error or "")
        outbox.drain(30)
        with container.store.read() as q:
            final = next(d for d in q.outbox.deliveries() if d.kind == "webhook")
    assert final.status == "failed" and final.attempts == 8
    # Every attempt carried the same delivery id, so a receiver can drop repeats.
    assert len(receiver.received) == 8
    assert {r["delivery"] for r in receiver.received} == {str(webhook.id)}
    assert steward.alerts(REF)  # the alert stays, whatever became of its notification
    assert "delivery.failed" in [e.action for e in steward.audit_log(limit=500).items]


def test_an_ingest_whose_windows_all_breach_demotes_once(
    steward: Client, frame: pd.DataFrame
) -> None:
    """Five breaching days in one file: the demote rule fires once, on the newest day (the run
    reaches it), and the version leaves production once, with one stage event. Ingesting the
    same file again counts nothing and moves nothing."""
    rows = _days(frame, 5)
    before = [e.seq for e in steward.audit_log(limit=500).items]

    steward.ingest("lab/scorer@production", rows, time_column="ts", allow_backfill=True)
    again = steward.ingest(REF, rows, time_column="ts", allow_backfill=True)
    assert again.already is not None and again.rows == 0 and not again.alerts

    demotions = [a for a in steward.alerts(REF) if a.action == "demote"]
    assert len(demotions) == 1
    assert demotions[0].detail["outcome"] == "demoted from production to retired"
    assert demotions[0].window_start == "2026-11-07T00:00:00Z" and demotions[0].windows == 1
    moves = [
        e
        for e in steward.audit_log(limit=500).items
        if e.action == "version.stage_changed" and e.seq not in before
    ]
    assert [(e.payload["from"], e.payload["to"]) for e in moves] == [("production", "retired")]
    assert steward.version(REF).stage == "retired"
    assert [i.rows for i in steward.ingests(REF)] == [len(rows)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE alert_updates SET reason = 'nothing happened'",
        "DELETE FROM alert_updates",
        "UPDATE monitor_ingests SET rows = 0",
        "DELETE FROM monitor_ingests",
    ],
)
def test_alert_updates_and_ingest_records_cannot_be_edited(
    steward: Client, frame: pd.DataFrame, database_url: str, statement: str
) -> None:
    """What later windows did to an alert, and which ingests count, are facts: the database
    refuses to change them behind Steward's back."""
    import sqlalchemy

    days = _days(frame, 2)
    for day in sorted(days["ts"].unique()):  # the second day updates the first day's alert
        steward.ingest(REF, days[days["ts"] == day], time_column="ts", allow_backfill=True)
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            counted = conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM alert_updates")).scalar()
            assert counted
        with (
            pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"),
            engine.begin() as conn,
        ):
            conn.execute(sqlalchemy.text(statement))
    finally:
        engine.dispose()
