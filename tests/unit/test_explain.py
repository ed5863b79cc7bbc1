"""Model explanations: permutation importance, occlusion and (optional) SHAP local values."""

from __future__ import annotations

import json
import math
import sys
import types
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from steward.domain.errors import InvalidInputError
from steward.stats.explain import (
    ExplanationReport,
    FeatureImportance,
    LocalExplanation,
    explain_model,
)

INFORMATIVE = ("f0", "f1", "f2")
NOISE = ("f3", "f4", "f5")


@pytest.fixture(scope="module")
def classification() -> tuple[pd.DataFrame, np.ndarray[Any, Any], LogisticRegression]:
    # shuffle=False keeps the informative features first: f0..f2 carry signal, f3..f5 noise.
    x, y = make_classification(
        n_samples=300,
        n_features=6,
        n_informative=3,
        n_redundant=0,
        shuffle=False,
        class_sep=1.5,
        random_state=7,
    )
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(6)])
    return frame, y, LogisticRegression().fit(frame, y)


def test_importances_equal_permutation_importance_called_directly(classification: Any) -> None:
    frame, y, model = classification
    report = explain_model(model, frame, y, n_repeats=3, seed=11, scoring="roc_auc")
    direct = permutation_importance(
        model, frame, y, scoring="roc_auc", n_repeats=3, random_state=11
    )
    by_name = {feature.name: feature for feature in report.features}
    for i, name in enumerate(frame.columns):
        assert by_name[name].importance_mean == direct.importances_mean[i]
        assert by_name[name].importance_std == direct.importances_std[i]
    assert report.global_method == "permutation_importance"
    assert report.scoring == "roc_auc"
    assert [feature.rank for feature in report.features] == [1, 2, 3, 4, 5, 6]


def test_noise_ranks_below_informative_features(classification: Any) -> None:
    frame, y, model = classification
    report = explain_model(model, frame, y, n_repeats=3)
    rank = {feature.name: feature.rank for feature in report.features}
    assert max(rank[name] for name in INFORMATIVE) < min(rank[name] for name in NOISE)
    assert report.features[0].name in INFORMATIVE


def test_local_explanations_are_deterministic_and_informative(classification: Any) -> None:
    frame, y, model = classification
    first = explain_model(model, frame, y, n_repeats=2, seed=3, local_sample=4)
    second = explain_model(model, frame, y, n_repeats=2, seed=3, local_sample=4)
    assert first.as_dict() == second.as_dict()
    assert first.local_method == "occlusion"
    assert first.score_output == "predict_proba[:, 1]"
    assert len(first.local) == 4
    assert len({explanation.row for explanation in first.local}) == 4
    for explanation in first.local:
        assert explanation.base_score == pytest.approx(
            model.predict_proba(frame.iloc[[explanation.row]])[0, 1]
        )
        assert list(explanation.contributions) == list(frame.columns)
    total = sum(
        abs(explanation.contributions[name]) for explanation in first.local for name in INFORMATIVE
    )
    assert total > 0
    other = explain_model(model, frame, y, n_repeats=2, seed=4, local_sample=4)
    assert [e.row for e in other.local] != [e.row for e in first.local]


def test_occlusion_contribution_is_score_change_against_the_median(classification: Any) -> None:
    frame, y, model = classification
    report = explain_model(model, frame, y, n_repeats=1, local_sample=1)
    explanation = report.local[0]
    changed = frame.iloc[[explanation.row]].copy()
    changed["f1"] = frame["f1"].median()
    expected = explanation.base_score - model.predict_proba(changed)[0, 1]
    assert explanation.contributions["f1"] == pytest.approx(expected)
    assert report.reference["f1"] == pytest.approx(frame["f1"].median())


def test_regression_model() -> None:
    x, y = make_regression(
        n_samples=200, n_features=4, n_informative=2, shuffle=False, noise=1.0, random_state=1
    )
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    model = LinearRegression().fit(frame, y)
    report = explain_model(model, frame, y, n_repeats=2, local_sample=3)
    assert report.score_output == "predict"
    assert {feature.name for feature in report.features[:2]} == {"a", "b"}
    assert len(report.local) == 3
    row = report.local[0]
    assert row.base_score == pytest.approx(model.predict(frame.iloc[[row.row]])[0])
    # A linear model's occlusion contribution is coef * (value - median).
    value = frame["a"].iloc[row.row]
    assert row.contributions["a"] == pytest.approx(model.coef_[0] * (value - frame["a"].median()))


def test_categorical_and_integer_columns_use_mode_and_lower_median() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], size=120, p=[0.5, 0.3, 0.2]),
            "count": rng.integers(0, 10, size=120),
            "score": rng.normal(size=120),
        }
    )
    y = ((frame["colour"] == "red") ^ (frame["score"] > 0)).astype(int).to_numpy()
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame, y)
    report = explain_model(model, frame, y, n_repeats=2, local_sample=2)
    assert report.reference["colour"] == "red"
    counts = np.sort(frame["count"].to_numpy())
    assert report.reference["count"] == counts[(len(counts) - 1) // 2]
    assert isinstance(report.reference["count"], int)
    json.dumps(report.as_dict(), allow_nan=False)


def test_max_rows_subsamples_and_says_so(classification: Any) -> None:
    frame, y, model = classification
    report = explain_model(model, frame, y, n_repeats=2, max_rows=100)
    assert report.rows == 300
    assert report.rows_scored == 100
    assert report.subsampled
    assert any("100 of 300 rows" in note for note in report.notes)
    assert report.as_dict() == explain_model(model, frame, y, n_repeats=2, max_rows=100).as_dict()
    full = explain_model(model, frame, y, n_repeats=2, max_rows=1000)
    assert not full.subsampled
    assert full.notes == ()


def test_columns_are_reordered_to_the_models_order(classification: Any) -> None:
    frame, y, model = classification
    shuffled = frame[list(reversed(frame.columns))]
    assert (
        explain_model(model, shuffled, y, n_repeats=2).as_dict()
        == explain_model(model, frame, y, n_repeats=2).as_dict()
    )


def test_polars_and_arrow_inputs_match_pandas(classification: Any) -> None:
    frame, y, model = classification
    expected = explain_model(model, frame, y, n_repeats=2).as_dict()
    polars_frame = pl.from_pandas(frame)
    assert explain_model(model, polars_frame, pl.Series("y", y), n_repeats=2).as_dict() == expected
    table = pa.Table.from_pandas(frame, preserve_index=False)
    assert explain_model(model, table, pa.chunked_array([y]), n_repeats=2).as_dict() == expected


def test_numpy_model_gets_arrays() -> None:
    x, y = make_classification(n_samples=120, n_features=3, n_redundant=0, random_state=2)
    model = LogisticRegression().fit(x, y)
    report = explain_model(model, x, y, n_repeats=2, local_sample=2)
    assert [feature.name for feature in report.features] != []
    assert {feature.name for feature in report.features} == {"x0", "x1", "x2"}
    with pytest.raises(InvalidInputError, match=r"^the model expects 3 columns, the data has 2$"):
        explain_model(model, x[:, :2], y)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f, y, m: (f.iloc[:0], y[:0], m), r"^x has no rows$"),
        (lambda f, y, m: (f.iloc[:, :0], y, m), r"^x has no columns$"),
        (lambda f, y, m: (f, y[:-1], m), r"^x has 300 rows but y has 299$"),
        (lambda f, y, m: (f, np.c_[y, y], m), r"^y must be one column"),
        (lambda f, y, m: (f, y, LogisticRegression()), r"^the model is not fitted$"),
        (lambda f, y, m: (f, y, object()), r"is not a scikit-learn estimator$"),
        (lambda f, y, m: (f.rename(columns={"f2": "age"}), y, m), r"^column 'f2' is missing"),
        (lambda f, y, m: (f.drop(columns="f4"), y, m), r"^column 'f4' is missing from the data$"),
        (lambda f, y, m: (f.assign(foo=1.0), y, m), r"^unexpected column 'foo'$"),
    ],
)
def test_bad_input(classification: Any, change: Any, message: str) -> None:
    frame, y, model = classification
    x, target, estimator = change(frame, y, model)
    with pytest.raises(InvalidInputError, match=message) as caught:
        explain_model(estimator, x, target)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_repeats": 0}, r"^n_repeats must be at least 1, got 0$"),
        ({"local_sample": -1}, r"^local_sample must be 0 or more, got -1$"),
        ({"max_rows": 0}, r"^max_rows must be at least 1, got 0$"),
        ({"scoring": "no_such_metric"}, r"^invalid scoring 'no_such_metric'"),
    ],
)
def test_bad_options(classification: Any, options: dict[str, Any], message: str) -> None:
    frame, y, model = classification
    with pytest.raises(InvalidInputError, match=message):
        explain_model(model, frame, y, **options)


def test_multiclass_needs_local_sample_zero() -> None:
    x, y = make_classification(
        n_samples=150, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    frame = pd.DataFrame(x, columns=list("abcd"))
    model = LogisticRegression().fit(frame, y)
    with pytest.raises(InvalidInputError, match=r"binary classifier, the model has 3 classes"):
        explain_model(model, frame, y)
    report = explain_model(model, frame, y, n_repeats=2, local_sample=0)
    assert report.local_method == "none"
    assert report.evidence_metrics()["local_explanations"] == 0.0


def test_evidence_metrics_and_json_with_nan() -> None:
    report = ExplanationReport(
        global_method="permutation_importance",
        local_method="occlusion",
        scoring="model.score",
        score_output="predict",
        rows=10,
        rows_scored=10,
        n_repeats=1,
        seed=0,
        features=(
            FeatureImportance("a", 0.3, 0.0, 1),
            FeatureImportance("b", 0.1, 0.0, 2),
            FeatureImportance("c", -0.2, 0.0, 3),
            FeatureImportance("d", math.nan, math.nan, 4),
        ),
        local=(LocalExplanation(0, 0.5, {"a": math.nan, "b": 0.1}),),
    )
    metrics = report.evidence_metrics()
    assert metrics == {
        "features_explained": 4.0,
        "local_explanations": 1.0,
        "top_feature_share": pytest.approx(0.75),
    }
    data = report.as_dict()
    json.dumps(data, allow_nan=False)
    assert data["features"][3]["importance_mean"] is None
    assert data["local"][0]["contributions"]["a"] is None

    flat = ExplanationReport(
        **{**_fields(report), "features": (FeatureImportance("a", 0.0, 0.0, 1),)}
    )
    assert "top_feature_share" not in flat.evidence_metrics()


def _fields(report: ExplanationReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in ExplanationReport.__dataclass_fields__}


@pytest.fixture(scope="module")
def forest(classification: Any) -> RandomForestClassifier:
    frame, y, _ = classification
    return RandomForestClassifier(n_estimators=10, random_state=0).fit(frame, y)


def test_tree_ensemble_without_shap_uses_occlusion(
    classification: Any, forest: RandomForestClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, y, _ = classification
    monkeypatch.setitem(sys.modules, "shap", None)  # makes `import shap` fail
    report = explain_model(forest, frame, y, n_repeats=1, local_sample=2)
    assert report.local_method == "occlusion"
    assert "shap is not installed: local explanations use occlusion" in report.notes


def test_tree_ensemble_with_shap_uses_shap_values(
    classification: Any, forest: RandomForestClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, y, _ = classification
    seen: list[Any] = []

    class TreeExplainer:
        def __init__(self, model: Any) -> None:
            seen.append(model)

        def shap_values(self, rows: pd.DataFrame) -> np.ndarray[Any, Any]:
            # rows x features x classes, as recent shap returns for classifiers
            values = rows.to_numpy()
            return np.stack([-values, values], axis=2)

    monkeypatch.setitem(sys.modules, "shap", types.SimpleNamespace(TreeExplainer=TreeExplainer))
    report = explain_model(forest, frame, y, n_repeats=1, local_sample=2)
    assert seen == [forest]
    assert report.local_method == "shap_tree"
    assert report.reference == {}
    for explanation in report.local:
        assert explanation.contributions["f0"] == frame["f0"].iloc[explanation.row]
        assert explanation.base_score == pytest.approx(
            forest.predict_proba(frame.iloc[[explanation.row]])[0, 1]
        )


def test_shap_failure_falls_back_to_occlusion(
    classification: Any, forest: RandomForestClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, y, _ = classification

    class TreeExplainer:
        def __init__(self, model: Any) -> None:
            raise RuntimeError("model type not supported")

    monkeypatch.setitem(sys.modules, "shap", types.SimpleNamespace(TreeExplainer=TreeExplainer))
    report = explain_model(forest, frame, y, n_repeats=1, local_sample=2)
    assert report.local_method == "occlusion"
    assert any("model type not supported" in note for note in report.notes)


def test_real_shap_values_add_up_to_the_forests_probability(
    classification: Any, forest: RandomForestClassifier
) -> None:
    """With the optional shap installed, each row's contributions plus the explainer's expected
    value give the forest's probability of the positive class for that row: the SHAP values
    are for the right class, row and feature order."""
    shap = pytest.importorskip("shap")
    frame, y, _ = classification
    report = explain_model(forest, frame, y, n_repeats=1, local_sample=4)
    assert report.local_method == "shap_tree"
    expected = float(np.atleast_1d(shap.TreeExplainer(forest).expected_value)[-1])
    for explanation in report.local:
        probability = forest.predict_proba(frame.iloc[[explanation.row]])[0, 1]
        total = sum(explanation.contributions.values()) + expected
        assert total == pytest.approx(probability, abs=1e-9)
        assert explanation.base_score == pytest.approx(probability)
