"""What an ingest must not do to a version's windows, on the in-memory fakes: the same data is
not counted twice, prediction ids an earlier ingest logged are left out, a file repeating an id
is refused, `replace` swaps an earlier ingest out, rows from the future and (for a serving
version) from before its deployment are refused with their count and first row; and an open
alert is updated by later breaching windows, closes when they recover, and cools down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from steward.domain.errors import InvalidInputError, NotFoundError
from steward.services.monitoring import Monitor
from tests.fakes.services import FakeServices
from tests.support.stages import force_stage
from tests.unit.test_monitoring_services import DANA, REF, _ingest, _monitor, _rows


def _windows(monitor: Monitor) -> dict[str, int]:
    """Rows per window as the windows' newest results count them."""
    found = {}
    for result in monitor.history(DANA, REF).results:
        if result.kind == "drift":
            found[result.window_start] = int(result.signals["rows"])
    return found


def test_the_same_data_twice_is_counted_once_and_named() -> None:
    monitor = _monitor()
    first = _ingest(monitor, 1, 0.0)
    again = _ingest(monitor, 1, 0.0)
    assert first.ingest is not None and first.digest is not None
    assert again.already is not None and again.already.id == first.ingest
    assert (again.rows, again.windows, again.alerts) == (0, [], [])
    assert f"as ingest {first.ingest}, by dana at" in again.notes[0]
    assert _windows(monitor) == {"2026-11-03T00:00:00Z": 600}
    assert [i.rows for i in monitor.ingests(DANA, REF)] == [600]


def test_rows_whose_prediction_id_was_logged_are_left_out() -> None:
    monitor = _monitor()
    _ingest(monitor, 1, 0.0)
    overlapping = pd.concat([_rows(1, 0.0), _rows(2, 0.0)])
    result = monitor.ingest(
        DANA, REF, overlapping, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id",
    )  # fmt: skip
    assert result.skipped == 600 and result.rows == 600
    assert result.logged_predictions == 600
    assert "600 row(s) carry prediction ids an earlier ingest logged" in result.notes[0]
    assert _windows(monitor) == {"2026-11-03T00:00:00Z": 600, "2026-11-04T00:00:00Z": 600}


def test_a_file_repeating_an_id_is_refused_and_nothing_is_written() -> None:
    monitor = _monitor()
    doubled = pd.concat([_rows(1, 0.0), _rows(1, 0.0).head(3)])
    with pytest.raises(InvalidInputError, match=r"3 row\(s\) repeat a prediction id .*'d1-0'"):
        monitor.ingest(
            DANA, REF, doubled, time_column="ts", window="1d",
            prediction_column="score", id_column="request_id",
        )  # fmt: skip
    assert monitor.ingests(DANA, REF) == []


def test_replace_swaps_an_earlier_ingest_out_in_one_step() -> None:
    monitor = _monitor()
    wrong = _ingest(monitor, 1, 0.0)
    assert wrong.ingest is not None
    corrected = _rows(2, 0.0).assign(request_id=lambda f: "c-" + f["request_id"])
    result = monitor.ingest(
        DANA, REF, corrected, time_column="ts", window="1d",
        prediction_column="score", id_column="request_id", replace=wrong.ingest,
    )  # fmt: skip
    assert result.replaced == wrong.ingest
    assert "window 2026-11-03T00:00:00Z holds no rows" in " ".join(result.notes)
    listed = monitor.ingests(DANA, REF)
    assert [(i.id, i.replaced_by) for i in listed] == [
        (wrong.ingest, result.ingest),
        (result.ingest, None),
    ]
    assert monitor.history(DANA, REF).results[-1].window_start == "2026-11-04T00:00:00Z"
    # The replaced data may come back: it is new again.
    assert _ingest(monitor, 1, 0.0).already is None
    with pytest.raises(InvalidInputError, match="was replaced already"):
        monitor.ingest(
            DANA, REF, _rows(3, 0.0), time_column="ts", window="1d", replace=wrong.ingest
        )
    with pytest.raises(NotFoundError, match="has no ingest 99"):
        monitor.ingest(DANA, REF, _rows(3, 0.0), time_column="ts", window="1d", replace=99)


def test_rows_from_the_future_are_refused_with_their_count_and_first_row() -> None:
    monitor = _monitor()
    tomorrow = pd.Timestamp(datetime.now(UTC) + timedelta(days=1))
    rows = _rows(1, 0.0)
    rows.loc[5:, "ts"] = tomorrow
    with pytest.raises(InvalidInputError, match=r"595 row\(s\) are stamped in the future .*row 6"):
        monitor.ingest(DANA, REF, rows, time_column="ts", window="1d")
    assert monitor.ingests(DANA, REF) == []


def test_a_serving_version_refuses_a_backfill_unless_it_is_admitted() -> None:
    """The fakes' clock stands at 2026-03-02, when the version is placed in production."""
    services = FakeServices()
    monitor = _monitor(services)
    for stage in ("staging", "production"):
        force_stage(services.store, DANA, REF, stage, "placed")
    earlier = _rows(1, 0.0).assign(ts=pd.Timestamp("2026-01-05", tz="UTC"))
    with pytest.raises(
        InvalidInputError,
        match=r"600 row\(s\) are stamped before credit/scorer/1 entered production at 2026-03-02",
    ):
        monitor.ingest(DANA, REF, earlier, time_column="ts", window="1d")
    assert monitor.ingests(DANA, REF) == []
    admitted = monitor.ingest(
        DANA, REF, earlier, time_column="ts", window="1d", allow_backfill=True
    )
    assert admitted.rows == 600
    assert (admitted.first_at, admitted.last_at) == ("2026-01-05T00:00:00Z",) * 2
    # Rows after the deployment need no admission.
    assert _ingest(monitor, 1, 0.0).rows == 600


def test_an_open_alert_is_updated_closes_on_recovery_and_cools_down() -> None:
    monitor = _monitor()
    _ingest(monitor, 1, 3.0)
    _ingest(monitor, 2, 3.0)
    (alert,) = monitor.alerts(DANA, REF)
    assert (alert.status, alert.windows, alert.last_window) == ("open", 2, "2026-11-04T00:00:00Z")
    _ingest(monitor, 3, 0.0)
    (alert,) = monitor.alerts(DANA, REF)
    assert alert.status == "closed" and alert.closed_window == "2026-11-05T00:00:00Z"
    # Within the cooldown (3 qualifying windows) a new breach raises nothing.
    for day in (4, 5, 6):
        assert _ingest(monitor, day, 3.0).alerts == []
    assert len(monitor.alerts(DANA, REF)) == 1
    assert len(_ingest(monitor, 7, 3.0).alerts) == 1


def test_a_window_with_too_few_rows_reads_insufficient_data_everywhere() -> None:
    """Status, the ingest's result and the report say so; a shift that would breach raises
    nothing."""
    monitor = _monitor()
    few = monitor.ingest(DANA, REF, _rows(1, 3.0, n=120), time_column="ts", window="1d")
    assert few.alerts == []
    notes = few.results[0].detail["insufficient"]
    assert any("120 of the 500 rows it needs" in note for note in notes)
    (health,) = monitor.status(DANA)
    assert health.health == "insufficient data" and health.insufficient == notes
    page = monitor.report(DANA, REF)
    assert "insufficient data" in page and "too few rows for a rule" in page


def test_a_kpi_named_with_spaces_is_recorded_and_charted() -> None:
    """A project's KPIs are named as people name them; their series and signals keep the name."""
    monitor = _monitor()
    points = [(f"2026-11-{day:02d}", 0.6 + 0.001 * day) for day in range(1, 11)]
    results, alerts = monitor.series(DANA, REF, "approval rate", points)
    assert alerts == []
    assert results[-1].signals["approval rate"] == pytest.approx(0.61)
    assert "kpi.approval rate.out_of_control" in results[-1].signals
    for bad in ("approval  rate", " approval", "approval rate!"):
        with pytest.raises(InvalidInputError, match="malformed series name"):
            monitor.series(DANA, REF, bad, points)
