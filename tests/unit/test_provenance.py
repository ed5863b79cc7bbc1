"""Evidence with provenance: what Steward's checks computed on this version's artifact, or what
a person attested. A gate can ask for computed evidence of a kind; attestations by the version's
author count only where the policy allows; computed evidence counts only for the artifact it was
computed on."""

from __future__ import annotations

from dataclasses import replace

from steward.domain.gate import evaluate_check
from steward.domain.governance import Evidence
from steward.domain.policy import CheckRequirement
from tests.support.principals import READER, who
from tests.unit.test_gate import ev, subject
from tests.unit.test_governance_service import World

AUC = CheckRequirement.model_validate("performance.auc >= 0.75")
ARTIFACT = "d" * 64


def _computed(item: Evidence, artifact: str = ARTIFACT) -> Evidence:
    return replace(item, provenance="computed", inputs={"model": {"sha256": artifact}})


def test_an_attestation_does_not_meet_a_check_the_gate_wants_computed() -> None:
    typed = ev(metrics={"auc": 0.99}, producer="alice")
    found = evaluate_check(AUC, [typed], subject(artifact_sha256=ARTIFACT), ("performance",))
    assert found.status == "missing"
    assert found.detail == (
        "evidence performance #1 does not count: attested by alice, and this gate needs "
        "performance computed by steward check run"
    )
    met = evaluate_check(
        AUC, [typed, _computed(ev(id=2))], subject(artifact_sha256=ARTIFACT), ("performance",)
    )
    assert met.status == "met"
    assert met.detail == "auc = 0.81 (computed evidence performance #2, needs >= 0.75)"


def test_computed_evidence_counts_only_for_the_artifact_it_was_computed_on() -> None:
    elsewhere = _computed(ev(), artifact="e" * 64)
    found = evaluate_check(AUC, [elsewhere], subject(artifact_sha256=ARTIFACT), ("performance",))
    assert found.status == "missing"
    assert "computed on another artifact (eeeeeeeeeeee), not this version's" in found.detail


def test_the_authors_own_attestation_counts_only_where_the_policy_allows() -> None:
    typed = ev(producer="alice")  # alice is the subject's author
    assert evaluate_check(AUC, [typed], subject(), (), author_may_attest=True).status == "met"
    refused = evaluate_check(AUC, [typed], subject(), (), author_may_attest=False)
    assert refused.status == "missing"
    assert refused.detail.endswith("attested by the version's author alice")
    by_another = ev(id=2, producer="ci-bot")
    assert evaluate_check(AUC, [typed, by_another], subject(), (), False).status == "met"


def test_evidence_a_person_adds_is_recorded_as_attested_whatever_it_claims() -> None:
    world = World()
    world.apply()
    world.project()
    ref = world.version()
    item = world.gov.add_evidence(
        who("dana"),
        ref,
        "performance",
        metrics={"auc": 0.99},
        passed=True,
        inputs={"model": {"sha256": "f" * 64}},
        config={"provenance": "computed"},
    )
    assert item.provenance == "attested"
    shown = world.gov.evidence_item(READER, item.id)
    assert shown == item and shown.as_dict()["provenance"] == "attested"


def test_attested_evidence_keeps_the_digest_it_had_before_provenance_was_recorded() -> None:
    typed = ev()
    assert "provenance" not in typed.content()
    assert "provenance" in _computed(typed).content()
    assert _computed(typed).digest != typed.digest


def test_accepting_attestations_where_computed_evidence_was_required_is_a_weakening() -> None:
    from steward.domain.weakening import policy_weakenings
    from tests.policy_samples import GATES_POLICY
    from tests.unit.test_weakening import _policy

    strict = GATES_POLICY.replace(
        "      documentation: [intended_use]\n",
        "      documentation: [intended_use]\n      computed: [performance]\n",
    ).replace("waivers:\n", "separation_of_duties: {author_may_attest: false}\nwaivers:\n")
    found = policy_weakenings(_policy(strict), _policy(GATES_POLICY))
    assert "tier high, production: performance evidence no longer needs to be computed: an " \
        "attestation counts" in found  # fmt: skip
    assert "tier high, production: the author's own attestations now count as evidence" in found
