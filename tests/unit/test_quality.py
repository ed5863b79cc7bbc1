"""The built-in data-quality checks: each finding on small hand-made data with exact shares,
repeated rows and missing shares equal to pandas', outlier fences equal to NumPy percentiles,
examples named by the id column, and a report whose evidence metrics are exactly the ones a
policy can threshold."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import BUILTIN_EVIDENCE_KINDS
from steward.domain.quality_rules import QualitySettings, QualitySuite
from steward.stats.profile import NumericProfile, profile_like, profile_reference
from steward.stats.quality import EVIDENCE_METRICS, QualityReport, check_quality
from steward.stats.quality_checks import outlier_fences
from steward.stats.quality_core import QualityFinding


def finding(report: QualityReport, name: str, column: str | None) -> QualityFinding:
    found = [f for f in report.findings if f.name == name and f.column == column]
    assert len(found) == 1, f"{name} on {column!r}: {found}"
    return found[0]


def names(report: QualityReport) -> set[tuple[str, str | None]]:
    return {(f.name, f.column) for f in report.findings}


def check(data: Any, **options: Any) -> QualityReport:
    options.setdefault("signature", None)
    options.setdefault("reference", None)
    return check_quality(data, **options)


# ---- schema --------------------------------------------------------------------------------


def test_a_missing_column_is_an_error_and_an_extra_column_a_warning() -> None:
    data = pa.table(
        {
            "id": [1, 2],
            "age": [30.0, 40.0],
            "region": ["n", "s"],
            "extra": [1, 2],
            "target": [0, 1],
            "score": [0.2, 0.9],
        }
    )
    signature = {
        "columns": [
            {"name": "age", "type": "double", "nullable": False},
            {"name": "region", "type": "large_string", "nullable": False},
            {"name": "income", "type": "double", "nullable": True},
        ]
    }
    report = check(data, signature=signature, id_column="id", target="target", prediction="score")
    assert finding(report, "missing_column", "income").failed_error
    assert finding(report, "missing_column", "age").passed
    # A plain string column matches the signature's normalised large_string.
    assert finding(report, "column_type", "region").passed
    extra = finding(report, "extra_column", "extra")
    assert (extra.passed, extra.severity) == (False, "warning")
    # The id, the target and the prediction are not features: never extra columns.
    assert {column for name, column in names(report) if name == "extra_column"} == {"extra"}
    assert report.evidence_metrics()["schema_errors"] == 1.0
    assert not report.passed


@pytest.mark.parametrize(
    ("expected", "actual", "severity"),
    [
        ("int64", pa.array([1.0, 2.0]), "warning"),  # integers that arrive as floats
        ("int32", pa.array([1, 2], type=pa.int64()), "warning"),
        ("float", pa.array([1.0, 2.0], type=pa.float64()), "warning"),
        ("uint8", pa.array([1, 2], type=pa.int16()), "warning"),
        ("int64", pa.array([1, 2], type=pa.uint64()), "error"),  # not every value fits
        ("double", pa.array([1, 2], type=pa.int64()), "error"),  # narrowing
        ("large_string", pa.array([1, 2]), "error"),
        ("timestamp[us]", pa.array([1, 2]), "error"),
    ],
)
def test_type_changes_are_errors_unless_every_value_stays_representable(
    expected: str, actual: pa.Array, severity: str
) -> None:
    signature = {"columns": [{"name": "x", "type": expected, "nullable": False}]}
    found = finding(check(pa.table({"x": actual}), signature=signature), "column_type", "x")
    assert (found.passed, found.severity) == (False, severity)
    assert expected in found.detail


def test_a_signature_column_of_unknown_type_is_only_checked_for_presence() -> None:
    signature = {"columns": [{"name": "x", "type": None}, {"name": "y", "type": None}]}
    report = check(pa.table({"x": ["anything"]}), signature=signature)
    assert finding(report, "missing_column", "x").passed
    assert finding(report, "missing_column", "y").failed_error
    assert not any(f.name == "column_type" for f in report.findings)


def test_a_signature_without_columns_is_treated_as_no_signature() -> None:
    report = check(pa.table({"x": [1.0]}), signature={"columns": []})
    assert not any(name == "extra_column" for name, _ in names(report))
    assert report.notes[0].startswith("no signature")


def test_a_malformed_signature_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="signature must be a mapping"):
        check(pa.table({"x": [1]}), signature={"cols": []})
    with pytest.raises(InvalidInputError, match=r"signature.columns\[0\] must have a text"):
        check(pa.table({"x": [1]}), signature={"columns": [{"type": "int64"}]})


# ---- against the reference --------------------------------------------------------------------


def reference_of(**columns: Any) -> Any:
    return profile_reference(pa.table(columns))


def test_missing_share_above_the_allowed_increase_is_an_error_with_exact_share() -> None:
    reference = reference_of(x=[1.0, None, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])  # 10% missing
    ids = list(range(100, 110))
    worse = pa.table({"id": ids, "x": [None, 2.0, None, 4.0, None, 6.0, 7.0, 8.0, 9.0, 10.0]})
    found = finding(check(worse, reference=reference, id_column="id"), "missing_values", "x")
    assert (found.passed, found.severity, found.failed_rows, found.share) == (
        False,
        "error",
        3,
        0.3,
    )
    assert found.examples == (100, 102, 104)
    # 20% is exactly the reference's 10% plus the allowed 10 points: still passing.
    at_limit = pa.table({"x": [None, None, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]})
    assert finding(check(at_limit, reference=reference), "missing_values", "x").passed


def test_missing_values_in_a_column_that_had_none_are_a_warning() -> None:
    reference = reference_of(x=[float(v) for v in range(20)])
    values = [float(v) for v in range(20)]
    values[7] = math.nan
    found = finding(check(pa.table({"x": values}), reference=reference), "missing_values", "x")
    assert (found.passed, found.severity, found.failed_rows, found.share) == (
        False,
        "warning",
        1,
        0.05,
    )
    assert found.examples == (7,)  # row positions without an id column


def test_values_outside_the_reference_range_are_a_warning_with_their_share() -> None:
    reference = reference_of(x=[0.0, 2.5, 10.0])
    data = pa.table({"x": [-1.0, 0.0, 5.0, 10.0, 11.0, None, math.inf, 7.0]})
    found = finding(check(data, reference=reference), "range", "x")
    assert (found.passed, found.severity, found.failed_rows, found.share) == (
        False,
        "warning",
        3,
        3 / 8,
    )
    assert found.examples == (0, 4, 6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_outlier_fences_and_counts_equal_numpy_percentile_computations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    train = rng.lognormal(size=2_000)
    new = rng.lognormal(sigma=1.4, size=1_000)
    profile = reference_of(x=train)
    column = profile.columns["x"]
    assert isinstance(column, NumericProfile)
    p25, p75 = np.percentile(train, [25, 75])
    low, high = p25 - 3 * (p75 - p25), p75 + 3 * (p75 - p25)
    assert outlier_fences(column) == pytest.approx((low, high), rel=1e-12)
    expected = int(np.count_nonzero((new < low) | (new > high)))
    found = finding(check(pa.table({"x": new}), reference=profile), "outliers", "x")
    assert found.failed_rows == expected > 0
    assert found.share == expected / len(new)
    usual = int(np.count_nonzero((train < low) | (train > high)))
    assert column.outliers == usual
    limit = usual / len(train) + 0.05
    assert found.severity == ("error" if expected / len(new) > limit else "warning")


def test_a_heavy_tail_the_reference_had_is_not_an_error() -> None:
    """The allowed share sits on top of the reference's own: 10% far out in training and in
    the new data is the usual tail; 16% is a change."""
    body = [float(v) for v in range(1, 91)]
    reference = reference_of(x=body + [10_000.0] * 10)
    column = reference.columns["x"]
    assert isinstance(column, NumericProfile) and column.outliers == 10
    usual = body + [10_000.0] * 10
    changed = body[:84] + [10_000.0] * 16
    for values, severity in ((usual, "warning"), (changed, "error")):
        found = finding(check(pa.table({"x": values}), reference=reference), "outliers", "x")
        assert found.severity == severity, found.detail


def test_outliers_are_an_error_only_above_the_allowed_share() -> None:
    reference = reference_of(x=[float(v) for v in range(1, 101)])  # fences [-123.5, 225.25]
    few = [50.0] * 95 + [1000.0] * 5  # exactly 5%
    many = [50.0] * 94 + [1000.0] * 6
    for values, severity in ((few, "warning"), (many, "error")):
        found = finding(check(pa.table({"x": values}), reference=reference), "outliers", "x")
        assert (found.passed, found.severity) == (False, severity)
    clean = finding(check(pa.table({"x": [50.0] * 10}), reference=reference), "outliers", "x")
    assert clean.passed and clean.share == 0.0


def test_outliers_are_skipped_with_a_note_where_the_reference_iqr_is_zero() -> None:
    reference = reference_of(flag=[0] * 90 + [1] * 10)
    report = check(pa.table({"flag": [0, 1, 1]}), reference=reference)
    assert ("outliers", "flag") not in names(report)
    assert any("outliers not checked for 'flag'" in note for note in report.notes)


def test_a_merged_reference_without_quantiles_skips_outliers_with_a_note() -> None:
    table = pa.table({"x": [float(v) for v in range(100)]})
    profile = profile_reference(table)
    merged = profile.merge(profile_like(profile, table))
    report = check(table, reference=merged)
    assert ("outliers", "x") not in names(report)
    assert any("no quantiles" in note for note in report.notes)


def test_unseen_categories_share_is_an_error_above_one_percent() -> None:
    reference = reference_of(region=["north", "south", "east", "west"])
    many = ["north"] * 97 + ["up", "down", None]
    found = finding(
        check(pa.table({"region": many}), reference=reference), "unseen_categories", "region"
    )
    assert (found.passed, found.severity, found.failed_rows, found.share) == (
        False,
        "error",
        2,
        0.02,
    )
    assert found.examples == (97, 98)
    few = ["north"] * 199 + ["up"]
    found = finding(
        check(pa.table({"region": few}), reference=reference), "unseen_categories", "region"
    )
    assert (found.passed, found.severity, found.share) == (False, "warning", 0.005)


def test_unseen_categories_are_not_judged_against_an_incomplete_reference_list() -> None:
    reference = profile_reference(pa.table({"c": ["a", "b", "c"]}), max_categories=2)
    report = check(pa.table({"c": ["z"]}), reference=reference)
    assert ("unseen_categories", "c") not in names(report)
    assert any("lists only its 2 most frequent" in note for note in report.notes)


def test_a_column_constant_now_but_not_in_the_reference_is_a_warning() -> None:
    reference = reference_of(x=[1.0, 4.0], c=["a", "b"], same=["k", "k"], v=[1.0, 3.0])
    data = pa.table(
        {"x": [3.0, 3.0, 3.0], "c": ["a", "a", "a"], "same": ["k", "k", "k"], "v": [1.0, 2.0, 3.0]}
    )
    report = check(data, reference=reference)
    for column in ("x", "c"):
        found = finding(report, "constant_column", column)
        assert (found.passed, found.severity) == (False, "warning")
    assert finding(report, "constant_column", "same").passed
    assert report.evidence_metrics()["constant_columns"] == 2.0
    assert report.passed  # warnings only


def test_target_prediction_and_id_are_not_compared_with_the_reference() -> None:
    training = pa.table({"id": [1, 2], "x": [1.0, 2.0], "y": [0, 1], "p": [0.1, 0.9]})
    reference = profile_reference(training)
    data = pa.table({"id": [3, 4], "x": [1.0, 2.0], "y": [None, None], "p": [5.0, 5.0]})
    report = check(data, reference=reference, id_column="id", target="y", prediction="p")
    assert {column for _, column in names(report)} == {"x", None}
    assert report.evidence_metrics()["missing_share_max"] == 0.0


# ---- repeated rows -------------------------------------------------------------------------


def frame_with_repeats(seed: int, rows: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = pd.DataFrame(
        {
            "amount": rng.choice([0.0, -0.0, 1.5, 2.25, np.nan], rows),
            "count": rng.integers(0, 4, rows),
            "region": pd.Series(
                rng.choice(np.array(["a", "b", None], dtype=object), rows), dtype=object
            ),
            "flag": rng.random(rows) < 0.5,
        }
    )
    picks = rng.integers(0, rows // 2, rows)  # draw rows again, so many repeat
    frame = base.iloc[picks].reset_index(drop=True)
    frame.insert(0, "id", [f"row-{i}" for i in range(rows)])
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_repeated_rows_equal_pandas_duplicated_keep_first(seed: int) -> None:
    frame = frame_with_repeats(seed)
    expected = frame.drop(columns="id").duplicated(keep="first")
    report = check(frame, id_column="id")
    found = finding(report, "duplicates", None)
    assert found.failed_rows == int(expected.sum()) > 0
    assert found.share == pytest.approx(expected.mean(), abs=1e-15)
    assert found.examples == tuple(frame["id"][expected].head(5))
    assert report.evidence_metrics()["duplicate_share"] == found.share


def test_repeated_rows_are_an_error_above_the_allowed_share() -> None:
    unique = [{"x": float(i)} for i in range(95)]
    five = pa.Table.from_pylist(unique + [{"x": 0.0}] * 5)
    six = pa.Table.from_pylist(unique[:94] + [{"x": 0.0}] * 6)
    assert finding(check(five), "duplicates", None).severity == "warning"
    assert finding(check(six), "duplicates", None).failed_error
    strict = QualitySuite(settings=QualitySettings(max_duplicate_share=0.0))
    assert finding(check(five, suite=strict), "duplicates", None).failed_error


def test_the_id_column_is_left_out_of_the_comparison_of_rows() -> None:
    data = pa.table({"id": [1, 2, 3], "x": [1.0, 1.0, 2.0]})
    found = finding(check(data, id_column="id"), "duplicates", None)
    assert (found.failed_rows, found.examples) == (1, (2,))
    assert finding(check(data), "duplicates", None).passed


# ---- the report ----------------------------------------------------------------------------


def test_missing_shares_equal_pandas_isna_mean() -> None:
    rng = np.random.default_rng(9)
    rows = 1_000
    amount = rng.normal(size=rows)
    amount[rng.random(rows) < 0.2] = np.nan
    words = pd.Series(rng.choice(["a", "b"], rows), dtype=object)
    words[rng.random(rows) < 0.1] = None
    counts = pd.array(rng.integers(0, 9, rows), dtype="Int64")
    counts[rng.random(rows) < 0.3] = pd.NA
    frame = pd.DataFrame({"amount": amount, "words": words, "counts": counts})
    report = check(frame)
    shares = {
        column["name"]: column["missing_share"] for column in report.as_dict()["columns_profile"]
    }
    expected = frame.isna().mean()
    assert shares == {name: pytest.approx(float(expected[name]), abs=1e-15) for name in frame}
    assert report.evidence_metrics()["missing_share_max"] == pytest.approx(expected.max())


def test_the_column_summary_lists_type_missing_share_extremes_and_distinct_values() -> None:
    data = pa.table({"x": [3.0, -0.0, 0.0, None, math.inf], "c": ["b", "a", "b", None, "a"]})
    summary = check(data).as_dict()["columns_profile"]
    assert summary == [
        {
            "name": "x",
            "type": "double",
            "missing_share": 0.2,
            "min": 0.0,
            "max": 3.0,
            "distinct": 3,
        },
        {
            "name": "c",
            "type": "large_string",
            "missing_share": 0.2,
            "min": None,
            "max": None,
            "distinct": 2,
        },
    ]


def test_the_evidence_metrics_are_exactly_the_data_quality_metrics_and_finite() -> None:
    frame = frame_with_repeats(0, rows=200)
    reference = profile_reference(frame.drop(columns="id"))
    report = check(frame, reference=reference, id_column="id")
    metrics = report.evidence_metrics()
    assert tuple(metrics) == EVIDENCE_METRICS
    assert set(metrics) | {"passed"} == BUILTIN_EVIDENCE_KINDS["data_quality"]
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())
    assert metrics["failed_rules"] == float(sum(f.failed_error for f in report.findings))


def test_as_dict_is_json_ready_deterministic_and_shaped_as_documented() -> None:
    frame = frame_with_repeats(1, rows=300)
    reference = profile_reference(frame.drop(columns="id"))
    signature = {"columns": [{"name": "amount", "type": "double"}]}
    first = check(frame, signature=signature, reference=reference, id_column="id").as_dict()
    second = check(frame, signature=signature, reference=reference, id_column="id").as_dict()
    assert json.dumps(first, allow_nan=False) == json.dumps(second, allow_nan=False)
    assert list(first) == [
        "rows",
        "columns",
        "id_column",
        "passed",
        "findings",
        "columns_profile",
        "settings",
        "notes",
        "evidence",
    ]
    assert (first["rows"], first["columns"], first["id_column"]) == (300, 5, "id")
    assert list(first["findings"][0]) == [
        "name",
        "column",
        "severity",
        "passed",
        "failed_rows",
        "share",
        "detail",
        "examples",
    ]
    assert first["settings"] == {
        "max_missing_increase": 0.1,
        "max_duplicate_share": 0.05,
        "max_unseen_share": 0.01,
        "max_outlier_share": 0.05,
        "outlier_iqr_multiplier": 3.0,
    }
    examples = [e for f in first["findings"] for e in f["examples"]]
    assert examples and all(isinstance(e, str) for e in examples)


def test_without_signature_or_reference_those_checks_are_skipped_with_notes() -> None:
    report = check(pa.table({"x": [1.0, 2.0]}))
    assert names(report) == {("duplicates", None)}
    assert len(report.notes) == 2
    assert report.notes[0].startswith("no signature")
    assert report.notes[1].startswith("no reference profile")


def test_the_suite_id_column_is_used_when_none_is_given() -> None:
    data = pa.table({"key": ["k1", "k2"], "x": [1.0, 1.0]})
    report = check(data, suite=QualitySuite(id_column="key"))
    assert report.id_column == "key"
    assert finding(report, "duplicates", None).examples == ("k2",)


def test_data_without_rows_cannot_be_checked() -> None:
    with pytest.raises(InvalidInputError, match="the data has no rows"):
        check(pa.table({"x": pa.array([], type=pa.float64())}))


def test_an_id_column_that_is_not_in_the_data_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="id_column 'key' is not in the data"):
        check(pa.table({"x": [1.0]}), id_column="key")
    with pytest.raises(InvalidInputError, match="id_column 'key' is not in the data"):
        check(pa.table({"x": [1.0]}), suite=QualitySuite(id_column="key"))


def test_constant_columns_are_judged_only_where_the_reference_profile_can_tell() -> None:
    day = datetime(2024, 1, 1)
    training = pa.table(
        {
            "tags": [[1], [1], [2]],
            "at": pa.array([day, day + timedelta(days=1), day], type=pa.timestamp("us")),
            "v": [1.0, 2.0, 3.0],
        }
    )
    data = pa.table(
        {
            "tags": [[1], [1], [1]],
            "at": pa.array([day, day, day], type=pa.timestamp("us")),
            "v": ["a", "b", "c"],
        }
    )
    report = check(data, reference=profile_reference(training))
    assert ("constant_column", "tags") not in names(report)  # a list profile has no extremes
    assert not finding(report, "constant_column", "at").passed
    assert ("range", "v") not in names(report)
    assert any("numbers in the reference, large_string here" in note for note in report.notes)
