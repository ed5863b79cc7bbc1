"""Monitoring a version from Spark: `client.ingest_spark` profiles a DataFrame where it lives and
stores the windows, with the same results and alerts as ingesting the same rows from a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from steward.sdk import Client
from tests.policy_samples import MONITORED_ANSWERS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.filterwarnings(
    # pyspark warns on every Arrow call that it was not yet tested with pandas 3.
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


def _client(home: Path) -> Client:
    frame = load_breast_cancer(as_frame=True).frame
    c = Client(home=home, actor="otto")
    c.create_project("credit")
    c.classify("credit", MONITORED_ANSWERS, reason="scheduled scoring")
    model = LogisticRegression(max_iter=5000).fit(frame.drop(columns="target"), frame["target"])
    c.register(model, project="credit", name="scorer", training_data=frame, target="target")
    return c


def test_windows_from_spark_equal_windows_from_a_file(spark: SparkSession, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = (
        load_breast_cancer(as_frame=True)
        .frame.drop(columns="target")
        .sample(2000, replace=True, random_state=1)
    )
    rows["worst radius"] *= np.where(np.arange(len(rows)) >= 1000, 1.4, 1.0)
    rows["ts"] = pd.Timestamp("2026-11-02", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 14 * 86_400, len(rows))), unit="s"
    )
    rows = rows.reset_index(drop=True)
    rows.to_parquet(tmp_path / "rows.parquet", index=False)

    local = _client(tmp_path / "local")
    from_file = local.ingest("credit/scorer/1", tmp_path / "rows.parquet", time_column="ts")
    remote = _client(tmp_path / "spark")
    frame = spark.read.parquet(str(tmp_path / "rows.parquet")).repartition(3)
    from_spark = remote.ingest_spark("credit/scorer/1", frame, time_column="ts")

    assert (
        from_spark.windows == from_file.windows == ["2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"]
    )
    for ours, theirs in zip(from_spark.results, from_file.results, strict=True):
        assert ours.signals.keys() == theirs.signals.keys()
        for name, value in ours.signals.items():
            assert value == pytest.approx(theirs.signals[name], rel=1e-9, abs=1e-12), name
    assert len(from_spark.alerts) == len(from_file.alerts) == 1  # drift.psi_max in week 2
    local.close()
    remote.close()
