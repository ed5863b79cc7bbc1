"""What `replace` does to the windows it swaps out, and how alerts follow the windows, on the
in-memory fakes: a window emptied by a replace no longer stands for the version's health; labels
joined to replaced predictions no longer count; the same data may replace its own ingest (a redo
with other options) but never another's; a window read again does not count as a further
window; rows left out as already ingested are not refused as a backfill; the first row stamped
in the future is named, not the first out of range; and an alert whose rule left the policy is
closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from steward.domain.errors import InvalidInputError
from steward.services.monitor_signals import tier_monitoring
from steward.services.monitoring import Monitor
from tests.fakes.services import FakeServices
from tests.support.stages import force_stage
from tests.unit.test_monitoring_services import DANA, REF, _ingest, _monitor, _rows


def test_a_window_emptied_by_a_replace_no_longer_drives_health() -> None:
    monitor = _monitor()
    _ingest(monitor, 1, 0.0)
    stray = _ingest(monitor, 2, 0.0)  # day 2 was the wrong file: it belongs to no window
    assert stray.ingest is not None
    corrected = _rows(1, 0.0, n=600).assign(request_id=lambda f: "c-" + f["request_id"])
    result = monitor.ingest(
        DANA, REF, corrected, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id", replace=stray.ingest,
    )  # fmt: skip
    emptied = [r for r in result.results if r.detail.get("emptied")]
    assert [r.window_start for r in emptied] == ["2026-11-04T00:00:00Z"]
    (health,) = monitor.status(DANA)
    assert health.latest_window == "2026-11-03T00:00:00Z"
    assert health.signals["rows"] == 1200


def test_labels_joined_to_replaced_predictions_no_longer_count() -> None:
    monitor = _monitor()
    wrong = _ingest(monitor, 1, 0.0)
    assert wrong.ingest is not None
    rng = np.random.default_rng(3)
    labels = pd.DataFrame(
        {"request_id": [f"d1-{i}" for i in range(600)], "target": rng.integers(0, 2, 600)}
    )
    measured = monitor.labels(DANA, REF, labels, id_column="request_id", target_column="target")
    assert measured.results[0].signals["labelled_rows"] == 600
    corrected = _rows(1, 0.0).assign(request_id=lambda f: "c-" + f["request_id"])
    result = monitor.ingest(
        DANA, REF, corrected, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id", replace=wrong.ingest,
    )  # fmt: skip
    (performance,) = [r for r in result.results if r.kind == "performance"]
    assert performance.signals == {"labelled_rows": 0.0} and performance.detail["emptied"]
    (health,) = monitor.status(DANA)
    assert health.performance == {"labelled_rows": 0.0}


def test_the_same_data_may_replace_its_own_ingest_but_not_another() -> None:
    monitor = _monitor()
    first = _ingest(monitor, 1, 0.0)
    second = _ingest(monitor, 2, 0.0)
    assert first.ingest is not None and second.ingest is not None
    # A redo with other options: the same rows counted once, in 6-hour windows this time.
    redo = monitor.ingest(
        DANA, REF, _rows(1, 0.0), time_column="ts", window="6h",
        prediction_column="score", id_column="request_id", replace=first.ingest,
    )  # fmt: skip
    assert redo.replaced == first.ingest and redo.rows == 600
    with pytest.raises(InvalidInputError, match=r"already ingest 2 of .* would count it twice"):
        monitor.ingest(
            DANA, REF, _rows(2, 0.0), time_column="ts", window="1d",
            prediction_column="score", id_column="request_id", replace=redo.ingest,
        )  # fmt: skip
    # Every id of this file was logged by ingest 2: nothing would replace the redo.
    renamed = _rows(2, 0.0).assign(x=lambda f: f["x"] + 0.01)
    with pytest.raises(InvalidInputError, match=f"ingest {redo.ingest} was not replaced"):
        monitor.ingest(
            DANA, REF, renamed, time_column="ts", window="1d",
            prediction_column="score", id_column="request_id", replace=redo.ingest,
        )  # fmt: skip
    assert [i.replaced_by for i in monitor.ingests(DANA, REF)] == [redo.ingest, None, None]


def test_a_window_read_again_is_not_a_further_breaching_window() -> None:
    monitor = _monitor()
    monitor.ingest(DANA, REF, _rows(1, 3.0), time_column="ts", window="1d")
    more = _rows(1, 3.0).assign(x=lambda f: f["x"] + 0.001)
    monitor.ingest(DANA, REF, more, time_column="ts", window="1d")
    (alert,) = monitor.alerts(DANA, REF)
    assert alert.status == "open" and alert.windows == 1


def _served(services: FakeServices) -> Monitor:
    monitor = _monitor(services)
    for stage in ("staging", "production"):
        force_stage(services.store, DANA, REF, stage, "placed")
    return monitor


def test_rows_already_ingested_are_not_refused_as_a_backfill() -> None:
    """The fakes' clock stands at 2026-03-02, when the version is placed in production."""
    monitor = _served(FakeServices())
    january = _rows(1, 0.0).assign(ts=pd.Timestamp("2026-01-05", tz="UTC"))
    monitor.ingest(
        DANA, REF, january, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id", allow_backfill=True,
    )  # fmt: skip
    both = pd.concat([january, _rows(2, 0.0)], ignore_index=True)
    result = monitor.ingest(
        DANA, REF, both, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id",
    )  # fmt: skip
    assert result.skipped == 600 and result.first_at == "2026-11-04T00:00:00Z"


def test_the_first_row_from_the_future_is_named_when_earlier_rows_are_too_old() -> None:
    monitor = _served(FakeServices())
    rows = _rows(1, 0.0)
    rows.loc[:4, "ts"] = pd.Timestamp("2026-01-05", tz="UTC")
    rows.loc[10:, "ts"] = pd.Timestamp(datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(InvalidInputError, match=r"590 row\(s\) are stamped in the future.*row 11"):
        monitor.ingest(DANA, REF, rows, time_column="ts", window="1d")


def test_an_open_alert_whose_rule_left_the_policy_is_closed() -> None:
    services = FakeServices()
    monitor = _monitor(services)
    _ingest(monitor, 1, 3.0)
    (alert,) = monitor.alerts(DANA, REF)
    with services.store.write(DANA) as tx:
        governed = services.context.governed_for_write(tx, monitor._target(REF))
        kept = [r for r in tier_monitoring(governed).rules if r.key != alert.rule]
        latest = tx.monitoring.window_results(governed.handle.id)[-1:]
        monitor._reactor.react(tx, governed, latest, kept)
        tx.commit()
    (alert,) = monitor.alerts(DANA, REF)
    assert alert.status == "closed" and "no longer in the policy" in (alert.closed_reason or "")
