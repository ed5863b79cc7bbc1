"""The KPI section of the monitoring report: each recorded series on an individuals control
chart, with the limits monitoring itself uses, so the page shows what raised (or would raise)
an alert.

The limits come from the first max(MIN_BASELINE, n // 2) points, the rule of
`steward.services.monitor_feedback.chart_results`. A series shorter than MIN_BASELINE is not
charted there and raises nothing, so here it is drawn without limits; with fewer than three
points a line says little, and a table lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from steward.adapters.report.markup import Cell, bullets, num, table
from steward.adapters.report.monitor_charts import ALARM, Line, Mark, time_axis, time_chart
from steward.adapters.report.svg import INK, PALETTE
from steward.adapters.report.values import esc, number, plain, significant
from steward.domain.errors import InvalidInputError
from steward.domain.monitoring import SeriesPoint

if TYPE_CHECKING:
    from steward.stats.control import ControlChart

MIN_CHART_POINTS = 3


def kpi_section(points: Sequence[SeriesPoint]) -> str:
    by_name: dict[str, list[SeriesPoint]] = {}
    for point in points:
        by_name.setdefault(point.name, []).append(point)
    parts = []
    for index, name in enumerate(sorted(by_name)):
        # Stable: points recorded for the same time keep the order they were recorded in.
        series = sorted(by_name[name], key=lambda p: p.at)
        parts.append(f'<h3 id="kpi-{index + 1}">{esc(name)}</h3>{_series(name, series)}')
    if not parts:
        parts.append('<p class="muted">No KPI or operational series was recorded.</p>')
    return f'<section class="block" id="kpis"><h2>KPIs</h2>{"".join(parts)}</section>\n'


def _series(name: str, series: list[SeriesPoint]) -> str:
    from steward.services.monitor_feedback import MIN_BASELINE

    count = len(series)
    if count < MIN_CHART_POINTS:
        note = f"{count} point{'' if count == 1 else 's'}: too few to chart."
        return f'<p class="muted">{esc(note)}</p>{_points_table(series)}'
    if count < MIN_BASELINE:
        return _plain_chart(name, series, MIN_BASELINE)
    from steward.stats.control import individuals_chart

    try:
        chart = individuals_chart(
            [p.value for p in series],
            baseline=max(MIN_BASELINE, count // 2),
            times=[p.at for p in series],
        )
    except InvalidInputError as exc:
        note = f"The series cannot be charted: {plain(exc)}"
        return f'<p class="notice warning">{esc(note)}</p>{_points_table(series)}'
    return _control_chart(name, series, chart)


def _plain_chart(name: str, series: list[SeriesPoint], needed: int) -> str:
    axis = time_axis([p.at for p in series], by_time=False)
    caption = (
        f"{name}: {len(series)} points. Control limits need {needed} points; until then no "
        "alert is raised from this series."
    )
    return time_chart(
        title=f"{name} over time",
        desc=caption,
        caption=caption,
        axis=axis,
        lines=[Line(name, tuple(p.value for p in series), PALETTE[0])],
        y_title=name,
    )


def _control_chart(name: str, series: list[SeriesPoint], chart: ControlChart) -> str:
    axis = time_axis([p.at for p in series], by_time=False)
    values = tuple(float(v) for v in chart.values)
    by_point: dict[int, list[str]] = {}
    for violation in chart.violations:
        by_point.setdefault(violation.index, []).append(violation.description)
    marks = [
        Mark(index, values[index], "; ".join(found)) for index, found in sorted(by_point.items())
    ]
    lines = [
        Line(name, values, PALETTE[0]),
        Line("centre", tuple(chart.centre for _ in values), INK, markers=False, width=1.0),
        Line("±3 sigma limits", tuple(float(v) for v in chart.upper), ALARM, "5 4", False, 1.0),
        Line("lower limit", tuple(float(v) for v in chart.lower), ALARM, "5 4", False, 1.0, False),
    ]
    count = len(values)
    verdict = (
        f"{len(chart.flagged)} point(s) out of control"
        if chart.violations
        else "every point in control"
    )
    caption = (
        f"{name}: individuals chart of {count} points, centre {significant(chart.centre)}, "
        f"limits ±3 sigma (sigma {significant(chart.sigma)}) from the first {chart.baseline} points; "
        f"{verdict}."
    )
    figure = time_chart(
        title=f"Control chart of {name}",
        desc=caption,
        caption=caption,
        axis=axis,
        lines=lines,
        y_title=name,
        marks=marks,
        mark_name="rule broken",
        divider=chart.baseline - 0.5 if chart.baseline < count else None,
        divider_name="end of baseline",
    )
    return figure + _violations(series, chart) + bullets(chart.notes, css_class="examples")


def _violations(series: list[SeriesPoint], chart: ControlChart) -> str:
    if not chart.violations:
        return ""
    rows: list[list[Cell | str]] = [
        [
            esc(series[v.index].at),
            num(esc(number(series[v.index].value))),
            f"<code>{esc(v.rule)}</code>",
            esc(v.description),
        ]
        for v in chart.violations
    ]
    return table(["Time", "Value", "Rule", "Description"], rows, caption="Rules broken")


def _points_table(series: list[SeriesPoint]) -> str:
    rows: list[list[Cell | str]] = [[esc(p.at), num(esc(number(p.value)))] for p in series]
    return table(["Time", "Value"], rows)


__all__ = ["kpi_section"]
