"""The registry end to end through the SDK on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from steward import ConflictError, InvalidInputError, NotFoundError
from steward.domain.changes import PendingChange
from steward.sdk import Client
from tests.policy_samples import ADHOC_ANSWERS
from tests.support.org import approve_pending


@pytest.fixture(scope="module")
def trained() -> tuple[Any, pd.DataFrame]:
    data = load_breast_cancer(as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(
        data.data, data.target
    )
    return model, data.frame


def _project(client: Client) -> None:
    client.create_project(
        "credit",
        purpose="Score loan applications",
        business_objective="Fewer defaults at the same approval rate",
        owner="alice",
        kpis=["default rate: < 2%", {"name": "approval rate", "target": ">= 60%"}],
        members={"ben": ["validator"], "carl": "data_scientist"},
    )
    approve_pending(client.settings, "credit")  # roles that sign wait for a second person
    # The lowest tier of the shipped policy: no gate requirements, so these tests are about the
    # stage graph itself (the gates have tests of their own).
    client.classify("credit", ADHOC_ANSWERS, reason="self-service analysis")


def test_project_holds_purpose_kpis_owner_and_members(client: Client) -> None:
    _project(client)
    project = client.project("credit")
    assert project.owner == "alice"
    assert [k.name for k in project.kpis] == ["default rate", "approval rate"]
    assert {(m.person, m.role) for m in project.members} == {
        ("alice", "owner"),
        ("ben", "validator"),
        ("carl", "data_scientist"),
    }
    waiting = client.add_member("credit", "dina", "validator", reason="second validator")
    assert isinstance(waiting, PendingChange)
    assert ("dina", "validator") not in {
        (m.person, m.role) for m in client.project("credit").members
    }
    assert approve_pending(client.settings, "credit") == [waiting.id]
    assert ("dina", "validator") in {(m.person, m.role) for m in client.project("credit").members}


def test_duplicate_project_is_refused_and_writes_nothing(client: Client) -> None:
    _project(client)
    head = client.audit_log(newest_first=True, limit=1).items[0].seq
    with pytest.raises(ConflictError, match="already exists"):
        client.create_project("credit")
    assert client.audit_log(newest_first=True, limit=1).items[0].seq == head


def test_register_captures_lineage_of_a_real_model(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    model, frame = trained
    _project(client)
    version = client.register(
        model,
        project="credit",
        name="scorer",
        training_data=frame,
        target="target",
        metrics={"auc": 0.99},
        tags={"team": "risk"},
        documentation={"intended_use": "pre-screening"},
    )
    record = version.record
    assert version.ref == "credit/scorer/1" and version.stage == "development"
    assert record.artifact["format"] == "skops" and len(record.artifact["sha256"]) == 64
    assert record.framework["name"] == "scikit-learn"
    assert record.framework["estimator_class"].endswith("Pipeline")
    assert "logisticregression__C" in record.framework["params"]
    names = [c["name"] for c in record.signature["columns"]]
    assert names == list(frame.columns.drop("target"))
    assert record.training_data is not None and record.training_data["rows"] == len(frame)
    assert "python" in record.environment and "scikit-learn" in record.environment["packages"]
    assert "git_commit" in record.code
    assert version.tags == {"team": "risk"}
    assert version.record_digest == record.digest()
    loaded = client.load("credit/scorer/1")
    assert isinstance(loaded, type(model))
    np.testing.assert_array_equal(
        loaded.predict(frame.drop(columns="target")), model.predict(frame.drop(columns="target"))
    )


def test_versions_are_numbered_per_model_and_model_is_created_once(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    model, _ = trained
    _project(client)
    refs = [client.register(model, project="credit", name="scorer").ref for _ in range(3)]
    assert refs == ["credit/scorer/1", "credit/scorer/2", "credit/scorer/3"]
    assert client.model("credit/scorer").version_count == 3
    assert len(client.audit_log(action="model.created").items) == 1


def test_unknown_project_is_refused(client: Client, trained: tuple[Any, pd.DataFrame]) -> None:
    with pytest.raises(NotFoundError, match="unknown project 'nope'"):
        client.register(trained[0], project="nope", name="scorer")
    assert client.models().items == []


def test_malformed_tag_is_refused_and_writes_nothing(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    _project(client)
    with pytest.raises(InvalidInputError, match="malformed tag key"):
        client.register(trained[0], project="credit", name="scorer", tags={"bad key": "x"})
    assert client.models("credit").items == []


def test_search_by_tag_stage_metric_with_paging(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    model, _ = trained
    _project(client)
    for i in range(7):
        client.register(
            model,
            project="credit",
            name="scorer",
            metrics={"auc": round(0.7 + i * 0.03, 2)},
            tags={"parity": "even" if i % 2 == 0 else "odd"},
        )
    client.move("credit/scorer/3", "staging", reason="candidate")
    even = client.versions("credit", tags={"parity": "even"})
    assert [v.number for v in even.items] == [7, 5, 3, 1]
    assert [v.number for v in client.versions(stage="staging").items] == [3]
    assert [v.number for v in client.versions(metrics=["auc>=0.8"]).items] == [7, 6, 5]
    assert [v.number for v in client.versions(tags=["parity=odd"], metrics=["auc<0.8"]).items] == [
        4,
        2,
    ]
    seen: list[int] = []
    cursor = None
    while True:
        page = client.versions("credit", "scorer", limit=3, after=cursor)
        seen += [v.number for v in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_stage_moves_displace_the_holder_and_answer_point_in_time(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    model, _ = trained
    _project(client)
    for _ in range(2):
        client.register(model, project="credit", name="scorer")
    client.move("credit/scorer/1", "staging", reason="first candidate")
    client.move("credit/scorer/1", "production", reason="approved")
    t_after_v1 = client.audit_log(newest_first=True, limit=1).items[0].ts
    client.move("credit/scorer/2", "staging", reason="second candidate")
    client.move("credit/scorer/2", "production", reason="better auc")
    assert client.version("credit/scorer/1").stage == "retired"
    then = client.model_at("credit/scorer", t_after_v1)
    assert [h.version for h in then.stages["production"]] == ["credit/scorer/1"]
    assert then.stages["production"][0].reason == "approved"
    now = client.model_at("credit/scorer", "now")
    assert [h.version for h in now.stages["production"]] == ["credit/scorer/2"]
    assert [h.version for h in now.stages["retired"]] == ["credit/scorer/1"]
    # Rollback: a version that was in production may return to it.
    client.move("credit/scorer/1", "production", reason="rollback after incident")
    assert client.version("credit/scorer/2").stage == "retired"
    with pytest.raises(InvalidInputError, match="cannot move"):
        client.move("credit/scorer/1", "staging", reason="x")
    with pytest.raises(InvalidInputError, match="reason is required"):
        client.move("credit/scorer/1", "retired", reason="  ")


def test_tags_are_changed_with_events_and_the_record_never(
    client: Client, trained: tuple[Any, pd.DataFrame]
) -> None:
    _project(client)
    v = client.register(trained[0], project="credit", name="scorer", tags={"team": "risk"})
    digest = v.record_digest
    client.tag(v.ref, {"team": "fraud", "review": "q4"}, reason="moved teams")
    client.untag(v.ref, ["review"])
    after = client.version(v.ref)
    assert after.tags == {"team": "fraud"} and after.record_digest == digest
    actions = [e.action for e in client.audit_log(entity=v.ref, limit=10, newest_first=False).items]
    assert actions == ["version.registered", "version.tagged", "version.tagged", "version.untagged"]


def test_database_refuses_to_rewrite_a_version_record(
    client: Client, database_url: str, trained: tuple[Any, pd.DataFrame]
) -> None:
    """Immutability is enforced by the database itself, not only by the absence of an API."""
    _project(client)
    client.register(trained[0], project="credit", name="scorer")
    engine = create_engine(database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE versions SET created_by = 'mallory'"))
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()


def test_a_version_record_altered_in_storage_is_refused(
    client: Client, database_url: str, trained: tuple[Any, pd.DataFrame]
) -> None:
    """Even past the triggers, a rewritten record no longer matches its digest and is refused."""
    from steward import IntegrityBrokenError

    _project(client)
    client.register(trained[0], project="credit", name="scorer", metrics={"auc": 0.7})
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE version_records DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER version_records_no_update"))
            conn.execute(
                text("UPDATE version_records SET record = replace(record, :old, :new)"),
                {"old": '"auc":0.7', "new": '"auc":0.9'},
            )
    finally:
        engine.dispose()
    with pytest.raises(IntegrityBrokenError, match="does not match its digest"):
        client.version("credit/scorer/1")
