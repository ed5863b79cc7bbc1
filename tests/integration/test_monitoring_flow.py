"""Production monitoring on the real stores (SQLite and PostgreSQL): a real scikit-learn model,
a reference profile with its scores, production windows ingested with drift appearing, alerts
raised by the policy's rules, a signed webhook delivered to a local receiver (retried after a
500), a review opened, late labels joined by id, and a KPI series on a control chart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.domain.changes import PendingChange
from steward.domain.errors import InvalidInputError
from steward.sdk import Client
from tests.policy_samples import MONITORED_ANSWERS
from tests.support.containers import container_of
from tests.support.org import approve_pending, grant_org_roles
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "s3cret-for-tests"
SECRET_ENV = "STEWARD_TEST_HOOK_SECRET"
REF = "credit/scorer/1"
POLICY_DIR = Path(__file__).resolve().parents[2] / "src" / "steward" / "policies"


def _policy_with_webhook(path: Path, url: str) -> Path:
    """The default policy with a signed webhook route on every monitoring rule, and a KPI rule
    for the monitored tier. Edited as text: YAML 1.1 would read the answers yes/no as booleans."""
    text = (POLICY_DIR / "default.yaml").read_text()
    text = text.replace(
        "routes:\n  audit_log: {kind: log}",
        f"routes:\n  audit_log: {{kind: log}}\n  ops: {{kind: webhook, url: '{url}', "
        f"secret_env: {SECRET_ENV}}}",
    )
    text = text.replace("routes: [audit_log]}", "routes: [audit_log, ops]}")
    kpi_rule = (
        '      - {signal: kpi.approval_rate.out_of_control, op: ">=", value: 1, action: notify, '
        "routes: [audit_log, ops]}\n"
    )
    text = text.replace(
        "  operational:\n    schedule: hourly\n",
        kpi_rule + "  operational:\n    schedule: hourly\n",
    )
    path.write_text(text)
    return path


@pytest.fixture
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = load_breast_cancer(as_frame=True).frame
    train, valid = train_test_split(frame, test_size=0.4, random_state=3, stratify=frame["target"])
    return train.reset_index(drop=True), valid.reset_index(drop=True)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET.encode(), failures=1) as hook:
        yield hook


@pytest.fixture
def steward(
    database_url: str,
    steward_home: Path,
    data: tuple[pd.DataFrame, pd.DataFrame],
    receiver: WebhookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Client]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    train, valid = data
    c = Client(home=steward_home, database_url=database_url, actor="dana")
    grant_org_roles(c.settings, {"dana": "risk_officer"})  # she writes the monitoring policy
    c.apply_policy(_policy_with_webhook(tmp_path / "policy.yaml", receiver.url), reason="hooks")
    c.create_project("credit")
    c.classify("credit", MONITORED_ANSWERS, reason="scheduled scoring")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(train.drop(columns="target"), train["target"])
    c.register(model, project="credit", name="scorer", training_data=train, target="target")
    c.monitor_reference(REF, valid, target_column="target")
    yield c
    c.close()


def _production(valid: pd.DataFrame, day: int, *, shift: float, seed: int) -> pd.DataFrame:
    """One day of production traffic: resampled validation rows, their scores, ids and times;
    `shift` moves the worst-radius feature up by that many standard deviations."""
    rng = np.random.default_rng(seed)
    rows = valid.iloc[rng.integers(0, len(valid), 600)].reset_index(drop=True)
    rows["worst radius"] = rows["worst radius"] + shift * valid["worst radius"].std()
    rows["ts"] = (
        pd.Timestamp("2026-11-02", tz="UTC")
        + pd.Timedelta(days=day)
        + pd.to_timedelta(rng.integers(0, 86_400, len(rows)), unit="s")
    )
    rows["request_id"] = [f"d{day}-{i}" for i in range(len(rows))]
    return rows


def _ingest(c: Client, frame: pd.DataFrame, model: Any) -> Any:
    features = frame.drop(columns=["target", "ts", "request_id"])
    frame = frame.assign(score=model.predict_proba(features)[:, 1])
    return c.ingest(
        REF,
        frame.drop(columns="target"),
        time_column="ts",
        window="1d",
        prediction_column="score",
        id_column="request_id",
    )


def _model(c: Client) -> Any:
    return c.load(c.deployment(REF), trust=True)


def test_drift_mid_way_raises_an_alert_opens_a_review_and_delivers_a_signed_webhook(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame], receiver: WebhookReceiver
) -> None:
    _, valid = data
    model = _model(steward)
    quiet = [_ingest(steward, _production(valid, d, shift=0.0, seed=d), model) for d in range(3)]
    assert all(not r.alerts for r in quiet)
    assert all(r.results[0].signals["drift.psi_max"] < 0.2 for r in quiet)

    drifted = _ingest(steward, _production(valid, 3, shift=2.0, seed=3), model)
    assert drifted.windows == ["2026-11-05T00:00:00Z"]
    assert drifted.results[0].signals["drift.psi_max"] > 0.2
    assert len(drifted.alerts) == 1
    alert = steward.alerts(REF)[0]
    assert alert.signal == "drift.psi_max" and alert.action == "open_review"
    reviews = steward.reviews()
    assert [(r.version_ref, r.alert_id) for r in reviews] == [(REF, alert.id)]

    # The receiver answered the first attempt with 500; the retry is delivered and signed.
    steward.deliver(wait=20)
    delivered = [r for r in receiver.received if r["status"] == 200]
    assert len(delivered) == 1 and delivered[0]["signature_valid"] is True
    assert delivered[0]["body"]["signal"] == "drift.psi_max"
    assert len(receiver.unique_deliveries()) == 1
    with container_of(steward) as container, container.store.read() as q:
        assert q.outbox.deliveries("delivered")[0].attempts == 2

    # The same window again adds rows but raises nothing new: one alert per window and rule.
    again = _ingest(steward, _production(valid, 3, shift=2.0, seed=30), model)
    assert again.alerts == [] and len(steward.alerts(REF)) == 1

    actions = [e.action for e in steward.audit_log(limit=500).items]
    assert "alert.raised" in actions and "review.opened" in actions
    assert "delivery.delivered" in actions

    status = steward.monitor_status()[0]
    assert status.version == REF and status.health == "alert"
    assert status.windows == 4 and status.open_reviews == [reviews[0].id]

    # The review an alert opened closes only with a second person's approval.
    waiting = steward.close_review(reviews[0].id, "feature pipeline fixed upstream")
    assert isinstance(waiting, PendingChange) and waiting.kind == "review.close"
    assert approve_pending(steward.settings) == [waiting.id]
    assert [r.status for r in steward.reviews(status="closed")] == ["closed"]


def test_late_labels_join_by_id_and_give_per_window_performance(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = data
    model = _model(steward)
    frames = [_production(valid, d, shift=0.0, seed=d) for d in range(2)]
    for frame in frames:
        _ingest(steward, frame, model)
    labels = pd.concat(frames)[["request_id", "target"]]
    stray = pd.DataFrame({"request_id": ["nobody-1", "nobody-2"], "target": [1, 0]})
    result = steward.labels(
        REF, pd.concat([labels, stray]), id_column="request_id", target_column="target"
    )
    assert result.matched == 1200 and result.unmatched == 2
    by_window = {r.window_start: r.signals for r in result.results}
    from sklearn.metrics import roc_auc_score

    day0 = frames[0]
    scores = model.predict_proba(day0.drop(columns=["target", "ts", "request_id"]))[:, 1]
    expected = roc_auc_score(day0["target"], scores)
    assert by_window["2026-11-02T00:00:00Z"]["performance.auc"] == pytest.approx(
        expected, abs=1e-12
    )

    with pytest.raises(InvalidInputError, match="none of the 2 labels"):
        steward.labels(REF, stray, id_column="request_id", target_column="target")


def test_estimated_performance_is_labelled_and_close_to_the_truth(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = data
    model = _model(steward)
    frame = _production(valid, 0, shift=0.0, seed=11)
    result = _ingest(steward, frame, model)
    signals = result.results[0].signals
    assert "estimated.accuracy" in signals and "performance.accuracy" not in signals
    scores = model.predict_proba(frame.drop(columns=["target", "ts", "request_id"]))[:, 1]
    actual = float(np.mean((scores >= 0.5) == (frame["target"] == 1)))
    assert abs(signals["estimated.accuracy"] - actual) < 0.05


def test_a_kpi_out_of_control_raises_an_alert(steward: Client) -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2026-10-01", periods=20, freq="D", tz="UTC")
    stable = [(d.isoformat(), float(0.6 + rng.normal(0, 0.01))) for d in days]
    results, alerts = steward.record_series(REF, "approval_rate", stable)
    assert len(results) == 20 and alerts == []
    assert all(r.signals.get("kpi.approval_rate.out_of_control", 0.0) == 0.0 for r in results)
    results, alerts = steward.record_series(REF, "approval_rate", [("2026-10-21", 0.2)])
    assert results[0].signals["kpi.approval_rate.out_of_control"] == 1.0
    assert len(alerts) == 1


def test_bad_input_is_refused_and_leaves_nothing(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = data
    empty = valid.iloc[:0].assign(ts=pd.Series([], dtype="datetime64[ns, UTC]"))
    with pytest.raises(InvalidInputError, match="no rows"):
        steward.ingest(REF, empty.drop(columns="target"), time_column="ts")
    with pytest.raises(InvalidInputError, match="'when'"):
        steward.ingest(REF, valid, time_column="when")
    with pytest.raises(InvalidInputError, match="window"):
        steward.ingest(REF, valid, window="fortnight")
    assert steward.monitor_status()[0].windows == 0


def test_the_tier_policy_chooses_drift_methods_thresholds_and_window(
    steward: Client,
    data: tuple[pd.DataFrame, pd.DataFrame],
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    text = _policy_with_webhook(tmp_path / "tuned.yaml", receiver.url).read_text()
    text = text.replace(
        "    window: 1w\n",
        "    window: 1d\n    drift: {method: psi, threshold: 0.05, drift_share: 0.2,\n"
        "            column_methods: {mean radius: ks}, column_thresholds: {mean radius: 0.01}}\n",
    )
    (tmp_path / "tuned.yaml").write_text(text)
    steward.apply_policy(tmp_path / "tuned.yaml", reason="tighter drift for this tier")
    _, valid = data
    frame = _production(valid, 0, shift=0.0, seed=4)
    result = steward.ingest(REF, frame.drop(columns=["target"]), time_column="ts")
    assert result.windows == ["2026-11-02T00:00:00Z"]  # the tier's 1d, not the default 1w
    drift = result.results[0].detail["drift"]
    assert drift["drift_share"] == 0.2
    columns = drift["columns"]
    assert columns["mean radius"]["method"] == "ks" and columns["mean radius"]["threshold"] == 0.01
    assert columns["worst radius"]["method"] == "psi"
    assert columns["worst radius"]["threshold"] == 0.05


def test_a_vanished_column_nans_and_infinities_are_reported_not_fatal(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = data
    frame = _production(valid, 0, shift=0.0, seed=8).drop(columns=["target", "mean radius"])
    frame["mean texture"] = np.nan
    frame.loc[:5, "mean area"] = np.inf
    result = steward.ingest(REF, frame, time_column="ts", window="1d")
    detail = result.results[0].detail["drift"]
    assert "mean radius" in detail["skipped"] and "mean texture" in detail["skipped"]
    assert detail["columns"]["mean area"]["current_infinite"] == 6
    assert result.results[0].signals["data.missing_share_max"] == 1.0


def test_an_id_labelled_again_keeps_its_newest_label(
    steward: Client, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = data
    model = _model(steward)
    frame = _production(valid, 0, shift=0.0, seed=21)
    _ingest(steward, frame, model)
    labels = frame[["request_id", "target"]]
    flipped = labels.assign(target=1 - labels["target"])
    for batch in (labels, flipped, flipped.head(10)):
        result = steward.labels(REF, batch, id_column="request_id", target_column="target")
    scores = model.predict_proba(frame.drop(columns=["target", "ts", "request_id"]))[:, 1]
    expected = float(np.mean((scores >= 0.5) == (flipped["target"] == 1)))
    assert result.results[0].signals["performance.accuracy"] == pytest.approx(expected)
