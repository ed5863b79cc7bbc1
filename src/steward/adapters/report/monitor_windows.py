"""The window sections of the monitoring report: drift over time, each column's drift statistic
per window (a heat table), and performance estimated from scores against performance measured
from late labels.

A window ingested twice has two drift results, and labels that arrive in two batches give two
performance results: the newest of each kind (the last in the history's order) is the one
shown, since it covers every row of the window seen so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from steward.adapters.report.markup import Cell, num, table
from steward.adapters.report.monitor_charts import (
    NARROW,
    Line,
    Mark,
    TimeAxis,
    time_axis,
    time_chart,
)
from steward.adapters.report.svg import PALETTE, REFERENCE
from steward.adapters.report.values import (
    METRIC_LABELS,
    NA,
    as_bool,
    as_float,
    as_mapping,
    esc,
    metric_name,
    number,
    percent,
    plain,
    significant,
    text,
)
from steward.domain.monitoring import Alert, WindowResult

PSI_RULE = 0.2  # the default policy's rule: drift.psi_max > 0.2 opens a review
MAX_HEAT_WINDOWS = 36  # newest windows in the columns table; older ones make it unreadable
PERFORMANCE_ORDER = ("auc", "accuracy", "precision", "recall", "f1")
_HEAT_LEVELS = 4


@dataclass(frozen=True, slots=True)
class Windows:
    """The monitored windows in time order, with the newest result of each kind per window
    and the alerts raised on each."""

    starts: tuple[str, ...]
    axis: TimeAxis
    drift: Mapping[str, WindowResult]
    performance: Mapping[str, WindowResult]
    alerts: Mapping[str, tuple[Alert, ...]]

    def signal(self, kind: str, name: str) -> tuple[float | None, ...]:
        chosen = self.drift if kind == "drift" else self.performance
        return tuple(
            as_float(chosen[start].signals.get(name)) if start in chosen else None
            for start in self.starts
        )

    def drift_detail(self, start: str) -> Mapping[str, Any]:
        result = self.drift.get(start)
        return as_mapping(result.detail) if result is not None else {}


def windows_of(results: Sequence[WindowResult], alerts: Sequence[Alert]) -> Windows:
    newest: dict[str, dict[str, WindowResult]] = {"drift": {}, "performance": {}}
    for result in results:
        if result.kind in newest:
            newest[result.kind][result.window_start] = result  # later in the list wins
    starts = tuple(sorted({*newest["drift"], *newest["performance"]}))
    by_window: dict[str, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: a.id):
        if alert.window_start in starts:
            by_window.setdefault(alert.window_start, []).append(alert)
    return Windows(
        starts,
        time_axis(starts),
        newest["drift"],
        newest["performance"],
        {start: tuple(found) for start, found in by_window.items()},
    )


def alert_tip(alerts: Sequence[Alert]) -> str:
    return "; ".join(
        f"alert {a.id}: {a.signal} = {significant(a.value)} ({a.rule})" for a in alerts
    )


def _marks(windows: Windows, lines: Mapping[str, tuple[float | None, ...]]) -> list[Mark]:
    """A red dot per window with an alert: on the line of the alert's signal when the chart
    draws it, else on the chart's first line."""
    marks = []
    first = next(iter(lines.values()), ())
    for index, start in enumerate(windows.starts):
        raised = windows.alerts.get(start, ())
        if not raised:
            continue
        drawn = [a for a in raised if a.signal in lines]
        values = lines[drawn[0].signal] if drawn else first
        value = values[index] if index < len(values) else None
        marks.append(Mark(index, value, alert_tip(raised)))
    return marks


# ---- drift over time -----------------------------------------------------------------------


def drift_section(windows: Windows) -> str:
    if not windows.drift:
        return _section("drift", "Drift over time", _empty("No production rows were ingested."))
    share = windows.signal("drift", "drift.share")
    bar = tuple(
        as_float(as_mapping(windows.drift_detail(s).get("drift")).get("drift_share"))
        for s in windows.starts
    )
    share_chart = time_chart(
        title="Share of drifted columns per window",
        desc="The share of compared columns that drifted in each window, and the share at "
        "which the dataset counts as drifted.",
        caption="Share of drifted columns per window (solid) against the dataset drift "
        "threshold (dashed); red: a window with an alert.",
        axis=windows.axis,
        lines=[
            Line("drifted share", share, PALETTE[0]),
            Line("dataset drift threshold", bar, REFERENCE, dash="5 4", markers=False),
        ],
        y_title="share of columns",
        marks=_marks(windows, {"drift.share": share}),
        mark_name="window with an alert",
        y_domain=(0.0, 1.0),
    )
    psi = {"drift.psi_max": windows.signal("drift", "drift.psi_max")}
    prediction = windows.signal("drift", "prediction.psi")
    lines = [Line("largest feature PSI", psi["drift.psi_max"], PALETTE[0])]
    if any(v is not None for v in prediction):
        psi["prediction.psi"] = prediction
        lines.append(Line("prediction PSI", prediction, PALETTE[1]))
    rule = tuple(PSI_RULE for _ in windows.starts)
    lines.append(Line(f"PSI {PSI_RULE:g} (default rule)", rule, REFERENCE, "5 4", False))
    psi_chart = time_chart(
        title="Population stability index per window",
        desc="The largest PSI of any feature and the PSI of the model's scores in each window.",
        caption=f"Largest feature PSI and prediction PSI per window; above {PSI_RULE:g} the "
        "default policy opens a review. Red: a window with an alert.",
        axis=windows.axis,
        lines=lines,
        y_title="PSI",
        marks=_marks(windows, psi),
        mark_name="window with an alert",
        include=[0.0, PSI_RULE],
    )
    return _section("drift", "Drift over time", share_chart + psi_chart + _drift_table(windows))


def _drift_table(windows: Windows) -> str:
    rows: list[list[Cell | str]] = []
    classes = []
    for start, label in zip(windows.starts, windows.axis.labels, strict=True):
        result = windows.drift.get(start)
        if result is None:
            continue
        signals = result.signals
        dataset = as_float(signals.get("drift.dataset"))
        raised = windows.alerts.get(start, ())
        rows.append(
            [
                f'<span title="{esc(start)}">{esc(label)}</span>',
                num(esc(number(signals.get("rows")))),
                num(esc(percent(signals.get("drift.share")))),
                num(esc(number(signals.get("drift.columns_drifted")))),
                NA if dataset is None else ("yes" if dataset else "no"),
                num(esc(number(signals.get("drift.psi_max")))),
                num(esc(number(signals.get("prediction.psi")))),
                num(esc(percent(signals.get("data.missing_share_max")))),
                esc(", ".join(str(a.id) for a in raised)),
                _reading(result),
            ]
        )
        classes.append("failed" if raised else "")
    header = ["Window", "Rows", "Drifted share", "Drifted columns", "Dataset drift"]
    header += ["Largest PSI", "Prediction PSI", "Most missing", "Alerts", "Read by the rules"]
    return _short_note(windows.drift.values()) + table(header, rows, row_classes=classes)


def _reading(result: WindowResult | None) -> str:
    """Whether the rules could read the window: below a rule's floor it is insufficient data."""
    if result is None:
        return NA
    notes = result.detail.get("insufficient") or []
    if not notes:
        return "yes"
    return f'<span title="{esc("; ".join(notes))}">insufficient data</span>'


def _short_note(results: Iterable[WindowResult]) -> str:
    short = sum(1 for r in results if r.detail.get("insufficient"))
    if not short:
        return ""
    return (
        f'<p class="notice">{short} window(s) had too few rows for a rule to read them '
        "(insufficient data): they are charted, but raised nothing.</p>"
    )


# ---- columns ---------------------------------------------------------------------------------


def columns_section(windows: Windows) -> str:
    shown = [s for s in windows.starts if s in windows.drift][-MAX_HEAT_WINDOWS:]
    per_window = {
        s: as_mapping(as_mapping(windows.drift_detail(s).get("drift")).get("columns"))
        for s in shown
    }
    names = sorted({plain(name) for found in per_window.values() for name in found})
    if not names:
        return _section("columns", "Columns", _empty("No column was compared yet."))
    labels = dict(zip(windows.starts, windows.axis.labels, strict=True))
    head = "".join(f'<th scope="col" title="{esc(s)}">{esc(labels[s])}</th>' for s in shown)
    body = []
    for name in names:
        cells = [as_mapping(_column(per_window[s], name)) for s in shown]
        body.append(_heat_row(esc(name), cells))
    scores = [as_mapping(windows.drift_detail(s).get("prediction")) for s in shown]
    if any(scores):
        body.append(_heat_row('<em class="muted">model score</em>', scores))
    note = ""
    total = sum(1 for s in windows.starts if s in windows.drift)
    if total > len(shown):
        note = f'<p class="muted">The newest {len(shown)} of {total} windows are shown.</p>'
    heat = (
        '<div class="table-wrap"><table class="data heat"><caption>Each column\'s drift '
        "statistic per window; red: drifted; the darker a stable cell, the closer it came "
        "to its drift threshold.</caption>"
        f'<thead><tr><th scope="col">Column (method)</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return _section("columns", "Columns", note + heat)


def _column(found: Mapping[str, Any], name: str) -> object:
    # Keys were read as text for sorting; the detail may hold them as any JSON key.
    return next((value for key, value in found.items() if plain(key) == name), None)


def _heat_row(name_html: str, cells: Sequence[Mapping[str, Any]]) -> str:
    methods = sorted({plain(c.get("method")) for c in cells if c.get("method") is not None})
    shown = []
    for cell in cells:
        if not cell:
            shown.append('<td class="num missing">&ndash;</td>')
            continue
        drifted = as_bool(cell.get("drifted"))
        kind = "drifted" if drifted else f"heat-{_heat(cell)}"
        tip = (
            f"{plain(cell.get('method'))} {number(cell.get('statistic'))}, threshold "
            f"{number(cell.get('threshold'))}, p-value {number(cell.get('p_value'))}: "
            f"{'drifted' if drifted else 'stable' if drifted is False else NA}"
        )
        mark = '<span aria-hidden="true">▲ </span>' if drifted else ""
        statistic = esc(number(cell.get("statistic")))
        shown.append(f'<td class="num {kind}" title="{esc(tip)}">{mark}{statistic}</td>')
    method = f'<br><span class="muted">{esc(", ".join(methods) or NA)}</span>'
    return f'<tr><th scope="row">{name_html}{method}</th>{"".join(shown)}</tr>'


def _heat(cell: Mapping[str, Any]) -> int:
    """How close a stable column came to its threshold, 0 (far) to 4 (on it). Tests drift
    when the p-value falls to the threshold, distances when the statistic rises to it: the
    same share of the way reads the same whatever the method."""
    threshold, p_value = as_float(cell.get("threshold")), as_float(cell.get("p_value"))
    statistic = as_float(cell.get("statistic"))
    if threshold is None or threshold <= 0:
        return 0
    if p_value is not None:
        closeness = threshold / p_value if p_value > 0 else 1.0
    elif statistic is not None:
        closeness = abs(statistic) / threshold
    else:
        return 0
    return max(0, min(_HEAT_LEVELS, int(closeness * _HEAT_LEVELS)))


# ---- performance -------------------------------------------------------------------------


def performance_section(windows: Windows) -> str:
    charts = []
    for metric in _metrics(windows):
        estimated = windows.signal("drift", f"estimated.{metric}")
        measured = windows.signal("performance", f"performance.{metric}")
        lines = {f"performance.{metric}": measured, f"estimated.{metric}": estimated}
        shown = metric_name(metric)
        # Only accuracy, precision, recall, F1 and AUC have estimates; say so only where drawn.
        has_estimate = any(v is not None for v in estimated)
        sources = (
            "estimated from the scores (dashed) and measured from late labels (solid)"
            if has_estimate
            else "measured from late labels"
        )
        drawn = [Line("measured from labels", measured, PALETTE[0])]
        if has_estimate:
            drawn.append(Line("estimated", estimated, PALETTE[1], dash="5 4"))
        charts.append(
            time_chart(
                title=f"{shown} per window",
                desc=f"{shown} {sources}.",
                caption=f"{shown}: {sources}; red: an alert on this metric.",
                axis=windows.axis,
                lines=drawn,
                y_title=shown,
                marks=_metric_marks(windows, lines),
                mark_name="alert",
                width=NARROW,
            )
        )
    if not charts:
        message = "No labels have arrived and no performance was estimated from the scores."
        return _section("performance", "Performance", _empty(message))
    body = f'<div class="charts">{"".join(charts)}</div>{_performance_table(windows)}'
    return _section("performance", "Performance", body)


def _metrics(windows: Windows) -> list[str]:
    found: set[str] = set()
    for results in (windows.drift, windows.performance):
        for result in results.values():
            for signal in result.signals:
                prefix, _, metric = str(signal).partition(".")
                if prefix in ("estimated", "performance") and metric:
                    found.add(metric)
    known = [m for m in (*PERFORMANCE_ORDER, *METRIC_LABELS) if m in found]
    return list(dict.fromkeys([*known, *sorted(found)]))


def _metric_marks(windows: Windows, lines: Mapping[str, tuple[float | None, ...]]) -> list[Mark]:
    marks = []
    for index, start in enumerate(windows.starts):
        raised = [a for a in windows.alerts.get(start, ()) if a.signal in lines]
        if raised:
            marks.append(Mark(index, lines[raised[0].signal][index], alert_tip(raised)))
    return marks


def _performance_table(windows: Windows) -> str:
    rows: list[list[Cell | str]] = []
    for start, label in zip(windows.starts, windows.axis.labels, strict=True):
        drift, labelled = windows.drift.get(start), windows.performance.get(start)
        estimated = drift.signals if drift is not None else {}
        measured = labelled.signals if labelled is not None else {}
        row: list[Cell | str] = [f'<span title="{esc(start)}">{esc(label)}</span>']
        row.append(num(text(measured.get("labelled_rows"))))
        for metric in ("auc", "accuracy"):
            row.append(num(text(measured.get(f"performance.{metric}"))))
            row.append(num(text(estimated.get(f"estimated.{metric}"))))
        row.append(_reading(labelled))
        rows.append(row)
    header = ["Window", "Labelled rows", "AUC measured", "AUC estimated"]
    header += ["Accuracy measured", "Accuracy estimated", "Read by the rules"]
    return _short_note(windows.performance.values()) + table(header, rows)


# ---- shared --------------------------------------------------------------------------------


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section class="block" id="{anchor}"><h2>{esc(title)}</h2>{body}</section>\n'


def _empty(message: str) -> str:
    return f'<p class="muted">{esc(message)}</p>'


__all__ = [
    "PSI_RULE",
    "Windows",
    "alert_tip",
    "columns_section",
    "drift_section",
    "performance_section",
    "windows_of",
]
