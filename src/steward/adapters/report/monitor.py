"""The offline monitoring report of one model version: drift, performance and KPIs over its
production windows, with the alerts they raised and the reviews those opened.

Like the evidence report it is one self-contained page (inline CSS and SVG, no script, nothing
fetched) and the same history always gives the same bytes: nothing about the time of rendering
goes into it, and everything is listed in a sorted order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from steward.adapters.report.markup import Cell, facts, num, table
from steward.adapters.report.monitor_kpis import kpi_section
from steward.adapters.report.monitor_windows import (
    Windows,
    columns_section,
    drift_section,
    performance_section,
    windows_of,
)
from steward.adapters.report.style import STYLESHEET
from steward.adapters.report.values import as_float, as_mapping, esc, number, plain, text
from steward.domain.monitoring import Alert, Review

if TYPE_CHECKING:
    from steward.services.monitor_reads import MonitorHistory

# Nothing may be fetched when the file is opened, even if markup slipped through by mistake.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"
MONITOR_STYLE = """
nav.contents { font-size: 13px; margin: -12px 0 20px; }
nav.contents a { margin-right: 14px; }
table.heat th[scope="row"] { white-space: nowrap; }
table.heat thead th { font-size: 12px; }
td.heat-0 { background: #ffffff; }
td.heat-1 { background: #eef4fb; }
td.heat-2 { background: #d9e8f5; }
td.heat-3 { background: #bcd5ec; }
td.heat-4 { background: #9cc0e2; }
td.drifted { background: var(--fail-bg); color: var(--fail); font-weight: 600; }
td.missing { color: var(--faint); text-align: center; }
"""
_SECTIONS = (
    ("drift", "Drift"),
    ("columns", "Columns"),
    ("performance", "Performance"),
    ("kpis", "KPIs"),
    ("alerts", "Alerts"),
    ("reviews", "Reviews"),
)


def render_monitor_report(history: MonitorHistory, *, title: str | None = None) -> str:
    """The monitoring history of a version as one self-contained HTML page."""
    shown = plain(title) if title else f"Monitoring of {plain(history.version)}"
    windows = windows_of(history.results, history.alerts)
    if not (windows.starts or history.series or history.alerts or history.reviews):
        body = (
            f"{_masthead(shown, 'There is no monitoring data for this version yet.')}"
            '<main><p class="notice">There is no monitoring data yet: no production rows, '
            "labels or KPI values were recorded for this version.</p></main>\n"
        )
        return _document(shown, body)
    contents = "".join(f'<a href="#{anchor}">{name}</a>' for anchor, name in _SECTIONS)
    body = "".join(
        [
            _masthead(shown, _verdict(windows, history.alerts, history.reviews)),
            f'<nav class="contents">{contents}</nav>\n<main>\n',
            _header(history.version, windows, history),
            drift_section(windows),
            columns_section(windows),
            performance_section(windows),
            kpi_section(history.series),
            _alerts(history.alerts),
            _reviews(history.reviews),
            "</main>\n",
        ]
    )
    return _document(shown, body)


def _document(title: str, body: str) -> str:
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{esc(title)}</title>\n<style>{STYLESHEET}{MONITOR_STYLE}</style>\n",
            '</head>\n<body>\n<div class="page">\n',
            body,
            '<footer class="report">Produced by Steward. This file is self-contained: '
            "it needs no network access and no scripts to display.</footer>\n",
            "</div>\n</body>\n</html>\n",
        ]
    )


def _masthead(title: str, verdict: str) -> str:
    return (
        '<header class="report"><p class="kicker">Production monitoring</p>'
        f'<h1>{esc(title)}</h1><p class="verdict">{esc(verdict)}</p></header>\n'
    )


def _verdict(windows: Windows, alerts: Sequence[Alert], reviews: Sequence[Review]) -> str:
    count = len(windows.starts)
    parts = []
    if count:
        labels = windows.axis.labels
        span = labels[0] if count == 1 else f"{labels[0]} to {labels[-1]}"
        drifted = sum(
            1 for r in windows.drift.values() if as_float(r.signals.get("drift.dataset")) == 1.0
        )
        parts.append(f"{_count(count, 'window')} ({span}), dataset drift in {drifted}")
    else:
        parts.append("no windows yet")
    parts.append(_count(len(alerts), "alert"))
    parts.append(_count(sum(1 for r in reviews if r.status == "open"), "open review"))
    return "; ".join(parts) + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _header(version: str, windows: Windows, history: MonitorHistory) -> str:
    starts = windows.starts
    open_reviews = sorted(r.id for r in history.reviews if r.status == "open")
    reviews = str(len(open_reviews))
    if open_reviews:
        noun = "review" if len(open_reviews) == 1 else "reviews"
        reviews += f" ({noun} {', '.join(map(str, open_reviews))})"
    pairs = [
        ("Version", f"<code>{esc(plain(version))}</code>"),
        ("Windows", esc(number(len(starts)))),
        ("First window", _window(windows, 0) if starts else "n/a"),
        ("Last window", _window(windows, -1) if starts else "n/a"),
        ("Alerts", esc(number(len(history.alerts)))),
        ("Open reviews", esc(reviews)),
        ("KPI series", esc(number(len({p.name for p in history.series})))),
    ]
    return f'<section class="block" id="facts"><h2>About this report</h2>{facts(pairs)}</section>\n'


def _window(windows: Windows, index: int) -> str:
    """A window's date, with its exact start as a tooltip."""
    start, label = windows.starts[index], windows.axis.labels[index]
    return f'<span title="{esc(start)}">{esc(label)}</span>'


def _alerts(alerts: Sequence[Alert]) -> str:
    rows: list[list[Cell | str]] = [
        [
            num(esc(str(a.id))),
            esc(a.window_start) if a.window_start else "&ndash;",
            f"<code>{esc(a.signal)}</code>",
            num(esc(number(a.value))),
            f"<code>{esc(a.rule)}</code>",
            esc(a.action),
            text(as_mapping(a.detail).get("outcome")),
            esc(a.opened_at),
        ]
        for a in sorted(alerts, key=lambda a: a.id)
    ]
    header = ["ID", "Window", "Signal", "Value", "Rule", "Action", "Outcome", "Opened"]
    return f'<section class="block" id="alerts"><h2>Alerts</h2>{table(header, rows)}</section>\n'


def _reviews(reviews: Sequence[Review]) -> str:
    rows: list[list[Cell | str]] = []
    classes = []
    for r in sorted(reviews, key=lambda r: r.id):
        closed = f"{r.closed_by} at {r.closed_at}" if r.closed_at else None
        rows.append(
            [
                num(esc(str(r.id))),
                f'<span class="badge {"fail" if r.status == "open" else "unknown"}">'
                f"{esc(r.status)}</span>",
                num(text(r.alert_id)),
                esc(r.reason),
                esc(f"{r.opened_by} at {r.opened_at}"),
                text(closed),
                text(r.resolution),
            ]
        )
        classes.append("failed" if r.status == "open" else "")
    header = ["ID", "Status", "Alert", "Reason", "Opened", "Closed", "Resolution"]
    listed = table(header, rows, row_classes=classes)
    return f'<section class="block" id="reviews"><h2>Reviews</h2>{listed}</section>\n'


__all__ = ["render_monitor_report"]
