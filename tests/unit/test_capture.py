"""Model capture: bytes load back safely; framework, code and environment are recorded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from steward.adapters.capture.code import capture_code, strip_credentials
from steward.adapters.capture.environment import capture_environment
from steward.adapters.capture.framework import describe_model
from steward.adapters.capture.serialize import (
    SerializedModel,
    deserialize_model,
    serialize_model,
)
from steward.domain.errors import IntegrityBrokenError, InvalidInputError


class _Custom:
    """A non-sklearn model: only joblib can store it."""

    def __init__(self, weight: float) -> None:
        self.weight = weight


@pytest.fixture(scope="module")
def training_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(80, 3))
    labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
    return features, labels


@pytest.fixture(scope="module")
def fitted_pipeline(training_data: tuple[np.ndarray, np.ndarray]) -> Pipeline:
    features, labels = training_data
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5))])
    return pipeline.fit(features, labels)


def test_skops_round_trip_predicts_identically(
    fitted_pipeline: Pipeline, training_data: tuple[np.ndarray, np.ndarray]
) -> None:
    stored = serialize_model(fitted_pipeline)
    assert stored.format == "skops"
    loaded = deserialize_model(stored.data, "skops")
    assert isinstance(loaded, Pipeline)
    features, _ = training_data
    np.testing.assert_array_equal(loaded.predict(features), fitted_pipeline.predict(features))
    np.testing.assert_array_equal(
        loaded.predict_proba(features), fitted_pipeline.predict_proba(features)
    )


def test_non_sklearn_objects_go_to_joblib() -> None:
    stored = serialize_model(_Custom(2.5))
    assert stored == SerializedModel(stored.data, "joblib")


def test_joblib_is_refused_without_trust() -> None:
    stored = serialize_model(_Custom(2.5), fmt="joblib")
    with pytest.raises(InvalidInputError, match="pass trust=True"):
        deserialize_model(stored.data, "joblib")
    loaded = deserialize_model(stored.data, "joblib", trust=True)
    assert isinstance(loaded, _Custom)
    assert loaded.weight == 2.5


def test_skops_refuses_untrusted_types_without_trust() -> None:
    stored = serialize_model(_Custom(1.0), fmt="skops")
    with pytest.raises(InvalidInputError, match=r"untrusted types .*_Custom"):
        deserialize_model(stored.data, "skops")
    loaded = deserialize_model(stored.data, "skops", trust=True)
    assert isinstance(loaded, _Custom)


@pytest.mark.parametrize("fmt", ["skops", "joblib"])
def test_corrupt_bytes_raise_integrity_broken(fitted_pipeline: Pipeline, fmt: str) -> None:
    stored = serialize_model(fitted_pipeline, fmt=fmt)
    for damaged in (stored.data[: len(stored.data) // 2], b"not a model at all", b""):
        with pytest.raises(IntegrityBrokenError) as caught:
            deserialize_model(damaged, fmt, trust=True)
        assert "\n" not in str(caught.value)


def test_unknown_format_is_refused(fitted_pipeline: Pipeline) -> None:
    with pytest.raises(InvalidInputError, match="unknown model format 'onnx'"):
        serialize_model(fitted_pipeline, fmt="onnx")
    with pytest.raises(InvalidInputError, match="unknown model format 'onnx'"):
        deserialize_model(b"x", "onnx")


def test_describe_logistic_regression_uses_public_class_path(
    training_data: tuple[np.ndarray, np.ndarray],
) -> None:
    features, labels = training_data
    model = LogisticRegression(C=np.float64(0.25)).fit(features, labels)
    described = describe_model(model)
    assert described["name"] == "scikit-learn"
    assert described["version"] == __import__("sklearn").__version__
    assert described["estimator_class"] == "sklearn.linear_model.LogisticRegression"
    assert described["params"]["C"] == 0.25
    assert type(described["params"]["C"]) is float  # numpy scalar made JSON-safe
    assert described["n_features"] == 3
    assert described["feature_names"] is None  # fitted on a bare array: no names


def test_describe_pipeline_flattens_nested_estimators(fitted_pipeline: Pipeline) -> None:
    described = describe_model(fitted_pipeline)
    assert described["estimator_class"] == "sklearn.pipeline.Pipeline"
    params = described["params"]
    assert params["clf"] == "sklearn.linear_model.LogisticRegression"
    assert params["steps"] == [
        ["scale", "sklearn.preprocessing.StandardScaler"],
        ["clf", "sklearn.linear_model.LogisticRegression"],
    ]
    assert params["clf__C"] == 0.5
    assert described["n_features"] == 3


def test_describe_records_feature_names_from_a_dataframe(
    training_data: tuple[np.ndarray, np.ndarray],
) -> None:
    import pandas as pd

    features, labels = training_data
    frame = pd.DataFrame(features, columns=["age", "income", "tenure"])
    model = LogisticRegression().fit(frame, labels)
    assert describe_model(model)["feature_names"] == ["age", "income", "tenure"]


def _git(repo: Path, *args: str) -> str:
    # Identity and signing are set per command so the user's global git config cannot interfere.
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    command += ["-c", "commit.gpgsign=false", *args]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_capture_code_in_a_real_repository(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "train.py").write_text("print('v1')\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "--quiet", "-m", "first")
    _git(repo, "remote", "add", "origin", "https://alice:s3cret@example.com/team/project.git")
    sha = _git(repo, "rev-parse", "HEAD")

    clean = capture_code(repo)
    assert clean["git_commit"] == sha
    assert clean["git_dirty"] is False
    assert clean["git_branch"] == "main"
    assert clean["git_remote"] == "https://example.com/team/project.git"
    assert Path(clean["path"]).resolve() == repo.resolve()
    assert "note" not in clean

    (repo / "train.py").write_text("print('v2')\n")
    (repo / "scratch.txt").write_text("untracked files do not make the code dirty\n")
    assert capture_code(repo / "train.py")["git_dirty"] is True


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_capture_code_outside_a_repository_returns_nones_and_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stop git's upward search at tmp_path, in case the temp dir sits inside some checkout.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    plain = tmp_path / "plain"
    plain.mkdir()
    captured = capture_code(plain)
    assert {key: captured[key] for key in captured if key != "note"} == {
        "git_commit": None,
        "git_dirty": None,
        "git_branch": None,
        "git_remote": None,
        "path": None,
    }
    assert "not inside a git repository" in captured["note"]


def test_capture_code_on_a_missing_directory_does_not_raise(tmp_path: Path) -> None:
    captured = capture_code(tmp_path / "gone")
    assert captured["git_commit"] is None
    assert captured["note"]


def test_remote_credentials_are_stripped_but_scp_style_kept() -> None:
    assert strip_credentials("https://tok@example.com/a.git") == "https://example.com/a.git"
    assert strip_credentials("ssh://u:p@example.com:22/a.git") == "ssh://example.com:22/a.git"
    assert strip_credentials("git@example.com:a/b.git") == "git@example.com:a/b.git"


def test_capture_environment_lists_numpy_with_its_version() -> None:
    environment = capture_environment()
    assert environment["packages"]["numpy"] == np.__version__
    assert environment["implementation"]
    assert environment["python"].count(".") == 2
    assert list(environment["packages"]) == sorted(environment["packages"])


def test_capture_environment_result_cannot_corrupt_the_cache() -> None:
    first = capture_environment()
    first["packages"]["numpy"] = "0.0.0"
    first["packages"].clear()
    assert capture_environment()["packages"]["numpy"] == np.__version__
