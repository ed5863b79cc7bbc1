"""The port contract suite: every storage port's scenarios, written once against the Store
port and run on three backends: the in-memory fakes (tests/fakes), SQLite and PostgreSQL. Each
scenario writes through write sessions and asserts what read sessions then return (orders,
paging cursors, not-found and conflict errors), so a fake that answers differently from the SQL
adapters fails here, and the service unit tests that run on the fakes can be trusted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from steward.adapters.sql import schema
from steward.adapters.sql.engine import make_engines
from steward.adapters.sql.store import SqlStore
from steward.domain.audit import PendingEvent
from steward.domain.errors import ConflictError, InvalidInputError, NotFoundError
from steward.domain.governance import (
    Assessment,
    Evidence,
    GateDecision,
    RequirementResult,
    SignOff,
    Waiver,
)
from steward.domain.monitoring import WindowResult
from steward.services.ports import (
    AuditQuery,
    PageRequest,
    Standing,
    Store,
    VersionHandle,
    VersionQuery,
)
from tests.conftest import PostgresServer
from tests.fakes import FakeClock, FakeStore, make_lineage
from tests.fakes.access import inventory_over
from tests.support.principals import who

ACTOR = "ana"


@dataclass
class World:
    """A store with the registry rows governance hangs off, made through the Inventory service."""

    store: Store

    def __post_init__(self) -> None:
        self.inventory = inventory_over(self.store)
        self._artifacts = 0

    def project(self, name: str, members: dict[str, list[str]] | None = None) -> int:
        """A project whose members include carl, who registers the versions."""
        people = {"carl": ["data_scientist"], **(members or {})}
        self.inventory.create_project(who(ACTOR), name)
        # Members straight through the port: roles that sign would wait for a second person,
        # which is the services' rule, not the ports'.
        with self.store.write(who(ACTOR)) as tx:
            project_id = tx.registry.project_id(name)
            assert project_id is not None
            for person, roles in people.items():
                for role in roles:
                    tx.registry.add_member(project_id, person, role)
            tx.commit()
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
        ACTOR: frozenset({"owner"}),  # whoever creates a project owns it
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


def registry_projects_and_models_page_by_id(world: World) -> None:
    """Projects and models list oldest first; a full page hands a cursor that resumes after its
    last item, and the last page hands none."""
    for name in ("a", "b", "c"):
        world.project(name, {"ben": ["validator"]})
    with world.store.read() as q:
        first = q.registry.list_projects(PageRequest(limit=2))
        assert [p.name for p in first.items] == ["a", "b"]
        assert first.next_cursor is not None
        rest = q.registry.list_projects(PageRequest(limit=2, after=first.next_cursor))
        assert [p.name for p in rest.items] == ["c"]
        assert rest.next_cursor is None
        project = q.registry.get_project("b")
        assert project is not None and project.name == "b"
        assert q.registry.get_project("absent") is None
    for owner, name in [("a", "m1"), ("b", "m2"), ("a", "m3")]:
        world.version(owner, name)
    with world.store.read() as q:
        everything = q.registry.list_models(None, PageRequest())
        assert [(m.project, m.name) for m in everything.items] == [
            ("a", "m1"),
            ("b", "m2"),
            ("a", "m3"),
        ]
        assert everything.next_cursor is None
        page = q.registry.list_models("a", PageRequest(limit=1))
        assert [m.name for m in page.items] == ["m1"]
        after = q.registry.list_models("a", PageRequest(limit=1, after=page.next_cursor))
        assert [m.name for m in after.items] == ["m3"]
        assert q.registry.list_models("absent", PageRequest()).items == []
        model = q.registry.get_model("a", "m3")
        assert model is not None and (model.project, model.name) == ("a", "m3")
        assert q.registry.get_model("b", "m1") is None


def registry_writes_members_models_and_conflicts(world: World) -> None:
    """Membership changes report whether they changed anything; a second project or model of
    the same name is a conflict; every claim of a version number takes the next one."""
    credit = world.project("credit")
    with world.store.write(who(ACTOR)) as tx:
        assert tx.registry.add_member(credit, "ben", "validator") is True
        assert tx.registry.add_member(credit, "ben", "validator") is False
        assert tx.registry.add_member(credit, "ben", "reviewer") is True
        assert tx.registry.remove_member(credit, "ben", "reviewer") is True
        assert tx.registry.remove_member(credit, "ben", "reviewer") is False
        assert tx.registry.member_roles(credit) == {
            ACTOR: frozenset({"owner"}),
            "ben": frozenset({"validator"}),
            "carl": frozenset({"data_scientist"}),
        }
        assert tx.registry.project_id("absent") is None
        assert tx.registry.model_id(credit, "scorer") is None
        assert tx.registry.claim_version_number("credit", "scorer") is None
        model = tx.registry.add_model(credit, "scorer", "scores")
        assert tx.registry.model_id(credit, "scorer") == model
        assert tx.registry.next_version_number(model) == 1
        tx.commit()
    with world.store.read() as q:
        assert q.registry.member_roles("credit") == {
            ACTOR: frozenset({"owner"}),
            "ben": frozenset({"validator"}),
            "carl": frozenset({"data_scientist"}),
        }
    with pytest.raises(ConflictError), world.store.write(who(ACTOR)) as tx:
        tx.registry.add_project("credit", "again", "", ACTOR, ())
    with pytest.raises(ConflictError), world.store.write(who(ACTOR)) as tx:
        tx.registry.add_model(credit, "scorer", "again")
    world.version("credit")
    world.version("credit")
    with world.store.write(who(ACTOR)) as tx:
        # Each call claims a number: the one taken above was 1, the registrations 2 and 3.
        assert tx.registry.claim_version_number("credit", "scorer") == (model, 4)
        assert tx.registry.next_version_number(model) == 5


def registry_versions_tags_and_search(world: World) -> None:
    """Versions come back by number and id; tags round-trip; a search lists newest first,
    filters by project, model, stage and tag, pages with a cursor, and refuses unknown names."""
    world.project("credit")
    world.project("fraud")
    a = world.version("credit")
    b = world.move(world.version("credit"), "staging")
    c = world.version("fraud")
    with world.store.write(who(ACTOR)) as tx:
        tx.registry.add_tags(a.id, {"team": "risk", "region": "eu"})
        tx.registry.set_tag(b.id, "team", "risk")
        tx.registry.set_tag(b.id, "team", "ops")
        tx.registry.set_tag(c.id, "team", "risk")
        tx.registry.remove_tag(a.id, "region")
        assert tx.registry.tags(a.id) == {"team": "risk"}
        assert tx.registry.tags(b.id) == {"team": "ops"}
        assert [h.id for h in tx.registry.stage_holders(b.model_id, "staging")] == [b.id]
        assert tx.registry.stage_holders(b.model_id, "production") == []
        assert tx.registry.held_stage_before(b.id, "staging") is True
        assert tx.registry.held_stage_before(a.id, "staging") is False
        assert tx.registry.version("credit", "scorer", 9) is None
        assert tx.registry.version("credit", "scorer", 2) == b
        tx.commit()
    with world.store.read() as q:
        assert q.registry.version_id_of("credit", "scorer", 2) == b.id
        assert q.registry.version_id_of("credit", "scorer", 3) is None
        version = q.registry.get_version("credit", "scorer", 1)
        assert version is not None and version.record.ref == a.ref
        assert q.registry.get_version("credit", "scorer", 3) is None
        every = q.registry.search_versions(VersionQuery(), PageRequest())
        assert [v.ref for v in every.items] == [c.ref, b.ref, a.ref]
        assert every.next_cursor is None
        first = q.registry.search_versions(VersionQuery(), PageRequest(limit=2))
        assert [v.ref for v in first.items] == [c.ref, b.ref]
        assert first.next_cursor is not None
        rest = q.registry.search_versions(VersionQuery(), PageRequest(2, first.next_cursor))
        assert [v.ref for v in rest.items] == [a.ref] and rest.next_cursor is None
        by_tag = q.registry.search_versions(VersionQuery(tags=(("team", "risk"),)), PageRequest())
        assert [v.ref for v in by_tag.items] == [c.ref, a.ref]
        staged = q.registry.search_versions(VersionQuery(stage="staging"), PageRequest())
        assert [v.ref for v in staged.items] == [b.ref]
        scoped = VersionQuery(project="credit", model="scorer")
        assert [v.ref for v in q.registry.search_versions(scoped, PageRequest()).items] == [
            b.ref,
            a.ref,
        ]
        with pytest.raises(NotFoundError):
            q.registry.search_versions(VersionQuery(project="absent"), PageRequest())
        with pytest.raises(NotFoundError):
            q.registry.search_versions(VersionQuery("credit", "absent"), PageRequest())
        with pytest.raises(InvalidInputError):
            q.registry.search_versions(VersionQuery(model="scorer"), PageRequest())


def registry_stage_history_in_audit_order_and_point_in_time(world: World) -> None:
    """Stage history lists every move of the model's versions in audit order, and `until`
    answers what the history was at an earlier time."""
    world.project("credit")
    a = world.move(world.version("credit"), "staging")
    with world.store.read() as q:
        until = q.audit.chain_head().ts
    world.move(a, "production")
    with world.store.read() as q:
        history = q.registry.stage_history("credit", "scorer", None)
        moves = [(h.version_ref, h.from_stage, h.to_stage) for h in history]
        assert moves[-2:] == [
            (a.ref, "development", "staging"),
            (a.ref, "staging", "production"),
        ]
        earlier = q.registry.stage_history("credit", "scorer", until)
        assert [(h.from_stage, h.to_stage) for h in earlier][-1] == ("development", "staging")
        assert len(earlier) == len(history) - 1
        assert q.registry.stage_history("credit", "absent", None) == []


def _window(world: World, handle: VersionHandle, start: str, rows: int) -> int:
    return int(
        world.append(
            "monitor.ingested",
            lambda tx, seq: tx.monitoring.add_window_part(
                handle.id, start, 86400, rows, {"x": {"n": rows}}, None, "file.csv", seq
            ),
        )
    )


def _add_reference(version_id: int, digest: str, rows: int, tx: Any, seq: int) -> int:
    return int(
        tx.monitoring.add_monitor_reference(
            version_id, digest, rows, "ref.csv", True, {"bins": [0.5]}, seq
        )
    )


def _add_point(
    project_id: int, version_id: int | None, name: str, at: str, value: float, tx: Any, seq: int
) -> None:
    tx.monitoring.add_series_point(project_id, version_id, name, at, value, seq)


def monitoring_references_windows_logs_and_results(world: World) -> None:
    """The newest reference wins; window parts, logs and results list oldest first and filter
    by start, since and kind; JSON round-trips; a version with either is monitored."""
    world.project("credit")
    a = world.version("credit")
    b = world.version("credit")
    world.version("credit")
    with world.store.read() as q:
        assert q.monitoring.monitor_reference(a.id) is None
        assert q.monitoring.monitored_versions() == []
    for digest, rows in (("1" * 64, 10), ("2" * 64, 20)):
        add = partial(_add_reference, a.id, digest, rows)
        world.append("monitor.reference_set", add)
    first = _window(world, a, "2026-03-01T00:00:00.000000Z", 5)
    second = _window(world, a, "2026-03-02T00:00:00.000000Z", 7)
    _window(world, b, "2026-03-01T00:00:00.000000Z", 3)
    result = WindowResult(a.ref, "2026-03-01T00:00:00.000000Z", "drift", {"psi_max": 0.3}, {}, "")
    with world.store.write(who(ACTOR)) as tx:
        seq = World.event(tx, "monitor.evaluated", a.ref)
        tx.monitoring.add_monitor_log(a.id, "predictions", "3" * 64, 12, seq)
        tx.monitoring.add_monitor_log(a.id, "labels", "4" * 64, 4, seq)
        tx.monitoring.add_monitor_log(a.id, "predictions", "5" * 64, 8, seq)
        tx.monitoring.add_window_result(a.id, result, seq)
        perf = replace(result, kind="performance", signals={"auc": 0.7}, detail={"n": 4})
        tx.monitoring.add_window_result(a.id, perf, seq)
        written_at = tx.now
        tx.commit()
    with world.store.read() as q:
        reference = q.monitoring.monitor_reference(a.id)
        assert reference is not None
        assert (reference.profile_digest, reference.rows, reference.prediction) == (
            "2" * 64,
            20,
            True,
        )
        assert (reference.version_ref, reference.calibration) == (a.ref, {"bins": [0.5]})
        assert reference.created_by == ACTOR
        parts = q.monitoring.window_parts(a.id)
        assert [p.id for p in parts] == [first, second]
        assert (parts[0].rows, parts[0].profile, parts[0].scores) == (5, {"x": {"n": 5}}, None)
        assert (parts[0].width, parts[0].source, parts[0].ingested_by) == (86400, "file.csv", ACTOR)
        only = q.monitoring.window_parts(a.id, starts=["2026-03-02T00:00:00.000000Z"])
        assert [p.id for p in only] == [second]
        since = q.monitoring.window_parts(a.id, since="2026-03-02T00:00:00.000000Z")
        assert [p.id for p in since] == [second]
        assert q.monitoring.monitor_logs(a.id, "predictions") == [("3" * 64, 12), ("5" * 64, 8)]
        assert q.monitoring.monitor_logs(a.id, "labels") == [("4" * 64, 4)]
        assert q.monitoring.monitor_logs(b.id, "labels") == []
        results = q.monitoring.window_results(a.id)
        assert [(r.kind, r.signals) for r in results] == [
            ("drift", {"psi_max": 0.3}),
            ("performance", {"auc": 0.7}),
        ]
        assert results[1].detail == {"n": 4} and results[1].version_ref == a.ref
        assert results[0].created_at == written_at
        assert [r.kind for r in q.monitoring.window_results(a.id, "performance")] == ["performance"]
        assert q.monitoring.window_results(b.id) == []
        assert q.monitoring.monitored_versions() == [
            (a.id, a.ref, "development"),
            (b.id, b.ref, "development"),
        ]


def monitoring_series_points_by_time(world: World) -> None:
    """Series points list by name, then time, then when recorded, and filter by name and
    version."""
    credit = world.project("credit")
    a = world.version("credit")
    for name, at, value, version in [
        ("approvals", "2026-03-02T00:00:00.000000Z", 2.0, a.id),
        ("approvals", "2026-03-01T00:00:00.000000Z", 1.0, None),
        ("losses", "2026-03-01T00:00:00.000000Z", 9.5, a.id),
    ]:
        world.append("series.recorded", partial(_add_point, credit, version, name, at, value))
    with world.store.read() as q:
        points = q.monitoring.series_points(credit)
        assert [(p.name, p.at, p.value) for p in points] == [
            ("approvals", "2026-03-01T00:00:00.000000Z", 1.0),
            ("approvals", "2026-03-02T00:00:00.000000Z", 2.0),
            ("losses", "2026-03-01T00:00:00.000000Z", 9.5),
        ]
        assert [(p.project, p.version_ref) for p in points] == [
            ("credit", None),
            ("credit", a.ref),
            ("credit", a.ref),
        ]
        assert [p.value for p in q.monitoring.series_points(credit, "approvals")] == [1.0, 2.0]
        assert [p.value for p in q.monitoring.series_points(credit, None, a.id)] == [2.0, 9.5]


def _alert(world: World, handle: VersionHandle, key: str, value: float = 0.3) -> int:
    return int(
        world.append(
            "alert.opened",
            lambda tx, seq: tx.monitoring.add_alert(
                handle.id,
                "2026-03-01T00:00:00.000000Z",
                "drift.psi_max",
                value,
                "drift.psi_max > 0.2 -> open_review",
                "open_review",
                key,
                {"columns": ["x"]},
                seq,
            ),
        )
    )


def monitoring_alerts_dedup_and_reviews(world: World) -> None:
    """An alert's dedup key is taken once; alerts filter by version and project; a version has
    one open review at a time, which closes with its resolution and closer."""
    world.project("credit")
    world.project("fraud")
    a = world.version("credit")
    b = world.version("fraud")
    first = _alert(world, a, "k1")
    second = _alert(world, b, "k2", 0.5)
    with world.store.write(who(ACTOR)) as tx:
        assert tx.monitoring.alert_exists("k1") is True
        assert tx.monitoring.alert_exists("k9") is False
    with pytest.raises(ConflictError):
        _alert(world, a, "k1")
    with world.store.read() as q:
        every = q.monitoring.alerts()
        assert [x.id for x in every] == [first, second]
        alert = every[0]
        assert (alert.version_ref, alert.signal, alert.value, alert.action) == (
            a.ref,
            "drift.psi_max",
            0.3,
            "open_review",
        )
        assert (alert.dedup_key, alert.detail) == ("k1", {"columns": ["x"]})
        assert [x.id for x in q.monitoring.alerts(version_id=b.id)] == [second]
        assert [x.id for x in q.monitoring.alerts(project="credit")] == [first]
        assert q.monitoring.alerts(project="absent") == []
    with world.store.write(who("ben")) as tx:
        review = tx.monitoring.add_review(a.id, first, "drift on x")
        opened_at = tx.now
        tx.commit()
    with pytest.raises(ConflictError), world.store.write(who("ben")) as tx:
        tx.monitoring.add_review(a.id, None, "again")
    other = world.append("r", lambda tx, _: tx.monitoring.add_review(b.id, None, "manual"))
    with world.store.read() as q:
        opened = q.monitoring.review(review)
        assert opened is not None
        assert (opened.version_ref, opened.alert_id, opened.status, opened.reason) == (
            a.ref,
            first,
            "open",
            "drift on x",
        )
        assert (opened.opened_by, opened.opened_at, opened.closed_at) == ("ben", opened_at, None)
        assert q.monitoring.review(10_000) is None
    with world.store.write(who("rita")) as tx:
        tx.monitoring.close_review(review, "retrained")
        closed_at = tx.now
        tx.commit()
    with world.store.read() as q:
        closed = q.monitoring.review(review)
        assert closed is not None
        assert (closed.status, closed.closed_by, closed.closed_at, closed.resolution) == (
            "closed",
            "rita",
            closed_at,
            "retrained",
        )
        assert [r.id for r in q.monitoring.reviews()] == [review, other]
        assert [r.id for r in q.monitoring.reviews("open")] == [other]
        assert [r.id for r in q.monitoring.reviews("closed", a.id)] == [review]
        assert q.monitoring.reviews(version_id=10_000) == []
    # Once closed, the version may have another open review.
    world.append("r", lambda tx, _: tx.monitoring.add_review(a.id, None, "next"))


def outbox_deliveries_queue_and_attempts(world: World) -> None:
    """A delivery is pending and due when added; attempts update it; deliveries list by id and
    filter by status and due time."""
    world.project("credit")
    a = world.version("credit")
    alert = _alert(world, a, "k1")
    with world.store.write(who(ACTOR)) as tx:
        first = tx.outbox.add_delivery(alert, "ops", "webhook", "http://x", "alert", "{}", "S")
        second = tx.outbox.add_delivery(None, "ops", "command", '["true"]', "review", "{}", None)
        added_at = tx.now
        tx.commit()
    with world.store.read() as q:
        queued = q.outbox.deliveries()
        assert [d.id for d in queued] == [first, second]
        d = queued[0]
        assert (d.alert_id, d.route, d.kind, d.target, d.event, d.secret_env) == (
            alert,
            "ops",
            "webhook",
            "http://x",
            "alert",
            "S",
        )
        assert (d.status, d.attempts, d.next_attempt_at, d.last_error) == (
            "pending",
            0,
            added_at,
            None,
        )
        assert [d.id for d in q.outbox.deliveries("pending", added_at)] == [first, second]
    with world.store.write(who(ACTOR)) as tx:
        tx.outbox.record_attempt(first, "pending", 1, "2099-01-01T00:00:00.000000Z", "boom", 500)
        tx.outbox.record_attempt(second, "delivered", 1, added_at, None, 200)
        tx.commit()
    with world.store.read() as q:
        retry = q.outbox.deliveries("pending")
        assert [(d.id, d.attempts, d.last_error, d.last_status) for d in retry] == [
            (first, 1, "boom", 500)
        ]
        assert q.outbox.deliveries("pending", added_at) == []
        assert [d.id for d in q.outbox.deliveries("delivered")] == [second]
        assert q.outbox.deliveries("failed") == []


def audit_chain_appended_at_commit_and_read_back(world: World) -> None:
    """Recorded events are numbered from the head and stored at commit only; queries filter,
    order either way and page with a cursor; rows come back by range; the head moves."""
    with world.store.read() as q:
        assert q.audit.max_audit_seq() == 0
        assert q.audit.chain_head().seq == 0
    with world.store.write(who("ben")) as tx:
        tx.record(PendingEvent("thing.done", "thing", "t1", {"n": 1}))
    with world.store.read() as q:
        assert q.audit.max_audit_seq() == 0
    with world.store.write(who("ben")) as tx:
        one = tx.record(PendingEvent("thing.done", "thing", "t1", {"n": 1}))
        two = tx.record(PendingEvent("thing.undone", "thing", "t2", {"n": 2}))
        tx.commit()
    with world.store.write(who("rita")) as tx:
        three = tx.record(PendingEvent("thing.done", "other", "t1", {}))
        tx.commit()
    assert [one.seq, two.seq, three.seq] == [1, 2, 3]
    assert two.prev_hash == one.hash
    with world.store.read() as q:
        head = q.audit.chain_head()
        assert (head.seq, head.hash, head.ts) == (3, three.hash, three.ts)
        assert q.audit.max_audit_seq() == 3
        assert q.audit.audit_event(2) == two
        assert q.audit.audit_event(99) is None
        every = q.audit.audit_events(AuditQuery(), PageRequest())
        assert every.items == [one, two, three] and every.next_cursor is None
        page = q.audit.audit_events(AuditQuery(), PageRequest(limit=2))
        assert page.items == [one, two] and page.next_cursor is not None
        rest = q.audit.audit_events(AuditQuery(), PageRequest(2, page.next_cursor))
        assert rest.items == [three] and rest.next_cursor is None
        newest = q.audit.audit_events(AuditQuery(newest_first=True), PageRequest(limit=2))
        assert newest.items == [three, two]
        older = q.audit.audit_events(
            AuditQuery(newest_first=True), PageRequest(2, newest.next_cursor)
        )
        assert older.items == [one]
        assert q.audit.audit_events(AuditQuery(actor="rita"), PageRequest()).items == [three]
        assert q.audit.audit_events(AuditQuery(action="thing.done"), PageRequest()).items == [
            one,
            three,
        ]
        query = AuditQuery(entity_type="thing", entity_id="t1")
        assert q.audit.audit_events(query, PageRequest()).items == [one]
        rows = list(q.audit.audit_rows(1, 3, 1))
        assert [r[0] for r in rows] == [2, 3]
        assert rows[0] == two.stored_row()


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


def access_standing_and_organisation_roles(world: World) -> None:
    """A person's standing names their organisation roles, their roles in the project, and the
    policy governing it: the assessed version, else the default policy's newest stored version
    (None while it is only shipped). Organisation roles are granted once and revoked once."""
    credit = world.project("credit", {"vera": ["validator", "risk_officer"]})
    with world.store.read() as q:
        fresh = q.access.standing("vera", "credit", "default")
        assert fresh == Standing(
            frozenset(), True, frozenset({"validator", "risk_officer"}), "default", None
        )
        assert q.access.standing("vera", "absent", "default").project_found is False
        assert q.access.standing("vera", None, "default").project_roles == frozenset()
        assert q.access.org_role_holders() == {}
    with world.store.write(who(ACTOR)) as tx:
        seq = world.event(tx, "org.role_granted", "vera")
        assert tx.access.grant_org_role("vera", "auditor", seq) is True
        assert tx.access.grant_org_role("vera", "auditor", seq) is False
        assert tx.access.grant_org_role("vera", "admin", seq) is True
        assert tx.access.grant_org_role("ana", "admin", seq) is True
        assert tx.access.revoke_org_role("ana", "admin") is True
        assert tx.access.revoke_org_role("ana", "admin") is False
        assert tx.access.org_role_holders() == {"vera": frozenset({"auditor", "admin"})}
        default = tx.policies.add_policy("default", 1, "d" * 64, "name: default", {})
        other = tx.policies.add_policy("other", 1, "e" * 64, "name: other", {})
        tx.policies.add_policy("default", 2, "f" * 64, "name: default", {})
        tx.commit()
    with world.store.read() as q:
        assert q.access.org_role_holders() == {"vera": frozenset({"auditor", "admin"})}
        unassessed = q.access.standing("vera", "credit", "default")
        assert (unassessed.org_roles, unassessed.policy_name, unassessed.policy_version) == (
            frozenset({"auditor", "admin"}),
            "default",
            2,
        )
    assessed = Assessment(
        "credit",
        "other",
        1,
        {"impact": "high"},
        "high",
        5,
        (),
        "2026-01-01T00:00:00.000000Z",
        ACTOR,
    )
    world.append(
        "project.classified",
        lambda tx, seq: tx.governance.add_assessment(credit, other.id, assessed, seq),
    )
    with world.store.read() as q:
        standing = q.access.standing("carl", "credit", "default")
        assert (standing.project_roles, standing.policy_name, standing.policy_version) == (
            frozenset({"data_scientist"}),
            "other",
            1,
        )
    assert default.version == 1


def pending_changes_one_per_subject_and_decided_once(world: World) -> None:
    """A pending change is stored with what it would do, listed by status and project, found by
    kind and subject while pending, and closed once; at most one is pending per kind and
    subject. A project's owner can be changed."""
    credit = world.project("credit", {"vera": ["validator"]})
    with world.store.write(who(ACTOR)) as tx:
        seq = world.event(tx, "change.requested", "credit")
        tier = tx.changes.add_change(
            "tier.downgrade",
            credit,
            "credit",
            "reclassify credit from high to low",
            ("production: sign-offs by validator drop from 2 to 1",),
            {"answers": {"impact": "low"}, "policy": "default"},
            "lower impact now",
            seq,
        )
        policy = tx.changes.add_change(
            "policy.weaken", None, "default", "apply default v2", (), {"text": "x"}, "why", seq
        )
        tx.registry.set_owner(credit, "vera")
        tx.commit()
    assert (tier.status, tier.project, tier.requested_by) == ("pending", "credit", ACTOR)
    assert tier.payload == {"answers": {"impact": "low"}, "policy": "default"}
    assert tier.weakens == ("production: sign-offs by validator drop from 2 to 1",)
    assert policy.project is None
    with world.store.read() as q:
        assert q.registry.get_project("credit").owner == "vera"  # type: ignore[union-attr]
        assert [c.id for c in q.changes.list_changes("pending", None)] == [tier.id, policy.id]
        assert [c.id for c in q.changes.list_changes(None, "credit")] == [tier.id]
        assert q.changes.pending_change("tier.downgrade", "credit") == tier
        assert q.changes.pending_change("tier.downgrade", "other") is None
    with pytest.raises(ConflictError), world.store.write(who(ACTOR)) as tx:
        seq = world.event(tx, "change.requested", "credit")
        tx.changes.add_change("tier.downgrade", credit, "credit", "again", (), {}, "again", seq)
        tx.commit()
    with world.store.write(who("rita")) as tx:
        seq = world.event(tx, "change.approved", "credit")
        tx.changes.decide_change(tier.id, "approved", "checked the answers", seq)
        tx.changes.decide_change(tier.id, "rejected", "too late", seq)
        tx.commit()
    with world.store.read() as q:
        decided = q.changes.get_change(tier.id)
        assert decided is not None
        assert (decided.status, decided.decided_by, decided.decision_reason) == (
            "approved",
            "rita",
            "checked the answers",
        )
        assert q.changes.pending_change("tier.downgrade", "credit") is None
        assert [c.id for c in q.changes.list_changes("approved", None)] == [tier.id]
        assert q.changes.get_change(999) is None
    world.append(
        "change.requested",
        lambda tx, seq: tx.changes.add_change(
            "tier.downgrade", credit, "credit", "once more", (), {}, "now allowed", seq
        ),
    )


def people_known_by_acting_holding_roles_or_aliases(world: World) -> None:
    """The people a store knows: actors of events after a sequence number, every member and
    organisation role holder, and aliases by key; an alias key is taken once."""
    world.project("credit", {"vera": ["validator"]})
    with world.store.read() as q:
        everyone = q.access.people(0)
        assert {"carl", "vera"} <= everyone.holders
        assert ACTOR in everyone.actors
        assert everyone.aliases == {}
        later = q.access.people(everyone.head_seq)
        assert later.actors == frozenset() and later.head_seq == everyone.head_seq
    with world.store.write(who("rita")) as tx:
        seq = world.event(tx, "person.alias_added", "vera")
        assert tx.access.add_alias("vera@corp.example", "Vera@Corp.example", "vera", seq) is True
        assert tx.access.add_alias("vera@corp.example", "vera@corp.example", "ana", seq) is False
        tx.commit()
    with world.store.read() as q:
        after = q.access.people(everyone.head_seq)
        assert after.actors == frozenset({"rita"})
        assert after.aliases == {"vera@corp.example": "vera"}


def _ingest(
    world: World, handle: VersionHandle, digest: str, start: str, replaces: int | None = None
) -> tuple[int, int]:
    """An ingest with one window part and one prediction log; (ingest id, its audit seq)."""

    def write(tx: Any, seq: int) -> tuple[int, int]:
        tx.monitoring.add_window_part(
            handle.id, start, 86400, 4, {"x": {"n": 4}}, None, "day.csv", seq
        )
        tx.monitoring.add_monitor_log(handle.id, "predictions", digest[-64:], 4, seq)
        found = tx.monitoring.add_ingest(
            handle.id, digest, "day.csv", 4, start, start, [start], replaces, seq
        )
        return int(found), seq

    result: tuple[int, int] = world.append("monitor.ingested", write)
    return result


def monitoring_ingests_replace_and_alert_updates(world: World) -> None:
    """An ingest is found by digest while it counts; one that a later ingest replaced is
    listed with its replacement, and its window parts and logs no longer count; an ingest is
    replaced once. An alert's updates fold into it: windows, last window and value, closing."""
    world.project("credit")
    a = world.version("credit")
    day1, day2 = "2026-03-01T00:00:00.000000Z", "2026-03-02T00:00:00.000000Z"
    first, first_seq = _ingest(world, a, "file:" + "1" * 64, day1)
    with world.store.read() as q:
        found = q.monitoring.ingest_by_digest(a.id, "file:" + "1" * 64)
        assert found is not None and found.id == first and found.replaced_by is None
        assert (found.rows, found.windows, found.first_at, found.source) == (
            4,
            [day1],
            day1,
            "day.csv",
        )
        assert found.ingested_by == ACTOR and found.audit_seq == first_seq
        assert q.monitoring.ingest_by_digest(a.id, "file:" + "9" * 64) is None
        assert len(q.monitoring.monitor_logs(a.id, "predictions", exclude_seq=first_seq)) == 0
    second, _ = _ingest(world, a, "file:" + "2" * 64, day2, replaces=first)
    with pytest.raises(ConflictError):
        _ingest(world, a, "file:" + "3" * 64, day2, replaces=first)
    with world.store.read() as q:
        every = q.monitoring.ingests(a.id)
        assert [(i.id, i.replaces, i.replaced_by) for i in every] == [
            (first, None, second),
            (second, first, None),
        ]
        assert q.monitoring.ingest_by_digest(a.id, "file:" + "1" * 64) is None
        assert [p.window_start for p in q.monitoring.window_parts(a.id)] == [day2]
        assert q.monitoring.monitor_logs(a.id, "predictions") == [("2" * 64, 4)]
    alert = _alert(world, a, "k1")
    world.append(
        "alert.updated",
        lambda tx, seq: tx.monitoring.add_alert_update(alert, "updated", day2, 0.4, "again", seq),
    )
    with world.store.read() as q:
        (opened,) = q.monitoring.alerts(a.id)
        assert (opened.status, opened.windows, opened.last_window, opened.last_value) == (
            "open",
            2,
            day2,
            0.4,
        )
    world.append(
        "alert.closed",
        lambda tx, seq: tx.monitoring.add_alert_update(alert, "closed", day2, 0.1, "ok", seq),
    )
    with world.store.read() as q:
        (closed,) = q.monitoring.alerts(a.id)
        assert (closed.status, closed.closed_window, closed.closed_reason) == (
            "closed",
            day2,
            "ok",
        )
        assert closed.closed_at is not None and closed.windows == 2
    with pytest.raises(ConflictError):
        world.append(
            "x",
            lambda tx, seq: tx.monitoring.add_alert_update(10_000, "closed", None, None, "", seq),
        )


SCENARIOS: list[Callable[[World], None]] = [
    monitoring_ingests_replace_and_alert_updates,
    people_known_by_acting_holding_roles_or_aliases,
    pending_changes_one_per_subject_and_decided_once,
    access_standing_and_organisation_roles,
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
    registry_projects_and_models_page_by_id,
    registry_writes_members_models_and_conflicts,
    registry_versions_tags_and_search,
    registry_stage_history_in_audit_order_and_point_in_time,
    monitoring_references_windows_logs_and_results,
    monitoring_series_points_by_time,
    monitoring_alerts_dedup_and_reviews,
    outbox_deliveries_queue_and_attempts,
    audit_chain_appended_at_commit_and_read_back,
]


def scenario_id(scenario: Callable[[World], None]) -> str:
    return scenario.__name__


class _TickingClock(FakeClock):
    """Moves on a millisecond each time it is read, as the databases' clocks do between writes,
    so point-in-time reads can tell transactions apart."""

    def __call__(self) -> datetime:
        return self.advance(milliseconds=1)


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store: the in-memory fake, a migrated SQLite file, a migrated PostgreSQL copy."""
    if request.param == "fake":
        yield FakeStore(_TickingClock())
        return
    database = None
    server: PostgresServer | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'steward.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        if server is None:
            pytest.skip("PostgreSQL not reachable (set STEWARD_REQUIRE_POSTGRES=1 to fail instead)")
        url = server.new_database()
        database = make_url(url).database
    writer, reader = make_engines(url)
    schema.ensure_current(writer)
    sql_store = SqlStore(writer, reader)
    yield sql_store
    sql_store.dispose()
    if server is not None and database:
        server.drop(database)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_port_contract(store: Store, scenario: Callable[[World], None]) -> None:
    """Every backend answers each scenario the same way (see the scenario's docstring)."""
    scenario(World(store))
