"""SVG primitives for the report's charts: scales, ticks, axes, shapes, legends, the figure.

Charts are inline SVG with presentation attributes rather than page CSS, so a chart copied out
of the report still looks the same. Coordinates are written with one decimal: fine enough for
the eye, and stable text so the same data always gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from steward.adapters.report.values import esc, significant, truncate

INK = "#1f2933"
AXIS = "#616e7c"
GRID = "#e4e7eb"
MUTED = "#9aa5b1"
REFERENCE = "#7b8794"
# Okabe-Ito colours: told apart by readers with colour-vision deficiencies, and in greyscale.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9")
CHAR_WIDTH = 6.8  # generous advance of an 11px sans-serif glyph, for sizing label margins
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'


def coord(value: float) -> str:
    """A coordinate with one decimal; never "-0.0"."""
    shown = f"{value:.1f}"
    return "0.0" if shown == "-0.0" else shown


@dataclass(frozen=True, slots=True)
class Scale:
    """Maps the data interval [lo, hi] linearly onto the pixel interval [start, end]."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo
        if span == 0:
            return (self.start + self.end) / 2.0
        return self.start + (value - self.lo) / span * (self.end - self.start)

    def clamped(self, value: float) -> float:
        return self(min(max(value, self.lo), self.hi))


@dataclass(frozen=True, slots=True)
class Frame:
    """The plotting area inside a chart, in pixels."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x_scale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.left, self.right)

    def y_scale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.bottom, self.top)


def _step(lo: float, hi: float, count: int) -> float:
    raw = (hi - lo) / max(1, count)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0):
        if multiple * magnitude >= raw * (1 - 1e-9):
            return multiple * magnitude
    return 10.0 * magnitude


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, ...]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return (lo,) if math.isfinite(lo) else ()
    step = _step(lo, hi, count)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    # Multiples of the step, not a running sum, so rounding error cannot accumulate.
    return tuple(round(k * step, 12) for k in range(first, last + 1))


def nice_domain(values: Iterable[float], *, include: Iterable[float] = ()) -> tuple[float, float]:
    """An interval holding every finite value (and `include`), widened to round tick steps."""
    finite = [v for v in (*values, *include) if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _step(lo, hi, 5)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step


def tick_label(value: float) -> str:
    return significant(value, 3)


def distinct_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels with 3 significant digits, or as many more as it takes to tell them apart
    (ticks 0.9990, 0.9992, ... on a narrow axis would all read 0.999)."""
    labels = [tick_label(t) for t in ticks]
    for digits in range(4, 10):
        if len(set(labels)) == len(labels):
            break
        labels = [significant(t, digits) for t in ticks]
    return labels


def percent_tick_label(value: float) -> str:
    return f"{significant(value * 100.0, 3)}%"


# ---- shapes ----------------------------------------------------------------------------------


def line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str = AXIS,
    width: float = 1.0,
    dash: str = "",
    css_class: str = "",
) -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' class="{css_class}"' if css_class else ""
    return (
        f'<line x1="{coord(x1)}" y1="{coord(y1)}" x2="{coord(x2)}" y2="{coord(y2)}" '
        f'stroke="{stroke}" stroke-width="{width:g}"{extra}/>'
    )


def rect(
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    fill: str,
    stroke: str = "",
    tooltip: str = "",
) -> str:
    """A rectangle; `tooltip` (plain text) becomes its <title>, shown on hover."""
    outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    shape = (
        f'<rect x="{coord(x)}" y="{coord(y)}" width="{coord(max(0.0, width))}" '
        f'height="{coord(max(0.0, height))}" fill="{fill}"{outline}'
    )
    return f"{shape}><title>{esc(tooltip)}</title></rect>" if tooltip else f"{shape}/>"


def circle(x: float, y: float, radius: float, *, fill: str, tooltip: str = "") -> str:
    shape = f'<circle cx="{coord(x)}" cy="{coord(y)}" r="{radius:g}" fill="{fill}"'
    return f"{shape}><title>{esc(tooltip)}</title></circle>" if tooltip else f"{shape}/>"


def polyline(
    points: Sequence[tuple[float, float]], *, stroke: str, width: float = 2.0, dash: str = ""
) -> str:
    """A polyline through `points` (pixels); repeated points at the written precision are
    dropped, so a curve of a million thresholds stays a few thousand points long."""
    written: list[str] = []
    for x, y in points:
        point = f"{coord(x)},{coord(y)}"
        if not written or written[-1] != point:
            written.append(point)
    if not written:
        return ""
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{" ".join(written)}" fill="none" stroke="{stroke}" '
        f'stroke-width="{width:g}" stroke-linejoin="round"{extra}/>'
    )


def text_at(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 11,
    fill: str = INK,
    weight: str = "",
    limit: int = 0,
    rotate: float = 0.0,
) -> str:
    """Text (plain, escaped here). With `limit`, longer text is cut and kept whole in a
    <title> tooltip."""
    shown = truncate(content, limit) if limit else content
    extra = f' font-weight="{weight}"' if weight else ""
    if rotate:
        extra += f' transform="rotate({rotate:g} {coord(x)} {coord(y)})"'
    tip = f"<title>{esc(content)}</title>" if shown != content else ""
    return (
        f'<text x="{coord(x)}" y="{coord(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{extra}>{tip}{esc(shown)}</text>'
    )


def text_width(content: str, limit: int = 0) -> float:
    return CHAR_WIDTH * len(truncate(content, limit) if limit else content)


# ---- axes and legend -------------------------------------------------------------------------


def x_axis(
    frame: Frame,
    scale: Scale,
    title: str,
    *,
    grid: bool = True,
    tick_text: Callable[[float], str] = tick_label,
) -> str:
    """Bottom axis: baseline, ticks with labels, vertical grid lines, title."""
    parts = [line(frame.left, frame.bottom, frame.right, frame.bottom)]
    for tick in nice_ticks(scale.lo, scale.hi):
        x = scale(tick)
        if grid:
            parts.append(line(x, frame.top, x, frame.bottom, stroke=GRID))
        parts.append(line(x, frame.bottom, x, frame.bottom + 4))
        parts.append(text_at(x, frame.bottom + 16, tick_text(tick), anchor="middle", fill=AXIS))
    parts.append(text_at((frame.left + frame.right) / 2, frame.bottom + 34, title, anchor="middle"))
    return "".join(parts)


def y_axis(frame: Frame, scale: Scale, title: str, *, grid: bool = True) -> str:
    """Left axis: baseline, ticks with labels, horizontal grid lines, rotated title."""
    parts = [line(frame.left, frame.top, frame.left, frame.bottom)]
    ticks = nice_ticks(scale.lo, scale.hi)
    for tick, label in zip(ticks, distinct_tick_labels(ticks), strict=True):
        y = scale(tick)
        if grid:
            parts.append(line(frame.left, y, frame.right, y, stroke=GRID))
        parts.append(line(frame.left - 4, y, frame.left, y))
        parts.append(text_at(frame.left - 7, y + 4, label, anchor="end", fill=AXIS))
    middle = (frame.top + frame.bottom) / 2
    parts.append(text_at(14, middle, title, anchor="middle", rotate=-90))
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One legend item: a filled swatch, or a line sample when `as_line`."""

    name: str
    color: str
    as_line: bool = False
    dash: str = ""


def legend(entries: Sequence[LegendEntry], x: float, y: float, *, max_width: float) -> str:
    """Legend items laid out left to right from (x, y), wrapping at `max_width`."""
    parts: list[str] = []
    cursor_x, cursor_y = x, y
    for entry in entries:
        width = 22 + text_width(entry.name) + 14
        if cursor_x > x and cursor_x + width > x + max_width:
            cursor_x, cursor_y = x, cursor_y + 18
        if entry.as_line:
            end = cursor_x + 16
            sample_y = cursor_y - 4
            parts.append(
                line(
                    cursor_x, sample_y, end, sample_y, stroke=entry.color, width=2, dash=entry.dash
                )
            )
        else:
            parts.append(rect(cursor_x, cursor_y - 10, 14, 11, fill=entry.color, stroke=AXIS))
        parts.append(text_at(cursor_x + 22, cursor_y, entry.name))
        cursor_x += width
    return "".join(parts)


def legend_height(entries: Sequence[LegendEntry], max_width: float) -> float:
    """The height `legend` needs for these entries."""
    rows, used = 1, 0.0
    for entry in entries:
        width = 22 + text_width(entry.name) + 14
        if used and used + width > max_width:
            rows, used = rows + 1, 0.0
        used += width
    return 18.0 * rows


def hatch_pattern(pattern_id: str, color: str) -> str:
    """Diagonal stripes of `color` on white, to mark bars that are shown but set apart."""
    return (
        f'<pattern id="{esc(pattern_id)}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="2.5" height="6" fill="{color}"/></pattern>'
    )


def figure(
    *, title: str, desc: str, caption: str, width: float, height: float, body: str, defs: str = ""
) -> str:
    """A chart: the SVG with its accessible <title> and <desc>, inside a captioned figure."""
    return (
        f'<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {coord(width)} {coord(height)}" width="{coord(width)}" '
        f'height="{coord(height)}" {FONT}>'
        f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>"
        f"{f'<defs>{defs}</defs>' if defs else ''}"
        f'<rect width="{coord(width)}" height="{coord(height)}" fill="#ffffff"/>{body}</svg>'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )
