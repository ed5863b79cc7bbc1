"""Gated promotion on the real stores (SQLite and PostgreSQL): the whole path from development to
production, and the races the issue names, with real concurrent transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from steward.domain.errors import GateBlockedError, PermissionDeniedError
from steward.domain.governance import evidence_set_digest
from steward.sdk import Client
from tests.policy_samples import ADHOC_ANSWERS, GATES_POLICY
from tests.support.org import approve_pending, grant_org_roles

MEMBERS = {
    "alice": ["data_scientist", "validator"],
    "bob": "validator",
    "carol": "validator",
    "dave": ["validator", "risk_officer"],
}


def _model() -> LogisticRegression:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    return LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))


@pytest.fixture
def governed(
    database_url: str, steward_home: Path, tmp_path: Path
) -> Iterator[Callable[[str], Client]]:
    """A project under the two-tier test policy, classified high, with one version by alice in
    staging; returns a factory of clients acting as a given person."""
    opened: list[Client] = []

    def as_(person: str) -> Client:
        c = Client(home=steward_home, database_url=database_url, actor=person)
        opened.append(c)
        return c

    policy_file = tmp_path / "gates.yaml"
    policy_file.write_text(GATES_POLICY, encoding="utf-8")
    admin = as_("dave")
    grant_org_roles(admin.settings, {"dave": "risk_officer"})
    admin.apply_policy(policy_file, reason="test policy")
    as_("olga").create_project("credit", members=MEMBERS)
    approve_pending(admin.settings, "credit")  # roles that sign wait for a second person
    admin.classify("credit", {"impact": "high"}, policy="test-gates", reason="lends money")
    alice = as_("alice")
    alice.register(
        _model(), project="credit", name="scorer", documentation={"intended_use": "loan triage"}
    )
    alice.add_evidence("credit/scorer/1", "performance", metrics={"auc": 0.81})
    alice.promote("credit/scorer/1", "staging", reason="candidate")
    yield as_
    for c in opened:
        c.close()


def test_walk_to_production_with_two_distinct_validators(governed: Callable[[str], Client]) -> None:
    alice, bob, carol = governed("alice"), governed("bob"), governed("carol")
    ref = "credit/scorer/1"
    with pytest.raises(GateBlockedError) as blocked:
        alice.promote(ref, "production", reason="ready")
    assert any("data_quality" in r for r in blocked.value.reasons)
    assert any("validator" in r for r in blocked.value.reasons)
    assert [r.to_stage for r in alice.requests("credit")] == ["production"]

    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        alice.approve(ref, stage="production", role="validator", reason="my own work")
    governed("dave").add_evidence(ref, "data_quality", passed=True)
    bob.approve(ref, stage="production", role="validator", reason="holdout reviewed")
    bob.approve(ref, stage="production", role="validator", reason="again")  # still one person
    status = alice.gate_status(ref, "production")
    assert {r.key: r.status for r in status.requirements}["signoff:validator"] == "missing"
    carol.approve(ref, stage="production", role="validator", reason="agree")
    result = alice.promote(ref, "production", reason="approved")
    assert result.decision.outcome == "met" and alice.version(ref).stage == "production"
    assert alice.requests("credit") == []  # the request closed as promoted
    assert [r.status for r in alice.requests("credit", status=None)] == ["promoted"]
    events = alice.audit_log(entity=ref, limit=100).items  # newest first
    moved = next(e for e in events if e.action == "version.stage_changed")
    assert moved.payload["policy"] == {"name": "test-gates", "version": 1}
    assert moved.payload["outcome"] == "met"
    # "What was in production, and who approved it": the approvals the gate counted.
    [holding] = alice.model_at("credit/scorer", "now").stages["production"]
    assert holding.approval is not None and holding.approval["outcome"] == "met"
    approvers = [(a["person"], a["role"]) for a in holding.approval["approvers"]]
    assert sorted(approvers) == [("bob", "validator"), ("carol", "validator")]
    assert alice.verify_audit().ok


def test_new_evidence_makes_approvals_stale(governed: Callable[[str], Client]) -> None:
    ref = "credit/scorer/1"
    dave, bob, carol = governed("dave"), governed("bob"), governed("carol")
    dave.add_evidence(ref, "data_quality", passed=True)
    bob.approve(ref, stage="production", role="validator", reason="ok")
    carol.approve(ref, stage="production", role="validator", reason="ok")
    assert governed("alice").gate_status(ref, "production").outcome == "met"
    governed("alice").add_evidence(ref, "performance", metrics={"auc": 0.79})
    status = governed("alice").gate_status(ref, "production")
    assert {r.key: r.status for r in status.requirements}["signoff:validator"] == "stale"
    with pytest.raises(GateBlockedError):
        governed("alice").promote(ref, "production", reason="try")


def test_two_approvers_signing_at_the_same_moment(governed: Callable[[str], Client]) -> None:
    ref = "credit/scorer/1"
    governed("dave").add_evidence(ref, "data_quality", passed=True)
    signers = [governed("bob"), governed("carol")]
    results = _race(
        [
            partial(c.approve, ref, stage="production", role="validator", reason="ok")
            for c in signers
        ]
    )
    assert not any(isinstance(r, BaseException) for r in results), results
    alice = governed("alice")
    assert sorted(s.signer for s in alice.signoffs(ref)) == ["bob", "carol"]
    assert alice.gate_status(ref, "production").outcome == "met"
    assert alice.verify_audit().ok


@pytest.mark.parametrize("round_", range(3))
def test_promotion_racing_new_evidence_is_consistent(
    governed: Callable[[str], Client], round_: int
) -> None:
    """Either the promotion commits first (and its decision saw the evidence set before the
    upload) or the upload does (and the promotion is blocked by stale approvals): never a
    promotion on approvals that the newer evidence made stale."""
    ref = "credit/scorer/1"
    governed("dave").add_evidence(ref, "data_quality", passed=True)
    governed("bob").approve(ref, stage="production", role="validator", reason="ok")
    governed("carol").approve(ref, stage="production", role="validator", reason="ok")
    before = evidence_set_digest(governed("alice").evidence(ref))
    promoter, uploader = governed("alice"), governed("dave")
    outcomes = _race(
        [
            lambda: promoter.promote(ref, "production", reason=f"round {round_}"),
            lambda: uploader.add_evidence(ref, "performance", metrics={"auc": 0.7 + round_ / 100}),
        ]
    )
    promoted, uploaded = outcomes
    assert not isinstance(uploaded, BaseException)
    log: dict[str, int] = {}
    for e in promoter.audit_log(entity=ref, limit=100).items:
        log[e.action] = max(e.seq, log.get(e.action, 0))
    stage = promoter.version(ref).stage
    if isinstance(promoted, GateBlockedError):
        assert stage == "staging"
        assert any("stale" in r for r in promoted.reasons)
    else:
        assert not isinstance(promoted, BaseException), promoted
        assert stage == "production"
        assert promoted.decision.evidence_digest == before
        assert log["version.stage_changed"] < log["evidence.added"]
    assert promoter.verify_audit().ok


def _race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; each has its own connection."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except BaseException as exc:  # reported to the test, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_raci_names_the_people_in_the_policys_step_order(client: Client) -> None:
    client.create_project("ops", members={"olga": "business_owner", "rita": "risk_officer"})
    approve_pending(client.settings, "ops")
    client.classify("ops", ADHOC_ANSWERS, reason="stores the shipped default policy")
    label, steps = client.raci("ops")
    assert label == "default v1"
    # The order the policy's author wrote (Figure 8-4), not alphabetical: it survives storage.
    assert [s.step for s in steps][:4] == [
        "identification",
        "data_preparation",
        "data_modeling",
        "model_acceptance",
    ]
    first = steps[0].assignments
    assert first["accountable"] == {"business_owner": ["olga"]}
    assert first["informed"] == {"risk_officer": ["rita"]}
    # The project's creator owns it and holds the owner role from creation.
    assert first["consulted"] == {"owner": ["alice"]}
    assert "owner" not in steps[0].unstaffed()
