"""The PolicyBook and Governance services over in-memory fakes: policies, risk classification,
evidence, sign-offs and waivers.

Every accepted fact must be stored with exactly the audit event that describes it, every rule
about who may do what must hold, and a refused change must write nothing at all.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from steward.domain.audit import format_ts
from steward.domain.changes import PendingChange
from steward.domain.entities import Member
from steward.domain.errors import (
    ConflictError,
    GateBlockedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PolicyInvalidError,
)
from steward.domain.governance import Assessment, GateDecision, RequirementResult
from steward.domain.naming import VersionRef
from steward.services.policies import MAX_POLICY_BYTES, AppliedPolicy
from tests.fakes import FakeStore, make_lineage
from tests.fakes.services import FakeServices
from tests.policy_samples import ADHOC_ANSWERS, GATES_POLICY
from tests.support.principals import READER, who

# The people of the scenarios: ana leads the project and asks for promotions, carl registers the
# versions, dana produces the evidence, vera and victor validate, rita owns model risk.
MEMBERS = (
    Member("carl", "data_scientist"),
    Member("dana", "data_scientist"),
    Member("vera", "validator"),
    Member("victor", "validator"),
    Member("rita", "risk_officer"),
)
DOCS = {"intended_use": "pre-screening of loan applications"}
SHIPPED = ("default", "eu-ai-act", "sr-11-7")

# GATES_POLICY with one validator and one risk officer for production instead of two validators.
DUAL_POLICY = GATES_POLICY.replace("name: test-gates", "name: test-dual").replace(
    "        - {role: validator, count: 2, meaning: approved for production use}\n",
    "        - {role: validator, count: 1}\n        - {role: risk_officer, count: 1}\n",
)


class World:
    """The services of one test over a fresh in-memory store, all on one fake clock."""

    def __init__(self, default_policy: str = "test-gates") -> None:
        services = FakeServices(default_policy)
        # ana writes the policies, as the organisation's risk officer; ben is another.
        services.org("ana", "risk_officer")
        services.org("ben", "risk_officer")
        self.clock = services.clock
        self.store = services.store
        self.artifacts = services.artifacts
        self.book = services.policies
        self.gov = services.governance
        self.promotion = services.promotion
        self.inventory = services.inventory
        self.kpis = services.kpis
        self.context = services.context
        self.history = services.history
        self.services = services
        self._blobs = 0

    def apply(self, text: str = GATES_POLICY, source: str = "test-gates.yaml") -> None:
        self.book.apply(who("ana"), text, source)

    def project(
        self,
        name: str = "credit",
        impact: str | None = "high",
        members: tuple[Member, ...] = MEMBERS,
        policy: str | None = None,
    ) -> str:
        """A project with the usual members, classified by `impact` (None: not classified)."""
        self.inventory.create_project(who("ana"), name, members=list(members))
        self.services.approve_all(name)
        if impact is not None:
            self.gov.classify(who("ana"), name, {"impact": impact}, policy=policy)
        return name

    def version(
        self,
        project: str = "credit",
        model: str = "scorer",
        documentation: dict[str, str] | None = None,
    ) -> VersionRef:
        self._blobs += 1
        version = self.inventory.register_version(
            who("carl"),
            project,
            model,
            f"artifact {self._blobs}".encode(),
            make_lineage(),
            documentation=DOCS if documentation is None else documentation,
        )
        return VersionRef(project, model, version.record.number)

    def evidence(
        self, ref: VersionRef, auc: float = 0.8, quality: bool | None = True, by: str = "dana"
    ) -> None:
        self.gov.add_evidence(who(by), ref, "performance", metrics={"auc": auc}, passed=auc >= 0.75)
        if quality is not None:
            self.gov.add_evidence(who(by), ref, "data_quality", passed=quality)

    def approve(
        self, ref: VersionRef, *signers: str, stage: str = "production", role: str = "validator"
    ) -> None:
        for signer in signers:
            self.gov.sign(
                who(signer), ref, stage=stage, role=role, decision="approve", reason="reviewed"
            )

    def staged(self, project: str = "credit", quality: bool | None = True) -> VersionRef:
        """A version in staging whose checks pass (data_quality absent when quality is None)."""
        ref = self.version(project)
        self.evidence(ref, quality=quality)
        self.promotion.promote(who("ana"), ref, "staging", "checks pass")
        return ref

    def blocked(self, ref: VersionRef, stage: str = "production") -> GateBlockedError:
        with pytest.raises(GateBlockedError) as caught:
            self.promotion.promote(who("ana"), ref, stage, "ready for review")
        return caught.value

    def requirement(
        self, ref: VersionRef, key: str, stage: str = "production"
    ) -> RequirementResult:
        decision = self.promotion.gate_status(READER, ref, stage)
        return next(r for r in decision.requirements if r.key == key)

    def gate(self, ref: VersionRef, stage: str = "production") -> GateDecision:
        return self.promotion.gate_status(READER, ref, stage)

    def events_after(self, seq: int) -> list[tuple[str, str]]:
        return [(e.action, e.entity_id) for e in self.store.events() if e.seq > seq]


class Unchanged:
    """Asserts that a block writes no audit event and leaves the chain head where it was."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.head = self.store.head
        self.count = len(self.store.events())

    def __exit__(self, *exc: object) -> None:
        assert self.store.head == self.head
        assert len(self.store.events()) == self.count


@pytest.fixture
def world() -> World:
    """Services with test-gates applied and the project 'credit' classified high."""
    w = World()
    w.apply()
    w.project()
    return w


# Policies -----------------------------------------------------------------------------------


def test_applying_a_policy_stores_version_1_with_a_policy_applied_event() -> None:
    w = World()
    head = w.store.head.seq
    applied = w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml", reason=" first policy ")
    assert isinstance(applied, AppliedPolicy)
    assert applied.created is True
    assert (applied.stored.name, applied.stored.version) == ("test-gates", 1)
    assert applied.stored.digest == applied.policy.digest()
    assert applied.stored.source == GATES_POLICY
    assert (applied.stored.applied_by, applied.stored.applied_at) == ("ana", w.clock.text())
    [event] = [e for e in w.store.events() if e.seq > head]
    assert (event.action, event.entity_type, event.entity_id) == (
        "policy.applied",
        "policy",
        "test-gates",
    )
    assert event.payload == {
        "version": 1,
        "digest": applied.policy.digest(),
        "same_as_version": None,
    }
    assert event.reason == "first policy"


def test_applying_the_same_content_again_creates_nothing_and_writes_no_event() -> None:
    w = World()
    first = w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml")
    # A comment changes the text but not the normalised policy.
    with Unchanged(w.store):
        again = w.book.apply(who("ben"), GATES_POLICY + "# reformatted\n", "copy.yaml")
    assert isinstance(first, AppliedPolicy) and isinstance(again, AppliedPolicy)
    assert again.created is False
    assert again.stored == first.stored
    assert [p.version for p in w.book.history(READER, "test-gates")] == [1]


def test_new_content_makes_the_next_version_and_old_content_comes_back_as_a_new_one() -> None:
    w = World()
    w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml")
    revised = GATES_POLICY.replace("max_days: 30", "max_days: 14")
    second = w.book.apply(who("ana"), revised, "test-gates.yaml", reason="shorter waivers")
    assert isinstance(second, AppliedPolicy)
    assert second.created is True
    assert second.stored.version == 2
    assert second.policy.waivers.max_days == 14
    event = w.store.events()[-1]
    assert (event.action, event.entity_id, event.reason) == (
        "policy.applied",
        "test-gates",
        "shorter waivers",
    )
    assert event.payload["version"] == 2
    assert event.payload["same_as_version"] is None

    # Going back to longer waivers loosens a rule: it waits for a second risk officer.
    third = w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml", "back to 30 days")
    assert isinstance(third, PendingChange)
    assert third.weakens == ("waivers may last 30 days instead of 14",)
    assert [p.version for p in w.book.history(READER, "test-gates")] == [1, 2]
    w.services.changes.approve(who("ben"), third.id, "agreed with the committee")
    assert w.store.events()[-1].payload["same_as_version"] == 1
    assert w.store.events()[-1].payload["change"] == third.id
    assert [p.version for p in w.book.history(READER, "test-gates")] == [1, 2, 3]
    assert w.book.show(READER, "test-gates", 2)[1].waivers.max_days == 14


def test_listings_show_stored_policies_and_the_shipped_ones_not_applied_yet() -> None:
    w = World()
    w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml")
    listings = {item.name: item for item in w.book.listings(READER)}
    assert sorted(listings) == sorted([*SHIPPED, "test-gates"])
    assert [item.name for item in w.book.listings(READER)] == sorted(listings)

    stored = listings["test-gates"]
    assert stored.as_dict() == {
        "name": "test-gates",
        "title": "Two-tier test policy",
        "latest_version": 1,
        "digest": w.book.show(READER, "test-gates")[1].digest(),
        "applied_at": w.clock.text(),
        "applied_by": "ana",
        "builtin": False,
    }
    for name in SHIPPED:
        shipped = listings[name]
        assert (shipped.latest_version, shipped.applied_at, shipped.applied_by) == (
            None,
            None,
            None,
        )
        assert shipped.builtin is True
        assert shipped.digest == w.book.show(READER, name)[1].digest()
        assert shipped.title


def test_a_shipped_policy_listed_after_first_use_shows_its_stored_version() -> None:
    w = World(default_policy="default")
    w.project(impact=None)
    w.gov.classify(who("ana"), "credit", ADHOC_ANSWERS)
    default = next(item for item in w.book.listings(READER) if item.name == "default")
    assert (default.latest_version, default.applied_by, default.builtin) == (1, "ana", True)


def test_show_gives_the_stored_version_or_the_shipped_text() -> None:
    w = World()
    w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml")
    stored, policy = w.book.show(READER, "test-gates")
    assert stored is not None
    assert (stored.version, policy.name) == (1, "test-gates")
    assert w.book.show(READER, "test-gates", 1)[0] == stored
    shipped, default = w.book.show(READER, "default")
    assert shipped is None
    assert default.name == "default"


@pytest.mark.parametrize(
    ("name", "version", "match"),
    [
        ("nope", None, "unknown policy 'nope'"),
        ("nope", 1, "unknown policy 'nope'"),
        ("test-gates", 2, "has no version 2"),
        ("default", 1, "unknown policy 'default'"),  # shipped, never applied: no version 1 yet
    ],
)
def test_show_of_an_unknown_name_or_version_is_not_found(
    name: str, version: int | None, match: str
) -> None:
    w = World()
    w.book.apply(who("ana"), GATES_POLICY, "test-gates.yaml")
    with pytest.raises(NotFoundError, match=match):
        w.book.show(READER, name, version)


def test_history_of_an_unknown_policy_is_not_found() -> None:
    w = World()
    assert w.book.history(READER, "default") == []  # shipped, not applied yet
    with pytest.raises(NotFoundError, match="unknown policy"):
        w.book.history(READER, "nope")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: [unclosed\n", None),
        (GATES_POLICY.replace("recertify_days: 365", "recertify_days: yearly"), 18),
        (GATES_POLICY.replace("role: validator, count: 2", "role: auditor, count: 2"), None),
    ],
    ids=["syntax", "shape", "cross-reference"],
)
def test_a_broken_policy_is_refused_naming_its_source_and_writes_nothing(
    text: str, line: int | None
) -> None:
    w = World()
    with pytest.raises(PolicyInvalidError) as caught:
        w.book.validate(READER, text, "broken.yaml")
    assert caught.value.message.startswith("broken.yaml:")
    if line is not None:
        assert caught.value.message.startswith(f"broken.yaml:{line}: tiers[1].recertify_days")
    with Unchanged(w.store), pytest.raises(PolicyInvalidError, match=r"^broken\.yaml:"):
        w.book.apply(who("ana"), text, "broken.yaml")


def test_a_policy_over_one_megabyte_is_refused() -> None:
    w = World()
    text = GATES_POLICY + "#" + "x" * MAX_POLICY_BYTES + "\n"
    with Unchanged(w.store), pytest.raises(InvalidInputError, match=r"big\.yaml: .*at most 1 MB"):
        w.book.apply(who("ana"), text, "big.yaml")


# Risk classification ------------------------------------------------------------------------


def test_classify_stores_the_assessment_with_tier_score_and_reasons() -> None:
    w = World()
    w.apply()
    w.project(impact=None)
    seq = w.store.head.seq
    assessment = w.gov.classify(who("ana"), "credit", {"impact": "high"}, reason="credit decisions")
    assert isinstance(assessment, Assessment)
    assert (assessment.tier, assessment.score) == ("high", 5)
    assert assessment.reasons == ("score 5 → band high (min 5)",)
    assert (assessment.policy_name, assessment.policy_version) == ("test-gates", 1)
    assert assessment.answers == {"impact": "high"}
    assert (assessment.assessed_by, assessment.assessed_at) == ("ana", w.clock.text())
    assert w.gov.assessment(READER, "credit") == assessment

    assert w.events_after(seq) == [("project.classified", "credit")]
    event = w.store.events()[-1]
    assert event.payload == {
        "policy": {"name": "test-gates", "version": 1},
        "answers": {"impact": "high"},
        "tier": "high",
        "score": 5,
    }
    assert event.reason == "credit decisions"


def test_a_shipped_policy_is_stored_on_first_use_before_the_classification() -> None:
    w = World(default_policy="default")
    w.project(impact=None)
    w.project("fraud", impact=None)
    seq = w.store.head.seq
    assessment = w.gov.classify(who("ana"), "credit", ADHOC_ANSWERS)
    assert isinstance(assessment, Assessment)
    assert (assessment.policy_name, assessment.policy_version) == ("default", 1)
    assert w.events_after(seq) == [
        ("policy.applied", "default"),
        ("project.classified", "credit"),
    ]
    applied = w.store.events()[-2]
    assert applied.reason == "shipped policy, first use"
    assert applied.payload["version"] == 1

    # The second use finds it stored.
    seq = w.store.head.seq
    w.gov.classify(who("ana"), "fraud", ADHOC_ANSWERS)
    assert w.events_after(seq) == [("project.classified", "fraud")]


def test_classifying_an_unknown_project_is_not_found_and_writes_nothing(world: World) -> None:
    with Unchanged(world.store), pytest.raises(NotFoundError, match="unknown project 'nope'"):
        world.gov.classify(who("ana"), "nope", {"impact": "high"})


def test_classifying_under_an_unknown_policy_is_not_found(world: World) -> None:
    with Unchanged(world.store), pytest.raises(NotFoundError, match="unknown policy 'nope'"):
        world.gov.classify(who("ana"), "credit", {"impact": "high"}, policy="nope")


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ({}, "missing answer to question 'impact'"),
        ({"impact": "medium"}, "answer 'medium' to 'impact' is not allowed"),
        ({"impact": "high", "colour": "red"}, "unknown question 'colour'"),
    ],
    ids=["missing", "not-allowed", "unknown-question"],
)
def test_an_invalid_answer_is_refused_and_writes_nothing(
    world: World, answers: dict[str, str], match: str
) -> None:
    before = world.gov.assessment(READER, "credit")
    with Unchanged(world.store), pytest.raises(InvalidInputError, match=match):
        world.gov.classify(who("ana"), "credit", answers)
    assert world.gov.assessment(READER, "credit") == before


def test_every_problem_with_the_answers_is_reported_at_once_with_what_is_allowed() -> None:
    w = World(default_policy="default")
    w.project(impact=None)
    answers = {**ADHOC_ANSWERS, "usage": "sometimes", "colour": "red"}
    del answers["audience"]
    with Unchanged(w.store), pytest.raises(InvalidInputError) as refused:
        w.gov.classify(who("ana"), "credit", answers)
    message = str(refused.value)
    assert message.startswith("3 problems with the answers: unknown question 'colour'")
    assert "missing answer to question 'audience': expected one of " in message
    assert "answer 'sometimes' to 'usage' is not allowed: expected " in message
    assert "\n" not in message


def test_a_refused_classification_does_not_store_the_shipped_policy_either() -> None:
    w = World(default_policy="default")
    w.project(impact=None)
    with Unchanged(w.store), pytest.raises(InvalidInputError, match="missing answer"):
        w.gov.classify(who("ana"), "credit", {"audience": "team"})
    assert w.book.history(READER, "default") == []


def test_classifying_again_replaces_the_current_assessment(world: World) -> None:
    ref = world.version()
    assert world.gate(ref, "staging").tier == "high"
    assert not world.gate(ref, "staging").allowed  # high needs performance evidence
    world.clock.advance(days=1)
    # A weaker tier waits for a second person; the assessment is replaced when ben approves.
    pending = world.gov.classify(who("ana"), "credit", {"impact": "low"}, reason="scope narrowed")
    assert isinstance(pending, PendingChange)
    assert world.gate(ref, "staging").tier == "high"
    world.services.changes.approve(who("ben"), pending.id, "the scope is narrower")
    again = world.gov.assessment(READER, "credit")
    assert (again.tier, again.score, again.assessed_at) == ("low", 0, world.clock.text())
    assert again.assessed_by == "ana"
    decision = world.gate(ref, "staging")
    assert decision.tier == "low"
    assert decision.outcome == "met"  # the low tier's gates are empty


def test_the_assessment_of_an_unknown_or_unclassified_project_is_not_found(world: World) -> None:
    world.project("fraud", impact=None)
    with pytest.raises(NotFoundError, match="unknown project"):
        world.gov.assessment(READER, "nope")
    with pytest.raises(NotFoundError, match="has no risk assessment"):
        world.gov.assessment(READER, "fraud")


# A new policy version -----------------------------------------------------------------------


def test_a_new_policy_version_rescores_the_stored_answers() -> None:
    w = World()
    w.apply()
    w.project(impact="low")
    ref = w.version()
    assert w.gate(ref).tier == "low"
    w.apply(GATES_POLICY.replace("answers: {low: 0, high: 5}", "answers: {low: 5, high: 5}"))

    decision = w.gate(ref)
    assert (decision.policy_name, decision.policy_version, decision.tier) == (
        "test-gates",
        2,
        "high",
    )
    assert not decision.allowed
    # The stored assessment keeps what was decided at the time.
    stored = w.gov.assessment(READER, "credit")
    assert (stored.tier, stored.policy_version) == ("low", 1)


def test_a_new_policy_version_makes_earlier_signoffs_stale(world: World) -> None:
    ref = world.staged()
    world.approve(ref, "vera", "victor")
    assert world.gate(ref).outcome == "met"

    world.apply(GATES_POLICY.replace("Two-tier test policy", "Two-tier test policy, revised"))
    signoff = world.requirement(ref, "signoff:validator")
    assert signoff.status == "stale"
    assert "vera's approval is stale: signed under policy test-gates v1" in signoff.detail
    assert "victor's approval is stale: signed under policy test-gates v1" in signoff.detail
    error = world.blocked(ref)
    assert any("signed under policy test-gates v1" in r for r in error.reasons)

    world.approve(ref, "vera", "victor")
    assert world.gate(ref).outcome == "met"
    assert {s.policy_version for s in world.gov.facts(READER, ref).signoffs} == {1, 2}


def test_signoff_standing_marks_a_signoff_given_before_new_evidence_stale(world: World) -> None:
    ref = world.staged()
    world.approve(ref, "vera")
    before = world.gov.signoff_standing(READER, ref)
    assert [before.current(s) for s in before.signoffs] == [True]
    world.evidence(ref, auc=0.9)
    world.approve(ref, "victor")
    after = world.gov.signoff_standing(READER, ref)
    assert [(s.signer, after.current(s)) for s in after.signoffs] == [
        ("vera", False),
        ("victor", True),
    ]
    assert [item["evidence"] for item in after.as_dict()["items"]] == ["stale", "current"]
    assert after.evidence_digest != before.evidence_digest


def test_the_signoff_listing_and_the_gate_agree_on_staleness_and_say_why(world: World) -> None:
    """A new policy version and an expired approval make a sign-off stale in the gate; the
    listing says the same, with the gate's reason."""
    ref = world.staged()
    world.approve(ref, "vera")
    world.apply(GATES_POLICY.replace("max_days: 30", "max_days: 20"), "v2.yaml")
    standing = world.gov.signoff_standing(READER, ref)
    [vera] = standing.signoffs
    assert standing.state(vera) == "stale: signed under policy test-gates v1"
    assert standing.as_dict()["items"][0]["stale_because"] == "signed under policy test-gates v1"
    assert "vera's approval is stale: signed under policy test-gates v1" in (
        world.requirement(ref, "signoff:validator").detail
    )
    world.approve(ref, "vera")
    world.clock.advance(days=366)
    latest = world.gov.signoff_standing(READER, ref)
    assert latest.state(latest.signoffs[-1]).startswith("stale: expired on ")
    assert (
        "vera's approval is stale: expired on" in world.requirement(ref, "signoff:validator").detail
    )


# Evidence -----------------------------------------------------------------------------------


def test_evidence_is_stored_with_an_evidence_added_event(world: World) -> None:
    ref = world.version()
    seq = world.store.head.seq
    item = world.gov.add_evidence(
        who("dana"),
        ref,
        "performance",
        passed=True,
        metrics={"auc": 0.81, "f1": 1},
        config={"threshold": 0.5},
        inputs={"validation_rows": 1000},
        summary="  holdout  ",
        report=b"full report",
        reason="nightly run",
    )
    assert item.id > 0 and item.provenance == "attested"
    assert (item.producer, item.created_at, item.summary) == ("dana", world.clock.text(), "holdout")
    assert item.metrics == {"auc": 0.81, "f1": 1.0}
    assert item.report is not None
    assert world.artifacts.get(item.report) == b"full report"
    assert world.gov.facts(READER, ref).evidence == (item,)

    assert world.events_after(seq) == [("evidence.added", "credit/scorer/1")]
    event = world.store.events()[-1]
    assert event.payload == {
        "kind": "performance",
        "passed": True,
        "metrics": {"auc": 0.81, "f1": 1.0},
        "digest": item.digest,
        "report": item.report,
        "provenance": "attested",  # a person's statement, whatever it claims
    }
    assert event.reason == "nightly run"


@pytest.mark.parametrize(
    ("kind", "kwargs", "match"),
    [
        ("load_test", {"passed": True}, "unknown evidence kind 'load_test'"),
        ("performance", {"metrics": {"auc_roc": 0.9}}, "has no metric 'auc_roc'"),
        ("performance", {"metrics": {"auc": math.nan}}, "must be finite"),
        ("performance", {"metrics": {"auc": math.inf}}, "must be finite"),
        ("performance", {"metrics": {"auc": True}}, "must be a number"),
        ("performance", {"metrics": {"auc": "0.9"}}, "must be a number"),
        ("performance", {}, "states nothing"),
        ("performance", {"metrics": {}}, "states nothing"),
        ("bad kind", {"passed": True}, "bad kind"),
        ("performance", {"metrics": {"auc": 5.0}}, "'auc' of performance .* between 0 and 1"),
        ("performance", {"metrics": {"auc": -3.0}}, "between 0 and 1, got -3"),
        ("performance", {"metrics": {"rmse": -0.1}}, "'rmse' .* must be at least 0"),
        ("performance", {"metrics": {"r2": 1.5}}, "'r2' .* must be at most 1"),
        ("fairness", {"metrics": {"demographic_parity_ratio": 42.0}}, "between 0 and 1, got 42"),
        ("fairness", {"metrics": {"min_group_size": 2.5}}, "is a count"),
        ("documentation", {"metrics": {"complete": 0.5}}, "yes/no flag"),
        ("champion_challenger", {"metrics": {"delta_auc": 1.5}}, "between -1 and 1"),
    ],
    ids=[
        "unknown-kind",
        "unknown-metric",
        "nan",
        "infinite",
        "bool",
        "text",
        "nothing",
        "no-metrics",
        "malformed-kind",
        "auc-above-one",
        "auc-negative",
        "error-negative",
        "r2-above-one",
        "ratio-above-one",
        "fractional-count",
        "flag-not-0-or-1",
        "delta-beyond-span",
    ],
)
def test_invalid_evidence_is_refused_and_writes_nothing(
    world: World, kind: str, kwargs: dict[str, Any], match: str
) -> None:
    ref = world.version()
    with Unchanged(world.store), pytest.raises(InvalidInputError, match=match):
        world.gov.add_evidence(who("dana"), ref, kind, **kwargs)
    assert world.gov.facts(READER, ref).evidence == ()


def test_metric_values_at_the_ends_of_their_ranges_are_kept(world: World) -> None:
    """The ranges refuse only what a metric cannot be: 0 and 1 are an AUC, a huge error is an
    error, a policy's own metrics carry no range."""
    ref = world.version()
    edges = {"auc": 1.0, "accuracy": 0.0, "rmse": 1e12, "r2": -40.0}
    item = world.gov.add_evidence(who("dana"), ref, "performance", metrics=edges)
    assert item.metrics == edges
    counts = {"min_group_size": 0.0, "small_groups": 3.0, "demographic_parity_ratio": 1.0}
    assert world.gov.add_evidence(who("dana"), ref, "fairness", metrics=counts).metrics == counts


def test_evidence_for_an_unknown_version_or_project_is_not_found(world: World) -> None:
    with Unchanged(world.store):
        with pytest.raises(NotFoundError, match="unknown version credit/scorer/9"):
            world.gov.add_evidence(
                who("dana"), VersionRef("credit", "scorer", 9), "performance", passed=True
            )
        with pytest.raises(NotFoundError, match="unknown project 'nope'"):
            world.gov.add_evidence(
                who("dana"), VersionRef("nope", "scorer", 1), "performance", passed=True
            )


def test_the_evidence_digest_ignores_who_produced_it_and_when(world: World) -> None:
    ref = world.version()
    first = world.gov.add_evidence(
        who("dana"), ref, "performance", passed=True, metrics={"auc": 0.8}
    )
    world.clock.advance(days=2)
    again = world.gov.add_evidence(
        who("carl"), ref, "performance", passed=True, metrics={"auc": 0.8}
    )
    other = world.gov.add_evidence(
        who("dana"), ref, "performance", passed=True, metrics={"auc": 0.81}
    )
    assert (first.producer, again.producer) == ("dana", "carl")
    assert first.created_at != again.created_at
    assert first.digest == again.digest
    assert other.digest != first.digest


def test_rerunning_a_check_with_identical_results_keeps_approvals_fresh(world: World) -> None:
    ref = world.staged()
    world.approve(ref, "vera", "victor")
    world.clock.advance(hours=1)
    world.gov.add_evidence(who("dana"), ref, "data_quality", passed=True)
    assert world.gate(ref).outcome == "met"
    world.gov.add_evidence(who("dana"), ref, "data_quality", passed=False)
    signoff = world.requirement(ref, "signoff:validator")
    assert signoff.status == "stale"
    assert "signed before new evidence" in signoff.detail


# Sign-offs ----------------------------------------------------------------------------------


def test_an_approval_is_stored_bound_to_the_evidence_and_policy(world: World) -> None:
    ref = world.staged()
    digest = world.gate(ref).evidence_digest
    seq = world.store.head.seq
    signoff = world.gov.sign(
        who("vera"), ref, stage="production", role="validator", decision="approve", reason=" fine "
    )
    assert signoff.id > 0
    assert (signoff.stage, signoff.role, signoff.decision) == ("production", "validator", "approve")
    assert signoff.meaning == "approved for production use"  # the policy's meaning
    assert (signoff.reason, signoff.signer, signoff.signed_at) == (
        "fine",
        "vera",
        world.clock.text(),
    )
    assert signoff.evidence_digest == digest
    assert (signoff.policy_name, signoff.policy_version) == ("test-gates", 1)
    assert world.gov.facts(READER, ref).signoffs == (signoff,)

    assert world.events_after(seq) == [("signoff.approved", str(ref))]
    event = world.store.events()[-1]
    assert event.payload == {
        "stage": "production",
        "role": "validator",
        "meaning": "approved for production use",
        "evidence_digest": digest,
        "policy": {"name": "test-gates", "version": 1},
    }
    assert event.reason == "fine"


def _sign(w: World, actor: str, ref: VersionRef, **changes: Any) -> None:
    kwargs: dict[str, Any] = {
        "stage": "production",
        "role": "validator",
        "decision": "approve",
        "reason": "reviewed",
    }
    kwargs.update(changes)
    w.gov.sign(who(actor), ref, **kwargs)


@pytest.mark.parametrize(
    ("actor", "changes", "error", "match"),
    [
        ("vera", {"reason": None}, InvalidInputError, "a reason is required"),
        ("vera", {"reason": "   "}, InvalidInputError, "a reason is required"),
        ("vera", {"decision": "maybe"}, InvalidInputError, "unknown decision 'maybe'"),
        (
            "vera",
            {"role": "auditor"},
            InvalidInputError,
            "unknown role 'auditor': policy test-gates defines data_scientist, validator, "
            "risk_officer",
        ),
        (
            "rita",
            {"role": "risk_officer"},
            InvalidInputError,
            "does not ask for role 'risk_officer': it asks for validator",
        ),
        (
            "vera",
            {"stage": "staging"},
            InvalidInputError,
            "gate to staging for tier high .* it asks for no sign-off",
        ),
        ("vera", {"stage": "moon"}, InvalidInputError, "unknown stage 'moon'"),
        ("rita", {}, PermissionDeniedError, "rita does not hold role 'validator'"),
        (
            "outsider",
            {},
            PermissionDeniedError,
            "outsider may not signoff.give in project 'credit': it needs a role in the project",
        ),
        ("carl", {}, PermissionDeniedError, r"carl registered .* \(separation of duties\)"),
        (
            "dana",
            {},
            PermissionDeniedError,
            r"dana produced evidence \(data_quality, performance\) .*separation of duties",
        ),
    ],
    ids=[
        "no-reason",
        "blank-reason",
        "decision",
        "unknown-role",
        "role-not-asked",
        "no-signoff-asked",
        "unknown-stage",
        "not-holding-role",
        "not-a-member",
        "author",
        "evidence-producer",
    ],
)
def test_a_signoff_that_breaks_a_rule_is_refused_and_writes_nothing(
    world: World, actor: str, changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    # The author and the evidence producer hold the role: only separation of duties stops them.
    world.services.member("credit", "carl", "validator", by=who("ana"))
    world.services.member("credit", "dana", "validator", by=who("ana"))
    ref = world.staged()
    with Unchanged(world.store), pytest.raises(error, match=match):
        _sign(world, actor, ref, **changes)
    assert world.gov.facts(READER, ref).signoffs == ()


def test_signing_for_a_project_never_classified_is_refused(world: World) -> None:
    world.project("fraud", impact=None)
    ref = world.version("fraud")
    with Unchanged(world.store), pytest.raises(InvalidInputError, match="has no risk assessment"):
        _sign(world, "vera", ref)


def test_signing_an_unknown_version_is_not_found(world: World) -> None:
    with Unchanged(world.store), pytest.raises(NotFoundError, match="unknown version"):
        _sign(world, "vera", VersionRef("credit", "scorer", 7))


def test_two_approvals_by_one_person_count_once(world: World) -> None:
    ref = world.staged()
    world.approve(ref, "vera")
    world.clock.advance(minutes=5)
    world.approve(ref, "vera")
    signoff = world.requirement(ref, "signoff:validator")
    assert signoff.status == "missing"
    assert signoff.detail == "1 of 2 validator approvals (vera)"
    assert not world.gate(ref).allowed


def test_two_different_validators_meet_two_of_validator(world: World) -> None:
    ref = world.staged()
    world.approve(ref, "vera", "victor")
    signoff = world.requirement(ref, "signoff:validator")
    assert signoff.status == "met"
    assert signoff.detail == "2 of 2 validator approvals (vera, victor)"
    assert world.gate(ref).outcome == "met"


def test_a_person_holding_two_asked_roles_counts_once() -> None:
    w = World()
    w.apply(DUAL_POLICY, "test-dual.yaml")
    members = (*MEMBERS, Member("vera", "risk_officer"))
    w.project(members=members, policy="test-dual")
    ref = w.staged()
    w.approve(ref, "vera")
    w.approve(ref, "vera", role="risk_officer")

    decision = w.gate(ref)
    statuses = {r.key: (r.status, r.detail) for r in decision.requirements if r.kind == "signoff"}
    assert statuses["signoff:validator"] == ("met", "1 of 1 validator approval (vera)")
    assert statuses["signoff:risk_officer"] == (
        "missing",
        "0 of 1 risk_officer approval; vera already counts for validator",
    )
    assert not decision.allowed

    w.approve(ref, "rita", role="risk_officer")
    decision = w.gate(ref)
    assert decision.outcome == "met"
    details = {r.key: r.detail for r in decision.requirements}
    assert details["signoff:risk_officer"].startswith("1 of 1 risk_officer approval (rita)")


def test_a_rejection_sends_a_staged_version_back_and_closes_the_open_request(
    world: World,
) -> None:
    ref = world.staged()
    world.blocked(ref)
    [request] = world.promotion.requests(READER, "credit")
    world.clock.advance(hours=3)
    seq = world.store.head.seq

    signoff = world.gov.sign(
        who("vera"),
        ref,
        stage="production",
        role="validator",
        decision="reject",
        reason="calibration drifts on recent months",
    )
    assert (signoff.decision, signoff.meaning) == ("reject", "rejected for production")
    assert world.inventory.get_version(READER, ref).stage == "development"
    assert world.events_after(seq) == [
        ("signoff.rejected", str(ref)),
        ("version.stage_changed", str(ref)),
    ]
    moved = world.store.events()[-1]
    assert moved.payload == {"from": "staging", "to": "development", "rejected_for": "production"}
    assert moved.reason == "rejected for production by vera: calibration drifts on recent months"
    assert moved.actor == "vera"

    assert world.promotion.requests(READER, "credit") == []
    [closed] = world.promotion.requests(READER, "credit", status="rejected")
    assert (closed.id, closed.closed_at) == (request.id, world.clock.text())

    signoffs = world.requirement(ref, "signoff:validator")
    assert signoffs.status == "failed"
    assert "rejected by vera: calibration drifts on recent months" in signoffs.detail


# Waivers ------------------------------------------------------------------------------------

QUALITY = "check:data_quality passed"


@pytest.fixture
def waivable(world: World) -> VersionRef:
    """A staged version with two validator approvals whose only gap is data_quality evidence."""
    ref = world.staged(quality=None)
    world.approve(ref, "vera", "victor")
    assert [r.key for r in world.gate(ref).unmet()] == [QUALITY]
    return ref


def _waive(w: World, ref: VersionRef, actor: str = "rita", **changes: Any) -> Any:
    kwargs: dict[str, Any] = {
        "stage": "production",
        "requirement": QUALITY,
        "role": "risk_officer",
        "reason": "data quality suite is being rebuilt",
        "expires": w.clock.now + timedelta(days=10),
    }
    kwargs.update(changes)
    return w.gov.grant_waiver(who(actor), ref, **kwargs)


def test_a_waiver_lets_a_check_through_and_the_promotion_records_it(
    world: World, waivable: VersionRef
) -> None:
    seq = world.store.head.seq
    waiver = _waive(world, waivable)
    expires = world.clock.now + timedelta(days=10)
    assert waiver.id > 0
    assert (waiver.granted_by, waiver.granted_role, waiver.granted_at) == (
        "rita",
        "risk_officer",
        world.clock.text(),
    )
    assert waiver.expires_at == format_ts(expires)
    assert world.events_after(seq) == [("waiver.granted", str(waivable))]
    assert world.store.events()[-1].payload == {
        "stage": "production",
        "requirement": QUALITY,
        "expires_at": waiver.expires_at,
        "role": "risk_officer",
        "policy": {"name": "test-gates", "version": 1},
    }
    assert world.gov.waivers(READER, "credit") == [waiver]

    quality = world.requirement(waivable, QUALITY)
    assert (quality.status, quality.waiver_id) == ("waived", waiver.id)
    assert quality.detail.startswith(f"waived by rita until {waiver.expires_at}")
    assert world.gate(waivable).outcome == "met_with_waivers"

    result = world.promotion.promote(who("ana"), waivable, "production", "accepted with exception")
    assert (result.stage, result.decision.outcome) == ("production", "met_with_waivers")
    moved = world.store.events()[-1]
    assert moved.action == "version.stage_changed"
    assert moved.payload["outcome"] == "met_with_waivers"
    assert moved.payload["waivers"] == [waiver.id]


def test_a_failed_metric_check_is_waived_by_its_key(world: World) -> None:
    ref = world.staged()
    world.gov.add_evidence(who("dana"), ref, "performance", passed=False, metrics={"auc": 0.7})
    world.approve(ref, "vera", "victor")
    key = "check:performance.auc >= 0.75"
    assert [r.key for r in world.gate(ref).unmet()] == [key]
    waiver = _waive(world, ref, requirement=key)
    auc = world.requirement(ref, key)
    assert (auc.status, auc.waiver_id) == ("waived", waiver.id)
    assert auc.detail.endswith("(was: auc = 0.7, needs >= 0.75 (attested evidence performance #3))")
    assert world.gate(ref).outcome == "met_with_waivers"


def test_a_waiver_of_exactly_the_longest_allowed_duration_is_granted(
    world: World, waivable: VersionRef
) -> None:
    waiver = _waive(world, waivable, expires=world.clock.now + timedelta(days=30))
    assert world.requirement(waivable, QUALITY).waiver_id == waiver.id


@pytest.mark.parametrize(
    ("actor", "changes", "error", "match"),
    [
        (
            "rita",
            {"requirement": "signoff:validator"},
            InvalidInputError,
            "signoff requirements cannot be waived",
        ),
        (
            "rita",
            {"requirement": "check:fairness passed"},
            InvalidInputError,
            "has no requirement 'check:fairness passed'",
        ),
        (
            "rita",
            {"expires": timedelta(days=30, seconds=1)},
            InvalidInputError,
            "at most 30 days under policy test-gates",
        ),
        ("rita", {"expires": timedelta(days=-1)}, InvalidInputError, "would expire in the past"),
        ("rita", {"expires": timedelta()}, InvalidInputError, "would expire in the past"),
        ("rita", {"reason": ""}, InvalidInputError, "a reason is required"),
        ("rita", {"stage": "moon"}, InvalidInputError, "unknown stage 'moon'"),
        ("carl", {}, PermissionDeniedError, r"carl registered .* cannot waive"),
        (
            "vera",
            {"role": "validator"},
            PermissionDeniedError,
            "role 'validator' may not grant waivers under policy test-gates: risk_officer may",
        ),
        ("vera", {}, PermissionDeniedError, "vera does not hold role 'risk_officer'"),
    ],
    ids=[
        "signoff",
        "unknown-requirement",
        "too-long",
        "past",
        "now",
        "no-reason",
        "unknown-stage",
        "author",
        "role-may-not-grant",
        "not-holding-role",
    ],
)
def test_a_waiver_that_breaks_a_rule_is_refused_and_writes_nothing(
    world: World, waivable: VersionRef, actor: str, changes: dict[str, Any], error: type, match: str
) -> None:
    world.services.member("credit", "carl", "risk_officer", by=who("ana"))
    if isinstance(changes.get("expires"), timedelta):  # expiry relative to the clock
        changes = {**changes, "expires": world.clock.now + changes["expires"]}
    with Unchanged(world.store), pytest.raises(error, match=match):
        _waive(world, waivable, actor, **changes)
    assert world.gov.waivers(READER, "credit") == []


def test_waiving_for_a_project_never_classified_is_refused(world: World) -> None:
    world.project("fraud", impact=None)
    ref = world.version("fraud")
    with Unchanged(world.store), pytest.raises(InvalidInputError, match="has no risk assessment"):
        _waive(world, ref)


def test_revoking_a_waiver_blocks_the_gate_again(world: World, waivable: VersionRef) -> None:
    waiver = _waive(world, waivable)
    world.clock.advance(days=1)
    seq = world.store.head.seq
    revoked = world.gov.revoke_waiver(who("rita"), waiver.id, "suite is back")
    assert (revoked.revoked_by, revoked.revoked_at, revoked.revoke_reason) == (
        "rita",
        world.clock.text(),
        "suite is back",
    )
    assert world.events_after(seq) == [("waiver.revoked", str(waivable))]
    assert world.store.events()[-1].payload == {"waiver": waiver.id, "requirement": QUALITY}

    quality = world.requirement(waivable, QUALITY)
    assert quality.status == "missing"
    assert quality.waiver_id is None
    assert f"waiver #{waiver.id} was revoked by rita" in quality.detail
    assert world.gate(waivable).outcome == "blocked"
    world.blocked(waivable)


def test_only_a_waiver_role_may_revoke_a_waiver(world: World, waivable: VersionRef) -> None:
    waiver = _waive(world, waivable)
    with Unchanged(world.store), pytest.raises(PermissionDeniedError, match="risk_officer"):
        world.gov.revoke_waiver(who("ana"), waiver.id, "I would rather not have it")
    assert world.gate(waivable).outcome == "met_with_waivers"


def test_revoking_a_waiver_twice_is_a_conflict_and_writes_nothing(
    world: World, waivable: VersionRef
) -> None:
    waiver = _waive(world, waivable)
    world.gov.revoke_waiver(who("rita"), waiver.id, "not needed")
    with Unchanged(world.store), pytest.raises(ConflictError, match="already revoked"):
        world.gov.revoke_waiver(who("rita"), waiver.id, "again")


def test_revoking_needs_a_reason_and_a_known_waiver(world: World, waivable: VersionRef) -> None:
    waiver = _waive(world, waivable)
    with Unchanged(world.store):
        with pytest.raises(InvalidInputError, match="a reason is required"):
            world.gov.revoke_waiver(who("rita"), waiver.id, None)
        with pytest.raises(NotFoundError, match="unknown waiver 99"):
            world.gov.revoke_waiver(who("rita"), 99, "typo")


def test_an_expired_waiver_no_longer_waives(world: World, waivable: VersionRef) -> None:
    waiver = _waive(world, waivable)
    world.clock.advance(days=10)  # expiry is exclusive: at the expiry time it no longer holds
    quality = world.requirement(waivable, QUALITY)
    assert quality.status == "missing"
    assert f"waiver #{waiver.id} expired on {waiver.expires_at}" in quality.detail
    assert world.gate(waivable).outcome == "blocked"
    assert not world.gov.waivers(READER, "credit")[0].active(world.clock.text())


def test_waivers_of_an_unknown_project_are_not_found(world: World) -> None:
    with pytest.raises(NotFoundError, match="unknown project"):
        world.gov.waivers(READER, "nope")


def test_facts_of_an_unknown_version_are_not_found(world: World) -> None:
    with pytest.raises(NotFoundError, match="unknown version"):
        world.gov.facts(READER, VersionRef("credit", "scorer", 3))
    with pytest.raises(NotFoundError, match="unknown project"):
        world.gov.facts(READER, VersionRef("nope", "scorer", 1))


def test_a_role_barred_from_signing_is_refused_and_writes_nothing() -> None:
    """Independent validation: a validator who is also a data scientist on the project may not
    sign when the policy bars data scientists from signing."""
    independent = GATES_POLICY.replace(
        "waivers:\n", "separation_of_duties:\n  signers_may_not_hold: [data_scientist]\nwaivers:\n"
    )
    world = World()
    world.apply(independent)
    world.project(members=(*MEMBERS, Member("vera", "data_scientist")))
    ref = world.staged()
    with (
        Unchanged(world.store),
        pytest.raises(PermissionDeniedError, match="holds the role data_scientist"),
    ):
        world.approve(ref, "vera")
    world.approve(ref, "victor")  # a validator and nothing else


def test_a_policy_naming_an_unknown_or_contradictory_barred_role_is_invalid() -> None:
    world = World()
    unknown = GATES_POLICY.replace(
        "waivers:\n", "separation_of_duties:\n  signers_may_not_hold: [developer]\nwaivers:\n"
    )
    with pytest.raises(PolicyInvalidError, match=r"separation_of_duties.signers_may_not_hold\[0\]"):
        world.book.validate(READER, unknown, "unknown.yaml")
    contradictory = GATES_POLICY.replace(
        "waivers:\n", "separation_of_duties:\n  signers_may_not_hold: [validator]\nwaivers:\n"
    )
    with pytest.raises(PolicyInvalidError, match="its holders may not sign"):
        world.book.validate(READER, contradictory, "contradictory.yaml")
