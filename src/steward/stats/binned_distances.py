"""Distances between two columns known only by their counts on shared bins: the Kolmogorov-
Smirnov statistic at the bin edges, and the Wasserstein distance with each bin's values spread
over it. `steward.stats.profile_drift` documents the approximations and their measured bounds."""

from __future__ import annotations

import math
from typing import TypeAlias

import numpy as np

from steward.stats import drift_methods as dm

Pieces: TypeAlias = tuple[dm.Floats, dm.Floats, dm.Floats]  # starts, ends, shares


def ks_binned(ref_counts: dm.Counts, cur_counts: dm.Counts) -> dm.Outcome:
    """The two-sample K-S statistic at the bin edges (a lower bound of the raw one) and its
    p-value from the exact one-sample distribution at the effective size n m / (n + m)."""
    n, m = int(ref_counts.sum()), int(cur_counts.sum())
    # Bins are closed on the right, so the counts up to a bin give both CDFs at its edge.
    gaps = np.cumsum(ref_counts)[:-1] / n - np.cumsum(cur_counts)[:-1] / m
    statistic = float(np.abs(gaps).max()) if len(gaps) else 0.0
    effective = max(1.0, float(np.round(n * m / (n + m))))
    # Imported here: only this p-value needs SciPy, and a distance-only ingest should not load it.
    from scipy import stats

    return dm.Outcome(statistic, float(stats.kstwo.sf(statistic, effective)))


def wasserstein_binned(
    edges: tuple[float, ...],
    counts: tuple[dm.Counts, dm.Counts],
    ranges: tuple[tuple[float, float], ...],
    moments: tuple[tuple[float, float], ...],
    std: float,
) -> dm.Outcome:
    """The Wasserstein distance between the two sides' binned values, each bin spread evenly
    and the outer bins fitted to the side's mean and M2, divided by the reference's std."""
    half = _lattice_step((*edges, *ranges[0], *ranges[1])) / 2
    sides = [
        _pieces(edges, side_counts, span, side_moments, half)
        for side_counts, span, side_moments in zip(counts, ranges, moments, strict=True)
    ]
    grid = np.unique(np.concatenate([bounds for side in sides for bounds in side[:2]]))
    # Both CDFs are linear between grid points; at a point piece they jump, so each stretch
    # runs from the right limit at its start to the left limit at its end.
    starts = _cdf(sides[0], grid[:-1], True) - _cdf(sides[1], grid[:-1], True)
    ends = _cdf(sides[0], grid[1:], False) - _cdf(sides[1], grid[1:], False)
    total = np.abs(starts) + np.abs(ends)
    # Where the gap changes sign, |gap| makes two triangles: (d0^2 + d1^2) / (2 (|d0| + |d1|)).
    crossing = (starts**2 + ends**2) / (2 * np.where(total > 0, total, 1.0))
    distance = float(np.dot(np.diff(grid), np.where(starts * ends >= 0, total / 2, crossing)))
    floor = abs(moments[0][0] - moments[1][0])  # exact, and never above the distance
    distance = max(distance, floor) if math.isfinite(floor) else distance
    return dm.Outcome(distance / max(std, dm.MIN_STD))


def _lattice_step(points: tuple[float, ...]) -> float:
    """The step of a grid that holds every point (integers, tenths, ...), or 0."""
    known = np.unique(np.asarray(points, dtype=np.float64))
    if len(known) < 2:
        return 0.0
    step = float(np.diff(known).min())
    ratios = (known - known[0]) / step
    return step if bool(np.all(np.abs(ratios - np.round(ratios)) < 1e-6)) else 0.0


def _pieces(
    inner: tuple[float, ...],
    counts: dm.Counts,
    span: tuple[float, float],
    moments: tuple[float, float],
    half: float,
) -> Pieces:
    """One side's values as pieces spread evenly from start to end (a point when they meet),
    as the module docstring says; on a grid of step 2 * half every bound moves up by half."""
    edges = np.asarray(inner, dtype=np.float64) + half
    low = np.maximum(np.concatenate(([-np.inf], edges)), span[0] - half)
    high = np.minimum(np.concatenate((edges, [np.inf])), span[1] + half)
    low = np.minimum(low, high)  # an estimated infinity split can leave a bin out of range
    first, last, cell = int(counts[0]), int(counts[-1]), 2 * half
    # Inner bins, the two extremes, then the rest of each outer bin at its widest.
    starts = np.concatenate((low[1:-1], [low[0], high[-1] - cell, low[0], low[-1]]))
    ends = np.concatenate((high[1:-1], [low[0] + cell, high[-1], high[0], high[-1]]))
    weights = np.concatenate((counts[1:-1], [min(first, 1), min(last, 1), first - 1, last - 1]))
    weights = np.maximum(weights, 0)
    below, above = _tail_widths(starts, ends, weights, moments, cell)
    starts[-2], ends[-1] = ends[-2] - below, starts[-1] + above
    keep = weights > 0
    shares: dm.Floats = weights[keep] / weights.sum()
    return starts[keep], ends[keep], shares


def _tail_widths(
    starts: dm.Floats,
    ends: dm.Floats,
    weights: dm.Counts,
    moments: tuple[float, float],
    cell: float,
) -> tuple[float, float]:
    """The widths of the last two pieces (each outer bin's values but its extreme, spread from
    the inner edge) that give the side's mean and, among those, the M2 closest to its own."""
    mean, m2 = moments
    rooms = (float(ends[-2] - starts[-2]), float(ends[-1] - starts[-1]))
    rest = (int(weights[-2]), int(weights[-1]))
    if not (math.isfinite(mean) and math.isfinite(m2)) or rest == (0, 0):
        return rooms
    mids, sizes, fixed = (starts + ends)[:-2] / 2, (ends - starts)[:-2], weights[:-2]
    edge = (float(ends[-2]), float(starts[-1]))
    base = float(np.dot(fixed, mids)) + rest[0] * edge[0] + rest[1] * edge[1]
    need = 2 * (mean * float(weights.sum()) - base)  # = rest[1] * above - rest[0] * below
    if 0 in rest:
        side = 1 if rest[0] == 0 else 0
        width = float(np.clip((need if side else -need) / rest[side], cell, rooms[side]))
        return (rooms[0], width) if side else (width, rooms[1])
    lowest = max(cell, (rest[1] * cell - need) / rest[0])
    highest = min(rooms[0], (rest[1] * rooms[1] - need) / rest[0])
    if lowest > highest:  # no widths give the mean: the nearest corner
        return (cell, rooms[1]) if need > rest[1] * rooms[1] - rest[0] * cell else (rooms[0], cell)
    below = np.linspace(lowest, highest, 257)
    above = (need + rest[0] * below) / rest[1]
    # On a grid each value covers a cell, which adds a cell's variance to every value.
    target = m2 + float(weights.sum()) * cell**2 / 12
    spread = (
        float(np.dot(fixed, (mids - mean) ** 2 + sizes**2 / 12))
        + rest[0] * ((edge[0] - below / 2 - mean) ** 2 + below**2 / 12)
        + rest[1] * ((edge[1] + above / 2 - mean) ** 2 + above**2 / 12)
    )
    best = int(np.argmin(np.abs(spread - target)))
    return float(below[best]), float(above[best])


def _cdf(pieces: Pieces, at: dm.Floats, right: bool) -> dm.Floats:
    """The CDF of the pieces at each point of `at`: its right limit, or its left one."""
    starts, ends, shares = pieces
    x = at[:, None]
    width = ends - starts
    spread = np.clip((x - starts) / np.where(width > 0, width, 1.0), 0.0, 1.0)
    point = (x >= starts) if right else (x > starts)
    values: dm.Floats = np.where(width > 0, spread, point) @ shares
    return values
