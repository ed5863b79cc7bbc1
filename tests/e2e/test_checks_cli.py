"""`steward check run` as CI runs it: a saved scikit-learn model registered with its training
data, a holdout file with a protected attribute, and the gate read before and after."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.e2e.conftest import Run
from tests.policy_samples import MONITORED_ANSWERS

VERSION = "credit/scorer/1"
DOCS = {
    "intended_use": "triage",
    "owner": "olga",
    "limitations": "public data",
    "validation_date": "2026-11-23",
    "data_lineage": "bundled dataset",
    "deployment_mode": "batch",
    "monitoring_plan": "weekly drift",
}


@pytest.fixture
def registered(cli: Run, tmp_path: Path) -> Path:
    frame = load_breast_cancer(as_frame=True).frame
    train, valid = train_test_split(frame, test_size=0.3, random_state=7, stratify=frame["target"])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(train.drop(columns="target"), train["target"])
    skops.io.dump(model, tmp_path / "scorer.skops")
    train.to_parquet(tmp_path / "train.parquet", index=False)
    holdout = valid.reset_index(drop=True)
    holdout["age_band"] = np.random.default_rng(0).choice(["under_40", "over_40"], len(holdout))
    holdout.to_parquet(tmp_path / "holdout.parquet", index=False)

    assert cli("project", "create", "credit", "--member", "vic:validator").code == 0
    answers = [a for k, v in MONITORED_ANSWERS.items() for a in ("--answer", f"{k}={v}")]
    assert cli("project", "classify", "credit", *answers, "--reason", "test").code == 0
    docs = [a for k, v in DOCS.items() for a in ("--doc", f"{k}={v}")]
    done = cli(
        "version", "register", "credit/scorer", "--artifact", "scorer.skops",
        "--training-data", "train.parquet", "--target", "target", *docs,
    )  # fmt: skip
    assert done.code == 0, done.err
    return tmp_path


def _check_statuses(cli: Run) -> set[str]:
    status = cli("gate", "status", VERSION, "--to", "staging", "--json")
    requirements = json.loads(status.out)["requirements"]
    return {r["status"] for r in requirements if r["key"].startswith("check:")}


def test_check_run_turns_the_gate_checks_to_met_and_writes_the_report(
    cli: Run, registered: Path
) -> None:
    assert _check_statuses(cli) == {"missing"}
    ran = cli(
        "check", "run", VERSION, "--data", "holdout.parquet", "--target", "target",
        "--sensitive", "age_band", "--report", "report.html", "--bootstrap", "50",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    assert "all required checks passed" in ran.out
    for kind in ("documentation", "data_quality", "performance", "fairness", "explainability"):
        assert kind in ran.out
    assert _check_statuses(cli) == {"met"}
    html = (registered / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Evidence for credit/scorer/1" in html

    listed = json.loads(cli("evidence", "list", VERSION, "--json").out)["items"]
    fairness = next(item for item in listed if item["kind"] == "fairness")
    saved = cli("evidence", "report", VERSION, "--id", str(fairness["id"]), "-o", "fair.html")
    assert saved.code == 0, saved.err
    stored = (registered / "fair.html").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == fairness["report"]
    assert b"age_band" in stored and b"<svg" in stored


def test_a_failing_suite_rule_exits_6_and_stores_failed_evidence(
    cli: Run, registered: Path
) -> None:
    (registered / "rules.yaml").write_text(
        "rules:\n  - {column: mean radius, between: [0, 10]}\n", encoding="utf-8"
    )
    ran = cli(
        "check", "run", VERSION, "--data", "holdout.parquet", "--target", "target",
        "--check", "data_quality", "--suite", "rules.yaml", "--json",
    )  # fmt: skip
    assert ran.code == 6, ran.err
    result = json.loads(ran.out)
    (quality,) = result["results"]
    assert quality["passed"] is False and quality["evidence_id"] is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "label"), "target 'label' is not in the data"),
        (("--target", "target", "--sensitive", "region"), "sensitive column 'region'"),
        (("--target", "target", "--check", "speed"), "unknown check 'speed'"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(
    cli: Run, registered: Path, args: tuple[str, ...], message: str
) -> None:
    ran = cli("check", "run", VERSION, "--data", "holdout.parquet", *args)
    assert ran.code == 2
    assert ran.err.count("\n") == 1 and message in ran.err, ran.err
    listed = cli("evidence", "list", VERSION, "--json")
    assert json.loads(listed.out)["items"] == []


def test_a_bad_suite_file_names_the_line(cli: Run, registered: Path) -> None:
    (registered / "rules.yaml").write_text(
        "rules:\n  - {column: age, regex: '[a-'}\n", encoding="utf-8"
    )
    ran = cli(
        "check", "run", VERSION, "--data", "holdout.parquet", "--target", "target",
        "--suite", "rules.yaml",
    )  # fmt: skip
    assert ran.code == 2 and "rules.yaml:2" in ran.err, ran.err
