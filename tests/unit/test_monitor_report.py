"""The offline monitoring report: well-formed, self-contained, deterministic to the byte, with
one chart per expected view, the newest result of a window shown (never an older one), and
every user string escaped.

The history is written by hand in the shapes monitoring records: ten daily windows whose
drift starts at the sixth, one window ingested twice, late labels for some windows, alerts,
a review and KPI series (one of 20 points ending in an outlier).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest

from steward.adapters import report
from steward.adapters.report.monitor import render_monitor_report
from steward.domain.monitoring import Alert, Review, SeriesPoint, WindowResult
from steward.services.monitor_reads import MonitorHistory

VERSION = "credit/scorer@3"
EVIL_COLUMN = "income <USD> & bonus"
SCRIPT_COLUMN = "<script>alert(1)</script>"
WINDOWS = [f"2026-03-{day:02d}T00:00:00Z" for day in range(2, 12)]
DRIFT_FROM = 5  # index of the sixth window
TWICE = 3  # index of the window ingested twice
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class TagChecker(HTMLParser):
    """Every close tag must match the tag it closes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")


def _column(kind: str, method: str, statistic: float, threshold: float, drifted: bool) -> Any:
    p_value = 0.001 if drifted else 0.4
    tested = method in ("ks", "chisquare")
    return {
        "kind": kind,
        "method": method,
        "statistic": statistic,
        "p_value": p_value if tested else None,
        "score": p_value if tested else statistic,
        "threshold": threshold,
        "drifted": drifted,
        "reference_count": 5000,
        "current_count": 800,
        "chart": {"edges": [0.0, 1.0, 2.0], "reference": [0.5, 0.5], "current": [0.5, 0.5]},
        "notes": [],
    }


def drift_result(index: int, rows: int, psi_max: float, created: str) -> WindowResult:
    drifting = index >= DRIFT_FROM
    step = index - DRIFT_FROM + 1 if drifting else 0
    columns = {
        "age": _column("numeric", "ks", 0.03 + 0.05 * step, 0.05, drifting),
        EVIL_COLUMN: _column("numeric", "wasserstein", 0.02 + 0.035 * step, 0.1, step >= 3),
        SCRIPT_COLUMN: _column("categorical", "chisquare", 1.5, 0.05, False),
        "region": _column("categorical", "jensenshannon", 0.01 + 0.015 * step, 0.1, False),
    }
    drifted = sum(1 for c in columns.values() if c["drifted"])
    share = drifted / len(columns)
    estimated = {"accuracy": 0.86 - 0.02 * step, "auc": 0.91 - 0.03 * step, "f1": 0.7}
    signals = {
        "rows": float(rows),
        "drift.share": share,
        "drift.dataset": 1.0 if share >= 0.5 else 0.0,
        "drift.columns_drifted": float(drifted),
        "drift.psi_max": psi_max,
        "prediction.psi": psi_max / 2,
        "prediction.drifted": 0.0,
        "data.missing_share_max": 0.01,
        **{f"estimated.{name}": value for name, value in estimated.items()},
    }
    detail = {
        "rows": rows,
        "drift": {
            "columns": columns,
            "skipped": {},
            "dataset_drift": share >= 0.5,
            "drifted_columns": drifted,
            "compared_columns": len(columns),
            "share": share,
            "drift_share": 0.5,
            "reference_rows": 5000,
            "current_rows": rows,
            "notes": [],
        },
        "psi": {name: psi_max for name in columns},
        "prediction": _column("numeric", "psi", psi_max / 2, 0.1, False),
        "estimated": {"rows": rows, "threshold": 0.5, **estimated},
    }
    return WindowResult(VERSION, WINDOWS[index], "drift", signals, detail, created)


def performance_result(index: int, auc: float, accuracy: float) -> WindowResult:
    signals = {"labelled_rows": 400.0, "performance.auc": auc, "performance.accuracy": accuracy}
    detail = {"labelled_rows": 400, "threshold": 0.5, "notes": []}
    return WindowResult(VERSION, WINDOWS[index], "performance", signals, detail, "2026-03-20")


def sample_history() -> MonitorHistory:
    results = []
    for index in range(len(WINDOWS)):
        psi = 0.05 + (0.08 * (index - DRIFT_FROM + 1) if index >= DRIFT_FROM else 0.0)
        if index == TWICE:
            # The first ingest of this window: replaced by the second, which saw every row.
            results.append(drift_result(index, 1111, 0.1234567, "2026-03-05T01:00:00Z"))
            psi = 0.0456
        results.append(drift_result(index, 2468 if index == TWICE else 800, psi, "2026-03-12"))
    results += [performance_result(i, 0.9 - 0.05 * max(0, i - 4), 0.85) for i in range(2, 9)]
    # Labels that arrived later for window 8: the newest measurement of that window.
    results.append(performance_result(8, 0.6543, 0.7))
    results.append(
        WindowResult(VERSION, "2026-03-21T00:00:00Z", "series", {"approval_rate": 0.95}, {}, "")
    )
    alerts = [
        Alert(
            1,
            VERSION,
            WINDOWS[DRIFT_FROM + 1],
            "drift.psi_max",
            0.21,
            "drift.psi_max > 0.2 -> open_review",
            "open_review",
            "k1",
            "2026-03-12T00:00:00Z",
            {"kind": "drift", "outcome": "review opened", "routes": ["audit_log"]},
        ),
        Alert(
            2,
            VERSION,
            WINDOWS[8],
            "performance.auc",
            0.6543,
            "performance.auc < 0.7 -> retrain",
            "retrain",
            "k2",
            "2026-03-20T00:00:00Z",
            {"kind": "performance", "outcome": "retraining requested", "routes": []},
        ),
    ]
    reviews = [
        Review(1, VERSION, 1, "open", "drift.psi_max = 0.21 in window", "monitor", "2026-03-12"),
        Review(
            2, VERSION, None, "closed", "quarterly check", "anna", "2026-02-01", "bo", "2026-02-03"
        ),
    ]
    values = [0.62, 0.63, 0.61, 0.62, 0.64, 0.6, 0.62, 0.63, 0.61, 0.62]
    values += [0.63, 0.61, 0.62, 0.64, 0.62, 0.6, 0.63, 0.62, 0.61, 0.95]
    series = [point("approval_rate", day, value) for day, value in enumerate(values, start=2)]
    series += [point("errors.rate", day, 0.01 * day) for day in (3, 4)]
    series += [point("latency.p99_ms", day, 300.0 + day) for day in range(2, 7)]
    return MonitorHistory(VERSION, results, alerts, reviews, series)


def point(name: str, day: int, value: float) -> SeriesPoint:
    at = f"2026-03-{day:02d}T00:00:00Z"
    return SeriesPoint("credit", VERSION, name, at, value, "ops", at)


@pytest.fixture(scope="module")
def document() -> str:
    return render_monitor_report(sample_history())


def section(document: str, anchor: str) -> str:
    found = re.search(rf'<section class="block" id="{anchor}">(.*?)</section>', document, re.S)
    assert found, anchor
    return found.group(1)


def test_page_parses_with_every_tag_closed(document: str) -> None:
    checker = TagChecker()
    checker.feed(document)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []


def test_every_chart_is_well_formed_svg_with_title_and_caption(document: str) -> None:
    charts = re.findall(r"<svg .*?</svg>", document, re.S)
    assert charts
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert document.count("<figcaption>") == len(charts)


def test_one_chart_per_expected_view(document: str) -> None:
    counts = {
        anchor: section(document, anchor).count("<svg ")
        for anchor in ("drift", "columns", "performance", "kpis", "alerts", "reviews")
    }
    # Drift: share and PSI. Performance: auc, accuracy, f1. KPIs: approval_rate on a control
    # chart and latency without limits; errors.rate has two points and is a table.
    assert counts == {
        "drift": 2,
        "columns": 0,
        "performance": 3,
        "kpis": 2,
        "alerts": 0,
        "reviews": 0,
    }


def test_header_gives_version_windows_alerts_and_open_reviews(document: str) -> None:
    facts = section(document, "facts")
    assert "credit/scorer@3" in facts
    assert '<th scope="row">Windows</th><td>10</td>' in facts
    assert "2026-03-02" in facts and "2026-03-11" in facts
    assert '<th scope="row">Alerts</th><td>2</td>' in facts
    assert '<th scope="row">Open reviews</th><td>1 (review 1)</td>' in facts
    assert "10 windows (2026-03-02 to 2026-03-11)" in document


def test_newest_result_of_a_window_wins(document: str) -> None:
    assert "2,468" in document and "0.0456" in document
    assert "1,111" not in document and "0.1235" not in document
    # Performance measured twice for the last labelled window: the later labels count.
    performance = section(document, "performance")
    assert "0.6543" in performance


def test_alerts_and_reviews_are_listed(document: str) -> None:
    alerts = section(document, "alerts")
    assert "<code>drift.psi_max &gt; 0.2 -&gt; open_review</code>" in alerts
    assert "<td>review opened</td>" in alerts
    assert "<td>retraining requested</td>" in alerts
    reviews = section(document, "reviews")
    assert reviews.count("<tr") == 3  # header and two reviews
    assert '<span class="badge fail">open</span>' in reviews


def test_alert_windows_are_marked_in_red(document: str) -> None:
    drift = section(document, "drift")
    # Two windows with alerts, marked on both drift charts.
    assert drift.count('class="alarm"') == 4
    assert "alert 1: drift.psi_max = 0.21" in drift
    # Only the performance.auc alert belongs on a performance chart.
    assert section(document, "performance").count('class="alarm"') == 1


def test_columns_heat_table_highlights_drift_and_escapes_names(document: str) -> None:
    columns = section(document, "columns")
    assert "income &lt;USD&gt; &amp; bonus" in columns
    assert EVIL_COLUMN not in document
    assert "<script" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in columns
    # age drifts in the five last windows, the income column in the three last.
    assert columns.count('class="num drifted"') == 5 + 3
    assert "wasserstein" in columns and "jensenshannon" in columns
    header = re.search(r"<thead>(.*?)</thead>", columns, re.S)
    assert header and header.group(1).count("<th ") == 1 + len(WINDOWS)


def test_stable_cells_darken_as_they_near_their_threshold(document: str) -> None:
    rows = re.findall(r'<tr><th scope="row">(.*?)</tr>', section(document, "columns"), re.S)
    region = next(row for row in rows if row.startswith("region"))
    levels = re.findall(r'class="num (heat-\d|drifted)"', region)
    # Jensen-Shannon 0.01 of 0.1 at first, 0.085 of 0.1 in the last window.
    assert levels[0] == "heat-0" and levels[-1] == "heat-3"
    # A test far from significance (p-value 0.4 against 0.05) stays pale.
    chisquare = next(row for row in rows if row.startswith("&lt;script&gt;"))
    assert set(re.findall(r'class="num (heat-\d|drifted)"', chisquare)) == {"heat-0"}


def test_performance_shows_estimates_against_measurements(document: str) -> None:
    performance = section(document, "performance")
    assert "estimated" in performance and "measured from labels" in performance
    assert "ROC AUC per window" in performance and "Accuracy per window" in performance
    assert 'stroke-dasharray="5 4"' in performance


def test_kpi_control_chart_marks_the_outlier(document: str) -> None:
    kpis = section(document, "kpis")
    assert "Control chart of approval_rate" in kpis
    assert "from the first 10 points" in kpis  # max(8, 20 // 2)
    assert "beyond_3_sigma" in kpis
    assert "end of baseline" in kpis
    assert "1 point(s) out of control" in kpis
    assert "Control limits need 8 points" in kpis  # latency: 5 points
    assert "2 points: too few to chart." in kpis  # errors.rate


def test_nothing_is_fetched_and_no_script_runs(document: str) -> None:
    urls = set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", document))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert "<script" not in document.lower()
    assert "Content-Security-Policy" in document


def test_same_history_gives_byte_identical_pages() -> None:
    history = sample_history()
    first = render_monitor_report(history)
    assert render_monitor_report(sample_history()) == first
    # Alerts, reviews and series have an order of their own: the order they come in is moot.
    shuffled = replace(
        history,
        alerts=history.alerts[::-1],
        reviews=history.reviews[::-1],
        series=history.series[::-1],
    )
    assert render_monitor_report(shuffled) == first


def test_title_is_escaped() -> None:
    page = render_monitor_report(sample_history(), title='Risk & "scores" <weekly>')
    assert "<title>Risk &amp; &quot;scores&quot; &lt;weekly&gt;</title>" in page


def test_empty_history_says_there_is_no_data_yet() -> None:
    page = render_monitor_report(MonitorHistory(VERSION, [], [], [], []))
    assert "There is no monitoring data yet" in page
    assert "<svg" not in page
    checker = TagChecker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []


def test_the_report_port_renders_the_monitoring_page() -> None:
    history = sample_history()
    assert report.HtmlMonitorReport().render(history) == render_monitor_report(history)


def test_details_of_an_odd_shape_still_render() -> None:
    # Read back from storage, any field may be missing or of another type: shown as n/a.
    text_signal: dict[str, Any] = {"drift.share": "x"}
    odd = [
        WindowResult("v", "not a time", "drift", text_signal, {"drift": [1, 2]}, ""),
        WindowResult(
            "v",
            "2026-01-01T05:00:00Z",
            "drift",
            {"drift.share": float("nan")},
            {"drift": {"columns": {"a": 3, "b": {"statistic": "s", "drifted": "yes"}}}},
            "",
        ),
    ]
    page = render_monitor_report(MonitorHistory("v", odd, [], [], []))
    checker = TagChecker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    assert "n/a" in section(page, "drift")


def test_hourly_windows_show_the_time_of_day() -> None:
    hours = [f"2026-01-01T{hour:02d}:00:00Z" for hour in (5, 6, 8)]
    results = [
        WindowResult("v", at, "drift", {"drift.share": 0.1, "drift.psi_max": 0.05}, {}, "")
        for at in hours
    ]
    page = render_monitor_report(MonitorHistory("v", results, [], [], []))
    assert "2026-01-01 05:00" in page and "2026-01-01 08:00" in page
