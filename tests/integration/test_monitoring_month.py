"""A month of production on the shipped policies, as `steward monitor ingest` and `labels` see
it: 1,000 scored rows an hour for 30 days, labelled a day later. Stable traffic must raise no
alert; an injected input drift and an injected performance drop must each be caught within the
rule's windows; the demotion must happen once, with one stage event. The month predates the
promotion the test makes, so it is a backfill the test admits explicitly."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from steward.sdk import Client
from tests.policy_samples import EU_NONE, SR_LOW
from tests.support.containers import container_of
from tests.support.principals import who
from tests.support.stages import force_stage
from tests.support.traffic import FEATURES, Traffic

REF = "shop/ranker/1"
MONTH = 30

OPERATIONAL = {
    "audience": "internal",
    "usage": "operational",
    "lifetime": "months",
    "impact": "moderate",
    "affects_people": "no",
    "affects_money": "no",
    "automation": "reviewed",
}
SR_TIER1 = {**SR_LOW, "regulatory_use": "capital_or_stress_testing"}
EU_HIGH = {**EU_NONE, "annex_i_safety_component": "yes"}


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return Traffic()


def _deployed(
    home: Path, url: str, traffic: Traffic, policy: str, answers: Mapping[str, str], tier: str
) -> Client:
    owner = Client(home=home, database_url=url, actor="dana")
    # Configuring monitoring is an engineer's job in the stricter policies: eric's.
    owner.create_project("shop", members={"eric": ["ml_engineer"]})
    assessment = owner.classify("shop", answers, policy=policy, reason="production scoring")
    assert getattr(assessment, "tier", None) == tier
    owner.close()
    c = Client(home=home, database_url=url, actor="eric")
    c.register(
        traffic.model, project="shop", name="ranker", training_data=traffic.reference,
        target="target",
    )  # fmt: skip
    # The gates of these tiers are not what this test is about: the version is placed.
    with container_of(c) as container:
        for stage in ("staging", "production"):
            force_stage(container.store, who("eric"), REF, stage, "placed for the test")
    reference = traffic.reference[FEATURES].assign(
        score=traffic.model.predict_proba(traffic.reference[FEATURES])[:, 1]
    )
    c.monitor_reference(REF, reference, prediction_column="score")
    return c


def _day(c: Client, traffic: Traffic, number: int, **change: float | bool) -> list[int]:
    rows, labels = traffic.day(number, **change)  # type: ignore[arg-type]
    ingested = c.ingest(
        REF,
        rows,
        time_column="ts",
        prediction_column="score",
        id_column="request_id",
        allow_backfill=True,
    )
    assert ingested.rows == len(rows) and len(ingested.windows) == 24
    labelled = c.labels(REF, labels, id_column="request_id", target_column="target")
    return [*ingested.alerts, *labelled.alerts]


def _hourly(c: Client, traffic: Traffic, number: int, **change: float | bool) -> None:
    """One day's traffic and labels, each hour ingested as it would arrive in production."""
    rows, labels = traffic.day(number, **change)  # type: ignore[arg-type]
    for _, hour in rows.groupby(rows["ts"].dt.floor("h")):
        c.ingest(
            REF,
            hour,
            time_column="ts",
            prediction_column="score",
            id_column="request_id",
            allow_backfill=True,
        )
        mine = labels[labels["request_id"].isin(hour["request_id"])]
        c.labels(REF, mine, id_column="request_id", target_column="target")


@pytest.fixture
def operational(database_url: str, steward_home: Path, traffic: Traffic) -> Iterator[Client]:
    c = _deployed(steward_home, database_url, traffic, "default", OPERATIONAL, "operational")
    yield c
    c.close()


def test_a_stable_month_is_quiet_and_a_drift_and_a_performance_drop_are_caught_once(
    operational: Client, traffic: Traffic
) -> None:
    c = operational
    raised = [alert for day in range(MONTH) for alert in _day(c, traffic, day)]
    assert raised == [], [a.rule for a in c.alerts(REF)]
    assert c.version(REF).stage == "production"

    # An input drift: the first drifted window opens one review; later ones update it.
    _day(c, traffic, MONTH, drift=1.0)
    (drift,) = c.alerts(REF)
    assert drift.rule == "drift.psi_max > 0.2 -> open_review"
    assert drift.window_start == "2026-10-31T00:00:00Z" and drift.windows == 24
    assert drift.detail["outcome"] == "review opened"

    # The drift ends and the labels stop agreeing with the scores, arriving hour by hour: the
    # drift alert closes on recovery; retraining is asked for on the first bad window, demotion
    # on the third.
    before = [e.seq for e in c.audit_log(action="version.stage_changed", limit=1000).items]
    _hourly(c, traffic, MONTH + 1, noise_labels=True)
    alerts = {a.action: a for a in c.alerts(REF)}
    assert alerts["open_review"].status == "closed"
    assert alerts["open_review"].closed_window == "2026-11-01T00:00:00Z"
    assert alerts["retrain"].window_start == "2026-11-01T00:00:00Z"
    assert alerts["demote"].window_start == "2026-11-01T02:00:00Z"
    assert alerts["demote"].detail["outcome"] == "demoted from production to retired"
    # The demotion read the upper confidence bound of the AUC, not the point estimate.
    measured = [
        r
        for r in c.monitor_history(REF).results
        if r.kind == "performance" and r.window_start == "2026-11-01T02:00:00Z"
    ]
    point = measured[-1].signals["performance.auc"]
    assert alerts["demote"].value == measured[-1].signals["performance.auc.upper"] > point
    moves = [
        e
        for e in c.audit_log(action="version.stage_changed", limit=1000).items
        if e.seq not in before
    ]
    assert [(e.payload["from"], e.payload["to"]) for e in moves] == [("production", "retired")]
    assert c.version(REF).stage == "retired"


@pytest.mark.parametrize(
    ("policy", "answers", "tier"),
    [
        pytest.param("sr-11-7", SR_TIER1, "tier1", id="sr-11-7-tier1"),
        pytest.param("eu-ai-act", EU_HIGH, "high", id="eu-ai-act-high"),
    ],
)
def test_the_regulatory_policies_are_quiet_for_a_stable_month_and_catch_a_drift(
    tmp_path: Path, traffic: Traffic, policy: str, answers: Mapping[str, str], tier: str
) -> None:
    """Daily windows of 24,000 rows: stable traffic raises nothing; a shifted feature raises
    the tier's drift rules in the first drifted window."""
    home = tmp_path / "home"
    home.mkdir()
    c = _deployed(home, f"sqlite:///{tmp_path / 'steward.db'}", traffic, policy, answers, tier)
    try:
        for day in range(MONTH):
            rows, _ = traffic.day(day)
            result = c.ingest(REF, rows, time_column="ts", allow_backfill=True)
            assert result.alerts == [], [a.rule for a in c.alerts(REF)]
        rows, _ = traffic.day(MONTH, drift=1.0)
        drifted = c.ingest(REF, rows, time_column="ts", allow_backfill=True)
        assert drifted.alerts
        assert {a.window_start for a in c.alerts(REF)} == {"2026-10-31T00:00:00Z"}
        assert all(a.signal == "drift.psi_max" for a in c.alerts(REF))
    finally:
        c.close()
