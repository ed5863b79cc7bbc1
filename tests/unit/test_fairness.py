"""Fairness figures agree with Fairlearn, whatever container the columns come in, and bad input
is refused with one line that names the column and the problem."""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

import steward.stats.fairness as fairness_module
from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import BUILTIN_EVIDENCE_KINDS
from steward.stats.fairness import FairnessReport, Grouping, GroupMetrics, fairness_report

SEEDS = (0, 1, 2)
TOLERANCE = 1e-12
RATES = ("selection_rate", "tpr", "fpr", "precision", "accuracy")

# Fairlearn's names for the per-group figures Steward reports.
FAIRLEARN_METRICS: dict[str, Callable[..., Any]] = {
    "count": count,
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    # NaN where nothing is predicted positive, as Steward reports it (and without a warning).
    "precision": functools.partial(precision_score, zero_division=np.nan),
    "accuracy": accuracy_score,
}
FAIRLEARN_DISPARITIES: dict[str, Callable[..., float]] = {
    "demographic_parity_difference": demographic_parity_difference,
    "demographic_parity_ratio": demographic_parity_ratio,
    "equalized_odds_difference": equalized_odds_difference,
    "equal_opportunity_difference": equal_opportunity_difference,
}


# ---- data ------------------------------------------------------------------------------------


def _dataset(seed: int, rows: int = 1500) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Unbalanced groups whose base and selection rates differ, so disparities are not ~0."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(np.array(["f", "m", "x"]), rows, p=[0.55, 0.35, 0.10])
    age = rng.choice(np.array(["18-25", "26-40", "41-60", "60+"]), rows, p=[0.4, 0.3, 0.2, 0.1])
    base = 0.35 + 0.1 * (gender == "f") + 0.05 * (age == "60+")
    y_true = (rng.random(rows) < base).astype(np.int64)
    hit = np.where(y_true == 1, 0.75 - 0.1 * (gender == "x"), 0.25 + 0.1 * (age == "18-25"))
    y_pred = (rng.random(rows) < hit).astype(np.int64)
    return y_true, y_pred, {"gender": gender, "age": age}


@functools.cache
def _fairlearn(seed: int, attributes: tuple[str, ...]) -> tuple[MetricFrame, dict[str, float]]:
    """Fairlearn's per-group frame and disparities for one dataset and grouping (cached:
    Fairlearn takes a fair fraction of a second per frame)."""
    y_true, y_pred, sensitive = _dataset(seed)
    features = pd.DataFrame({name: sensitive[name] for name in attributes})
    frame = MetricFrame(
        metrics=FAIRLEARN_METRICS, y_true=y_true, y_pred=y_pred, sensitive_features=features
    )
    disparities = {
        name: float(function(y_true, y_pred, sensitive_features=features))
        for name, function in FAIRLEARN_DISPARITIES.items()
    }
    return frame, disparities


def _by_key(grouping: Grouping) -> dict[tuple[Any, ...], GroupMetrics]:
    return {
        tuple(group.key[name] for name in grouping.attributes): group for group in grouping.groups
    }


def _rows(frame: MetricFrame) -> Iterator[tuple[tuple[Any, ...], pd.Series]]:
    for index, row in frame.by_group.iterrows():
        yield (index if isinstance(index, tuple) else (index,)), row


def _close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= TOLERANCE


# ---- agreement with Fairlearn ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("attributes", [("gender",), ("age", "gender")])
def test_groups_and_disparities_match_fairlearn(seed: int, attributes: tuple[str, ...]) -> None:
    y_true, y_pred, sensitive = _dataset(seed)
    report = fairness_report(
        y_true, y_pred, {name: sensitive[name] for name in attributes}, min_group_size=0
    )
    grouping = report.intersection
    assert grouping.attributes == attributes
    frame, disparities = _fairlearn(seed, attributes)

    ours = _by_key(grouping)
    assert len(ours) == len(frame.by_group)
    for key, theirs in _rows(frame):
        group = ours[key]
        assert group.count == int(theirs["count"])
        for rate in RATES:
            value, expected = getattr(group, rate), float(theirs[rate])
            if math.isnan(value):
                # Only with no denominator; Fairlearn then says 0 (TPR/FPR) or NaN (precision).
                assert expected == 0.0 or math.isnan(expected), (key, rate)
            else:
                assert _close(value, expected), (key, rate, value, expected)
    for name, expected in disparities.items():
        assert _close(getattr(grouping, name), expected), (name, getattr(grouping, name), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_attribute_alone_matches_its_own_report(seed: int) -> None:
    """The single-attribute groups are sums over intersection groups; they must equal a
    report on that attribute alone (which Fairlearn checks above)."""
    y_true, y_pred, sensitive = _dataset(seed)
    both = fairness_report(y_true, y_pred, sensitive, min_group_size=0)
    assert [g.attributes for g in both.groupings] == [("gender",), ("age",), ("gender", "age")]
    for name in sensitive:
        alone = fairness_report(y_true, y_pred, {name: sensitive[name]}, min_group_size=0)
        assert both.grouping(name) == alone.intersection == alone.grouping(name)


def test_overall_matches_scikit_learn() -> None:
    y_true, y_pred, sensitive = _dataset(7)
    overall = fairness_report(y_true, y_pred, sensitive).overall
    assert overall.key == {}
    assert overall.count == len(y_true)
    assert _close(overall.accuracy, accuracy_score(y_true, y_pred))
    assert _close(overall.precision, precision_score(y_true, y_pred))
    assert _close(overall.tpr, true_positive_rate(y_true, y_pred))
    assert _close(overall.fpr, false_positive_rate(y_true, y_pred))
    assert _close(overall.selection_rate, float(np.mean(y_pred)))


def test_a_rate_without_denominator_is_nan_and_left_out() -> None:
    """A group without actual positives has no TPR. Fairlearn counts it as 0, which reports a
    disparity the data does not show; Steward leaves that group out of the TPR difference."""
    rng = np.random.default_rng(3)
    group = np.repeat(np.array(["a", "b", "c"]), 200)
    y_true = rng.integers(0, 2, 600)
    y_true[group == "c"] = 0
    y_pred = rng.integers(0, 2, 600)
    grouping = fairness_report(y_true, y_pred, {"g": group}).intersection
    no_positives = _by_key(grouping)[("c",)]
    assert math.isnan(no_positives.tpr) and not math.isnan(no_positives.fpr)

    kept = group != "c"
    expected = equal_opportunity_difference(
        y_true[kept], y_pred[kept], sensitive_features=group[kept]
    )
    assert _close(grouping.equal_opportunity_difference, expected)
    inflated = equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
    assert inflated > grouping.equal_opportunity_difference + 0.3


# ---- small groups ----------------------------------------------------------------------------


def _with_small_group() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Every gender x age group has 60 or more rows except x/60+, which has 12."""
    rng = np.random.default_rng(11)
    genders, ages = ["f", "m", "x"], ["18-25", "26-40", "41-60", "60+"]
    gender, age = [], []
    for g in genders:
        for a in ages:
            size = 12 if (g, a) == ("x", "60+") else int(rng.integers(60, 120))
            gender += [g] * size
            age += [a] * size
    rows = len(gender)
    y_true = rng.integers(0, 2, rows)
    y_pred = np.where(rng.random(rows) < 0.8, y_true, 1 - y_true)
    # Make the small group extreme, so including it would change every disparity.
    small = (np.array(gender) == "x") & (np.array(age) == "60+")
    y_pred[small] = 1
    return y_true, y_pred, {"gender": np.array(gender), "age": np.array(age)}


def test_small_groups_are_listed_but_left_out_of_the_disparities() -> None:
    y_true, y_pred, sensitive = _with_small_group()
    report = fairness_report(y_true, y_pred, sensitive, min_group_size=30)
    grouping = report.intersection
    (small,) = grouping.small_groups
    assert small.key == {"gender": "x", "age": "60+"} and small.count == 12 and small.small
    assert len(grouping.groups) == 12 and len(grouping.compared_groups) == 11

    # The disparities are Fairlearn's over the rows of the groups that are not small.
    kept = ~((sensitive["gender"] == "x") & (sensitive["age"] == "60+"))
    features = pd.DataFrame({name: column[kept] for name, column in sensitive.items()})
    for name, function in FAIRLEARN_DISPARITIES.items():
        expected = function(y_true[kept], y_pred[kept], sensitive_features=features)
        assert _close(getattr(grouping, name), expected), name
    with_small = fairness_report(y_true, y_pred, sensitive, min_group_size=0).intersection
    assert with_small.demographic_parity_difference > grouping.demographic_parity_difference

    # Its rows still count in the single-attribute groups, which are all large.
    x_group = _by_key(report.grouping("gender"))[("x",)]
    assert x_group.count == int(np.count_nonzero(sensitive["gender"] == "x"))
    assert not report.grouping("gender").small_groups

    evidence = report.evidence_metrics()
    assert evidence["small_groups"] == 1.0
    assert evidence["min_group_size"] == 12.0
    for name in FAIRLEARN_DISPARITIES:
        assert evidence[name] == getattr(grouping, name)


def test_disparities_are_nan_and_not_evidence_when_every_group_is_small() -> None:
    y_true, y_pred, sensitive = _dataset(0, rows=200)
    report = fairness_report(y_true, y_pred, sensitive, min_group_size=1000)
    assert all(group.small for group in report.intersection.groups)
    assert math.isnan(report.intersection.demographic_parity_difference)
    evidence = report.evidence_metrics()
    assert set(evidence) == {"min_group_size", "small_groups"}
    assert evidence["small_groups"] == float(len(report.intersection.groups))


def test_evidence_metrics_are_the_fairness_kinds_metrics() -> None:
    y_true, y_pred, sensitive = _dataset(1)
    evidence = fairness_report(y_true, y_pred, sensitive).evidence_metrics()
    assert set(evidence) == BUILTIN_EVIDENCE_KINDS["fairness"] - {"passed"}
    assert all(isinstance(value, float) and math.isfinite(value) for value in evidence.values())


def test_as_dict_is_strict_json() -> None:
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 2, 300)
    y_pred = np.zeros(300, dtype=np.int64)  # nothing predicted positive: precision is NaN
    report = fairness_report(y_true, y_pred, {"g": rng.choice(["a", "b"], 300)})
    data = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert data["overall"]["precision"] is None
    assert data["groupings"][0]["demographic_parity_ratio"] is None  # 0 / 0
    assert data["groupings"][0]["demographic_parity_difference"] == 0.0
    assert data["evidence"] == report.evidence_metrics()
    assert sum(group["count"] for group in data["groupings"][0]["groups"]) == 300


# ---- the intersection code -------------------------------------------------------------------


def _naive_counts(
    y_true: np.ndarray, y_pred: np.ndarray, sensitive: dict[str, np.ndarray]
) -> dict[tuple[Any, ...], Counter[tuple[int, int]]]:
    counts: dict[tuple[Any, ...], Counter[tuple[int, int]]] = {}
    for row, (truth, pred) in enumerate(zip(y_true.tolist(), y_pred.tolist(), strict=True)):
        key = tuple(column[row].item() for column in sensitive.values())
        counts.setdefault(key, Counter())[(truth, pred)] += 1
    return counts


@pytest.mark.parametrize("levels", [5, 400])  # 400 x 400 x 3 overflows the dense code space
def test_intersection_counts_match_a_plain_count(levels: int) -> None:
    rng = np.random.default_rng(levels)
    rows = 3000
    sensitive = {
        "a": rng.integers(0, levels, rows),
        "b": rng.integers(-levels, 0, rows),
        "c": rng.integers(0, 3, rows) == 1,
    }
    y_true, y_pred = rng.integers(0, 2, rows), rng.integers(0, 2, rows)
    grouping = fairness_report(y_true, y_pred, sensitive).intersection
    expected = _naive_counts(y_true, y_pred, sensitive)
    ours = _by_key(grouping)
    assert ours.keys() == expected.keys()
    for key, cells in expected.items():
        group = ours[key]
        assert (group.true_negatives, group.false_positives) == (cells[(0, 0)], cells[(0, 1)])
        assert (group.false_negatives, group.true_positives) == (cells[(1, 0)], cells[(1, 1)])
    keys = [tuple(group.key.values()) for group in grouping.groups]
    assert keys == sorted(keys)


# ---- containers ------------------------------------------------------------------------------


def _containers() -> dict[str, Callable[[np.ndarray], object]]:
    return {
        "numpy": lambda column: column,
        "numpy object": lambda column: column.astype(object),
        "list": lambda column: column.tolist(),
        "pandas": pd.Series,
        "pandas object": lambda column: pd.Series(column, dtype=object),
        "pandas category": lambda column: pd.Series(column, dtype="category"),
        "polars": pl.Series,
        "polars categorical": lambda column: (
            pl.Series(column, dtype=pl.Categorical)
            if column.dtype.kind == "U"
            else pl.Series(column)
        ),
        "arrow": pa.array,
        "arrow chunked": lambda column: pa.chunked_array(
            [pa.array(column[:100]), pa.array(column[100:250]), pa.array(column[250:])]
        ),
        "arrow dictionary": lambda column: pa.array(column).dictionary_encode(),
    }


@pytest.mark.parametrize("container", list(_containers()))
def test_every_container_gives_identical_results(container: str) -> None:
    y_true, y_pred, sensitive = _dataset(4, rows=400)
    sensitive = {**sensitive, "senior": sensitive["age"] == "60+", "region": y_true * 0 + 7}
    sensitive["region"][::3] = 3
    expected = fairness_report(y_true, y_pred, sensitive, min_group_size=10).as_dict()
    wrap = _containers()[container]
    report = fairness_report(
        wrap(y_true),
        wrap(y_pred),
        {name: wrap(column) for name, column in sensitive.items()},
        min_group_size=10,
    )
    assert report.as_dict() == expected


def test_labels_may_be_booleans_or_any_two_values() -> None:
    y_true, y_pred, sensitive = _dataset(5, rows=400)
    expected = fairness_report(y_true, y_pred, sensitive).as_dict()
    as_bool = fairness_report(y_true == 1, pd.Series(y_pred == 1), sensitive)
    assert as_bool.as_dict() == expected
    words = np.array(["no", "yes"])
    as_words = fairness_report(words[y_true], pa.array(words[y_pred]), sensitive, pos_label="yes")
    assert as_words.as_dict() == {**expected, "pos_label": "yes"}
    flipped = fairness_report(1 - y_true, 1 - y_pred, sensitive, pos_label=0)
    assert flipped.as_dict() == {**expected, "pos_label": 0}


def test_group_keys_keep_the_value_types() -> None:
    y_true, y_pred, _ = _dataset(6, rows=200)
    keys = [
        group.key
        for group in fairness_report(
            y_true, y_pred, {"flag": y_true == y_pred, "band": np.arange(200) % 3}
        ).intersection.groups
    ]
    assert keys[0] == {"flag": False, "band": 0}
    assert keys[-1] == {"flag": True, "band": 2}
    assert all(type(key["flag"]) is bool and type(key["band"]) is int for key in keys)


# ---- bad input -------------------------------------------------------------------------------

LABELS = [0, 1] * 50
PREDICTIONS = [1, 0, 0, 1] * 25
BANDS = ["young", "old"] * 50


def _call(**changes: Any) -> FairnessReport:
    arguments: dict[str, Any] = {
        "y_true": LABELS,
        "y_pred": PREDICTIONS,
        "sensitive": {"age_band": BANDS},
    }
    arguments.update(changes)
    return fairness_report(
        arguments.pop("y_true"), arguments.pop("y_pred"), arguments.pop("sensitive"), **arguments
    )


def _with_gaps(values: list[Any], gap: Any) -> list[Any]:
    return [gap if i in (3, 50, 97) else value for i, value in enumerate(values)]


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("empty", {"y_true": [], "y_pred": [], "sensitive": {"age_band": []}}, "y_true has no rows"),
    ("short y_pred", {"y_pred": PREDICTIONS[:99]}, "y_pred has 99 rows, y_true has 100"),
    (
        "short sensitive column",
        {"sensitive": {"age_band": BANDS[:98]}},
        "sensitive column 'age_band' has 98 rows, y_true has 100",
    ),
    (
        "None in a sensitive list",
        {"sensitive": {"age_band": _with_gaps(BANDS, None)}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "NaN in a sensitive float array",
        {"sensitive": {"age_band": np.array(_with_gaps([1.0, 2.0] * 50, np.nan))}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "NaN in a pandas object column",
        {"sensitive": {"age_band": pd.Series(_with_gaps(BANDS, np.nan), dtype=object)}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "NaN in a pandas categorical",
        {"sensitive": {"age_band": pd.Series(_with_gaps(BANDS, None), dtype="category")}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "null in a polars column",
        {"sensitive": {"age_band": pl.Series(_with_gaps(BANDS, None))}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "null in an arrow dictionary",
        {"sensitive": {"age_band": pa.array(_with_gaps(BANDS, None)).dictionary_encode()}},
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "null in the dictionary itself",
        {
            "sensitive": {
                "age_band": pa.DictionaryArray.from_arrays(
                    pa.array(_with_gaps([0, 1] * 50, 2), pa.int8()),
                    pa.array(["young", "old", None]),
                )
            }
        },
        "sensitive column 'age_band' has 3 missing values",
    ),
    (
        "missing labels",
        {"y_true": np.array(_with_gaps([0.0, 1.0] * 50, np.nan))},
        "y_true has 3 missing values",
    ),
    (
        "None in predictions",
        {"y_pred": pd.Series(_with_gaps(PREDICTIONS, None), dtype="Int64")},
        "y_pred has 3 missing values",
    ),
    (
        "three prediction values",
        {"y_pred": [0, 1, 2, 1] * 25},
        "y_pred is not binary: it has 3 distinct values (0, 1, 2)",
    ),
    (
        "many label strings",
        {"y_true": [f"class {i % 7}" for i in range(100)]},
        "y_true is not binary: it has 7 distinct values "
        "('class 0', 'class 1', 'class 2', 'class 3', 'class 4', ...)",
    ),
    (
        "single class",
        {"y_true": [1] * 100},
        "y_true has a single class (1): true/false positive rates are undefined",
    ),
    (
        "pos_label absent",
        {"y_true": ["no", "yes"] * 50, "y_pred": ["no"] * 100},
        "pos_label 1 is not one of y_true's labels ('no', 'yes')",
    ),
    (
        "prediction label unknown to y_true",
        {"y_pred": [0, 2] * 50},
        "y_pred has the label 2, which y_true does not have (0, 1)",
    ),
    (
        "no sensitive attribute",
        {"sensitive": {}},
        "sensitive is empty: give at least one attribute and its column",
    ),
    (
        "two-dimensional labels",
        {"y_true": np.zeros((100, 2))},
        "y_true must be one-dimensional, got a 2-D array",
    ),
    (
        "a table for a column",
        {"y_pred": pd.DataFrame({"a": PREDICTIONS, "b": PREDICTIONS})},
        "y_pred must be one column, got 2",
    ),
    (
        "mixed value types",
        {"sensitive": {"age_band": ["young", 3] * 50}},
        "sensitive column 'age_band' cannot be read: ",
    ),
    (
        "a scalar for a column",
        {"y_true": 5},
        "y_true is a builtins.int: pass a NumPy array, a pandas or Polars Series, "
        "a pyarrow Array or a list",
    ),
    ("negative threshold", {"min_group_size": -1}, "min_group_size must be 0 or more, got -1"),
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [pytest.param(changes, message, id=name) for name, changes, message in BAD_INPUT],
)
def test_bad_input_is_refused_before_any_work(
    changes: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*_: Any) -> None:
        raise AssertionError("grouping started on bad input")

    monkeypatch.setattr(fairness_module, "_intersect", must_not_run)
    with pytest.raises(InvalidInputError) as caught:
        _call(**changes)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(message) if message.endswith(": ") else text == message


def test_the_call_used_for_bad_input_is_fine_as_it_is() -> None:
    report = _call()
    assert report.rows == 100
    assert [group.key["age_band"] for group in report.intersection.groups] == ["old", "young"]


def test_a_disparity_with_one_group_to_compare_is_undefined_not_perfect() -> None:
    """Groups of 20 and 151 rows with a minimum of 30: one group is compared with nothing, so
    the ratio is NaN (a threshold on it is unmet) rather than Fairlearn's 1.0."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 171)
    pred = rng.integers(0, 2, 171)
    group = np.array(["small"] * 20 + ["large"] * 151)
    report = fairness_report(truth, pred, {"g": group}, min_group_size=30)
    grouping = report.grouping("g")
    assert math.isnan(grouping.demographic_parity_ratio)
    assert math.isnan(grouping.demographic_parity_difference)
    assert "demographic_parity_ratio" not in report.evidence_metrics()
    both = fairness_report(truth, pred, {"g": group}, min_group_size=20).grouping("g")
    assert 0 < both.demographic_parity_ratio <= 1
