"""Production monitoring from the command line, as an ML engineer runs it: a registered model, a
reference with its scores, daily production files with drift appearing, late labels, a KPI,
then status, alerts, reviews and the HTML report; bad input gets one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.e2e.conftest import Run, run_as
from tests.policy_samples import ADHOC_ANSWERS, MONITORED_ANSWERS

VERSION = "credit/scorer/1"


@pytest.fixture
def registered(cli: Run, tmp_path: Path) -> Path:
    frame = load_breast_cancer(as_frame=True).frame
    train, valid = train_test_split(frame, test_size=0.4, random_state=3, stratify=frame["target"])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(train.drop(columns="target"), train["target"])
    skops.io.dump(model, tmp_path / "scorer.skops")
    train.to_parquet(tmp_path / "train.parquet", index=False)
    valid.to_parquet(tmp_path / "valid.parquet", index=False)
    rng = np.random.default_rng(0)
    for day in range(4):
        rows = valid.iloc[rng.integers(0, len(valid), 600)].reset_index(drop=True)
        if day == 3:
            rows["worst radius"] += 2 * valid["worst radius"].std()
        rows["score"] = model.predict_proba(rows.drop(columns="target"))[:, 1]
        rows["request_id"] = [f"{day}-{i}" for i in range(len(rows))]
        rows["ts"] = pd.Timestamp("2026-11-02", tz="UTC") + pd.Timedelta(hours=24 * day + 9)
        rows[["request_id", "target"]].to_csv(tmp_path / f"labels-{day}.csv", index=False)
        rows.drop(columns="target").to_parquet(tmp_path / f"day-{day}.parquet", index=False)

    _project_with_scorer(cli, "credit", MONITORED_ANSWERS)
    return tmp_path


def _project_with_scorer(cli: Run, project: str, answers: dict[str, str]) -> None:
    """A classified project with the scorer registered as its version 1."""
    assert cli("project", "create", project).code == 0
    given = [a for k, v in answers.items() for a in ("--answer", f"{k}={v}")]
    assert cli("project", "classify", project, *given, "--reason", "test").code == 0
    done = cli(
        "version", "register", f"{project}/scorer", "--artifact", "scorer.skops",
        "--training-data", "train.parquet", "--target", "target",
    )  # fmt: skip
    assert done.code == 0, done.err


def _ingest(cli: Run, day: int) -> dict[str, object]:
    ran = cli(
        "monitor", "ingest", VERSION, f"day-{day}.parquet", "--time-column", "ts",
        "--window", "1d", "--prediction-column", "score", "--id-column", "request_id", "--json",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    result: dict[str, object] = json.loads(ran.out)
    return result


def test_windows_drift_alert_review_labels_kpi_and_report(cli: Run, registered: Path) -> None:
    ran = cli("monitor", "reference", VERSION, "valid.parquet", "--target", "target")
    assert ran.code == 0, ran.err
    assert "with the model's scores" in ran.out and "calibration error" in ran.out

    quiet = [_ingest(cli, day) for day in range(3)]
    assert all(result["alerts"] == [] for result in quiet)
    drifted = _ingest(cli, 3)
    assert drifted["windows"] == ["2026-11-05T00:00:00Z"]
    assert len(drifted["alerts"]) == 1  # type: ignore[arg-type]

    alerts = json.loads(cli("monitor", "alerts", VERSION, "--json").out)
    assert alerts[0]["signal"] == "drift.psi_max" and alerts[0]["action"] == "open_review"
    reviews = json.loads(cli("monitor", "reviews", "--json").out)
    assert [r["version"] for r in reviews] == [VERSION]

    labelled = cli(
        "monitor", "labels", VERSION, "labels-0.csv", "--id-column", "request_id",
        "--target", "target",
    )  # fmt: skip
    assert labelled.code == 0, labelled.err
    assert "600 of 600 labels matched" in labelled.out

    kpi = cli("monitor", "kpi", VERSION, "approval_rate", "--value", "0.61", "--at", "2026-11-05")
    assert kpi.code == 0, kpi.err and "not charted yet" in kpi.out

    status = json.loads(cli("monitor", "status", "--json").out)
    assert status[0]["health"] == "alert" and status[0]["windows"] == 4
    assert "performance.auc" in cli("monitor", "status", "--json").out
    table = cli("monitor", "status")
    assert table.code == 0 and "credit/scorer/1" in table.out

    report = cli("monitor", "report", "credit/scorer@development", "-o", "monitor.html")
    assert report.code == 0, report.err
    html = (registered / "monitor.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "https://" not in html

    # The review an alert opened closes only when a second person approves: a risk officer.
    closed = cli("monitor", "close-review", str(reviews[0]["id"]), "--reason", "pipeline fixed")
    assert closed.code == 0, closed.err
    assert "pending change" in closed.out and "waits for a second person" in closed.out
    assert [r["id"] for r in json.loads(cli("monitor", "reviews", "--json").out)] == [
        reviews[0]["id"]
    ]
    home = registered / "home"
    assert run_as(home, "org", "init", actor=None).code == 0
    assert (
        run_as(home, "org", "grant", "rita", "risk_officer", "--reason", "MRM", actor=None).code
        == 0
    )
    [change] = json.loads(cli("change", "list", "--json").out)["items"]
    approved = run_as(
        home, "change", "approve", str(change["id"]), "--reason", "seen", actor="rita"
    )
    assert approved.code == 0, approved.err
    assert json.loads(cli("monitor", "reviews", "--json").out) == []


def test_bad_input_gets_one_line_and_leaves_nothing(cli: Run, registered: Path) -> None:
    assert cli("monitor", "reference", VERSION, "valid.parquet", "--target", "target").code == 0
    cases = [
        (("monitor", "ingest", VERSION, "missing.parquet"), "does not exist"),
        (("monitor", "ingest", VERSION, "day-0.parquet", "--time-column", "when"), "'when'"),
        (("monitor", "ingest", VERSION, "day-0.parquet", "--window", "soon"), "malformed window"),
        (("monitor", "ingest", "credit/scorer@production", "day-0.parquet"), "no version"),
        (("monitor", "labels", VERSION, "labels-0.csv", "--id-column", "request_id",
          "--target", "target"), "no logged predictions"),
        (("monitor", "kpi", VERSION, "approval rate!", "--value", "1"), "malformed series"),
        (("monitor", "close-review", "99", "--reason", "x"), "unknown review"),
    ]  # fmt: skip
    for args, message in cases:
        ran = cli(*args)
        assert ran.code in (2, 3), (args, ran.err)
        assert message in ran.err and "Traceback" not in ran.err
        assert len(ran.err.strip().splitlines()) == 1
    status = json.loads(cli("monitor", "status", "--json").out)
    assert status[0]["windows"] == 0 and status[0]["alerts"] == 0


def test_an_ingest_run_twice_or_replayed_into_production_is_not_counted_twice(
    cli: Run, registered: Path
) -> None:
    """The nightly job runs twice: the second run names the first and counts nothing. A corrected
    file replaces the first in one step. Once the version serves in production, the old days
    are a backfill: refused in one line with their count, admitted with --allow-backfill."""
    assert cli("monitor", "reference", VERSION, "valid.parquet", "--target", "target").code == 0
    first = _ingest(cli, 0)
    assert first["ingest"] == 1 and first["rows"] == 600 and first["skipped_rows"] == 0
    again = cli(
        "monitor", "ingest", VERSION, "day-0.parquet", "--time-column", "ts", "--window", "1d",
    )  # fmt: skip
    assert again.code == 0, again.err
    assert "already ingested into credit/scorer/1 as ingest 1" in again.out
    summary = cli(
        "monitor", "ingest", VERSION, "day-1.parquet", "--time-column", "ts", "--window", "1d",
        "--replace", "1",
    )  # fmt: skip
    assert summary.code == 0, summary.err
    assert "ingest 2: 600 rows, 2 window(s) touched" in summary.out
    assert "window 2026-11-02T00:00:00Z holds no rows once the replaced ingest is out" in (
        summary.out
    )
    assert "replacing ingest 1" in summary.out
    listed = json.loads(cli("monitor", "ingests", VERSION, "--json").out)
    assert [(i["id"], i["replaced_by"]) for i in listed] == [(1, 2), (2, None)]
    assert "ingests of" in cli("monitor", "ingests", VERSION).out

    # In a project of the lowest tier (no gates) the version reaches production at once.
    _project_with_scorer(cli, "lab", ADHOC_ANSWERS)
    assert (
        cli("monitor", "reference", "lab/scorer/1", "valid.parquet", "--target", "target").code == 0
    )
    for stage in ("staging", "production"):
        moved = cli("version", "move", "lab/scorer/1", stage, "--reason", "test")
        assert moved.code == 0, moved.err
    refused = cli(
        "monitor", "ingest", "lab/scorer@production", "day-2.parquet", "--time-column", "ts"
    )
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    assert "600 row(s) are stamped before lab/scorer/1 entered production" in refused.err
    assert "--allow-backfill" in refused.err and "Traceback" not in refused.err
    assert json.loads(cli("monitor", "ingests", "lab/scorer/1", "--json").out) == []
    admitted = cli(
        "monitor", "ingest", "lab/scorer@production", "day-2.parquet", "--time-column", "ts",
        "--allow-backfill", "--json",
    )  # fmt: skip
    assert admitted.code == 0 and json.loads(admitted.out)["rows"] == 600
