"""Statistical process control charts for a business KPI series: the individuals and moving-range
(I-MR) chart with the Western Electric rules, and the EWMA chart. A violation is an alert.

Phase I / Phase II: the limits come from the first `baseline` points (all points by default)
and are applied to every point, the baseline included. The centre is the baseline's mean; sigma
is its average moving range |x_i - x_(i-1)| divided by d2 = 1.128, which a slow drift in the
baseline inflates far less than it inflates the standard deviation.

Western Electric rules on the individuals chart (zones C, B and A reach 1, 2 and 3 sigma out):

1. `beyond_3_sigma`: one point beyond 3 sigma;
2. `2_of_3_beyond_2_sigma`: 2 of 3 consecutive points beyond 2 sigma on the same side;
3. `4_of_5_beyond_1_sigma`: 4 of 5 consecutive points beyond 1 sigma on the same side;
4. `8_on_one_side`: 8 consecutive points on the same side of the centre.

"Beyond" is strict (a point on a boundary is not beyond it) and a point exactly on the centre
is on neither side, so it breaks a run. A violation is reported at the point that completes the
pattern: the last point of the window, which must itself belong to the pattern (in "beyond,
beyond, inside" the pattern was complete at the second point). Overlapping patterns are each
reported: 9 points in a row above the centre give rule 4 at the 8th and at the 9th point. A
violation's `points` are those that make its pattern. At the start of the series the windows of
rules 2 and 3 are cut short: the first two points both beyond 2 sigma already make 2 of 3,
whatever the third is. The optional rule `moving_range_beyond_ucl` (not a default) flags a
moving range above D4 * MR-bar (D4 = 3.267) at the later of its two points.

EWMA chart: z_t = lam * x_t + (1 - lam) * z_(t-1), z_0 = centre, with limits that widen with t:
centre +- L * sigma * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2t))). Every point outside them is
an `ewma_beyond_limits` violation. With lam = 1 the EWMA is the series itself and, for L = 3,
the violations are exactly those of rule 1.

A constant baseline has sigma 0. Its limits collapse onto its value (exactly, not a rounded
mean) and every point plotted away from it is out of control: on the individuals chart each
point that differs from the baseline value, on the EWMA chart each point whose EWMA has left
it. Zones then have no width, so only the chart's limit rule is checked, whatever `rules` asks
for; a note says so.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from steward.domain.errors import InvalidInputError

Floats = npt.NDArray[np.float64]
Kind = Literal["individuals", "ewma"]

D2 = 1.128  # expected range of 2 normal observations, in sigmas
D4 = 3.267  # upper limit of the range of 2 observations, in multiples of the mean range

BEYOND_3_SIGMA = "beyond_3_sigma"
TWO_OF_THREE = "2_of_3_beyond_2_sigma"
FOUR_OF_FIVE = "4_of_5_beyond_1_sigma"
EIGHT_ON_ONE_SIDE = "8_on_one_side"
MOVING_RANGE = "moving_range_beyond_ucl"
EWMA_BEYOND_LIMITS = "ewma_beyond_limits"
WESTERN_ELECTRIC: tuple[str, ...] = (BEYOND_3_SIGMA, TWO_OF_THREE, FOUR_OF_FIVE, EIGHT_ON_ONE_SIDE)
RULES: tuple[str, ...] = (*WESTERN_ELECTRIC, MOVING_RANGE)

_ADVISED_BASELINE = 20
_RUN = 8


@dataclass(frozen=True)
class Violation:
    """One rule broken, reported at the point `index` that completes its pattern."""

    index: int
    time: str | None
    rule: str
    description: str
    points: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "points": list(self.points)}


@dataclass(frozen=True)
class Zone:
    """A Western Electric zone: the band from `inner` to `outer` sigma out, on each side of the
    centre. `below` and `above` are the band's (low, high) edges in the KPI's units."""

    name: str
    inner: int
    outer: int
    below: tuple[float, float]
    above: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        edges = {side: [_finite(v) for v in getattr(self, side)] for side in ("below", "above")}
        return {**dataclasses.asdict(self), **edges}


@dataclass(frozen=True, eq=False)
class ControlChart:
    """A control chart, with everything a report needs to draw it. The arrays are read-only.

    `values` are the plotted points: the observations on the individuals chart, the EWMA on the
    EWMA chart. `lower` and `upper` give the limits at each point. They are constant on the
    individuals chart. `moving_ranges[i - 1]` is |x_i - x_(i-1)|, plotted at point i. The
    moving ranges and their limits are given for the individuals chart only, and are None for
    the EWMA chart. `rules` are the rules that were checked.
    """

    kind: Kind
    centre: float
    sigma: float
    observations: Floats
    values: Floats
    lower: Floats
    upper: Floats
    times: tuple[str, ...] | None
    baseline: int
    rules: tuple[str, ...]
    violations: tuple[Violation, ...]
    zones: tuple[Zone, ...] = ()
    moving_ranges: Floats | None = None
    mr_centre: float | None = None
    mr_upper: float | None = None
    mr_lower: float | None = None
    lam: float | None = None
    L: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def out_of_control(self) -> bool:
        """True when any rule was broken: the chart raises an alert."""
        return bool(self.violations)

    @property
    def flagged(self) -> tuple[int, ...]:
        """The points at which a violation is reported, ascending, each once."""
        return tuple(sorted({v.index for v in self.violations}))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field, and `out_of_control`. Arrays become lists, and
        anything non-finite would become null, since JSON has no NaN."""
        out: dict[str, Any] = {}
        for name in (f.name for f in dataclasses.fields(self)):
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                value = _floats(value)
            elif isinstance(value, float):
                value = _finite(value)
            elif name in ("zones", "violations"):
                value = [item.as_dict() for item in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return {**out, "out_of_control": self.out_of_control}


def individuals_chart(
    values: Sequence[float] | npt.NDArray[Any],
    *,
    baseline: int | None = None,
    times: Sequence[str] | None = None,
    rules: Sequence[str] = WESTERN_ELECTRIC,
) -> ControlChart:
    """The individuals and moving-range chart of `values`. Its limits come from the first
    `baseline` points (all by default), and the Western Electric `rules` are checked on every
    point. See the module docstring for how each rule reads."""
    chosen = _check_rules(rules)
    s = _series(values, times, baseline)
    sigma, centre = s.sigma, s.centre
    chosen = (BEYOND_3_SIGMA,) if sigma == 0.0 else chosen
    found = [v for rule in chosen for v in _CHECKS[rule](s, rule)]
    found.sort(key=lambda v: (v.index, chosen.index(v.rule)))

    def at(k: int) -> float:
        return centre + k * sigma

    zones = tuple(
        Zone(name, k - 1, k, (at(-k), at(1 - k)), (at(k - 1), at(k)))
        for name, k in (("C", 1), ("B", 2), ("A", 3))
    )
    return s.chart(
        "individuals",
        s.x,
        np.full(len(s.x), 3.0 * sigma),
        chosen,
        found,
        zones=zones,
        moving_ranges=_frozen(s.ranges),
        mr_centre=s.mr_bar,
        mr_upper=D4 * s.mr_bar,
        mr_lower=0.0,
    )


def ewma_chart(
    values: Sequence[float] | npt.NDArray[Any],
    *,
    lam: float = 0.2,
    L: float = 3.0,  # noqa: N803 - the letter the EWMA literature uses for the width
    baseline: int | None = None,
    times: Sequence[str] | None = None,
) -> ControlChart:
    """The EWMA chart of `values` with smoothing `lam` in (0, 1] and limits `L` sigma wide
    (in the EWMA's own sigma). Centre and sigma come from the first `baseline` points, as on
    the individuals chart. Each point outside its limits is a violation."""
    if not _real(lam) or not 0.0 < lam <= 1.0:
        raise InvalidInputError(f"lam must be a number in (0, 1], got {lam!r}")
    if not _real(L) or not 0.0 < L < math.inf:
        raise InvalidInputError(f"L must be a positive number, got {L!r}")
    lam, width_sigmas = float(lam), float(L)
    s = _series(values, times, baseline)
    # The EWMA of the deviations, not of the values: a constant series then stays exactly on
    # the centre, and with lam = 1 the deviations are exactly those of the individuals chart.
    dev = np.empty(len(s.x))
    z = 0.0
    for i, d in enumerate(s.dev.tolist()):
        z = lam * d + (1.0 - lam) * z
        dev[i] = z
    t = np.arange(1, len(s.x) + 1)
    width = width_sigmas * s.sigma * np.sqrt(lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2 * t)))
    found = _beyond(dataclasses.replace(s, dev=dev), EWMA_BEYOND_LIMITS, width)
    return s.chart(
        "ewma", s.centre + dev, width, (EWMA_BEYOND_LIMITS,), found, lam=lam, L=width_sigmas
    )


# ---- the series --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Series:
    """A checked series with its baseline estimates; `dev` is what the rules read."""

    x: Floats
    stamps: tuple[str, ...] | None
    base: int
    centre: float
    sigma: float
    ranges: Floats
    mr_bar: float
    dev: Floats

    def at(self, i: int, rule: str, text: str, points: tuple[int, ...]) -> Violation:
        where = f"point {i}" if self.stamps is None else f"point {i} ({self.stamps[i]})"
        time = None if self.stamps is None else self.stamps[i]
        return Violation(i, time, rule, f"{where} {text}", points)

    def chart(
        self,
        kind: Kind,
        plotted: Floats,
        width: Floats,
        rules: tuple[str, ...],
        found: list[Violation],
        **extra: Any,
    ) -> ControlChart:
        n, base = len(self.x), self.base
        notes = []
        if base < n:
            notes.append(
                f"the limits come from the first {base} of {n} points (Phase I) and are "
                f"applied to the other {n - base} (Phase II)"
            )
        if base < _ADVISED_BASELINE:
            notes.append(
                f"the limits rest on only {base} baseline points; "
                f"{_ADVISED_BASELINE} or more give steadier limits"
            )
        if self.sigma == 0.0:
            notes.append(
                "the baseline is constant (sigma 0): the limits collapse onto its value, every "
                "point plotted away from it is out of control, and no other rule is checked"
            )
        return ControlChart(
            kind=kind,
            centre=self.centre,
            sigma=self.sigma,
            observations=_frozen(self.x),
            values=_frozen(plotted),
            lower=_frozen(self.centre - width),
            upper=_frozen(self.centre + width),
            times=self.stamps,
            baseline=base,
            rules=rules,
            violations=tuple(found),
            notes=tuple(notes),
            **extra,
        )


def _series(values: object, times: Sequence[str] | None, baseline: int | None) -> _Series:
    x = _numbers(values)
    stamps = _stamps(times, len(x))
    bad = np.flatnonzero(~np.isfinite(x)).tolist()
    if bad:
        where = f"point {bad[0]}" + ("" if stamps is None else f" ({stamps[bad[0]]})")
        raise InvalidInputError(f"{where} is {x[bad[0]]}; values must be finite")
    base = _baseline_points(baseline, len(x))
    with np.errstate(over="ignore", invalid="ignore"):
        ranges = np.abs(np.diff(x))
        mr_bar = float(np.mean(ranges[: base - 1]))
        # A constant baseline's mean can be off its value by rounding, and then no point would
        # lie on the collapsed limits; its first value is its value exactly.
        centre = float(x[0]) if mr_bar == 0.0 else float(np.mean(x[:base]))
        dev = x - centre
    if not (np.all(np.isfinite(ranges)) and math.isfinite(mr_bar) and np.all(np.isfinite(dev))):
        raise InvalidInputError("the values are too large to chart: their differences overflow")
    return _Series(x, stamps, base, centre, mr_bar / D2, ranges, mr_bar, dev)


def _numbers(values: object) -> Floats:
    try:
        raw = np.asarray(values)
        if raw.dtype.kind in "USaV":  # numpy would parse "1.5"; a KPI series holds numbers
            raise TypeError
        x = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError("values must be a sequence of numbers") from None
    if x.ndim != 1:
        raise InvalidInputError(f"values must be one series of numbers, got {x.ndim} dimensions")
    return x


def _stamps(times: Sequence[str] | None, count: int) -> tuple[str, ...] | None:
    if times is None:
        return None
    if isinstance(times, str) or not all(isinstance(t, str) for t in times):
        raise InvalidInputError("times must be a sequence of strings, one per value")
    stamps = tuple(times)
    if len(stamps) != count:
        raise InvalidInputError(f"there are {len(stamps)} times for {count} values")
    return stamps


def _baseline_points(baseline: int | None, count: int) -> int:
    if baseline is None:
        base = count
    elif isinstance(baseline, bool) or not isinstance(baseline, int | np.integer):
        raise InvalidInputError(f"baseline must be a number of points, got {baseline!r}")
    else:
        base = int(baseline)
    if base < 2:
        raise InvalidInputError(
            f"the baseline needs at least 2 points for a moving range, got {base}"
        )
    if base > count:
        raise InvalidInputError(f"baseline is {base} points, but there are only {count} values")
    return base


def _check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    if isinstance(rules, str):
        raise InvalidInputError(f"rules must be a list of rule names, got the string {rules!r}")
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise InvalidInputError(f"unknown rule {unknown[0]!r}; the rules are {', '.join(RULES)}")
    return tuple(dict.fromkeys(rules))


# ---- rules -------------------------------------------------------------------------------


def _beyond(s: _Series, rule: str, width: Floats | None = None) -> list[Violation]:
    """Points outside the limits: `width` from the centre, 3 sigma by default."""
    limit = np.full(len(s.dev), 3.0 * s.sigma) if width is None else width
    found = []
    for i in np.flatnonzero(np.abs(s.dev) > limit).tolist():
        side = "above" if s.dev[i] > 0 else "below"
        if s.sigma == 0.0:
            text = f"plots {side} the constant baseline value"
        elif rule == BEYOND_3_SIGMA:
            text = f"is {abs(s.dev[i]) / s.sigma:.3g} sigma {side} the centre, beyond 3 sigma"
        else:
            text = f"has its EWMA {side} the {'upper' if s.dev[i] > 0 else 'lower'} limit"
        found.append(s.at(i, rule, text, (i,)))
    return found


def _k_of_m(s: _Series, rule: str, *, k: int, need: int, window: int) -> list[Violation]:
    """`need` of `window` consecutive points beyond `k` sigma on one side."""
    found = []
    for sign, side in ((1.0, "above"), (-1.0, "below")):
        beyond = sign * s.dev > k * s.sigma
        for i in np.flatnonzero(beyond).tolist():
            start = max(0, i - window + 1)
            points = tuple((np.flatnonzero(beyond[start : i + 1]) + start).tolist())
            if len(points) >= need:
                text = (
                    f"completes {need} of {window} points beyond {k} sigma {side} the centre "
                    f"(points {', '.join(map(str, points))})"
                )
                found.append(s.at(i, rule, text, points))
    return found


def _runs(s: _Series, rule: str) -> list[Violation]:
    found = []
    run = 0
    sides = np.sign(s.dev).tolist()
    for i, side in enumerate(sides):
        run = run + 1 if side != 0 and i > 0 and side == sides[i - 1] else int(side != 0)
        if run >= _RUN:
            where = "above" if side > 0 else "below"
            text = f"ends a run of {run} points in a row {where} the centre"
            found.append(s.at(i, rule, text, tuple(range(i - _RUN + 1, i + 1))))
    return found


def _moving_range(s: _Series, rule: str) -> list[Violation]:
    upper = D4 * s.mr_bar
    found = []
    for i in (np.flatnonzero(s.ranges > upper) + 1).tolist():
        text = (
            f"moved {s.ranges[i - 1]:.4g} from the point before, "
            f"above the moving-range limit {upper:.4g}"
        )
        found.append(s.at(i, rule, text, (i - 1, i)))
    return found


_CHECKS: dict[str, Callable[[_Series, str], list[Violation]]] = {
    BEYOND_3_SIGMA: _beyond,
    TWO_OF_THREE: functools.partial(_k_of_m, k=2, need=2, window=3),
    FOUR_OF_FIVE: functools.partial(_k_of_m, k=1, need=4, window=5),
    EIGHT_ON_ONE_SIDE: _runs,
    MOVING_RANGE: _moving_range,
}


# ---- small helpers -----------------------------------------------------------------------


def _real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _frozen(a: Floats) -> Floats:
    out = np.array(a, dtype=np.float64)
    out.flags.writeable = False
    return out


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _floats(a: Floats) -> list[float | None]:
    return [_finite(v) for v in a.tolist()]


__all__ = [
    "BEYOND_3_SIGMA",
    "D2",
    "D4",
    "EIGHT_ON_ONE_SIDE",
    "EWMA_BEYOND_LIMITS",
    "FOUR_OF_FIVE",
    "MOVING_RANGE",
    "RULES",
    "TWO_OF_THREE",
    "WESTERN_ELECTRIC",
    "ControlChart",
    "Violation",
    "Zone",
    "ewma_chart",
    "individuals_chart",
]
