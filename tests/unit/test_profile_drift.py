"""Drift from profiles: each method against SciPy on the raw rows the profiles came from, the
stated bounds of the K-S and Wasserstein approximations, verdicts, the columns left out and
why, infinities and unseen categories, the option overrides, and the report it shares with
`detect_drift`."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial import distance

from steward.adapters.report.drift import render_drift
from steward.domain.errors import InvalidInputError
from steward.stats import drift_methods as dm
from steward.stats.drift import ColumnDrift, detect_drift
from steward.stats.profile import NumericProfile, Profile, profile_like, profile_reference
from steward.stats.profile_drift import column_psi, profile_drift, psi_by_column

EXACT = 1e-12
N_REF, N_CUR = 5000, 4000
CITIES = ["paris", "lyon", "nice", "lille", "nantes"]
RATINGS = [1, 2, 3, 4, 5]


def _table(seed: int, rows: int, current: bool) -> pa.Table:
    """Seeded rows; the current side shifts "shifted", "plan" and "flag" and keeps the rest."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    empty = np.full(rows, np.nan) if current else rng.normal(0.0, 1.0, rows)
    plan_p = [0.2, 0.3, 0.5] if current else [0.6, 0.3, 0.1]
    return pa.table(
        {
            "same": rng.normal(0.0, 1.0, rows),
            "shifted": rng.normal(0.6 if current else 0.0, 1.0, rows),
            "skewed": rng.lognormal(0.0, 0.6, rows),
            "heavy": rng.standard_t(3, rows),
            "rating": rng.choice(RATINGS, rows, p=[0.1, 0.2, 0.3, 0.25, 0.15]),
            "city": rng.choice(CITIES, rows, p=[0.4, 0.2, 0.2, 0.1, 0.1]),
            "plan": rng.choice(["free", "pro", "team"], rows, p=plan_p),
            "flag": rng.choice(["no", "yes"], rows, p=[0.5, 0.5] if current else [0.8, 0.2]),
            "seen_at": pa.array(
                [start + timedelta(minutes=int(m)) for m in rng.integers(0, 10_000, rows)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "empty": empty,
        }
    )


REF_TABLE = _table(1, N_REF, current=False)
CUR_TABLE = _table(3, N_CUR, current=True)
REFERENCE = profile_reference(REF_TABLE)
CURRENT = profile_like(REFERENCE, CUR_TABLE)


def _raw(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False))


def _finite(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    values = np.asarray(_raw(table, name), dtype=np.float64)
    return np.sort(values[np.isfinite(values)])


def _binned(values: np.ndarray[Any, Any], edges: tuple[float, ...]) -> np.ndarray[Any, Any]:
    """Counts on (-inf, e0], (e0, e1], ..., (e_last, inf), computed here from raw values."""
    ordered = np.sort(values)
    upto = np.searchsorted(ordered, np.asarray(edges), side="right")
    return np.diff(np.concatenate(([0], upto, [len(ordered)])))


def _categories(values: np.ndarray[Any, Any], listed: tuple[str, ...]) -> np.ndarray[Any, Any]:
    """Counts of the listed categories, then of every other value."""
    counts = [int(np.count_nonzero(values == name)) for name in listed]
    return np.asarray([*counts, len(values) - sum(counts)])


def _both_present(ref: np.ndarray[Any, Any], cur: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    keep = (ref + cur) > 0
    return ref[keep], cur[keep]


def _psi(ref: np.ndarray[Any, Any], cur: np.ndarray[Any, Any]) -> float:
    """PSI with empty shares filled as drift_methods documents it, written out here."""

    def filled(counts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        shares: np.ndarray[Any, Any] = counts / counts.sum()
        if (shares == 0).any():
            smallest = shares[shares > 0].min()
            shares[shares == 0] = smallest / 1e6 if smallest <= 1e-4 else 1e-4
        return shares

    r, c = filled(ref.astype(float)), filled(cur.astype(float))
    return float(np.sum((r - c) * np.log(r / c)))


def _edges(name: str, reference: Profile = REFERENCE) -> tuple[float, ...]:
    column = reference.columns[name]
    assert isinstance(column, NumericProfile)
    return column.edges


def _oracle_bins(name: str) -> tuple[Any, Any]:
    """Both sides' raw finite values binned on the profile's edges, empty-on-both dropped."""
    ref = _binned(_finite(REF_TABLE, name), _edges(name))
    cur = _binned(_finite(CUR_TABLE, name), _edges(name))
    return _both_present(ref, cur)


def _one(
    name: str, reference: Profile = REFERENCE, current: Profile = CURRENT, **options: Any
) -> ColumnDrift:
    return profile_drift(reference, current, columns=[name], **options).columns[name]


# ---- exact methods against SciPy on the raw rows -------------------------------------------------


@pytest.mark.parametrize("name", ["same", "shifted", "skewed", "heavy", "rating"])
def test_numeric_psi_and_jensenshannon_equal_the_raw_rows_binned_on_the_profile_edges(
    name: str,
) -> None:
    ref, cur = _oracle_bins(name)
    js = _one(name, method="jensenshannon")
    assert js.statistic == pytest.approx(distance.jensenshannon(ref, cur), abs=EXACT)
    assert _one(name, method="psi").statistic == pytest.approx(_psi(ref, cur), abs=EXACT)
    assert (js.reference_count, js.current_count) == (N_REF, N_CUR)


def test_categorical_methods_equal_scipy_on_the_listed_categories_and_other() -> None:
    """Two listed categories and an "other" bucket: chi-square against the reference shares,
    Jensen-Shannon and PSI all see the same three buckets."""
    reference = profile_reference(REF_TABLE, max_categories=2)
    current = profile_like(reference, CUR_TABLE)
    for name in ("city", "plan"):
        listed = reference.columns[name].categories  # type: ignore[union-attr]
        ref = _categories(_raw(REF_TABLE, name), listed)
        cur = _categories(_raw(CUR_TABLE, name), listed)
        assert len(ref) == 3 and ref[-1] > 0
        chi = _one(name, reference, current, method="chisquare")
        expected = stats.chisquare(cur, ref * cur.sum() / ref.sum())
        assert chi.statistic == pytest.approx(expected.statistic, rel=EXACT)
        assert chi.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
        js = _one(name, reference, current, method="jensenshannon")
        assert js.statistic == pytest.approx(distance.jensenshannon(ref, cur), abs=EXACT)
        psi = _one(name, reference, current, method="psi")
        assert psi.statistic == pytest.approx(_psi(ref, cur), abs=EXACT)


def test_z_test_on_two_categories_equals_the_uncorrected_two_by_two_chi_square() -> None:
    """The pooled two-proportion z-test is the 2x2 chi-square without Yates' correction;
    the sign follows the text order ("no" before "yes") as in detect_drift."""
    ref = _categories(_raw(REF_TABLE, "flag"), ("no", "yes"))[:2]
    cur = _categories(_raw(CUR_TABLE, "flag"), ("no", "yes"))[:2]
    chi2, p, _, _ = stats.chi2_contingency(np.stack([ref, cur]), correction=False)
    result = _one("flag", method="z")
    assert result.statistic**2 == pytest.approx(chi2, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert result.statistic < 0  # "yes" is rarer in the reference than in the window
    raw = detect_drift(REF_TABLE.select(["flag"]), CUR_TABLE.select(["flag"]), method="z")
    assert result.statistic == pytest.approx(raw.columns["flag"].statistic, rel=1e-12)


# ---- approximations and their bounds -------------------------------------------------------------


def _ks_upper_bound(ref: np.ndarray[Any, Any], cur: np.ndarray[Any, Any]) -> float:
    """Inside a bin each CDF stays between its values at the bin's edges, so the raw D is at
    most the largest cross gap between consecutive edges."""
    f = np.concatenate(([0.0], np.cumsum(ref) / ref.sum()))
    g = np.concatenate(([0.0], np.cumsum(cur) / cur.sum()))
    return float(max((f[1:] - g[:-1]).max(), (g[1:] - f[:-1]).max()))


@pytest.mark.parametrize("name", ["same", "shifted", "skewed", "heavy"])
def test_ks_from_bins_is_a_lower_bound_of_the_raw_statistic_and_close_to_it(name: str) -> None:
    """Measured on these continuous columns (window seeds 2 to 8): the raw D exceeds the
    binned one by at most 0.0045; the rigorous bound is the largest cross gap between
    consecutive edges, about one bin's share (0.05)."""
    result = _one(name, method="ks")
    raw = stats.ks_2samp(_finite(REF_TABLE, name), _finite(CUR_TABLE, name), method="asymp")
    assert result.statistic <= raw.statistic + EXACT
    assert raw.statistic - result.statistic <= 0.005
    edges = _edges(name)
    ref, cur = _binned(_finite(REF_TABLE, name), edges), _binned(_finite(CUR_TABLE, name), edges)
    assert raw.statistic <= _ks_upper_bound(ref, cur) + EXACT
    # A lower D can only raise the asymptotic p-value.
    assert result.p_value is not None and result.p_value >= raw.pvalue - EXACT


def test_ks_on_values_that_all_sit_on_edges_equals_scipy_asymptotic() -> None:
    """Ratings 1..5 each hold over 5% of the reference, so each is an edge and every value
    lies on one: the binned D and its p-value are SciPy's exactly."""
    assert _edges("rating") == (1.0, 2.0, 3.0, 4.0, 5.0)
    result = _one("rating", method="ks")
    raw = stats.ks_2samp(_finite(REF_TABLE, "rating"), _finite(CUR_TABLE, "rating"), method="asymp")
    assert result.statistic == pytest.approx(raw.statistic, abs=EXACT)
    assert result.p_value == pytest.approx(raw.pvalue, abs=EXACT)


def _wasserstein_bound(reference: Profile, current: Profile, name: str) -> float:
    """Bin share times bin width (bins cut to each side's range), summed over both sides,
    over the reference std: within a bin the true and estimated CDFs stay between its ends."""
    total = 0.0
    for profile in (reference, current):
        column = profile.columns[name]
        assert isinstance(column, NumericProfile)
        assert column.min is not None and column.max is not None
        edges = np.asarray(column.edges)
        low = np.maximum(np.r_[-np.inf, edges], column.min)
        high = np.minimum(np.r_[edges, np.inf], column.max)
        counts = np.asarray(column.counts)
        total += float(np.dot(counts / counts.sum(), np.maximum(high - low, 0.0)))
    column = reference.columns[name]
    assert isinstance(column, NumericProfile)
    return total / math.sqrt(column.variance() or 0.0)


# Measured |profile - raw| on these columns (window seeds 2 to 8) is at most 0.0052; the
# rigorous bound is 0.7 to 2.1 here, since it lets each outer bin's values sit anywhere in it.
WASSERSTEIN_TOLERANCE = 0.006


@pytest.mark.parametrize("name", ["same", "shifted", "skewed", "heavy"])
def test_wasserstein_from_bins_is_close_to_scipy_on_the_raw_rows(name: str) -> None:
    ref, cur = _finite(REF_TABLE, name), _finite(CUR_TABLE, name)
    raw = stats.wasserstein_distance(ref, cur) / np.std(ref)
    result = _one(name, method="wasserstein")
    error = abs(result.statistic - raw)
    assert error <= WASSERSTEIN_TOLERANCE
    assert error <= _wasserstein_bound(REFERENCE, CURRENT, name)
    assert result.p_value is None


def test_wasserstein_of_integers_treats_each_value_as_its_grid_cell() -> None:
    """Counts 0..40 with bins of single values: without the grid the estimate would spread
    each bin's value over the bin; measured error 0.004."""
    rng = np.random.default_rng(5)
    ref_values, cur_values = np.round(rng.exponential(3, 6000)), np.round(rng.exponential(3, 3000))
    reference = profile_reference(pa.table({"n": ref_values}))
    current = profile_like(reference, pa.table({"n": cur_values}))
    raw = stats.wasserstein_distance(ref_values, cur_values) / np.std(ref_values)
    assert _one("n", reference, current, method="wasserstein").statistic == pytest.approx(
        raw, abs=0.01
    )


def test_one_far_value_in_the_window_does_not_make_wasserstein_drift() -> None:
    """The outer bin keeps its values near the inner edge and the far one as a point, so the
    estimate follows the raw distance (0.025) instead of spreading 5% of the window up to
    the far value (about 2.5)."""
    ref = _finite(REF_TABLE, "same")
    cur = np.append(_finite(CUR_TABLE, "same"), 100.0)
    current = profile_like(REFERENCE, pa.table({"same": cur}))
    raw = stats.wasserstein_distance(ref, cur) / np.std(ref)
    result = _one("same", current=current, method="wasserstein")
    assert result.statistic == pytest.approx(raw, abs=0.005)
    assert not result.drifted


def test_wasserstein_of_a_window_beyond_the_reference_is_the_mean_gap() -> None:
    """Every window value above every reference value: the distance is the gap between the
    means, which the profiles hold exactly."""
    ref = _finite(REF_TABLE, "same")
    cur = _finite(CUR_TABLE, "same") + 20.0
    current = profile_like(REFERENCE, pa.table({"same": cur}))
    raw = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert _one("same", current=current, method="wasserstein").statistic == pytest.approx(
        raw, rel=1e-9
    )


# ---- verdicts, merged windows, the default choice ------------------------------------------------


def test_small_samples_get_a_test_by_default_and_large_ones_a_distance() -> None:
    """A distance at a fixed threshold is noisy on a few hundred rows; a test accounts for the
    sample size: two samples of 300 rows from one distribution are not called drifted."""
    rng = np.random.default_rng(12)
    reference = profile_reference(pa.table({"x": rng.normal(0, 1, 300), "c": ["a", "b"] * 150}))
    same = profile_like(reference, pa.table({"x": rng.normal(0, 1, 300), "c": ["a", "b"] * 150}))
    small = profile_drift(reference, same)
    assert small.columns["x"].method == "ks" and small.columns["c"].method == "chisquare"
    assert not small.columns["x"].drifted and not small.columns["c"].drifted
    assert profile_drift(reference, same, method="jensenshannon").columns["x"].statistic > 0.1


def test_default_is_jensenshannon_at_0_1_on_numeric_and_categorical_columns_only() -> None:
    report = profile_drift(REFERENCE, CURRENT)
    assert list(report.columns) == [
        "same",
        "shifted",
        "skewed",
        "heavy",
        "rating",
        "city",
        "plan",
        "flag",
    ]
    assert {(r.method, r.threshold) for r in report.columns.values()} == {("jensenshannon", 0.1)}
    assert "seen_at" not in report.columns and "seen_at" not in report.skipped
    kinds = {name: r.kind for name, r in report.columns.items()}
    assert kinds["rating"] == "numeric" and kinds["city"] == "categorical"


def test_clearly_drifted_columns_drift_and_unchanged_ones_do_not() -> None:
    report = profile_drift(REFERENCE, CURRENT)
    drifted = {name for name, r in report.columns.items() if r.drifted}
    assert drifted == {"shifted", "plan", "flag"}
    for method in ("psi", "ks", "wasserstein"):
        numeric = profile_drift(REFERENCE, CURRENT, columns=["same", "shifted"], method=method)
        assert [r.drifted for r in numeric.columns.values()] == [False, True], method
    categorical = profile_drift(REFERENCE, CURRENT, columns=["city", "plan"], method="chisquare")
    assert [r.drifted for r in categorical.columns.values()] == [False, True]


def test_dataset_verdict_is_the_share_of_drifted_compared_columns_against_drift_share() -> None:
    report = profile_drift(REFERENCE, CURRENT)
    assert (report.drifted, len(report.columns)) == (3, 8)
    assert report.share == 3 / 8 and not report.dataset_drift
    assert profile_drift(REFERENCE, CURRENT, drift_share=0.375).dataset_drift
    assert not profile_drift(REFERENCE, CURRENT, drift_share=0.376).dataset_drift
    assert (report.reference_rows, report.current_rows) == (N_REF, N_CUR)


def test_a_window_merged_from_chunks_gives_the_report_of_the_whole_window() -> None:
    """profile_like on three chunks, merged: bins and counts add up exactly, so every exact
    method gives the same report; Wasserstein reads the merged mean and M2, equal up to
    rounding."""
    chunks = [CUR_TABLE.slice(0, 1000), CUR_TABLE.slice(1000, 1700), CUR_TABLE.slice(2700)]
    parts = [profile_like(REFERENCE, chunk) for chunk in chunks]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    for method in (None, "psi", "ks"):
        whole = profile_drift(REFERENCE, CURRENT, method=method)
        assert profile_drift(REFERENCE, merged, method=method).as_dict() == whole.as_dict()
    numeric = ["same", "shifted", "skewed", "heavy", "rating"]
    whole = profile_drift(REFERENCE, CURRENT, columns=numeric, method="wasserstein")
    split = profile_drift(REFERENCE, merged, columns=numeric, method="wasserstein")
    for name in numeric:
        assert split.columns[name].statistic == pytest.approx(
            whole.columns[name].statistic, rel=1e-9
        )


# ---- columns left out, infinities, unseen categories ---------------------------------------------


def test_columns_without_values_are_skipped_with_the_reason() -> None:
    """All-NaN in the window, absent from the window's rows (profiled as all missing), only
    infinities, and an empty window: skipped, noted, and not counted in the share."""
    current = profile_like(REFERENCE, CUR_TABLE.drop_columns(["city"]))
    report = profile_drift(REFERENCE, current)
    assert report.skipped == {
        "city": "all values missing in the current window",
        "empty": "all values missing in the current window",
    }
    assert "column 'empty': all values missing in the current window" in report.notes
    assert report.share == 3 / 7
    infinite = profile_like(REFERENCE, pa.table({"same": [math.inf, -math.inf, None]}))
    only = profile_drift(REFERENCE, infinite, columns=["same", "city"])
    assert only.skipped == {
        "same": "no finite value in the current window",
        "city": "all values missing in the current window",
    }
    assert not only.dataset_drift and only.share == 0.0
    assert "no column could be compared, so the dataset does not drift" in only.notes
    empty = profile_like(REFERENCE, CUR_TABLE.slice(0, 0))
    assert profile_drift(REFERENCE, empty, columns=["same"]).skipped == {
        "same": "no rows in the current window"
    }


def test_a_reference_column_without_values_is_skipped() -> None:
    reference = profile_reference(
        pa.table({"x": pa.array([None, None], pa.float64()), "y": [1.0, 2.0]})
    )
    current = profile_like(reference, pa.table({"x": [1.0], "y": [1.5]}))
    report = profile_drift(reference, current)
    assert report.skipped == {"x": "all values missing in the reference"}
    assert list(report.columns) == ["y"]


def test_a_column_missing_from_the_window_profile_is_skipped() -> None:
    columns = {name: c for name, c in CURRENT.columns.items() if name != "plan"}
    report = profile_drift(REFERENCE, Profile(CURRENT.rows, columns), columns=["same", "plan"])
    assert report.skipped == {"plan": "not in the current profile"}
    assert list(report.columns) == ["same"]


def _with_infinities(values: np.ndarray[Any, Any], low: int, high: int) -> np.ndarray[Any, Any]:
    return np.concatenate((values, [-np.inf] * low, [np.inf] * high))


def test_infinities_are_left_out_and_counted_when_their_bins_are_known() -> None:
    """Values capped at 1.0 put the reference's last edge on its max, so the last bin holds
    only +inf, and the window starts above the first edge, so its first bin holds only -inf:
    the comparison is then exactly that of the finite values."""
    rng = np.random.default_rng(11)
    ref_finite = np.minimum(rng.normal(0, 1, 3000), 1.0)
    cur_finite = np.minimum(rng.normal(0.5, 1, 2000), 1.0)
    cur_finite = cur_finite[cur_finite > -1.0]
    reference = profile_reference(pa.table({"x": _with_infinities(ref_finite, 7, 5)}))
    current = profile_like(reference, pa.table({"x": _with_infinities(cur_finite, 3, 4)}))
    edges = _edges("x", reference)
    assert edges[-1] == 1.0 and edges[0] < -1.0
    ref, cur = _both_present(_binned(ref_finite, edges), _binned(cur_finite, edges))
    for method, expected in (
        ("psi", _psi(ref, cur)),
        ("jensenshannon", distance.jensenshannon(ref, cur)),
    ):
        result = _one("x", reference, current, method=method)
        assert result.statistic == pytest.approx(expected, abs=EXACT)
    result = _one("x", reference, current)
    assert (result.reference_infinite, result.current_infinite) == (12, 7)
    assert (result.reference_count, result.current_count) == (len(ref_finite), len(cur_finite))
    assert result.notes == (
        "12 infinite values in the reference left out",
        "7 infinite values in the current window left out",
    )


def test_infinities_in_two_outer_bins_with_finite_values_are_split_with_a_note() -> None:
    """The profile does not keep the sign: both outer bins hold finite values, so the
    infinities are taken from both in proportion, and a note says so."""
    current = profile_like(
        REFERENCE, pa.table({"same": _with_infinities(_finite(CUR_TABLE, "same"), 0, 10)})
    )
    result = _one("same", current=current)
    assert result.current_infinite == 10 and result.current_count == N_CUR
    assert any("does not say which outer bin" in note for note in result.notes)
    ref, cur = _oracle_bins("same")
    assert result.statistic == pytest.approx(distance.jensenshannon(ref, cur), abs=0.002)


def test_unseen_categories_get_a_note_and_make_chi_square_infinite() -> None:
    reference = profile_reference(pa.table({"c": ["a", "b"] * 50}))
    current = profile_like(reference, pa.table({"c": ["a", "b", "new", "newer"] * 10}))
    result = _one("c", reference, current, method="chisquare")
    assert math.isinf(result.statistic) and result.p_value == 0.0 and result.drifted
    assert result.notes == (
        "20 current values of categories never seen in the reference; chi-square is infinite "
        "and its p-value 0",
    )
    js = _one("c", reference, current, method="jensenshannon")
    assert js.notes == ("20 current values of categories never seen in the reference",)
    assert js.as_dict()["statistic"] is not None
    assert _one("c", reference, current, method="chisquare").as_dict()["statistic"] is None


# ---- options -------------------------------------------------------------------------------------


def test_column_methods_win_over_method_and_auto_restores_the_default() -> None:
    report = profile_drift(
        REFERENCE,
        CURRENT,
        columns=["same", "shifted", "city"],
        method="psi",
        column_methods={"shifted": "ks", "city": "auto"},
    )
    methods = {name: r.method for name, r in report.columns.items()}
    assert methods == {"same": "psi", "shifted": "ks", "city": "jensenshannon"}
    assert report.columns["shifted"].threshold == 0.05


def test_column_thresholds_win_over_threshold_which_wins_over_the_method_default() -> None:
    report = profile_drift(
        REFERENCE,
        CURRENT,
        columns=["same", "shifted"],
        threshold=0.3,
        column_thresholds={"shifted": 0.9},
    )
    assert report.columns["same"].threshold == 0.3
    assert report.columns["shifted"].threshold == 0.9
    assert not report.columns["shifted"].drifted  # JS 0.3 is below the raised threshold
    assert report.columns["shifted"].statistic == _one("shifted").statistic


def test_one_method_for_a_mixed_table_falls_back_to_the_default_where_it_does_not_apply() -> None:
    """ "ks" on a categorical column: Jensen-Shannon at its own threshold, with a note; the
    numeric columns keep K-S and the shared threshold."""
    report = profile_drift(
        REFERENCE, CURRENT, columns=["same", "plan"], method="ks", threshold=0.01
    )
    same, plan = report.columns["same"], report.columns["plan"]
    assert (same.method, same.threshold) == ("ks", 0.01)
    assert (plan.method, plan.threshold) == ("jensenshannon", 0.1)
    assert plan.notes == (
        "drift method 'ks' does not apply to categorical profiles; the default used",
    )
    assert report.notes[-1].startswith("column 'plan': drift method 'ks'")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "energy"}, "unknown drift method 'energy'"),
        ({"column_methods": {"same": "bogus"}}, "unknown drift method 'bogus' for column 'same'"),
        ({"column_methods": {"city": "wasserstein"}}, "column 'city' is categorical"),
        ({"column_methods": {"same": "chisquare"}}, "column 'same' is numeric"),
        ({"column_methods": {"city": "z"}}, "has 5 non-empty categories"),
        ({"threshold": 0}, "must be a number above 0"),
        ({"column_thresholds": {"same": True}}, "must be a number above 0"),
        ({"method": "ks", "threshold": 2.0}, "compares a p-value"),
        ({"drift_share": 0}, "drift_share must be above 0"),
        ({"columns": ["nope"]}, "column 'nope' is not in the reference profile"),
    ],
)
def test_bad_options_are_refused_in_one_line(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        profile_drift(REFERENCE, CURRENT, **options)
    assert "\n" not in str(caught.value)


def test_option_keys_that_are_not_columns_are_noted() -> None:
    report = profile_drift(REFERENCE, CURRENT, column_thresholds={"typo": 0.2})
    assert "'typo' in the drift options is not a column of the reference" in report.notes


def test_profiles_not_taken_on_the_same_terms_are_refused() -> None:
    """A window profiled on its own terms (other edges, other categories) or with another kind
    cannot be compared bin by bin."""
    own = profile_reference(CUR_TABLE)
    with pytest.raises(InvalidInputError, match="different histogram bins"):
        profile_drift(REFERENCE, own, columns=["same"])
    with pytest.raises(InvalidInputError, match="different categories"):
        profile_drift(REFERENCE, own, columns=["plan"])
    swapped = profile_like(REFERENCE, CUR_TABLE)
    swapped.columns["same"] = own.columns["city"]
    with pytest.raises(InvalidInputError, match="'city' is categorical in the reference profile"):
        column_psi(own.columns["city"], REFERENCE.columns["same"])
    with pytest.raises(InvalidInputError, match="is numeric in the reference profile"):
        profile_drift(REFERENCE, swapped, columns=["same"])


# ---- PSI for signals, and the shared report ------------------------------------------------------


def test_psi_by_column_and_column_psi_equal_the_psi_method() -> None:
    report = profile_drift(REFERENCE, CURRENT, method="psi")
    psi = psi_by_column(REFERENCE, CURRENT)
    assert psi == {name: r.statistic for name, r in report.columns.items()}
    assert "empty" not in psi and "seen_at" not in psi
    assert psi_by_column(REFERENCE, CURRENT, ["plan"]) == {"plan": report.columns["plan"].statistic}
    assert column_psi(REFERENCE.columns["shifted"], CURRENT.columns["shifted"]) == psi["shifted"]
    with pytest.raises(InvalidInputError, match="column 'empty': all values missing"):
        column_psi(REFERENCE.columns["empty"], CURRENT.columns["empty"])


def test_numeric_chart_is_the_profile_bins_with_outer_edges_at_the_extremes() -> None:
    result = _one("shifted")
    chart = result.chart
    assert isinstance(chart, dm.Histogram)
    ref, cur = _finite(REF_TABLE, "shifted"), _finite(CUR_TABLE, "shifted")
    edges = _edges("shifted")
    assert chart.edges == (min(ref[0], cur[0]), *edges, max(ref[-1], cur[-1]))
    assert chart.reference == pytest.approx(_binned(ref, edges) / len(ref), abs=EXACT)
    assert chart.current == pytest.approx(_binned(cur, edges) / len(cur), abs=EXACT)


def test_categorical_chart_puts_the_other_bucket_in_the_other_share() -> None:
    reference = profile_reference(REF_TABLE, max_categories=2)
    current = profile_like(reference, CUR_TABLE)
    chart = _one("city", reference, current).chart
    assert isinstance(chart, dm.CategoryShares)
    assert set(chart.labels) == set(reference.columns["city"].categories)  # type: ignore[union-attr]
    other = _categories(_raw(REF_TABLE, "city"), chart.labels)
    assert chart.other_reference == pytest.approx(other[-1] / N_REF, abs=EXACT)


def test_the_report_has_the_shape_of_detect_drift_and_renders() -> None:
    report = profile_drift(REFERENCE, CURRENT)
    raw = detect_drift(REF_TABLE.select(["same", "city"]), CUR_TABLE.select(["same", "city"]))
    for name in ("same", "city"):
        assert report.columns[name].as_dict().keys() == raw.columns[name].as_dict().keys()
    assert report.as_dict().keys() == raw.as_dict().keys()
    data = json.loads(json.dumps(report.as_dict()))
    html = render_drift(data, "drift")
    assert "shifted" in html and "Distribution of plan" in html
