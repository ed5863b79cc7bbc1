"""`steward monitor drift` on two files, as a user runs it: no registry, a table or JSON, and an
HTML report with a chart per column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.e2e.conftest import Run


@pytest.fixture
def files(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = 3000
    reference = pd.DataFrame(
        {
            "income": rng.normal(50, 10, rows),
            "age": rng.normal(40, 12, rows),
            "region": rng.choice(["north", "south", "east"], rows),
            "customer_id": np.arange(rows),
        }
    )
    current = reference.copy()
    current["income"] = rng.normal(58, 10, rows)  # shifted by 0.8 standard deviations
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    current.to_parquet(tmp_path / "current.parquet", index=False)
    return tmp_path


def test_drift_between_two_files_names_the_drifted_column(cli: Run, files: Path) -> None:
    ran = cli(
        "monitor", "drift", "reference.parquet", "current.parquet",
        "--exclude", "customer_id", "--json", "--report", "drift.html",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    result = json.loads(ran.out)
    columns = result["columns"]
    assert set(columns) == {"income", "age", "region"}
    assert columns["income"]["method"] == "wasserstein" and columns["income"]["drifted"] is True
    assert columns["age"]["drifted"] is False and columns["region"]["drifted"] is False
    assert result["dataset_drift"] is False  # 1 of 3 columns is below the 0.5 share
    html = (files / "drift.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "https://" not in html
    assert not (files / "home").exists()  # no registry was created


def test_a_forced_method_and_share_change_the_verdict(cli: Run, files: Path) -> None:
    ran = cli(
        "monitor", "drift", "reference.parquet", "current.parquet", "--exclude", "customer_id",
        "--method", "psi", "--drift-share", "0.3",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    assert "psi" in ran.out and "dataset: drift" in ran.out


def test_bad_input_is_one_line(cli: Run, files: Path) -> None:
    missing = cli("monitor", "drift", "reference.parquet", "nope.parquet")
    assert missing.code == 2 and missing.err.count("\n") == 1, missing.err
    unknown = cli("monitor", "drift", "reference.parquet", "current.parquet", "--method", "magic")
    assert unknown.code == 2 and "magic" in unknown.err, unknown.err
