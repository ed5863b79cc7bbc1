"""The report's chart types, drawn with the primitives of `svg`: line chart, horizontal bars
with optional whiskers, grouped bars with flagged groups, and the forest plot.

Inputs are already-clean numbers (None where a value is missing); labels are plain text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from steward.adapters.report.svg import (
    AXIS,
    INK,
    MUTED,
    PALETTE,
    Frame,
    LegendEntry,
    Scale,
    circle,
    coord,
    figure,
    hatch_pattern,
    legend,
    legend_height,
    line,
    nice_domain,
    percent_tick_label,
    polyline,
    rect,
    text_at,
    text_width,
    tick_label,
    x_axis,
    y_axis,
)
from steward.adapters.report.values import NA, significant

WIDTH = 640.0
LABEL_LIMIT = 32  # characters of a category label before it is cut (kept whole in a tooltip)
_SLANTED_LIMIT = 22
_COS_SLANT, _SIN_SLANT = math.cos(math.radians(35)), math.sin(math.radians(35))


@dataclass(frozen=True, slots=True)
class Series:
    """A line through data points; `markers` also draws the points, with optional tooltips."""

    name: str
    points: tuple[tuple[float, float], ...]
    color: str
    dash: str = ""
    markers: bool = False
    tips: tuple[str, ...] = ()
    width: float = 2.0


def line_chart(
    *,
    title: str,
    desc: str,
    caption: str,
    series: Sequence[Series],
    x_title: str,
    y_title: str,
    x_domain: tuple[float, float] = (0.0, 1.0),
    y_domain: tuple[float, float] = (0.0, 1.0),
) -> str:
    """A square-ish line chart over fixed domains (rates and probabilities live in [0, 1])."""
    width, plot_height = 340.0, 320.0
    frame = Frame(left=52, top=12, width=width - 52 - 18, height=plot_height - 12 - 44)
    entries = [LegendEntry(s.name, s.color, as_line=True, dash=s.dash) for s in series]
    room = width - frame.left - 8
    xs, ys = frame.x_scale(*x_domain), frame.y_scale(*y_domain)
    parts = [x_axis(frame, xs, x_title), y_axis(frame, ys, y_title)]
    for item in series:
        pixels = [(xs.clamped(x), ys.clamped(y)) for x, y in item.points]
        parts.append(polyline(pixels, stroke=item.color, width=item.width, dash=item.dash))
        if item.markers:
            for index, (x, y) in enumerate(pixels):
                tip = item.tips[index] if index < len(item.tips) else ""
                parts.append(circle(x, y, 3.5, fill=item.color, tooltip=tip))
    parts.append(legend(entries, frame.left, plot_height + 10, max_width=room))
    height = plot_height + legend_height(entries, room) + 4
    body = "".join(parts)
    return figure(title=title, desc=desc, caption=caption, width=width, height=height, body=body)


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar; `low`/`high` draw a whisker (an interval or mean ± std)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def hbar_chart(
    *,
    title: str,
    desc: str,
    caption: str,
    bars: Sequence[Bar],
    value_title: str,
    color: str = PALETTE[0],
    percent: bool = False,
    domain: tuple[float, float] | None = None,
) -> str:
    """Horizontal bars from zero, one row per item, with the value written at the bar's end."""
    row = 22.0
    left = 20 + max([text_width(bar.label, LABEL_LIMIT) for bar in bars] or [40.0])
    frame = Frame(left=left, top=8, width=WIDTH - left - 70, height=row * max(1, len(bars)))
    if domain is None:
        ends = [v for bar in bars for v in (bar.value, bar.low, bar.high) if v is not None]
        domain = nice_domain(ends, include=[0.0])
    xs = frame.x_scale(*domain)
    zero = xs.clamped(0.0)
    ticks = percent_tick_label if percent else tick_label
    parts = [
        x_axis(frame, xs, value_title, tick_text=ticks),
        line(zero, frame.top, zero, frame.bottom, stroke=AXIS),
    ]
    for index, bar in enumerate(bars):
        top = frame.top + index * row
        middle = top + row / 2
        parts.append(text_at(left - 8, middle + 4, bar.label, anchor="end", limit=LABEL_LIMIT))
        shown = _shown(bar.value, percent)
        if bar.value is None:
            parts.append(text_at(zero + 4, middle + 4, NA, fill=MUTED))
            continue
        end = xs.clamped(bar.value)
        tip = f"{bar.label}: {shown}"
        parts.append(
            rect(min(zero, end), top + 4, abs(end - zero), row - 8, fill=color, tooltip=tip)
        )
        reach = max(zero, end)
        if bar.low is not None and bar.high is not None:
            parts.append(_whisker(xs.clamped(bar.low), xs.clamped(bar.high), middle))
            reach = max(reach, xs.clamped(bar.high))
        parts.append(text_at(reach + 5, middle + 4, shown, fill=AXIS))
    body = "".join(parts)
    height = frame.bottom + 44
    return figure(title=title, desc=desc, caption=caption, width=WIDTH, height=height, body=body)


def _shown(value: float | None, percent: bool) -> str:
    if value is None:
        return NA
    return f"{significant(value * 100, 3)}%" if percent else significant(value)


def _whisker(x_low: float, x_high: float, y: float, cap: float = 4.0) -> str:
    return (
        line(x_low, y, x_high, y, stroke=INK, width=1.5)
        + line(x_low, y - cap, x_low, y + cap, stroke=INK, width=1.5)
        + line(x_high, y - cap, x_high, y + cap, stroke=INK, width=1.5)
    )


@dataclass(frozen=True, slots=True)
class BarGroup:
    """One group's values, one per series; `flagged` groups are hatched (shown, set apart)."""

    label: str
    values: tuple[float | None, ...]
    flagged: bool = False


def grouped_bar_chart(
    *,
    title: str,
    desc: str,
    caption: str,
    groups: Sequence[BarGroup],
    series: Sequence[str],
    y_title: str,
    flag_name: str,
    id_prefix: str,
    y_domain: tuple[float, float] = (0.0, 1.0),
) -> str:
    """Vertical bars for each group side by side, one colour per series. `id_prefix` keeps the
    hatch pattern ids unique in the page."""
    count = max(1, len(groups))
    plot_width = max(400.0, 46.0 * count)
    slot = plot_width / count  # groups spread over the whole axis, however few there are
    bar = min(18.0, (slot - 14.0) / max(1, len(series)))
    names = [f"{group.label} *" if group.flagged else group.label for group in groups]
    widths = [text_width(name, _SLANTED_LIMIT) for name in names] or [0.0]
    slanted = max(widths) > slot - 4
    # A slanted label runs down and to the left of its group: leave room for the first one.
    left = max(52.0, widths[0] * _COS_SLANT - slot / 2 + 8) if slanted else 52.0
    below = 26 + (max(widths) * _SIN_SLANT if slanted else 0)
    frame = Frame(left=left, top=12, width=plot_width, height=220)
    width = frame.right + 16
    ys = frame.y_scale(*y_domain)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    flagged = any(group.flagged for group in groups)
    parts = [y_axis(frame, ys, y_title), line(frame.left, frame.bottom, frame.right, frame.bottom)]
    for index, (group, name) in enumerate(zip(groups, names, strict=True)):
        start = frame.left + index * slot + (slot - bar * len(series)) / 2
        parts.extend(_group_bars(group, start, bar, ys, colors, series, id_prefix))
        centre = frame.left + (index + 0.5) * slot
        ink = MUTED if group.flagged else INK
        if slanted:
            y = frame.bottom + 14
            parts.append(
                text_at(centre, y, name, anchor="end", fill=ink, rotate=-35, limit=_SLANTED_LIMIT)
            )
        else:
            parts.append(text_at(centre, frame.bottom + 16, name, anchor="middle", fill=ink))
    entries = [LegendEntry(name, color) for name, color in zip(series, colors, strict=True)]
    defs = ""
    if flagged:
        defs = "".join(
            hatch_pattern(f"{id_prefix}-{i}", color) for i, color in enumerate(colors)
        ) + hatch_pattern(f"{id_prefix}-flag", MUTED)
        entries.append(LegendEntry(f"* {flag_name}", f"url(#{id_prefix}-flag)"))
    room = width - frame.left - 8
    top = frame.bottom + below + 12
    parts.append(legend(entries, frame.left, top, max_width=room))
    height = top + legend_height(entries, room)
    body = "".join(parts)
    return figure(
        title=title, desc=desc, caption=caption, width=width, height=height, body=body, defs=defs
    )


def _group_bars(
    group: BarGroup,
    start: float,
    bar: float,
    ys: Scale,
    colors: Sequence[str],
    series: Sequence[str],
    id_prefix: str,
) -> list[str]:
    parts: list[str] = []
    base = ys.clamped(0.0)
    for k, name in enumerate(series):
        x = start + k * bar
        value = group.values[k] if k < len(group.values) else None
        if value is None:
            parts.append(text_at(x + bar / 2 + 3, base - 4, NA, size=8, fill=MUTED, rotate=-90))
            continue
        top = ys.clamped(value)
        # The grey after the pattern is the paint fallback, should the pattern not resolve.
        fill = f"url(#{id_prefix}-{k}) {MUTED}" if group.flagged else colors[k]
        tip = f"{group.label}, {name}: {significant(value)}"
        parts.append(rect(x, top, bar - 1, base - top, fill=fill, stroke=colors[k], tooltip=tip))
    return parts


@dataclass(frozen=True, slots=True)
class ForestRow:
    """An estimate with its interval. `bound` draws a dashed reference line across this row
    only (the non-inferiority margin of the primary metric)."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    emphasis: bool = False
    bound: float | None = None


def forest_plot(
    *, title: str, desc: str, caption: str, rows: Sequence[ForestRow], x_title: str
) -> str:
    """Estimates as points with interval lines on a shared axis, the zero line, and each
    estimate with its interval written at the right."""
    row = 26.0
    summaries = [_estimate_text(item) for item in rows]
    # Bold (emphasised) labels run about a tenth wider.
    left = 20 + max([text_width(r.label, LABEL_LIMIT) * 1.1 for r in rows] or [40.0])
    right = 24 + max([text_width(text) * 1.1 for text in summaries] or [40.0])
    plot = max(240.0, WIDTH - left - right)
    width = left + plot + right
    frame = Frame(left=left, top=8, width=plot, height=row * max(1, len(rows)))
    values = [v for r in rows for v in (r.estimate, r.low, r.high, r.bound) if v is not None]
    xs = frame.x_scale(*nice_domain(values, include=[0.0]))
    zero = xs.clamped(0.0)
    parts = [
        x_axis(frame, xs, x_title),
        line(zero, frame.top, zero, frame.bottom, stroke=INK, css_class="zero-line"),
    ]
    for index, (item, summary) in enumerate(zip(rows, summaries, strict=True)):
        parts.extend(_forest_row(item, summary, frame, frame.top + index * row, row, xs))
    entries = [
        LegendEntry("difference with interval", PALETTE[0]),
        LegendEntry("no difference", INK, as_line=True),
    ]
    if any(r.bound is not None for r in rows):
        entries.append(LegendEntry("margin", PALETTE[3], as_line=True, dash="4 3"))
    room = width - frame.left - 8
    top = frame.bottom + 56
    parts.append(legend(entries, frame.left, top, max_width=room))
    height = top + legend_height(entries, room)
    body = "".join(parts)
    return figure(title=title, desc=desc, caption=caption, width=width, height=height, body=body)


def _forest_row(
    item: ForestRow, summary: str, frame: Frame, top: float, row: float, xs: Scale
) -> list[str]:
    middle = top + row / 2
    weight = "bold" if item.emphasis else ""
    parts = [
        text_at(
            frame.left - 8, middle + 4, item.label, anchor="end", weight=weight, limit=LABEL_LIMIT
        )
    ]
    if item.bound is not None:
        x = xs.clamped(item.bound)
        dash, color = "4 3", PALETTE[3]
        bound = line(
            x,
            top + 1,
            x,
            top + row - 1,
            stroke=color,
            width=2.0,
            dash=dash,
            css_class="margin-line",
        )
        parts.append(bound)
    parts.extend(_forest_mark(item, xs.clamped, middle))
    parts.append(text_at(frame.right + 12, middle + 4, summary, fill=AXIS, weight=weight))
    return parts


def _forest_mark(item: ForestRow, to_x: Callable[[float], float], y: float) -> list[str]:
    parts: list[str] = []
    if item.low is not None and item.high is not None:
        parts.append(_whisker(to_x(item.low), to_x(item.high), y, cap=5.0))
    if item.estimate is None:
        return [*parts, text_at(to_x(0.0) + 6, y + 4, NA, fill=MUTED)]
    x, size = to_x(item.estimate), 5.0
    diamond = (
        f"M{coord(x - size)},{coord(y)}L{coord(x)},{coord(y - size)}"
        f"L{coord(x + size)},{coord(y)}L{coord(x)},{coord(y + size)}Z"
    )
    parts.append(f'<path d="{diamond}" fill="{PALETTE[0]}" stroke="{INK}" stroke-width="1"/>')
    return parts


def _estimate_text(item: ForestRow) -> str:
    if item.estimate is None:
        return NA
    shown = significant(item.estimate, 3)
    if item.low is None or item.high is None:
        return shown
    return f"{shown} [{significant(item.low, 3)}, {significant(item.high, 3)}]"


__all__ = [
    "Bar",
    "BarGroup",
    "ForestRow",
    "Series",
    "forest_plot",
    "grouped_bar_chart",
    "hbar_chart",
    "line_chart",
]
