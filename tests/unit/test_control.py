"""Control charts for KPI series: each Western Electric rule on small hand-built series, the
I-MR limits and the EWMA against direct computations, Phase I / Phase II baselines, bad input,
and properties that hold for any series (shifting and scaling, EWMA with lam = 1)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steward.domain.errors import InvalidInputError
from steward.stats.control import (
    BEYOND_3_SIGMA,
    EIGHT_ON_ONE_SIDE,
    EWMA_BEYOND_LIMITS,
    FOUR_OF_FIVE,
    MOVING_RANGE,
    TWO_OF_THREE,
    WESTERN_ELECTRIC,
    ControlChart,
    ewma_chart,
    individuals_chart,
)

# A baseline of 20 points alternating +-0.564: centre 0, every moving range 1.128, so sigma is
# 1 and the tail's values read directly in sigmas. All 20 lie inside 1 sigma and alternate
# sides, so no rule fires on them; the last one is below the centre.
BASE = [0.564, -0.564] * 10
B = len(BASE)

Found = list[tuple[int, str, tuple[int, ...]]]


def _tail(*values: float, rules: Sequence[str] = WESTERN_ELECTRIC) -> Found:
    """The violations of BASE + values, with indices counted from the first tail point."""
    chart = individuals_chart([*BASE, *values], baseline=B, rules=rules)
    assert chart.centre == 0.0
    assert chart.sigma == pytest.approx(1.0, abs=1e-12)
    return [(v.index - B, v.rule, tuple(p - B for p in v.points)) for v in chart.violations]


def _found(chart: ControlChart) -> Found:
    return [(v.index, v.rule, v.points) for v in chart.violations]


# ---- the rules, one by one ---------------------------------------------------------------


def test_the_baseline_alone_is_in_control() -> None:
    chart = individuals_chart(BASE)
    assert chart.violations == ()
    assert not chart.out_of_control
    assert chart.notes == ()


def test_rule_1_fires_at_each_point_beyond_3_sigma_and_nowhere_else() -> None:
    assert _tail(3.5, 0.2, -3.2, 2.9, 0.0, -2.95) == [
        (0, BEYOND_3_SIGMA, (0,)),
        (2, BEYOND_3_SIGMA, (2,)),
    ]


def test_rule_2_needs_two_of_three_on_the_same_side_and_ends_on_one_of_them() -> None:
    # 0 and 2 make a pattern at 2; 2 and 3 make another at 3; 4 is inside, so the window
    # (2, 3, 4) is not reported again; 6 and 7 are on opposite sides; 6 and 8 are both below.
    assert _tail(2.5, 0.0, 2.5, 2.5, 0.0, 0.0, -2.5, 2.5, -2.5) == [
        (2, TWO_OF_THREE, (0, 2)),
        (3, TWO_OF_THREE, (2, 3)),
        (8, TWO_OF_THREE, (6, 8)),
    ]


def test_rule_2_lists_all_three_points_when_three_of_three_are_beyond() -> None:
    assert _tail(2.5, 2.5, 2.5) == [
        (1, TWO_OF_THREE, (0, 1)),
        (2, TWO_OF_THREE, (0, 1, 2)),
    ]


def test_rule_3_needs_four_of_five_on_the_same_side() -> None:
    # At 3 only three of (base, 0, 1, 2, 3) are beyond 1 sigma; 4 completes (0, 1, 3, 4) and
    # 5 completes (1, 3, 4, 5); 6 is inside, and 7 is on the other side.
    assert _tail(1.5, 1.5, 0.0, 1.5, 1.5, 1.5, 0.0, -1.5) == [
        (4, FOUR_OF_FIVE, (0, 1, 3, 4)),
        (5, FOUR_OF_FIVE, (1, 3, 4, 5)),
    ]


def test_rule_3_ignores_four_of_five_split_across_the_two_sides() -> None:
    assert _tail(1.5, -1.5, 1.5, -1.5, 1.5) == []


def test_rule_4_fires_at_the_eighth_point_in_a_row_and_each_one_after() -> None:
    assert _tail(*[0.5] * 9, -0.5, *[0.5] * 7) == [
        (7, EIGHT_ON_ONE_SIDE, tuple(range(8))),
        (8, EIGHT_ON_ONE_SIDE, tuple(range(1, 9))),
    ]


def test_rule_4_counts_below_the_centre_and_a_point_on_the_centre_breaks_the_run() -> None:
    # The baseline's last point is below the centre, so the run below starts there (-1).
    assert _tail(*[-0.5] * 7) == [(6, EIGHT_ON_ONE_SIDE, tuple(range(-1, 7)))]
    assert _tail(*[0.5] * 4, 0.0, *[0.5] * 7) == []


def test_overlapping_patterns_of_different_rules_are_all_reported_in_rule_order() -> None:
    assert _tail(2.5, 3.5) == [
        (1, BEYOND_3_SIGMA, (1,)),
        (1, TWO_OF_THREE, (0, 1)),
    ]
    # A sustained shift of 1.5 sigma: rule 3 from the 4th point on (listing every point of
    # its window that is beyond 1 sigma), rule 4 at the 8th.
    assert _tail(*[1.5] * 8) == [
        (3, FOUR_OF_FIVE, (0, 1, 2, 3)),
        *[(i, FOUR_OF_FIVE, tuple(range(i - 4, i + 1))) for i in range(4, 8)],
        (7, EIGHT_ON_ONE_SIDE, tuple(range(8))),
    ]


def test_a_mirrored_series_breaks_the_same_rules_at_the_same_points() -> None:
    series = [*BASE, 2.5, 0.0, 2.5, 3.5, 1.5, 1.5, *[0.5] * 6]
    upward = individuals_chart(series, baseline=B)
    downward = individuals_chart([-v for v in series], baseline=B)
    assert upward.out_of_control
    assert _found(upward) == _found(downward)
    assert "above" in upward.violations[0].description
    assert "below" in downward.violations[0].description


def test_windows_are_cut_short_at_the_start_of_the_series() -> None:
    values = [5.0, 5.0, *BASE, *BASE]
    chart = individuals_chart(values)
    assert abs(5.0 - chart.centre) > 3 * chart.sigma
    assert _found(chart) == [
        (0, BEYOND_3_SIGMA, (0,)),
        (1, BEYOND_3_SIGMA, (1,)),
        (1, TWO_OF_THREE, (0, 1)),
    ]


def test_only_the_chosen_rules_are_checked_and_the_moving_range_rule_is_optional() -> None:
    assert _tail(2.5, 3.5, rules=[TWO_OF_THREE]) == [(1, TWO_OF_THREE, (0, 1))]
    assert _tail(0.0, 4.0, rules=[MOVING_RANGE]) == [(1, MOVING_RANGE, (0, 1))]
    chart = individuals_chart([*BASE, 0.0, 4.0], baseline=B, rules=[MOVING_RANGE, MOVING_RANGE])
    assert chart.rules == (MOVING_RANGE,)
    assert chart.moving_ranges is not None
    assert chart.mr_upper is not None
    assert chart.moving_ranges[B] > chart.mr_upper  # |4 - 0| > 3.267 * 1.128


def test_violations_carry_times_and_a_one_line_description() -> None:
    times = [f"2024-01-{day:02d}" for day in range(1, B + 3)]
    chart = individuals_chart([*BASE, 2.5, 3.5], baseline=B, times=times)
    assert [v.time for v in chart.violations] == [times[B + 1]] * 2
    assert chart.flagged == (B + 1,)
    for violation in chart.violations:
        assert violation.description.startswith(f"point {B + 1} ({times[B + 1]}) ")
        assert "\n" not in violation.description
    assert "3.5 sigma above" in chart.violations[0].description


# ---- limits ------------------------------------------------------------------------------


def test_individuals_and_moving_range_limits_match_a_direct_numpy_computation() -> None:
    x = np.random.default_rng(7).normal(50.0, 4.0, size=60)
    chart = individuals_chart(x, baseline=40)
    centre = x[:40].mean()
    ranges = np.abs(np.diff(x))
    mr_bar = ranges[:39].mean()
    sigma = mr_bar / 1.128
    assert chart.kind == "individuals"
    assert chart.centre == pytest.approx(centre, rel=1e-12)
    assert chart.sigma == pytest.approx(sigma, rel=1e-12)
    np.testing.assert_allclose(chart.upper, np.full(60, centre + 3 * sigma), rtol=1e-12)
    np.testing.assert_allclose(chart.lower, np.full(60, centre - 3 * sigma), rtol=1e-12)
    np.testing.assert_array_equal(chart.values, x)
    np.testing.assert_array_equal(chart.observations, x)
    assert chart.moving_ranges is not None
    np.testing.assert_allclose(chart.moving_ranges, ranges, rtol=1e-12)
    assert chart.mr_centre == pytest.approx(mr_bar, rel=1e-12)
    assert chart.mr_upper == pytest.approx(3.267 * mr_bar, rel=1e-12)
    assert chart.mr_lower == 0.0
    assert [(z.name, z.inner, z.outer) for z in chart.zones] == [
        ("C", 0, 1),
        ("B", 1, 2),
        ("A", 2, 3),
    ]
    for zone in chart.zones:
        np.testing.assert_allclose(
            [*zone.below, *zone.above],
            [
                centre - zone.outer * sigma,
                centre - zone.inner * sigma,
                centre + zone.inner * sigma,
                centre + zone.outer * sigma,
            ],
            rtol=1e-12,
        )


def test_arrays_of_the_chart_are_read_only() -> None:
    chart = individuals_chart(BASE)
    with pytest.raises(ValueError, match="read-only"):
        chart.values[0] = 9.0


def test_phase_two_points_do_not_move_the_limits_but_baseline_points_do() -> None:
    x = np.random.default_rng(3).normal(size=30)
    first = individuals_chart(x, baseline=20)
    later = x.copy()
    later[25] = 40.0
    second = individuals_chart(later, baseline=20)
    assert (second.centre, second.sigma) == (first.centre, first.sigma)
    assert (25, BEYOND_3_SIGMA, (25,)) in _found(second)
    earlier = x.copy()
    earlier[5] = 40.0
    assert individuals_chart(earlier, baseline=20).sigma > first.sigma
    assert first.baseline == 20
    assert "(Phase II)" in first.notes[0]
    assert individuals_chart(x).baseline == 30
    assert individuals_chart(x).notes == ()


def test_a_short_baseline_is_noted() -> None:
    chart = individuals_chart([1.0, 2.0, 1.5])
    assert any("only 3 baseline points" in note for note in chart.notes)


# ---- EWMA --------------------------------------------------------------------------------


def test_ewma_values_match_a_loop_and_its_limits_match_the_formula() -> None:
    x = np.random.default_rng(11).normal(10.0, 2.0, size=50)
    x[35:] += 3.0  # a shift the EWMA should catch
    lam, width = 0.25, 2.7
    chart = ewma_chart(x, lam=lam, L=width, baseline=30)
    centre = x[:30].mean()
    sigma = np.abs(np.diff(x[:30])).mean() / 1.128
    z, expected = centre, []
    for value in x:
        z = lam * value + (1 - lam) * z
        expected.append(z)
    t = np.arange(1, 51)
    half = width * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    assert chart.kind == "ewma"
    assert (chart.lam, chart.L, chart.baseline) == (lam, width, 30)
    np.testing.assert_allclose(chart.values, expected, rtol=1e-12)
    np.testing.assert_allclose(chart.upper, centre + half, rtol=1e-12)
    np.testing.assert_allclose(chart.lower, centre - half, rtol=1e-12)
    outside = np.flatnonzero((chart.values > chart.upper) | (chart.values < chart.lower))
    assert outside.size > 0
    assert chart.flagged == tuple(outside.tolist())
    assert {v.rule for v in chart.violations} == {EWMA_BEYOND_LIMITS}
    assert chart.zones == ()
    assert chart.moving_ranges is None
    assert chart.mr_upper is None


def test_ewma_with_lam_1_flags_the_same_points_as_rule_1() -> None:
    x = np.random.default_rng(5).normal(size=80)
    x[[10, 50, 51]] += [5.0, -6.0, 4.5]
    ewma = ewma_chart(x, lam=1.0, L=3.0)
    rule_1 = individuals_chart(x, rules=[BEYOND_3_SIGMA])
    assert ewma.flagged == rule_1.flagged
    assert len(ewma.flagged) >= 2
    np.testing.assert_allclose(ewma.values, x, rtol=0, atol=1e-15)


def test_ewma_limits_widen_towards_the_asymptote() -> None:
    chart = ewma_chart(BASE, lam=0.2)
    widths = chart.upper - chart.centre
    assert np.all(np.diff(widths) > 0)
    assert widths[-1] == pytest.approx(3.0 * math.sqrt(0.2 / 1.8), rel=1e-3)


# ---- a constant baseline -----------------------------------------------------------------


def test_a_constant_baseline_flags_every_point_that_differs_from_it() -> None:
    chart = individuals_chart([0.1] * 7 + [0.1, 0.2, 0.1, 0.0], baseline=7)
    assert chart.sigma == 0.0
    assert chart.centre == 0.1
    assert _found(chart) == [(8, BEYOND_3_SIGMA, (8,)), (10, BEYOND_3_SIGMA, (10,))]
    assert chart.rules == (BEYOND_3_SIGMA,)
    assert any("constant" in note for note in chart.notes)
    assert json.dumps(chart.as_dict(), allow_nan=False)


def test_a_constant_baseline_on_the_ewma_flags_from_the_first_difference_on() -> None:
    steady = ewma_chart([0.3] * 9)
    assert steady.violations == ()
    np.testing.assert_array_equal(steady.values, [0.3] * 9)
    chart = ewma_chart([0.3] * 6 + [0.5, 0.3, 0.3], baseline=6)
    assert chart.flagged == (6, 7, 8)
    assert "above the constant baseline value" in chart.violations[0].description


# ---- bad input ---------------------------------------------------------------------------


def _any(value: object) -> Any:
    """A value of a type the signature refuses, passed as a caller without types would."""
    return value


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: individuals_chart([]), "at least 2 points"),
        (lambda: individuals_chart([4.0]), "at least 2 points"),
        (lambda: individuals_chart([1.0, 2.0, 3.0], baseline=1), "at least 2 points"),
        (lambda: individuals_chart([1.0, 2.0, 3.0], baseline=4), "only 3 values"),
        (lambda: individuals_chart([1.0, 2.0], baseline=_any(True)), "number of points"),
        (lambda: individuals_chart([1.0, 2.0], baseline=_any(2.0)), "number of points"),
        (lambda: individuals_chart([1.0, math.nan, 3.0]), "point 1 is nan"),
        (lambda: ewma_chart([1.0, 2.0, -math.inf]), "point 2 is -inf"),
        (
            lambda: individuals_chart([1.0, math.inf], times=["mon", "tue"]),
            "point 1 (tue) is inf",
        ),
        (lambda: individuals_chart([1.0, 2.0], times=["mon"]), "1 times for 2 values"),
        (lambda: individuals_chart([1.0, 2.0], times="mo"), "sequence of strings"),
        (lambda: individuals_chart(_any(["1", "2"])), "sequence of numbers"),
        (lambda: individuals_chart(_any([[1.0, 2.0], [3.0, 4.0]])), "one series"),
        (lambda: individuals_chart([1.0, 2.0], rules=["nelson_5"]), "unknown rule 'nelson_5'"),
        (lambda: individuals_chart([1.0, 2.0], rules=BEYOND_3_SIGMA), "list of rule names"),
        (lambda: individuals_chart([1e308, -1e308]), "too large"),
        (lambda: ewma_chart([1.0, 2.0], lam=0.0), "lam must be"),
        (lambda: ewma_chart([1.0, 2.0], lam=1.5), "lam must be"),
        (lambda: ewma_chart([1.0, 2.0], lam=math.nan), "lam must be"),
        (lambda: ewma_chart([1.0, 2.0], L=0.0), "L must be"),
        (lambda: ewma_chart([1.0, 2.0], L=-3.0), "L must be"),
        (lambda: ewma_chart([1.0, 2.0], L=math.inf), "L must be"),
        (lambda: ewma_chart([1.0], lam=0.5), "at least 2 points"),
    ],
)
def test_bad_input_is_refused_with_one_line_that_says_why(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# ---- JSON --------------------------------------------------------------------------------


def test_as_dict_is_json_ready_and_holds_what_a_report_draws() -> None:
    times = [f"w{i}" for i in range(B + 2)]
    chart = individuals_chart([*BASE, 2.5, 3.5], baseline=B, times=times)
    data = json.loads(json.dumps(chart.as_dict(), allow_nan=False))
    assert data["kind"] == "individuals"
    assert data["out_of_control"] is True
    assert data["times"] == times
    assert len(data["values"]) == len(data["lower"]) == len(data["upper"]) == B + 2
    assert len(data["moving_ranges"]) == B + 1
    assert data["mr_upper"] == pytest.approx(3.267 * 1.128)
    assert [zone["name"] for zone in data["zones"]] == ["C", "B", "A"]
    assert data["violations"][0] == {
        "index": B + 1,
        "time": times[B + 1],
        "rule": BEYOND_3_SIGMA,
        "description": chart.violations[0].description,
        "points": [B + 1],
    }
    assert data["rules"] == list(WESTERN_ELECTRIC)
    ewma = json.loads(json.dumps(ewma_chart(BASE).as_dict(), allow_nan=False))
    assert (ewma["moving_ranges"], ewma["zones"], ewma["times"]) == (None, [], None)
    assert (ewma["lam"], ewma["L"], ewma["out_of_control"]) == (0.2, 3.0, False)


# ---- properties --------------------------------------------------------------------------

series = st.lists(st.integers(-1000, 1000), min_size=3, max_size=40).map(
    lambda xs: [float(v) for v in xs]
)
# The same, with a step of up to a few sigma from some point on, so that rules fire often.
shifted = st.tuples(series, st.integers(-3000, 3000), st.floats(0.0, 1.0)).map(
    lambda t: [v + (t[1] if i >= t[2] * len(t[0]) else 0) for i, v in enumerate(t[0])]
)


def _clear_of_boundaries(chart: ControlChart) -> bool:
    """No point within a hair of the centre or of a zone boundary, where rounding after a
    shift or a scale could move it across."""
    if chart.sigma == 0.0:
        return False
    d = np.abs(chart.values - chart.centre) / chart.sigma
    return bool(np.all(np.min(np.abs(d[:, None] - [0.0, 1.0, 2.0, 3.0]), axis=1) > 1e-3))


@settings(max_examples=150, deadline=None)
@given(
    values=shifted,
    shift=st.integers(-(10**6), 10**6),
    scale=st.sampled_from([0.001, 0.5, 3.0, 1000.0, -2.0]),
    split=st.floats(0.3, 1.0),
)
def test_shifting_and_scaling_moves_centre_and_limits_and_keeps_violations(
    values: list[float], shift: int, scale: float, split: float
) -> None:
    baseline = max(2, round(split * len(values)))
    chart = individuals_chart(values, baseline=baseline, rules=[*WESTERN_ELECTRIC, MOVING_RANGE])
    assume(_clear_of_boundaries(chart))
    moved = individuals_chart(
        [scale * v + shift for v in values],
        baseline=baseline,
        rules=[*WESTERN_ELECTRIC, MOVING_RANGE],
    )
    tol = 1e-9 * (abs(shift) + abs(scale) * 1000)
    assert moved.centre == pytest.approx(scale * chart.centre + shift, abs=tol)
    # Moving ranges of shifted values lose the low bits of the shift: an absolute term too.
    assert moved.sigma == pytest.approx(abs(scale) * chart.sigma, rel=1e-9, abs=1e-12 * abs(shift))
    outer = sorted([moved.lower[0], moved.upper[0]])
    assert outer == pytest.approx(
        sorted([scale * chart.lower[0] + shift, scale * chart.upper[0] + shift]), abs=tol
    )
    assert _found(moved) == _found(chart)


@settings(max_examples=100, deadline=None)
@given(values=series, lam=st.floats(0.05, 1.0), width=st.floats(0.5, 4.0))
def test_ewma_flags_exactly_the_points_outside_its_limits(
    values: list[float], lam: float, width: float
) -> None:
    chart = ewma_chart(values, lam=lam, L=width)
    gap = np.abs(chart.values - chart.centre) - (chart.upper - chart.centre)
    assume(chart.sigma == 0.0 or bool(np.all(np.abs(gap) > 1e-9 * (1 + abs(chart.centre)))))
    assert chart.flagged == tuple(np.flatnonzero(gap > 0).tolist())


@settings(max_examples=100, deadline=None)
@given(values=series)
def test_ewma_with_lam_1_always_agrees_with_rule_1(values: list[float]) -> None:
    assert (
        ewma_chart(values, lam=1.0).flagged
        == individuals_chart(values, rules=[BEYOND_3_SIGMA]).flagged
    )
