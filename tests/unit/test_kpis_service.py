"""Governance KPIs over in-memory fakes: every figure of the report, per team and overall, from
two teams whose numbers are known, and the leaderboard they give."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

import pytest

from steward.domain.errors import NotFoundError
from steward.services.kpis import KpiReport
from tests.support.principals import READER, who
from tests.unit.test_governance_service import World

# alpha: the request to production waited 2 h, the first performance check failed, and the
# missing documentation was waived. beta: 10 h, every check passed first time, fully met, plus
# one request still open. gamma: a team with nothing yet.
OVERALL_P90 = statistics.quantiles([2.0, 10.0], n=10, method="inclusive")[8]


@pytest.fixture
def world() -> World:
    w = World()
    w.apply()
    for team in ("alpha", "beta"):
        w.project(team)
    w.project("gamma", impact=None)

    alpha = w.version("alpha", documentation={})
    w.gov.add_evidence(who("dana"), alpha, "performance", passed=False, metrics={"auc": 0.7})
    w.gov.add_evidence(who("dana"), alpha, "performance", passed=True, metrics={"auc": 0.8})
    w.gov.add_evidence(who("dana"), alpha, "data_quality", passed=True)
    w.promotion.promote(who("ana"), alpha, "staging", "checks pass")
    w.blocked(alpha)
    w.approve(alpha, "vera", "victor")
    w.gov.grant_waiver(
        who("rita"),
        alpha,
        stage="production",
        requirement="documentation:intended_use",
        role="risk_officer",
        reason="model card in review",
        expires=w.clock.now + timedelta(days=30),
    )
    w.clock.advance(hours=2)
    w.promotion.promote(who("ana"), alpha, "production", "validated")

    beta = w.staged("beta")
    w.blocked(beta)
    w.approve(beta, "vera", "victor")
    w.clock.advance(hours=10)
    w.promotion.promote(who("ana"), beta, "production", "validated")
    w.blocked(w.version("beta"), "staging")  # no evidence: the request stays open
    return w


def _report(w: World, project: str | None = None) -> KpiReport:
    return w.kpis.report(READER, project)


# beta's production gate: both checks and the documentation, each met by attestation.
BETA_ATTESTED = 3
ALPHA: dict[str, Any] = {
    "team": "alpha",
    "production_versions": 1,
    "gates_fully_met": 0,
    "gates_fully_met_share": 0.0,
    "approval_requests_closed": 1,
    "approval_median_hours": 2.0,
    "approval_p90_hours": 2.0,
    "first_checks": 2,
    "first_time_pass_rate": 0.5,
    "overdue_recertifications": 0,
    "open_waivers": 1,
    "open_requests": 0,
    # Both checks were met on evidence a person typed in, and the documentation was waived.
    "requirements_computed": 0,
    "requirements_attested": 2,
    "requirements_waived": 1,
    "gates_met_on_attestation": 1,
    "score": 0.5,  # (0 met share + 0.5 first-time + 1 on-time) / 3
}
BETA: dict[str, Any] = {
    "team": "beta",
    "production_versions": 1,
    "gates_fully_met": 1,
    "gates_fully_met_share": 1.0,
    "approval_requests_closed": 1,
    "approval_median_hours": 10.0,
    "approval_p90_hours": 10.0,
    "first_checks": 2,
    "first_time_pass_rate": 1.0,
    "overdue_recertifications": 0,
    "open_waivers": 0,
    "open_requests": 1,
    "requirements_computed": 0,
    "requirements_attested": BETA_ATTESTED,
    "requirements_waived": 0,
    "gates_met_on_attestation": 1,
    "score": 1.0,
}
GAMMA: dict[str, Any] = {
    "team": "gamma",
    "production_versions": 0,
    "gates_fully_met": 0,
    "gates_fully_met_share": None,
    "approval_requests_closed": 0,
    "approval_median_hours": None,
    "approval_p90_hours": None,
    "first_checks": 0,
    "first_time_pass_rate": None,
    "overdue_recertifications": 0,
    "open_waivers": 0,
    "open_requests": 0,
    "requirements_computed": 0,
    "requirements_attested": 0,
    "requirements_waived": 0,
    "gates_met_on_attestation": 0,
    "score": 0.0,
}


def test_the_report_gives_every_figure_per_team_and_overall(world: World) -> None:
    report = _report(world)
    assert report.generated_at == world.clock.text()
    assert [t.as_dict() for t in report.teams] == [ALPHA, BETA, GAMMA]
    assert report.overall.as_dict() == {
        "team": "(all)",
        "production_versions": 2,
        "gates_fully_met": 1,
        "gates_fully_met_share": 0.5,
        "approval_requests_closed": 2,
        "approval_median_hours": 6.0,
        "approval_p90_hours": pytest.approx(9.2),
        "first_checks": 4,
        "first_time_pass_rate": 0.75,
        "overdue_recertifications": 0,
        "open_waivers": 1,
        "open_requests": 1,
        "requirements_computed": 0,
        "requirements_attested": 2 + BETA_ATTESTED,
        "requirements_waived": 1,
        "gates_met_on_attestation": 2,
        "score": 0.75,  # (0.5 + 0.75 + 1) / 3
    }
    assert report.overall.approval_p90_hours == OVERALL_P90
    assert sorted(report.overall.approval_hours) == [2.0, 10.0]


def test_the_leaderboard_ranks_teams_by_score_then_name(world: World) -> None:
    report = _report(world)
    assert [t.team for t in report.leaderboard] == ["beta", "alpha", "gamma"]
    assert report.as_dict()["leaderboard"] == [
        {"rank": 1, "team": "beta", "score": 1.0},
        {"rank": 2, "team": "alpha", "score": 0.5},
        {"rank": 3, "team": "gamma", "score": 0.0},
    ]
    assert report.as_dict()["generated_at"] == world.clock.text()


def test_a_report_for_one_project_counts_only_that_project(world: World) -> None:
    report = _report(world, "alpha")
    assert [t.as_dict() for t in report.teams] == [ALPHA]
    assert report.overall.as_dict() == {**ALPHA, "team": "(all)"}


def test_a_year_later_recertifications_are_overdue_and_the_waiver_has_expired(
    world: World,
) -> None:
    world.clock.advance(days=366)
    report = _report(world)
    alpha, beta, gamma = (t.as_dict() for t in report.teams)
    assert alpha == {
        **ALPHA,
        "overdue_recertifications": 1,
        "open_waivers": 0,
        "score": round((0.0 + 0.5 + 0.0) / 3, 4),
    }
    assert beta == {**BETA, "overdue_recertifications": 1, "score": round(2 / 3, 4)}
    assert gamma == GAMMA
    assert report.overall.overdue_recertifications == 2
    assert report.overall.open_waivers == 0


def test_a_report_for_an_unknown_project_is_not_found(world: World) -> None:
    with pytest.raises(NotFoundError, match="unknown project 'unknown'"):
        _report(world, "unknown")


def test_a_stored_requirement_says_how_it_was_met_even_before_provenance_was_recorded() -> None:
    """Decisions stored before requirements carried their provenance name it in the detail."""
    from steward.services.kpis import _basis

    computed = {"kind": "check", "status": "met", "provenance": "computed", "detail": ""}
    legacy = {"kind": "check", "status": "met", "detail": "auc = 0.9 (attested evidence #3)"}
    legacy_computed = {"kind": "check", "status": "met", "detail": "(computed evidence #4)"}
    waived = {"kind": "documentation", "status": "waived", "detail": ""}
    failed = {"kind": "check", "status": "failed", "provenance": "computed", "detail": ""}
    signoff = {"kind": "signoff", "status": "met", "detail": "1 of 1"}
    found = [_basis(r) for r in (computed, legacy, legacy_computed, waived, failed, signoff)]
    assert found == ["computed", "attested", "computed", "waived", None, None]
