"""The monitoring use cases on the in-memory fakes, no database: a reference set from a small
table, production windows ingested through `Monitor.ingest`, an alert and a review raised when a
column drifts, labels joined to logged scores, and the reads returning typed results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steward.adapters.capture.ports import SkopsJoblibCodec
from steward.adapters.report import HtmlMonitorReport
from steward.domain.changes import PendingChange
from steward.domain.monitoring import Alert, Review
from steward.domain.webhooks import DeliveryAttempt
from steward.services.monitor_feedback import LabelResult
from steward.services.monitor_store import IngestResult
from steward.services.monitoring import Monitor
from steward.services.outbox import Outbox
from tests.fakes import make_lineage
from tests.fakes.services import FakeServices
from tests.policy_samples import MONITORED_ANSWERS
from tests.support.principals import who

REF = "credit/scorer/1"
DANA = who("dana")


class NoHooks:
    """Hooks that record what would have been sent and report it delivered."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt:
        self.sent.append(url)
        return DeliveryAttempt(delivered=True, status=200, error=None, retryable=False, seconds=0.0)

    def run(
        self, command: Sequence[str], body: bytes, env: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt:
        self.sent.append(" ".join(command))
        return DeliveryAttempt(delivered=True, status=0, error=None, retryable=False, seconds=0.0)


def _rows(day: int, shift: float, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    x = rng.normal(0.0, 1.0, n) + shift
    return pd.DataFrame(
        {
            "x": x,
            "y": rng.normal(5.0, 2.0, n),
            "score": 1 / (1 + np.exp(-x)),
            "request_id": [f"d{day}-{i}" for i in range(n)],
            "ts": pd.Timestamp("2026-11-02", tz="UTC") + pd.Timedelta(days=day),
        }
    )


def _monitor(s: FakeServices | None = None) -> Monitor:
    s = s or FakeServices()
    s.inventory.create_project(DANA, "credit")
    s.governance.classify(DANA, "credit", MONITORED_ANSWERS, reason="scheduled scoring")
    s.inventory.register_version(DANA, "credit", "scorer", b"model bytes", make_lineage())
    m = Monitor(
        s.context, s.inventory, Outbox(s.store, NoHooks()), SkopsJoblibCodec(), HtmlMonitorReport()
    )
    reference = _rows(0, 0.0, 1000).drop(columns=["request_id", "ts"])
    m.set_reference(DANA, REF, reference, prediction_column="score", score=False)
    return m


@pytest.fixture
def monitor() -> Monitor:
    return _monitor()


def _ingest(m: Monitor, day: int, shift: float) -> IngestResult:
    return m.ingest(
        DANA,
        REF,
        _rows(day, shift),
        time_column="ts",
        window="1d",
        prediction_column="score",
        id_column="request_id",
    )


def test_a_reference_is_set_from_a_table(monitor: Monitor) -> None:
    """The reference profile keeps the table's columns and the history knows the version."""
    profile = monitor.reference_profile(DANA, REF)
    assert {"x", "y"} <= set(profile.columns)


def test_quiet_windows_raise_nothing_and_drift_opens_an_alert_and_a_review() -> None:
    """Windows like the reference raise no alert; a shifted column does, with its review, which
    only a second person can close."""
    services = FakeServices()
    monitor = _monitor(services)
    quiet = _ingest(monitor, 1, 0.0)
    assert not quiet.alerts
    assert monitor.alerts(DANA, REF) == []
    drifted = _ingest(monitor, 2, 3.0)
    assert drifted.windows == ["2026-11-04T00:00:00Z"]
    alerts = monitor.alerts(DANA, REF)
    assert alerts and all(isinstance(a, Alert) for a in alerts)
    assert alerts[0].signal.startswith("drift.")
    reviews = monitor.reviews(DANA)
    assert [(r.version_ref, r.alert_id) for r in reviews] == [(REF, alerts[0].id)]
    pending = monitor.close_review(DANA, reviews[0].id, "retrained")
    assert isinstance(pending, PendingChange) and pending.kind == "review.close"
    assert [r.id for r in monitor.reviews(DANA)] == [reviews[0].id]
    services.approve(pending.id)
    [closed] = monitor.reviews(DANA, status="closed")
    assert isinstance(closed, Review) and closed.resolution == "retrained"
    assert monitor.reviews(DANA) == []


def test_labels_join_logged_scores_by_id(monitor: Monitor) -> None:
    """Labels for logged ids are matched; unknown ids are counted, not dropped silently."""
    _ingest(monitor, 1, 0.0)
    labels = pd.DataFrame({"request_id": ["d1-0", "d1-1", "nope"], "target": [1, 0, 1]})
    result = monitor.labels(DANA, REF, labels, id_column="request_id", target_column="target")
    assert isinstance(result, LabelResult)
    assert (result.version, result.labels, result.matched, result.unmatched) == (REF, 3, 2, 1)


def test_a_parquet_file_read_in_column_passes_gives_the_same_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading one column per pass changes nothing a user sees: the same windows, signals and
    logged scores (each row's score once) as reading every column at once."""
    from steward.stats import stream

    path = tmp_path / "day.parquet"
    pd.concat([_rows(1, 0.0), _rows(2, 0.5)]).to_parquet(path)

    def ingest() -> IngestResult:
        return _monitor().ingest(
            DANA,
            REF,
            path,
            time_column="ts",
            window="1d",
            prediction_column="score",
            id_column="request_id",
        )

    once = ingest()
    monkeypatch.setattr(stream, "COLUMNS_PER_PASS", 1)
    assert len(stream.column_passes(path, ["x", "y"])) == 2
    in_passes = ingest()
    assert in_passes.windows == once.windows and len(once.windows) == 2
    assert in_passes.logged_predictions == once.logged_predictions == 1200
    for mine, theirs in zip(in_passes.results, once.results, strict=True):
        assert mine.signals == pytest.approx(theirs.signals, rel=1e-9)
