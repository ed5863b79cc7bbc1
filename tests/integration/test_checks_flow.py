"""The evidence engine on the real stores (SQLite and PostgreSQL): a real scikit-learn model on a
bundled dataset, the checks its gate asks for, evidence written and read back by the gate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.domain.errors import InvalidInputError
from steward.sdk import Client
from tests.policy_samples import MONITORED_ANSWERS
from tests.support.containers import container_of
from tests.support.principals import who
from tests.support.stages import force_stage

DOCUMENTATION = {
    "intended_use": "triage",
    "owner": "olga",
    "limitations": "public data",
    "validation_date": "2026-11-23",
    "data_lineage": "bundled dataset",
    "deployment_mode": "batch",
    "monitoring_plan": "weekly drift",
}
REF = "credit/scorer/1"


@pytest.fixture
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = load_breast_cancer(as_frame=True).frame
    train, valid = train_test_split(frame, test_size=0.3, random_state=7, stratify=frame["target"])
    valid = valid.reset_index(drop=True)
    valid["age_band"] = np.random.default_rng(0).choice(["under_40", "over_40"], len(valid))
    return train, valid


@pytest.fixture
def steward(
    database_url: str, steward_home: Path, split: tuple[pd.DataFrame, pd.DataFrame]
) -> Iterator[Client]:
    train, _ = split
    c = Client(home=steward_home, database_url=database_url, actor="dana")
    c.create_project("credit", members={"vic": "validator"})
    c.classify("credit", MONITORED_ANSWERS, reason="scheduled scoring")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(train.drop(columns="target"), train["target"])
    c.register(
        model,
        project="credit",
        name="scorer",
        training_data=train,
        target="target",
        documentation=DOCUMENTATION,
    )
    yield c
    c.close()


def test_registration_stores_a_training_profile(steward: Client) -> None:
    training = steward.version(REF).record.training_data
    assert training is not None and len(training["profile"]) == 64


def test_the_gate_turns_from_missing_to_met_as_the_checks_arrive(
    steward: Client, split: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, valid = split
    before = {r.key: r.status for r in steward.gate_status(REF, "staging").requirements}
    assert before["check:performance.auc >= 0.7"] == "missing"
    plan = steward.check_plan(REF)
    assert plan.stage == "staging"
    assert set(plan.kinds) >= {"data_quality", "performance", "fairness", "explainability"}

    report = tmp_path / "checks.html"
    run = steward.check(
        REF, valid, target="target", sensitive=["age_band"], report=report, bootstrap=50
    )

    assert run.passed, [o.summary for o in run.outcomes if not o.passed]
    assert {e.kind for e in run.evidence} == set(plan.kinds)
    after = {r.key: r.status for r in steward.gate_status(REF, "staging").requirements}
    checks = {k: v for k, v in after.items() if k.startswith("check:")}
    assert checks and set(checks.values()) == {"met"}
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "https://" not in html
    stored = {e.kind: e for e in steward.evidence(REF)}
    assert stored["performance"].inputs["data"]["rows"] == len(valid)
    assert stored["performance"].report is not None
    assert stored["performance"].metrics["auc"] > 0.9


def test_the_same_inputs_give_the_same_evidence_digests(
    steward: Client, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = split
    kinds = ["data_quality", "performance", "fairness", "explainability", "documentation"]
    first = steward.check(REF, valid, target="target", sensitive=["age_band"], checks=kinds)
    again = steward.check(
        REF, pa_table(valid), target="target", sensitive=["age_band"], checks=kinds
    )
    assert [e.digest for e in first.evidence] == [e.digest for e in again.evidence]


def pa_table(frame: pd.DataFrame) -> object:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def test_a_run_that_cannot_compute_writes_nothing(
    steward: Client, split: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, valid = split
    nowhere = tmp_path / "missing" / "report.html"
    with pytest.raises(InvalidInputError, match="no such directory"):
        steward.check(REF, valid, target="target", sensitive=["age_band"], report=nowhere)
    # A report that cannot be written once computed (here: the path is a directory) stops the
    # run before the evidence is stored.
    with pytest.raises(InvalidInputError, match="cannot write the report"):
        steward.check(REF, valid, target="target", sensitive=["age_band"], report=tmp_path)
    with pytest.raises(InvalidInputError, match="target 'label' is not in the data"):
        steward.check(REF, valid, target="label", sensitive=["age_band"])
    broken = valid.copy()
    broken.loc[3, "age_band"] = None
    with pytest.raises(InvalidInputError, match="age_band"):
        steward.check(REF, broken, target="target", sensitive=["age_band"])
    assert steward.evidence(REF) == []


def test_a_failed_threshold_is_stored_as_failed_evidence(
    steward: Client, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, valid = split
    noisy = valid.copy()
    noisy["score"] = np.random.default_rng(1).uniform(size=len(noisy))
    run = steward.check(
        REF, noisy, target="target", prediction_column="score", checks=["performance"]
    )
    assert not run.passed
    (performance,) = run.evidence
    assert performance.passed is False
    status = {r.key: r.status for r in steward.gate_status(REF, "staging").requirements}
    assert status["check:performance.auc >= 0.7"] == "failed"


def test_a_challenger_is_compared_with_the_version_in_production(
    steward: Client, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, valid = split
    with container_of(steward) as container:
        force_stage(container.store, who("dana"), REF, "staging", "test setup")
        force_stage(container.store, who("dana"), REF, "production", "test setup")
    weaker = LogisticRegression(max_iter=200).fit(train[["mean radius"]], train["target"])
    steward.register(
        weaker,
        project="credit",
        name="scorer",
        training_data=train[["mean radius", "target"]],
        target="target",
    )
    run = steward.check(
        "credit/scorer/2", valid, target="target", checks=["champion_challenger"], bootstrap=50
    )
    (outcome,) = run.outcomes
    assert outcome.details["champion"] == REF
    assert outcome.metrics["delta_auc"] < 0
    assert outcome.passed is False  # clearly worse than the champion
    assert outcome.metrics["latency_p99_ms"] >= outcome.metrics["latency_p50_ms"] > 0
