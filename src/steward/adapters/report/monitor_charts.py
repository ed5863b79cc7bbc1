"""Charts of the monitoring report: values over a sequence of times (windows, KPI points), with
reference lines, highlighted points (alerts, control-chart violations) and an optional divider
(the end of a control chart's baseline).

Also the reading of window times: ISO 8601 text placed on a time axis, labelled by date.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from steward.adapters.report.svg import (
    AXIS,
    INK,
    MUTED,
    Frame,
    LegendEntry,
    Scale,
    coord,
    figure,
    legend,
    legend_height,
    line,
    nice_domain,
    polyline,
    text_at,
    text_width,
    y_axis,
)
from steward.adapters.report.values import esc, significant, truncate

ALARM = "#c81e1e"  # alerts and violations: the one colour that means "look here"
WIDE = 720.0
NARROW = 470.0  # two of these side by side fit the page
_LABEL_LIMIT = 18
_MAX_SLANTED_LABELS = 14
_COS, _SIN = math.cos(math.radians(35)), math.sin(math.radians(35))


@dataclass(frozen=True, slots=True)
class Line:
    """Values at the chart's positions (None where absent: the line breaks there)."""

    name: str
    values: tuple[float | None, ...]
    color: str
    dash: str = ""
    markers: bool = True
    width: float = 2.0
    in_legend: bool = True


@dataclass(frozen=True, slots=True)
class Mark:
    """A point drawn in red on top of the lines; `value` None puts it on the x axis."""

    index: int
    value: float | None
    tip: str


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """Where each position sits on the x axis, and its label (a date)."""

    positions: tuple[float, ...]
    labels: tuple[str, ...]


def time_axis(times: Sequence[str], *, by_time: bool = True) -> TimeAxis:
    """Positions from ISO 8601 times (proportional to time when `by_time` and every time
    parses, else one step per item) and labels: the date, with the time of day only when some
    time is not midnight."""
    moments = [_moment(t) for t in times]
    parsed = [m for m in moments if m is not None]
    if len(parsed) < len(moments):
        return TimeAxis(tuple(float(i) for i in range(len(times))), tuple(times))
    midnight = all(m.hour == m.minute == m.second == 0 for m in parsed)
    shape = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M"
    labels = tuple(m.strftime(shape) for m in parsed)
    if by_time:
        return TimeAxis(tuple(m.timestamp() for m in parsed), labels)
    return TimeAxis(tuple(float(i) for i in range(len(times))), labels)


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    # A time without a zone is taken as UTC, as the monitoring store writes them.
    zoned = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return zoned.astimezone(UTC)


def time_chart(
    *,
    title: str,
    desc: str,
    caption: str,
    axis: TimeAxis,
    lines: Sequence[Line],
    y_title: str,
    marks: Sequence[Mark] = (),
    mark_name: str = "",
    y_domain: tuple[float, float] | None = None,
    include: Sequence[float] = (),
    divider: float | None = None,
    divider_name: str = "",
    width: float = WIDE,
) -> str:
    """Lines over the positions of `axis`, with red `marks`. `divider` (a position between
    two items, such as 7.5) draws a dotted vertical line named `divider_name`."""
    count = len(axis.positions)
    # Room on the left for the first date label, should it be slanted down to the left.
    first = text_width(axis.labels[0], _LABEL_LIMIT) * _COS - 10 if axis.labels else 0.0
    left = max(58.0, first)
    frame = Frame(left=left, top=14, width=width - left - 20, height=210)
    lo, hi = (min(axis.positions), max(axis.positions)) if count else (0.0, 1.0)
    # Inset so that the first and last points do not sit on the frame.
    xs = Scale(lo, hi, frame.left + 14, frame.right - 14)
    if y_domain is None:
        found = [v for item in lines for v in item.values if v is not None]
        found += [m.value for m in marks if m.value is not None]
        y_domain = nice_domain(found, include=include)
    ys = frame.y_scale(*y_domain)
    ticks, below = _x_ticks(axis, xs, frame)
    parts = [y_axis(frame, ys, y_title), *ticks]
    if divider is not None and count > 1:
        parts.append(_divider(_between(axis.positions, divider, xs), frame, divider_name))
    for item in lines:
        parts.extend(_line(item, axis, xs, ys))
    for mark in marks:
        if 0 <= mark.index < count:
            x = xs(axis.positions[mark.index])
            y = frame.bottom if mark.value is None else ys.clamped(mark.value)
            parts.append(_dot(x, y, mark.tip))
    entries = [
        LegendEntry(item.name, item.color, as_line=True, dash=item.dash)
        for item in lines
        if item.in_legend
    ]
    if marks and mark_name:
        entries.append(LegendEntry(mark_name, ALARM))
    room = width - frame.left - 8
    top = frame.bottom + below + 18
    parts.append(legend(entries, frame.left, top, max_width=room))
    height = top + legend_height(entries, room)
    body = "".join(parts)
    return figure(title=title, desc=desc, caption=caption, width=width, height=height, body=body)


def _x_ticks(axis: TimeAxis, xs: Scale, frame: Frame) -> tuple[list[str], float]:
    """The bottom axis: a tick at every item, a label at some; returns the markup and the
    room the labels take below the frame."""
    count = len(axis.positions)
    parts = [line(frame.left, frame.bottom, frame.right, frame.bottom)]
    for position in axis.positions:
        x = xs(position)
        parts.append(line(x, frame.bottom, x, frame.bottom + 4))
    widths = [text_width(label, _LABEL_LIMIT) for label in axis.labels] or [0.0]
    room = (frame.width - 28) / max(1, count - 1)
    if count <= 1 or max(widths) + 10 <= room:
        for position, label in zip(axis.positions, axis.labels, strict=True):
            parts.append(
                text_at(xs(position), frame.bottom + 16, label, anchor="middle", fill=AXIS)
            )
        return parts, 20.0
    step = max(1, math.ceil(count / _MAX_SLANTED_LABELS), math.ceil(16 / max(room, 1e-9)))
    for index in range(0, count, step):
        x, y = xs(axis.positions[index]), frame.bottom + 12
        label = axis.labels[index]
        parts.append(text_at(x, y, label, anchor="end", fill=AXIS, rotate=-35, limit=_LABEL_LIMIT))
    return parts, 12 + max(widths) * _SIN + 4


def _line(item: Line, axis: TimeAxis, xs: Scale, ys: Scale) -> list[str]:
    """The line, broken where a value is absent, and its points with their values as tips."""
    parts: list[str] = []
    run: list[tuple[float, float]] = []
    for position, value in zip(axis.positions, item.values, strict=False):
        if value is None:
            parts.append(polyline(run, stroke=item.color, width=item.width, dash=item.dash))
            run = []
        else:
            run.append((xs(position), ys.clamped(value)))
    parts.append(polyline(run, stroke=item.color, width=item.width, dash=item.dash))
    if item.markers:
        for label, position, value in zip(axis.labels, axis.positions, item.values, strict=False):
            if value is not None:
                tip = esc(f"{label}: {item.name} {significant(value)}")
                parts.append(
                    f'<circle cx="{coord(xs(position))}" cy="{coord(ys.clamped(value))}" r="3" '
                    f'fill="{item.color}"><title>{tip}</title></circle>'
                )
    return [part for part in parts if part]


def _dot(x: float, y: float, tip: str) -> str:
    # A white ring keeps the red dot readable on top of a line of any colour.
    return (
        f'<circle cx="{coord(x)}" cy="{coord(y)}" r="5.5" fill="{ALARM}" stroke="#ffffff" '
        f'stroke-width="1.5" class="alarm"><title>{esc(tip)}</title></circle>'
    )


def _between(positions: Sequence[float], at: float, xs: Scale) -> float:
    """The pixel of a fractional index (7.5: halfway between items 7 and 8)."""
    low = max(0, min(len(positions) - 1, math.floor(at)))
    high = max(0, min(len(positions) - 1, math.ceil(at)))
    share = at - math.floor(at)
    return xs(positions[low]) + (xs(positions[high]) - xs(positions[low])) * share


def _divider(x: float, frame: Frame, name: str) -> str:
    shown = truncate(name, 40)
    return line(x, frame.top, x, frame.bottom, stroke=MUTED, width=1.5, dash="2 3") + text_at(
        x + 4, frame.top + 10, shown, size=10, fill=INK
    )


__all__ = ["ALARM", "NARROW", "WIDE", "Line", "Mark", "TimeAxis", "time_axis", "time_chart"]
