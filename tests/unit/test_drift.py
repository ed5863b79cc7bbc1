"""Drift detection: each statistic against SciPy on the raw data, the method selection and
the thresholds, the dataset verdict, the awkward columns, the input containers, and
Evidently's verdicts on seeded data that covers every branch of its default selection."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial import distance

from steward.domain.errors import InvalidInputError
from steward.stats import drift_methods as dm
from steward.stats.drift import DriftReport, detect_drift


def _normal(seed: int, n: int, loc: float = 0.0, scale: float = 1.0) -> np.ndarray[Any, Any]:
    return np.random.default_rng(seed).normal(loc, scale, n)


def _choice(seed: int, values: list[Any], n: int, p: list[float] | None = None) -> list[Any]:
    picked = np.random.default_rng(seed).choice(len(values), size=n, p=p)
    return [values[i] for i in picked]


def _one(reference: Any, current: Any, **options: Any) -> Any:
    report = detect_drift(pa.table({"x": reference}), pa.table({"x": current}), **options)
    return report.columns["x"]


def _finite(values: Any) -> np.ndarray[Any, Any]:
    array = np.asarray(values, dtype=float)
    finite: np.ndarray[Any, Any] = array[np.isfinite(array)]
    return finite


# ---- seeded data whose Evidently verdicts are recorded below ---------------------------------


def _evidently_case(size: str) -> tuple[pa.Table, pa.Table]:
    """Reference and current data for the Evidently comparison: "small" (600 reference rows,
    statistical tests) or "large" (3000, distances). Every column exercises one branch."""
    n_ref, n_cur, base = (600, 500, 100) if size == "small" else (3000, 2500, 200)
    strong = 1.0 if size == "small" else 4.0
    tables = []
    for side, n in enumerate((n_ref, n_cur)):
        seed = base + 10 * side
        shift = 0.0 if side == 0 else 1.0
        s4, new = 0.04 * shift * strong, 0.02 * shift * strong
        with_nan = _normal(seed + 1, n, 0.1 * shift)
        with_nan[np.random.default_rng(seed + 2).random(n) < 0.05] = np.nan
        columns: dict[str, Any] = {
            "same": _normal(seed + 3, n),
            "shifted": _normal(seed + 4, n, 0.25 * shift if size == "small" else 0.12 * shift),
            "near": _normal(seed + 5, n, 0.09 * shift),
            "with_nan": with_nan,
            "three_floats": np.array(
                _choice(seed + 6, [0.5, 1.5, 2.5], n, [0.3, 0.3 + 0.05 * shift, 0.4 - 0.05 * shift])
            ),
            "two_floats": np.array(_choice(seed + 7, [0.0, 1.0], n, [0.5, 0.5])),
            "seven_ints": np.array(_choice(seed + 8, list(range(7)), n), dtype=np.int64),
            "many_ints": np.random.default_rng(seed + 9).integers(0, 50 + 3 * int(shift), n),
            "four_strings": _choice(seed + 10, list("abcd"), n, [0.25, 0.25, 0.25 + s4, 0.25 - s4]),
            "two_strings": _choice(
                seed + 11, ["x", "y"], n, [0.5 + 0.07 * shift, 0.5 - 0.07 * shift]
            ),
            "new_category": _choice(
                seed + 12, ["a", "b", "c", "z"], n, [0.34, 0.33, 0.33 - new, new]
            ),
            "flags": _choice(seed + 13, [True, False], n, [0.5, 0.5]),
        }
        tables.append(pa.table(columns))
    return tables[0], tables[1]


# Recorded from Evidently 0.7.23: Report([DataDriftPreset()]).run(current, reference) on the
# data above (read with pandas from Parquet); per column its method, drift score and verdict.
EVIDENTLY_SMALL = {
    "same": ("ks", 0.7139690874069697, False),
    "shifted": ("ks", 0.00012100411449824766, True),
    "near": ("ks", 0.7766700841697273, False),
    "with_nan": ("ks", 0.009102164751957425, True),
    "three_floats": ("chisquare", 0.0002614709667327939, True),
    "two_floats": ("z", 0.2301166454392889, False),
    "seven_ints": ("chisquare", 0.4082039686764955, False),
    "many_ints": ("ks", 0.11248358742881584, False),
    "four_strings": ("chisquare", 0.006748208042808215, True),
    "two_strings": ("z", 0.05290507528591171, False),
    "new_category": ("chisquare", 0.0, True),
    "flags": ("z", 0.5447463869097833, False),
}
EVIDENTLY_LARGE = {
    "same": ("wasserstein", 0.019789064572966888, False),
    "shifted": ("wasserstein", 0.12382811885358493, True),
    "near": ("wasserstein", 0.06834700826706225, False),
    "with_nan": ("wasserstein", 0.09336857922423761, False),
    "three_floats": ("jensenshannon", 0.04034259478256163, False),
    "two_floats": ("jensenshannon", 0.0002830302802712736, False),
    "seven_ints": ("jensenshannon", 0.023608624199750784, False),
    "many_ints": ("wasserstein", 0.09268114801395355, False),
    "four_strings": ("jensenshannon", 0.17298900155718894, True),
    "two_strings": ("jensenshannon", 0.05458392143854396, False),
    "new_category": ("jensenshannon", 0.17441141685369563, True),
    "flags": ("jensenshannon", 0.0026872648985215805, False),
}
# Evidently's kinds: floats numeric, integers with <= 10 distinct current values categorical.
EVIDENTLY_CATEGORICAL = {"seven_ints", "four_strings", "two_strings", "new_category", "flags"}
# The same, with stattest="psi" on the columns compared value by value.
EVIDENTLY_LARGE_PSI = {
    "three_floats": (0.013030376656169327, False),
    "two_floats": (6.408491338283287e-07, False),
    "seven_ints": (0.004462065965269826, False),
    "four_strings": (0.24635428178292387, True),
    "two_strings": (0.02385919196310607, False),
    "new_category": (0.5401276684933431, True),
    "flags": (5.777128024797862e-05, False),
}


@pytest.mark.parametrize(
    ("size", "expected", "drifted"),
    [("small", EVIDENTLY_SMALL, 5), ("large", EVIDENTLY_LARGE, 3)],
)
def test_default_selection_gives_evidently_verdicts(
    size: str, expected: dict[str, tuple[str, float, bool]], drifted: int
) -> None:
    report = detect_drift(*_evidently_case(size))
    assert list(report.columns) == list(expected)
    for name, (method, score, verdict) in expected.items():
        result = report.columns[name]
        assert (result.method, result.drifted) == (method, verdict), name
        assert result.score == pytest.approx(score, rel=1e-9, abs=1e-12), name
        assert result.kind == ("categorical" if name in EVIDENTLY_CATEGORICAL else "numeric")
    assert report.drifted == drifted
    assert report.share == pytest.approx(drifted / 12)
    assert report.dataset_drift is False


def test_forced_psi_by_value_gives_evidently_verdicts() -> None:
    report = detect_drift(
        *_evidently_case("large"), columns=list(EVIDENTLY_LARGE_PSI), method="psi"
    )
    for name, (score, verdict) in EVIDENTLY_LARGE_PSI.items():
        assert report.columns[name].score == pytest.approx(score, rel=1e-9), name
        assert report.columns[name].drifted is verdict, name


# ---- each statistic against SciPy on the raw data --------------------------------------------


def test_ks_matches_scipy_on_raw_data() -> None:
    reference = _normal(1, 300)
    reference[::25] = np.nan
    current = _normal(2, 400, 0.3)
    result = _one(reference, current)
    expected = stats.ks_2samp(_finite(reference), _finite(current))
    assert result.method == "ks"
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert (result.reference_count, result.reference_missing) == (288, 12)


def test_chisquare_matches_scipy_with_expected_counts_from_the_reference() -> None:
    reference = _choice(3, list("abcd"), 500, [0.4, 0.3, 0.2, 0.1])
    current = _choice(4, list("abcd"), 400, [0.3, 0.3, 0.25, 0.15])
    result = _one(reference, current)
    observed = [current.count(key) for key in "abcd"]
    expected = [reference.count(key) * len(current) / len(reference) for key in "abcd"]
    scipy_result = stats.chisquare(observed, expected)
    assert result.method == "chisquare"
    assert result.statistic == pytest.approx(scipy_result.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(scipy_result.pvalue, rel=1e-9)


def test_z_test_matches_the_two_proportion_formula() -> None:
    reference = _choice(5, ["no", "yes"], 600, [0.5, 0.5])
    current = _choice(6, ["no", "yes"], 450, [0.6, 0.4])
    result = _one(reference, current)
    p1, p2 = reference.count("yes") / 600, current.count("yes") / 450
    pooled = (reference.count("yes") + current.count("yes")) / 1050
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 600 + 1 / 450))
    assert result.method == "z"
    assert result.statistic == pytest.approx(z, rel=1e-12)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    assert result.p_value == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))), rel=1e-9)


@pytest.mark.parametrize("current_size", [2000, 1500, 2600])
def test_wasserstein_matches_scipy_normed_by_the_population_std(current_size: int) -> None:
    reference = np.round(_normal(7, 2000, 10, 2), 1)  # ties within and across the samples
    current = np.round(_normal(8, current_size, 10.3, 2), 1)
    result = _one(reference, current)
    expected = stats.wasserstein_distance(reference, current) / np.std(reference, ddof=0)
    assert result.method == "wasserstein"
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    assert result.p_value is None


def test_wasserstein_on_sorted_samples_matches_scipy() -> None:
    rng = np.random.default_rng(9)
    for _ in range(300):
        a = np.sort(rng.integers(0, 6, rng.integers(1, 30)).astype(float))
        b = np.sort(rng.normal(2, 2, rng.integers(1, 30)).round())
        assert dm.wasserstein_sorted(a, b) == pytest.approx(
            stats.wasserstein_distance(a, b), abs=1e-12
        )


def test_wasserstein_of_a_constant_reference_divides_by_the_std_floor() -> None:
    current = _normal(10, 1500, 5, 0.01)
    result = _one(np.full(1500, 5.0), current)
    expected = stats.wasserstein_distance(np.full(1500, 5.0), current) / 0.001
    assert result.statistic == pytest.approx(expected, rel=1e-12)


def test_jensenshannon_matches_scipy_on_category_shares() -> None:
    reference = _choice(11, list("abc"), 3000, [0.5, 0.3, 0.2])
    current = _choice(12, list("abcd"), 2000, [0.4, 0.3, 0.2, 0.1])
    result = _one(reference, current)
    p = [reference.count(key) / 3000 for key in "abcd"]
    q = [current.count(key) / 2000 for key in "abcd"]
    assert result.method == "jensenshannon"
    assert result.statistic == pytest.approx(distance.jensenshannon(p, q), rel=1e-12)


def _decile_counts(reference: Any, values: Any) -> np.ndarray[Any, Any]:
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11)[1:-1]))
    # bins (edge[k-1], edge[k]]: the first edge not below the value names the bin
    return np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)


def test_forced_jensenshannon_on_numbers_bins_on_the_reference_deciles() -> None:
    reference, current = _normal(13, 5000), _normal(14, 4000, 0.2, 1.3)
    result = _one(reference, current, method="jensenshannon")
    expected = distance.jensenshannon(
        _decile_counts(reference, reference), _decile_counts(reference, current)
    )
    assert result.statistic == pytest.approx(expected, rel=1e-12)


def test_forced_jensenshannon_on_few_numbers_compares_value_by_value() -> None:
    values = [v / 4 for v in range(12)]  # up to 20 distinct reference values: no binning
    reference, current = _choice(17, values, 2000), _choice(18, [*values[:-1], 9.0], 1500)
    result = _one(reference, current, method="jensenshannon")
    keys = sorted(set(reference) | set(current))
    p = [reference.count(key) for key in keys]
    q = [current.count(key) for key in keys]
    assert result.statistic == pytest.approx(distance.jensenshannon(p, q), rel=1e-12)
    assert result.notes == ("1 category never seen in the reference ('9') in 126 current values",)


def _psi(reference_counts: Any, current_counts: Any) -> float:
    def shares(counts: Any) -> np.ndarray[Any, Any]:
        share: np.ndarray[Any, Any] = np.asarray(counts, dtype=float) / np.sum(counts)
        smallest = share[share > 0].min()
        share[share == 0] = smallest / 1e6 if smallest <= 1e-4 else 1e-4
        return share

    r, c = shares(reference_counts), shares(current_counts)
    return float(np.sum((r - c) * np.log(r / c)))


def test_psi_on_numbers_matches_the_formula_on_reference_deciles() -> None:
    reference, current = _normal(15, 800), _normal(16, 900, 0.4)
    result = _one(reference, current, method="psi")
    expected = _psi(_decile_counts(reference, reference), _decile_counts(reference, current))
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    assert result.threshold == 0.1


def test_psi_fills_empty_categories_with_a_small_epsilon() -> None:
    reference = ["a"] * 600 + ["b"] * 300 + ["c"] * 100
    current = ["a"] * 500 + ["b"] * 450 + ["d"] * 50
    result = _one(reference, current, method="psi")
    assert result.statistic == pytest.approx(_psi([600, 300, 100, 0], [500, 450, 0, 50]))
    rare = ["a"] * 19999 + ["rare"]  # a share of 5e-5: empty bins get a millionth of it
    result = _one(rare, ["a"] * 990 + ["new"] * 10, method="psi")
    assert result.statistic == pytest.approx(_psi([19999, 1, 0], [990, 0, 10]), rel=1e-12)
    assert dm.filled_shares(np.array([0, 5, 5]))[0] == 1e-4


def test_single_category_leaves_nothing_to_test() -> None:
    assert dm.chisquare(np.array([10]), np.array([7])) == dm.Outcome(0.0, 1.0)
    assert dm.z_test(np.array([10]), np.array([7])) == dm.Outcome(0.0, 1.0)
    result = _one(["x"] * 50, ["x"] * 40)
    assert (result.method, result.p_value, result.drifted) == ("z", 1.0, False)


# ---- method selection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "current", "kind", "method"),
    [
        (_normal(20, 500), _normal(21, 500), "numeric", "ks"),
        (
            _choice(22, [0.5, 1.5, 2.5], 500),
            _choice(23, [0.5, 1.5, 2.5], 400),
            "numeric",
            "chisquare",
        ),
        (_choice(24, [0.0, 1.0], 500), _choice(25, [0.0, 1.0], 400), "numeric", "z"),
        (_choice(26, list("abc"), 500), _choice(27, list("abc"), 400), "categorical", "chisquare"),
        (_choice(28, [True, False], 500), _choice(29, [True, False], 400), "categorical", "z"),
        (_normal(30, 1500), _normal(31, 900), "numeric", "wasserstein"),
        (
            _choice(32, [1.0, 2.0, 3.0, 4.0], 1500),
            _choice(33, [1.0, 2.0], 900),
            "numeric",
            "jensenshannon",
        ),
        (
            _choice(34, list("abcdefg"), 1500),
            _choice(35, list("ab"), 900),
            "categorical",
            "jensenshannon",
        ),
        (np.arange(1500) % 8, np.arange(900) % 8, "categorical", "jensenshannon"),
        (np.arange(1500) % 40, np.arange(900) % 40, "numeric", "wasserstein"),
    ],
)
def test_default_method_by_reference_size_kind_and_distinct_values(
    reference: Any, current: Any, kind: str, method: str
) -> None:
    result = _one(reference, current)
    assert (result.kind, result.method) == (kind, method)
    assert result.threshold == dm.DEFAULT_THRESHOLDS[method]


def test_the_size_that_selects_counts_present_finite_reference_values() -> None:
    assert _one(_normal(40, 1000), _normal(41, 50)).method == "ks"
    assert _one(_normal(40, 1001), _normal(41, 50)).method == "wasserstein"
    padded = np.concatenate([_normal(40, 995), [np.nan] * 10, [np.inf] * 5])
    assert _one(padded, _normal(41, 50)).method == "ks"


def test_five_distinct_values_of_both_sides_together_are_compared_as_categories() -> None:
    five, six = [0.5, 1.5, 2.5, 3.5, 4.5], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert _one(_choice(44, five, 500), _choice(45, five, 400)).method == "chisquare"
    assert _one(_choice(44, six, 500), _choice(45, six, 400)).method == "ks"
    assert _one(_choice(44, five, 1500), _choice(45, five, 400)).method == "jensenshannon"
    assert _one(_choice(44, six, 1500), _choice(45, six, 400)).method == "wasserstein"
    # three values on each side, six together
    assert _one(_choice(46, six[:3], 500), _choice(47, six[3:], 400)).method == "ks"


def test_an_integer_column_is_categorical_when_the_current_data_has_few_values() -> None:
    reference = np.arange(500) % 100
    assert _one(reference, np.arange(400) % 10).kind == "categorical"
    assert _one(reference, np.arange(400) % 10).method == "chisquare"
    assert _one(reference, np.arange(400) % 11).kind == "numeric"
    assert _one(reference.astype(float), np.arange(400) % 10.0).kind == "numeric"


def test_a_new_category_counts_among_the_distinct_values() -> None:
    reference = _choice(42, ["x", "y"], 300)
    assert _one(reference, _choice(43, ["x", "y"], 300)).method == "z"
    assert _one(reference, _choice(43, ["x", "y", "z"], 300)).method == "chisquare"


# ---- thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reference", "current", "drifted_at_equality"),
    [
        ("ks", _normal(50, 300), _normal(51, 300, 0.1), True),  # p <= threshold
        ("chisquare", _choice(52, list("abc"), 300), _choice(53, list("abc"), 300), False),
        ("z", _choice(54, list("ab"), 300), _choice(55, list("ab"), 300), False),  # p < thr.
        ("wasserstein", _normal(56, 1500), _normal(57, 1500, 0.05), True),  # statistic >= thr.
        ("jensenshannon", _choice(58, list("abc"), 1500), _choice(59, list("abc"), 900), True),
        ("psi", _normal(60, 1500), _normal(61, 1500, 0.1), True),
    ],
)
def test_threshold_comparisons_at_the_boundary_follow_evidently(
    method: str, reference: Any, current: Any, drifted_at_equality: bool
) -> None:
    score = _one(reference, current, method=method).score
    assert 0 < score < 1
    at = _one(reference, current, method=method, thresholds={method: score})
    assert at.drifted is drifted_at_equality
    above = _one(reference, current, method=method, thresholds={method: score * 1.001})
    below = _one(reference, current, method=method, thresholds={method: score * 0.999})
    p_value = method in dm.P_VALUE_METHODS
    assert (above.drifted, below.drifted) == ((True, False) if p_value else (False, True))


def test_default_thresholds() -> None:
    assert dm.DEFAULT_THRESHOLDS == {
        "ks": 0.05, "chisquare": 0.05, "z": 0.05,
        "wasserstein": 0.1, "jensenshannon": 0.1, "psi": 0.1,
    }  # fmt: skip


def test_a_column_threshold_wins_over_a_method_threshold() -> None:
    table = pa.table({"x": _normal(62, 300), "y": _normal(63, 300)})
    other = pa.table({"x": _normal(64, 300, 0.2), "y": _normal(65, 300, 0.2)})
    report = detect_drift(table, other, thresholds={"ks": 0.9, "x": 0.01})
    assert (report.columns["x"].threshold, report.columns["y"].threshold) == (0.01, 0.9)


# ---- the dataset verdict ---------------------------------------------------------------------


def _four_columns(shifted: int) -> tuple[pa.Table, pa.Table]:
    reference = {f"c{i}": _normal(70 + i, 400) for i in range(4)}
    current = {f"c{i}": _normal(80 + i, 400, 1.0 if i < shifted else 0.0) for i in range(4)}
    return pa.table(reference), pa.table(current)


def test_dataset_drift_when_the_share_of_drifted_columns_reaches_drift_share() -> None:
    reference, current = _four_columns(shifted=2)
    report = detect_drift(reference, current)
    assert (report.drifted, report.share, report.dataset_drift) == (2, 0.5, True)
    assert detect_drift(reference, current, drift_share=0.6).dataset_drift is False
    assert detect_drift(reference, current, drift_share=0.25).dataset_drift is True
    assert detect_drift(*_four_columns(shifted=1)).dataset_drift is False


def test_without_a_comparable_column_the_dataset_does_not_drift() -> None:
    report = detect_drift(pa.table({"x": [np.nan] * 5}), pa.table({"x": [1.0] * 5}))
    assert (report.columns, report.share, report.dataset_drift) == ({}, 0.0, False)
    assert "no column could be compared" in report.notes[-1]


# ---- overrides and refusals ------------------------------------------------------------------


def test_method_forces_every_column_and_methods_override_per_column() -> None:
    reference, current = _four_columns(shifted=2)
    report = detect_drift(reference, current, method="psi", methods={"c1": "wasserstein"})
    assert [r.method for r in report.columns.values()] == ["psi", "wasserstein", "psi", "psi"]
    report = detect_drift(reference, current, method="psi", methods={"c0": "auto"})
    assert report.columns["c0"].method == "ks"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "kss"}, "unknown drift method 'kss': use one of auto, ks, chisquare"),
        ({"methods": {"x": "t-test"}}, "unknown drift method 't-test' for column 'x'"),
        ({"thresholds": {"x": 0}}, "drift threshold for 'x' must be a number above 0, got 0"),
        ({"thresholds": {"ks": -0.1}}, "must be a number above 0"),
        ({"thresholds": {"x": "high"}}, "must be a number above 0, got 'high'"),
        ({"thresholds": {"x": float("nan")}}, "must be a number above 0"),
        ({"thresholds": {"x": True}}, "must be a number above 0"),
        ({"drift_share": 0}, "drift_share must be above 0 and at most 1, got 0"),
        ({"drift_share": 1.5}, "drift_share must be above 0 and at most 1"),
        ({"method": "ks", "columns": ["s"]}, "column 's' holds categories; drift method 'ks'"),
        ({"method": "wasserstein", "columns": ["s"]}, "drift method 'wasserstein' needs numbers"),
        ({"method": "z", "columns": ["s"]}, "column 's' has 3 distinct values; drift method 'z'"),
        ({"method": "z", "columns": ["x"]}, "column 'x' has 60 distinct values; drift method 'z'"),
        ({"thresholds": {"x": 2}}, "column 'x': drift method 'ks' compares a p-value"),
        ({"columns": ["nope"]}, "column 'nope' is in neither the reference nor the current"),
        ({"exclude": ["x", "s"]}, "the reference and current data have no column to compare"),
    ],
)
def test_mistakes_are_refused_with_one_line_naming_the_problem(
    options: dict[str, Any], message: str
) -> None:
    reference = pa.table({"x": np.arange(60) / 7, "s": list("abc") * 20})
    with pytest.raises(InvalidInputError) as caught:
        detect_drift(reference, reference, **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_empty_data_is_refused() -> None:
    empty = pa.table({"x": pa.array([], pa.float64())})
    full = pa.table({"x": [1.0, 2.0]})
    with pytest.raises(InvalidInputError, match="the reference data has no rows"):
        detect_drift(empty, full)
    with pytest.raises(InvalidInputError, match="the current data has no rows"):
        detect_drift(full, empty)


def test_option_keys_that_name_nothing_are_noted() -> None:
    table = pa.table({"x": _normal(90, 100)})
    report = detect_drift(table, table, methods={"y": "ks"}, thresholds={"psi": 0.2, "z1": 0.1})
    assert "'y' in the drift options is neither a column nor a method" in report.notes
    assert "'z1' in the drift options is neither a column nor a method" in report.notes
    assert len(report.notes) == 2


def test_columns_and_exclude_choose_what_is_compared() -> None:
    reference, current = _four_columns(shifted=0)
    assert list(detect_drift(reference, current, columns=["c2", "c0"]).columns) == ["c2", "c0"]
    assert list(detect_drift(reference, current, exclude=["c1"]).columns) == ["c0", "c2", "c3"]
    assert list(detect_drift(reference, current, columns="c3").columns) == ["c3"]


# ---- awkward columns -------------------------------------------------------------------------


def _awkward() -> DriftReport:
    reference = pa.table(
        {
            "ok": _normal(100, 200),
            "all_nan_current": _normal(101, 200),
            "all_null_reference": pa.array([None] * 200, pa.string()),
            "null_type": pa.array([None] * 200),
            "only_reference": _normal(102, 200),
            "changed_type": _normal(103, 200),
            "when": pa.array(np.arange(200).astype("datetime64[s]")),
            "all_infinite": [np.inf] * 200,
        }
    )
    current = pa.table(
        {
            "ok": _normal(104, 150),
            "all_nan_current": [np.nan] * 150,
            "all_null_reference": ["a"] * 150,
            "null_type": _choice(105, list("ab"), 150),
            "only_current": _normal(106, 150),
            "changed_type": [str(v) for v in range(150)],
            "when": pa.array(np.arange(150).astype("datetime64[s]")),
            "all_infinite": _normal(107, 150),
        }
    )
    return detect_drift(reference, current)


def test_awkward_columns_are_skipped_with_a_note_naming_them() -> None:
    report = _awkward()
    assert list(report.columns) == ["ok"]
    assert report.skipped == {
        "all_nan_current": "every value is missing in the current data; not compared",
        "all_null_reference": "every value is missing in the reference data; not compared",
        "null_type": "every value is missing in the reference data; not compared",
        "only_reference": "only in the reference data; not compared",
        "changed_type": "changed type from double in the reference to large_string in the "
        "current data; not compared",
        "when": "type timestamp[s] in the reference data is not compared",
        "all_infinite": "no finite value in the reference data; not compared",
        "only_current": "only in the current data; not compared",
    }
    for name, why in report.skipped.items():
        assert f"column {name!r}: {why}" in report.notes


def test_infinities_and_missing_values_are_left_out_and_counted() -> None:
    reference = np.concatenate([_normal(110, 300), [np.inf, -np.inf, np.nan]])
    current = np.concatenate([_normal(111, 200), [np.inf, np.nan, np.nan]])
    report = detect_drift(pa.table({"x": reference}), pa.table({"x": pa.array(current)}))
    result = report.columns["x"]
    assert (result.reference_count, result.reference_missing, result.reference_infinite) == (
        300, 1, 2,
    )  # fmt: skip
    assert (result.current_count, result.current_missing, result.current_infinite) == (200, 2, 1)
    expected = stats.ks_2samp(_finite(reference), _finite(current))
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert report.notes == (
        "column 'x': 2 infinite values in the reference data left out",
        "column 'x': 1 infinite value in the current data left out",
    )


def test_nulls_in_a_categorical_column_are_left_out_and_counted() -> None:
    result = _one(["a", None, "b", "a"] * 50, ["b", "b", None, None] * 40)
    assert (result.reference_count, result.reference_missing) == (150, 50)
    assert (result.current_count, result.current_missing) == (80, 80)
    assert (result.reference_distinct, result.current_distinct) == (2, 1)


def test_a_category_never_seen_makes_chisquare_infinite_and_is_named() -> None:
    reference = _choice(120, list("abc"), 400)
    current = _choice(121, list("abc"), 380) + ["zeta"] * 15 + ["eta"] * 5
    report = detect_drift(pa.table({"x": reference}), pa.table({"x": current}))
    result = report.columns["x"]
    assert (result.method, result.statistic, result.p_value) == ("chisquare", math.inf, 0.0)
    assert result.drifted
    assert report.notes == (
        "column 'x': 2 categories never seen in the reference ('zeta', 'eta') in 20 current "
        "values; chi-square is infinite and its p-value 0",
    )
    as_dict = report.as_dict()["columns"]["x"]
    assert (as_dict["statistic"], as_dict["p_value"], as_dict["score"]) == (None, 0.0, 0.0)
    json.dumps(report.as_dict(), allow_nan=False)
    large = _one(_choice(122, list("abc"), 3000), _choice(123, list("abcd"), 2000))
    assert large.method == "jensenshannon"
    assert math.isfinite(large.statistic)


def test_mostly_distinct_text_is_compared_as_categories_with_a_note() -> None:
    report = detect_drift(
        pa.table({"id": [f"r{i}" for i in range(100)]}),
        pa.table({"id": [f"c{i}" for i in range(60)]}),
    )
    assert report.columns["id"].method == "chisquare"
    assert report.notes[0] == (
        "column 'id': 60 of the 60 current values are distinct; compared as categories "
        "(Evidently would treat the column as free text)"
    )


# ---- the report ------------------------------------------------------------------------------


def test_the_report_as_dict_is_json_ready() -> None:
    report = detect_drift(*_evidently_case("small"))
    as_dict = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert set(as_dict) == {
        "columns", "skipped", "dataset_drift", "drifted_columns", "compared_columns", "share",
        "drift_share", "reference_rows", "current_rows", "notes",
    }  # fmt: skip
    assert (as_dict["reference_rows"], as_dict["current_rows"]) == (600, 500)
    assert (as_dict["drifted_columns"], as_dict["compared_columns"]) == (5, 12)
    column = as_dict["columns"]["with_nan"]
    assert list(column)[:7] == [
        "kind", "method", "statistic", "p_value", "score", "threshold", "drifted",
    ]  # fmt: skip
    assert column["reference_missing"] > 0
    assert as_dict["columns"]["same"]["chart"]["edges"][0] <= column["chart"]["edges"][-1]


def test_charts_show_both_sides_on_the_same_bins() -> None:
    report = detect_drift(*_evidently_case("large"))
    histogram = report.columns["shifted"].chart
    assert isinstance(histogram, dm.Histogram)
    assert len(histogram.edges) == len(histogram.reference) + 1 <= 31
    assert sum(histogram.reference) == pytest.approx(1) == sum(histogram.current)
    categories = report.columns["new_category"].chart
    assert isinstance(categories, dm.CategoryShares)
    assert set(categories.labels) == {"a", "b", "c", "z"}
    z = categories.labels.index("z")
    assert categories.reference[z] == 0 < categories.current[z]
    ints = report.columns["seven_ints"].chart
    assert isinstance(ints, dm.CategoryShares)
    assert sorted(ints.labels) == [str(i) for i in range(7)]
    constant = _one([2.0] * 50, [2.0] * 40).chart
    assert isinstance(constant, dm.Histogram)
    assert (constant.edges, constant.reference) == ((2.0, 2.0), (1.0,))


def test_many_categories_chart_the_top_ten_and_the_rest() -> None:
    reference = [f"k{i % 30}" for i in range(3000)]
    chart = _one(reference, reference[:900]).chart
    assert isinstance(chart, dm.CategoryShares)
    assert len(chart.labels) == 10
    assert chart.other_reference == pytest.approx(20 / 30)


# ---- containers ------------------------------------------------------------------------------


def _mixed() -> tuple[pa.Table, pa.Table]:
    def side(seed: int, n: int, shift: float) -> pa.Table:
        values = _normal(seed, n, shift)
        values[::17] = np.nan
        return pa.table(
            {
                "score": values,
                "count": np.random.default_rng(seed + 1).integers(0, 30, n),
                "plan": _choice(seed + 2, ["basic", "pro", "team"], n),
                "active": _choice(seed + 3, [True, False], n),
            }
        )

    return side(130, 700, 0.0), side(140, 600, 0.3)


def test_pandas_polars_arrow_and_files_give_the_same_report(tmp_path: Path) -> None:
    import polars as pl
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    reference, current = _mixed()
    expected = detect_drift(reference, current).as_dict()
    assert expected["drifted_columns"] > 0
    assert expected["columns"]["score"]["reference_missing"] == 42
    for name, table in (("reference", reference), ("current", current)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        pacsv.write_csv(table, tmp_path / f"{name}.csv")
    containers = {
        "pandas": (reference.to_pandas(), current.to_pandas()),
        "polars": (pl.from_arrow(reference), pl.from_arrow(current)),
        "batch": (reference.to_batches()[0], current.to_batches()[0]),
        "parquet": (tmp_path / "reference.parquet", tmp_path / "current.parquet"),
        "csv": (str(tmp_path / "reference.csv"), str(tmp_path / "current.csv")),
    }
    for container, (ref, cur) in containers.items():
        assert detect_drift(ref, cur).as_dict() == expected, container
    categorical = reference.to_pandas().astype({"plan": "category"})
    assert detect_drift(categorical, current.to_pandas()).as_dict() == expected
