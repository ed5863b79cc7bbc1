"""Governance storage scenarios, written once against the Store port and run twice: over the
in-memory fakes (tests/unit) and over the SQL store on SQLite and PostgreSQL (tests/integration).
Both must give the same answers, so the fakes can stand in for the database in service tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pytest

from steward.domain.audit import PendingEvent
from steward.domain.entities import Member
from steward.domain.errors import ConflictError
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    RequirementResult,
    SignOff,
    Waiver,
)
from steward.services.inventory import Inventory
from steward.services.ports import Store, VersionHandle
from tests.fakes import FakeArtifactStore, make_lineage
from tests.support.principals import who

ACTOR = "ana"


@dataclass
class World:
    """A store with the registry rows governance hangs off, made through the Inventory service."""

    store: Store

    def __post_init__(self) -> None:
        self.inventory = Inventory(self.store, FakeArtifactStore())
        self._artifacts = 0

    def project(self, name: str, members: dict[str, list[str]] | None = None) -> int:
        self.inventory.create_project(
            who(ACTOR),
            name,
            members=[Member(p, r) for p, roles in (members or {}).items() for r in roles],
        )
        with self.store.write(who(ACTOR)) as tx:
            project_id = tx.registry.project_id(name)
        assert project_id is not None
        return project_id

    def version(self, project: str, model: str = "scorer") -> VersionHandle:
        self._artifacts += 1
        version = self.inventory.register_version(
            who("carl"),
            project,
            model,
            f"artifact {self._artifacts}".encode(),
            make_lineage(),
            documentation={"intended_use": "pre-screening"},
        )
        with self.store.write(who(ACTOR)) as tx:
            handle = tx.registry.version(project, model, version.record.number)
        assert handle is not None
        return handle

    def move(self, handle: VersionHandle, stage: str) -> VersionHandle:
        with self.store.write(who(ACTOR)) as tx:
            seq = self.event(tx, "version.stage_changed", handle.ref)
            tx.registry.move_stage(handle, stage, "test", seq)
            tx.commit()
        return replace(handle, stage=stage)

    @staticmethod
    def event(tx: Any, action: str, entity: str) -> int:
        return int(tx.record(PendingEvent(action, "governance", entity, {})).seq)

    def append(self, action: str, write: Callable[[Any, int], Any], actor: str = ACTOR) -> Any:
        """Runs `write(tx, audit_seq)` in a committed transaction, with an audit event."""
        with self.store.write(who(actor)) as tx:
            result = write(tx, self.event(tx, action, action))
            tx.commit()
        return result


def _add_evidence(version_id: int, evidence: Evidence, tx: Any, seq: int) -> int:
    return int(tx.governance.add_evidence(version_id, evidence, seq))


def _evidence(ref: str, kind: str, passed: bool | None = True, auc: float = 0.8125) -> Evidence:
    return Evidence(
        version_ref=ref,
        kind=kind,
        passed=passed,
        metrics={"auc": auc, "brier": 0.1 + 0.2, "tiny": 1e-300, "big": 1.5e16},
        config={"threshold": 0.75, "nested": {"list": [1, 2.5, "x", None], "flag": True}},
        inputs={"validation_data": {"sha256": "b" * 64, "rows": 1000}},
        producer="carl",
        created_at="2026-03-02T09:00:00.000000Z",
        report="c" * 64,
        summary=f"{kind} check",
    )


def _signoff(ref: str) -> SignOff:
    return SignOff(
        version_ref=ref,
        stage="production",
        role="validator",
        decision="approve",
        meaning="I reviewed the evidence",
        reason="fine",
        signer="ben",
        signed_at="2026-03-02T10:00:00.000000Z",
        evidence_digest="d" * 64,
        policy_name="standard",
        policy_version=1,
    )


def _waiver(ref: str, requirement: str = "check:fairness passed") -> Waiver:
    return Waiver(
        version_ref=ref,
        stage="production",
        requirement=requirement,
        reason="data arrives next month",
        granted_by="rita",
        granted_role="risk_officer",
        granted_at="2026-03-02T11:00:00.000000Z",
        expires_at="2026-04-02T11:00:00.000000Z",
    )


def _assessment(project: str, tier: str, by: str = "ana") -> Assessment:
    return Assessment(
        project=project,
        policy_name="ignored",
        policy_version=99,
        answers={"impact": "high", "autonomy": "advisory"},
        tier=tier,
        score=5,
        reasons=("impact: high (+5)",),
        assessed_at="2026-03-02T09:30:00.000000Z",
        assessed_by=by,
    )


def _policy(world: World, name: str, version: int) -> Any:
    document = {"name": name, "version": version, "tiers": [{"tier": "low", "min_score": 0.0}]}
    return world.append(
        "policy.applied",
        lambda tx, _: tx.policies.add_policy(
            name, version, f"{name}{version}".ljust(64, "0"), "yaml", document
        ),
    )


# Scenarios ----------------------------------------------------------------------------------


def policies_newest_by_version_and_listed(world: World) -> None:
    v1 = _policy(world, "standard", 1)
    v2 = _policy(world, "standard", 2)
    lite = _policy(world, "lite", 1)
    assert (v1.applied_by, v1.name, v1.version, v1.source) == (ACTOR, "standard", 1, "yaml")
    assert v1.document == {
        "name": "standard",
        "version": 1,
        "tiers": [{"tier": "low", "min_score": 0.0}],
    }
    with world.store.read() as q:
        assert q.policies.get_policy("standard", None) == v2
        assert q.policies.get_policy("standard", 1) == v1
        assert q.policies.get_policy("standard", 3) is None
        assert q.policies.get_policy("absent", None) is None
        assert q.policies.list_policies() == [lite, v1, v2]
    with world.store.write(who(ACTOR)) as tx:
        assert tx.policies.get_policy("standard", None) == v2
        assert tx.policies.get_policy("lite", 1) == lite
        assert tx.policies.policy_by_digest("standard", v1.digest) == v1
        assert tx.policies.policy_by_digest("lite", v1.digest) is None


def policy_versions_are_unique_and_content_may_return(world: World) -> None:
    """Two writers cannot both make v2; reverting to earlier content makes a new version."""
    v1 = _policy(world, "standard", 1)
    with pytest.raises(ConflictError), world.store.write(who(ACTOR)) as tx:
        tx.policies.add_policy("standard", 1, "e" * 64, "yaml", {})
    with world.store.write(who(ACTOR)) as tx:
        v2 = tx.policies.add_policy("standard", 2, v1.digest, "yaml", {})
        tx.commit()
    with world.store.read() as q:
        assert q.policies.list_policies() == [v1, v2]
    with world.store.write(who(ACTOR)) as tx:
        assert tx.policies.policy_by_digest("standard", v1.digest) == v1  # the earliest with it


def assessments_current_per_project(world: World) -> None:
    credit = world.project("credit")
    fraud = world.project("fraud")
    world.project("unassessed")
    v1 = _policy(world, "standard", 1)
    v2 = _policy(world, "standard", 2)
    world.append(
        "a",
        lambda tx, seq: tx.governance.add_assessment(credit, v1.id, _assessment("x", "low"), seq),
    )
    world.append(
        "a",
        lambda tx, seq: tx.governance.add_assessment(fraud, v1.id, _assessment("x", "high"), seq),
    )
    world.append(
        "a",
        lambda tx, seq: tx.governance.add_assessment(
            credit, v2.id, _assessment("x", "high", "ben"), seq
        ),
    )
    latest = replace(_assessment("credit", "high", "ben"), policy_name="standard", policy_version=2)
    fraud_current = replace(_assessment("fraud", "high"), policy_name="standard", policy_version=1)
    with world.store.read() as q:
        assert q.governance.get_assessment("credit") == latest
        assert q.governance.get_assessment("unassessed") is None
        assert q.governance.get_assessment("absent") is None
        assert q.governance.assessments(None) == [latest, fraud_current]
        assert q.governance.assessments("fraud") == [fraud_current]
        assert q.governance.assessments("unassessed") == []
    with world.store.write(who(ACTOR)) as tx:
        assert tx.governance.get_assessment(credit) == latest
        assert tx.governance.get_assessment(fraud) == fraud_current


def member_roles_by_person(world: World) -> None:
    credit = world.project("credit", {"ben": ["validator", "reviewer"], "carl": ["data_scientist"]})
    world.project("other", {"zed": ["validator"]})
    expected = {
        "ben": frozenset({"validator", "reviewer"}),
        "carl": frozenset({"data_scientist"}),
    }
    with world.store.read() as q:
        assert q.registry.member_roles("credit") == expected
        assert q.registry.member_roles("absent") == {}
    with world.store.write(who(ACTOR)) as tx:
        assert tx.registry.member_roles(credit) == expected


def version_facts_round_trip(world: World) -> None:
    world.project("credit")
    handle = world.move(world.version("credit"), "staging")
    other = world.version("credit", "other")
    given = _evidence(handle.ref, "performance")
    evidence_id = world.append(
        "e", lambda tx, seq: tx.governance.add_evidence(handle.id, given, seq)
    )
    world.append(
        "e", lambda tx, seq: tx.governance.add_evidence(other.id, _evidence(other.ref, "x"), seq)
    )
    signoff_id = world.append(
        "s", lambda tx, seq: tx.governance.add_signoff(handle.id, _signoff(handle.ref), seq)
    )
    kept = world.append(
        "w", lambda tx, seq: tx.governance.add_waiver(handle.id, _waiver(handle.ref), seq)
    )
    revoked = world.append(
        "w",
        lambda tx, seq: tx.governance.add_waiver(
            handle.id, _waiver(handle.ref, "documentation"), seq
        ),
    )
    with world.store.write(who("rita")) as tx:
        seq = World.event(tx, "waiver.revoked", str(revoked))
        tx.governance.revoke_waiver(revoked, "model retrained", seq)
        revoked_at = tx.now
        tx.commit()

    with world.store.write(who(ACTOR)) as tx:
        written = tx.governance.version_governance(handle.id)
        assert tx.governance.get_waiver(revoked) == written.waivers[1]
        assert tx.governance.get_waiver(kept) == written.waivers[0]
        assert tx.governance.get_waiver(10_000) is None
    with world.store.read() as q:
        read = q.governance.version_governance("credit", "scorer", 1)
        assert q.governance.version_governance("credit", "scorer", 9) is None
        assert q.governance.version_governance("absent", "scorer", 1) is None
    assert read is not None and read == written

    assert read.version_id == handle.id and read.project == "credit"
    subject = read.subject
    assert (subject.ref, subject.author, subject.stage) == ("credit/scorer/1", "carl", "staging")
    assert subject.held_stages == frozenset({"development", "staging"})
    assert subject.documentation == {"intended_use": "pre-screening"}
    assert (
        subject.code == make_lineage().code
        and subject.training_data == make_lineage().training_data
    )

    assert read.evidence == (replace(given, id=evidence_id),)
    assert read.evidence[0].digest == given.digest
    assert read.signoffs == (replace(_signoff(handle.ref), id=signoff_id),)
    assert read.waivers == (
        replace(_waiver(handle.ref), id=kept),
        replace(
            _waiver(handle.ref, "documentation"),
            id=revoked,
            revoked_at=revoked_at,
            revoked_by="rita",
            revoke_reason="model retrained",
        ),
    )
    assert read.waivers[0].active("2026-03-10T00:00:00.000000Z")
    assert not read.waivers[1].active("2026-03-10T00:00:00.000000Z")

    with pytest.raises(ConflictError), world.store.write(who("rita")) as tx:
        tx.governance.revoke_waiver(
            revoked, "again", World.event(tx, "waiver.revoked", str(revoked))
        )


def waivers_listed_with_revocations(world: World) -> None:
    world.project("credit")
    world.project("fraud")
    a = world.version("credit")
    b = world.version("fraud")
    first = world.append("w", lambda tx, seq: tx.governance.add_waiver(a.id, _waiver(a.ref), seq))
    second = world.append("w", lambda tx, seq: tx.governance.add_waiver(b.id, _waiver(b.ref), seq))
    world.append(
        "r",
        lambda tx, seq: tx.governance.revoke_waiver(second, "no longer needed", seq),
        "rita",
    )
    with world.store.read() as q:
        everything = q.governance.waivers(None)
        assert [w.id for w in everything] == [first, second]
        assert [w.revoked_by for w in everything] == [None, "rita"]
        assert q.governance.waivers("fraud") == everything[1:]
        assert q.governance.waivers("absent") == []


def one_open_request_per_version_and_stage(world: World) -> None:
    world.project("credit")
    world.project("fraud")
    handle = world.version("credit")
    elsewhere = world.version("fraud")
    with world.store.write(who("carl")) as tx:
        first = tx.governance.add_request(handle.id, "development", "staging", "ready")
        now = tx.now
        tx.commit()
    assert (first.version_ref, first.project, first.status) == ("credit/scorer/1", "credit", "open")
    assert (first.requested_by, first.requested_at, first.closed_at) == ("carl", now, None)
    with world.store.write(who(ACTOR)) as tx:
        assert tx.governance.open_request(handle.id, "staging") == first
        assert tx.governance.open_request(handle.id, "production") is None

    with pytest.raises(ConflictError), world.store.write(who("carl")) as tx:
        tx.governance.add_request(handle.id, "development", "staging", "again")
    # Another stage, or another version, is another request.
    world.append(
        "q", lambda tx, _: tx.governance.add_request(handle.id, "development", "production", "x")
    )
    world.append(
        "q", lambda tx, _: tx.governance.add_request(elsewhere.id, "development", "staging", "y")
    )

    with world.store.write(who(ACTOR)) as tx:
        tx.governance.close_request(first.id, "withdrawn")
        closed_at = tx.now
        tx.commit()
    with world.store.write(who(ACTOR)) as tx:
        assert tx.governance.open_request(handle.id, "staging") is None
    second = world.append(
        "q", lambda tx, _: tx.governance.add_request(handle.id, "development", "staging", "z")
    )

    with world.store.read() as q:
        everything = q.governance.promotion_requests(None, None)
        assert [r.id for r in everything] == sorted(r.id for r in everything)
        assert everything[0] == replace(first, status="withdrawn", closed_at=closed_at)
        assert everything[-1] == second
        assert [r.to_stage for r in q.governance.promotion_requests("credit", "open")] == [
            "production",
            "staging",
        ]
        assert q.governance.promotion_requests("credit", "withdrawn") == everything[:1]
        assert [r.project for r in q.governance.promotion_requests("fraud", None)] == ["fraud"]
        assert q.governance.promotion_requests(None, "promoted") == []


def gate_decisions_stored_and_listed(world: World) -> None:
    world.project("credit")
    world.project("fraud")
    handle = world.version("credit")
    elsewhere = world.version("fraud")
    policy = _policy(world, "standard", 1)
    decision = GateDecision(
        version_ref=handle.ref,
        from_stage="development",
        to_stage="staging",
        policy_name="standard",
        policy_version=1,
        tier="high",
        evaluated_at="2026-03-02T12:00:00.000000Z",
        evidence_digest="f" * 64,
        requirements=(
            RequirementResult("check:performance passed", "check", "performance", "met", "ok"),
            RequirementResult("documentation", "documentation", "docs", "waived", "w", 3),
        ),
    )
    first = world.append(
        "g",
        lambda tx, seq: tx.governance.add_gate_decision(
            handle.id, "promotion", decision, policy.id, seq
        ),
        "carl",
    )
    ungoverned = replace(decision, version_ref=elsewhere.ref, requirements=())
    ungoverned = replace(ungoverned, policy_name=None, policy_version=None, tier=None)
    second = world.append(
        "g",
        lambda tx, seq: tx.governance.add_gate_decision(
            elsewhere.id, "recertification", ungoverned, None, seq
        ),
    )
    with world.store.read() as q:
        everything = q.governance.gate_decisions(None)
        assert [d.id for d in everything] == [first, second]
        assert q.governance.gate_decisions("fraud") == everything[1:]
        assert q.governance.gate_decisions("absent") == []
    record = everything[0]
    assert (record.version_ref, record.project, record.purpose) == (
        handle.ref,
        "credit",
        "promotion",
    )
    assert (record.outcome, record.actor, record.decided_at) == (
        "met_with_waivers",
        "carl",
        decision.evaluated_at,
    )
    assert (record.policy_name, record.policy_version, record.tier) == ("standard", 1, "high")
    assert record.requirements == tuple(r.as_dict() for r in decision.requirements)
    other = everything[1]
    assert (other.purpose, other.outcome, other.policy_name, other.tier) == (
        "recertification",
        "met",
        None,
        None,
    )
    assert other.requirements == ()


def first_evidence_per_version_and_kind(world: World) -> None:
    world.project("credit")
    world.project("fraud")
    a = world.version("credit")
    b = world.version("credit")
    c = world.version("fraud")
    for handle, kind, passed in [
        (a, "performance", False),
        (a, "performance", True),
        (b, "fairness", None),
        (a, "fairness", True),
        (c, "performance", True),
        (b, "fairness", False),
    ]:
        evidence = _evidence(handle.ref, kind, passed)
        world.append("e", partial(_add_evidence, handle.id, evidence))
    with world.store.read() as q:
        assert q.governance.first_evidence(None) == [
            ("credit", a.ref, "performance", False),
            ("credit", b.ref, "fairness", None),
            ("credit", a.ref, "fairness", True),
            ("fraud", c.ref, "performance", True),
        ]
        assert q.governance.first_evidence("fraud") == [("fraud", c.ref, "performance", True)]
        assert q.governance.first_evidence("absent") == []


def versions_in_a_stage(world: World) -> None:
    world.project("credit")
    world.project("fraud")
    a = world.version("credit")
    b = world.move(world.version("credit", "other"), "staging")
    c = world.move(world.version("fraud"), "staging")
    with world.store.read() as q:
        staging = q.registry.versions_in_stage(None, "staging")
        assert [(v.ref, v.stage, v.id) for v in staging] == [
            (b.ref, "staging", b.id),
            (c.ref, "staging", c.id),
        ]
        assert [v.ref for v in q.registry.versions_in_stage("fraud", "staging")] == [c.ref]
        assert [v.ref for v in q.registry.versions_in_stage(None, "development")] == [a.ref]
        assert q.registry.versions_in_stage(None, "production") == []
        summary = q.registry.versions_in_stage("credit", "development")[0]
        assert (summary.project, summary.model, summary.number, summary.created_by) == (
            "credit",
            "scorer",
            1,
            "carl",
        )
        assert len(summary.artifact_digest) == 64


def nothing_is_kept_without_commit(world: World) -> None:
    world.project("credit")
    handle = world.version("credit")
    with world.store.write(who(ACTOR)) as tx:
        tx.policies.add_policy("standard", 1, "a" * 64, "yaml", {})
        tx.governance.add_evidence(handle.id, _evidence(handle.ref, "performance"), 1)
        tx.governance.add_request(handle.id, "development", "staging", "x")
    with world.store.read() as q:
        assert q.policies.list_policies() == []
        assert q.governance.first_evidence(None) == []
        assert q.governance.promotion_requests(None, None) == []


def fill_every_table(world: World) -> None:
    """At least one row in every governance table, for tests that change rows behind Steward's
    back (a trigger only fires for a row it would change)."""
    credit = world.project("credit")
    handle = world.version("credit")
    policy = _policy(world, "standard", 1)
    world.append(
        "a",
        lambda tx, seq: tx.governance.add_assessment(
            credit, policy.id, _assessment("c", "low"), seq
        ),
    )
    world.append(
        "e", lambda tx, seq: tx.governance.add_evidence(handle.id, _evidence(handle.ref, "x"), seq)
    )
    world.append(
        "s", lambda tx, seq: tx.governance.add_signoff(handle.id, _signoff(handle.ref), seq)
    )
    waiver = world.append(
        "w", lambda tx, seq: tx.governance.add_waiver(handle.id, _waiver(handle.ref), seq)
    )
    world.append("r", lambda tx, seq: tx.governance.revoke_waiver(waiver, "done", seq))
    world.append(
        "q", lambda tx, _: tx.governance.add_request(handle.id, "development", "staging", "x")
    )
    decision = GateDecision(
        handle.ref, "development", "staging", None, None, None, "2026-03-02T12:00:00.000000Z", ""
    )
    world.append(
        "g",
        lambda tx, seq: tx.governance.add_gate_decision(
            handle.id, "promotion", decision, None, seq
        ),
    )


SCENARIOS: list[Callable[[World], None]] = [
    policies_newest_by_version_and_listed,
    policy_versions_are_unique_and_content_may_return,
    assessments_current_per_project,
    member_roles_by_person,
    version_facts_round_trip,
    waivers_listed_with_revocations,
    one_open_request_per_version_and_stage,
    gate_decisions_stored_and_listed,
    first_evidence_per_version_and_kind,
    versions_in_a_stage,
    nothing_is_kept_without_commit,
]


def scenario_id(scenario: Callable[[World], None]) -> str:
    return scenario.__name__
