"""Governance KPIs, per team (project) and overall, as the seeds ask to publish them: is the
process enacted (gates met, recertifications on time, waivers open) and is it fast (time from
promotion request to approval, checks passing the first time)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from steward.domain.entities import Project
from steward.domain.errors import NotFoundError
from steward.domain.principal import Principal
from steward.services.governed import GovernanceContext
from steward.services.ports import PageRequest, ReadSession
from steward.services.promotion import Promotion
from steward.services.use_case import use_case

_PRODUCTION = "production"


def _hours(start: str, end: str) -> float:
    def parse(ts: str) -> datetime:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))

    return (parse(end) - parse(start)).total_seconds() / 3600.0


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


@dataclass(frozen=True, slots=True)
class TeamKpis:
    team: str  # a project name, or "(all)"
    production_versions: int
    gates_fully_met: int
    approval_hours: tuple[float, ...]
    first_checks: int
    first_checks_passed: int
    overdue_recertifications: int
    open_waivers: int
    open_requests: int
    # How the requirements of the production versions' last promotions were met: by Steward's
    # computed checks, by a person's statement (attested evidence, documentation), or waived;
    # and how many of those gates had a check met only on attested evidence.
    requirements_computed: int = 0
    requirements_attested: int = 0
    requirements_waived: int = 0
    gates_met_on_attestation: int = 0

    @property
    def gates_fully_met_share(self) -> float | None:
        if not self.production_versions:
            return None
        return self.gates_fully_met / self.production_versions

    @property
    def approval_median_hours(self) -> float | None:
        return statistics.median(self.approval_hours) if self.approval_hours else None

    @property
    def approval_p90_hours(self) -> float | None:
        return _p90(list(self.approval_hours)) if self.approval_hours else None

    @property
    def first_time_pass_rate(self) -> float | None:
        return self.first_checks_passed / self.first_checks if self.first_checks else None

    @property
    def score(self) -> float:
        """Leaderboard score in [0, 1]: the mean of the shares that apply to the team."""
        parts = [
            p for p in (self.gates_fully_met_share, self.first_time_pass_rate) if p is not None
        ]
        if self.production_versions:
            parts.append(1 - min(1.0, self.overdue_recertifications / self.production_versions))
        return sum(parts) / len(parts) if parts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "production_versions": self.production_versions,
            "gates_fully_met": self.gates_fully_met,
            "gates_fully_met_share": self.gates_fully_met_share,
            "approval_requests_closed": len(self.approval_hours),
            "approval_median_hours": self.approval_median_hours,
            "approval_p90_hours": self.approval_p90_hours,
            "first_checks": self.first_checks,
            "first_time_pass_rate": self.first_time_pass_rate,
            "overdue_recertifications": self.overdue_recertifications,
            "open_waivers": self.open_waivers,
            "open_requests": self.open_requests,
            "requirements_computed": self.requirements_computed,
            "requirements_attested": self.requirements_attested,
            "requirements_waived": self.requirements_waived,
            "gates_met_on_attestation": self.gates_met_on_attestation,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class KpiReport:
    generated_at: str
    overall: TeamKpis
    teams: tuple[TeamKpis, ...]

    @property
    def leaderboard(self) -> list[TeamKpis]:
        return sorted(self.teams, key=lambda t: (-t.score, t.team))

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "overall": self.overall.as_dict(),
            "teams": [t.as_dict() for t in self.teams],
            "leaderboard": [
                {"rank": i + 1, "team": t.team, "score": round(t.score, 4)}
                for i, t in enumerate(self.leaderboard)
            ],
        }


class GovernanceKpis:
    def __init__(self, ctx: GovernanceContext, promotion: Promotion) -> None:
        self._ctx = ctx
        self._access = ctx.access
        self._promotion = promotion
        self._store = ctx.store

    @use_case("governance.read")
    def report(self, principal: Principal, project: str | None = None) -> KpiReport:
        """Governance KPIs per team (project) and the leaderboard they make."""
        now = self._ctx.now()
        with self._store.read() as q:
            if project is not None and q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            teams = {project} if project else {p.name for p in _all_projects(q)}
            in_production = q.registry.versions_in_stage(project, _PRODUCTION)
            decisions = q.governance.gate_decisions(project)
            requests = q.governance.promotion_requests(project, None)
            firsts = q.governance.first_evidence(project)
            waivers = q.governance.waivers(project)
        overdue = [r for r in self._promotion.recertifications(principal, project) if r.overdue]
        counts = _team_counts(in_production, decisions, requests, firsts, overdue)
        for waiver in waivers:
            if waiver.active(now):
                counts[waiver.version_ref.split("/", 1)[0]]["waivers"] += 1
        per_team = tuple(_team_kpis(name, counts[name]) for name in sorted(teams))
        return KpiReport(now, _team_kpis("(all)", _total(per_team)), per_team)


def _all_projects(q: ReadSession) -> list[Project]:
    projects: list[Project] = []
    page = q.registry.list_projects(PageRequest(limit=1000))
    projects.extend(page.items)
    while page.next_cursor:
        page = q.registry.list_projects(PageRequest(limit=1000, after=page.next_cursor))
        projects.extend(page.items)
    return projects


def _new_counts() -> dict[str, Any]:
    return {
        "production": 0,
        "met": 0,
        "hours": [],
        "first": 0,
        "first_passed": 0,
        "overdue": 0,
        "waivers": 0,
        "open": 0,
        "computed": 0,
        "attested": 0,
        "waived": 0,
        "on_attestation": 0,
    }


def _team_counts(
    in_production: Iterable[Any],
    decisions: Iterable[Any],
    requests: Iterable[Any],
    firsts: Iterable[tuple[str, Any, Any, bool | None]],
    overdue: Iterable[Any],
) -> defaultdict[str, dict[str, Any]]:
    last_promotion: dict[str, Any] = {}
    for record in decisions:
        if record.purpose == "promotion" and record.to_stage == _PRODUCTION:
            last_promotion[record.version_ref] = record
    counts: defaultdict[str, dict[str, Any]] = defaultdict(_new_counts)
    for summary in in_production:
        team = counts[summary.project]
        team["production"] += 1
        record = last_promotion.get(summary.ref)
        if record is not None:
            _count_promotion(team, record)
    for request in requests:
        if request.status == "promoted" and request.closed_at:
            counts[request.project]["hours"].append(_hours(request.requested_at, request.closed_at))
        elif request.status == "open":
            counts[request.project]["open"] += 1
    for team_name, _ref, _kind, passed in (f for f in firsts if f[3] is not None):
        counts[team_name]["first"] += 1
        counts[team_name]["first_passed"] += bool(passed)
    for item in overdue:
        counts[item.project]["overdue"] += 1
    return counts


def _count_promotion(team: dict[str, Any], record: Any) -> None:
    """What the production promotion of one version adds to its team's figures."""
    team["met"] += record.outcome == "met"
    bases = [_basis(r) for r in record.requirements]
    for basis in ("computed", "attested", "waived"):
        team[basis] += bases.count(basis)
    team["on_attestation"] += record.outcome != "blocked" and any(
        r.get("kind") == "check" and _basis(r) == "attested" for r in record.requirements
    )


def _basis(requirement: dict[str, Any]) -> str | None:
    """How a stored requirement was met: computed, attested, waived (None: not met, or not
    by evidence). Decisions stored before provenance was recorded name it in the detail."""
    status, kind = requirement.get("status"), requirement.get("kind")
    if status == "waived":
        return "waived"
    if status != "met" or kind not in ("check", "documentation"):
        return None
    provenance = requirement.get("provenance")
    if provenance is None:
        detail = str(requirement.get("detail", ""))
        if kind == "documentation" or "attested evidence" in detail:
            return "attested"
        return "computed" if "computed evidence" in detail else None
    return str(provenance)


def _team_kpis(name: str, c: dict[str, Any]) -> TeamKpis:
    return TeamKpis(
        name,
        c["production"],
        c["met"],
        tuple(c["hours"]),
        c["first"],
        c["first_passed"],
        c["overdue"],
        c["waivers"],
        c["open"],
        c["computed"],
        c["attested"],
        c["waived"],
        c["on_attestation"],
    )


def _total(per_team: tuple[TeamKpis, ...]) -> dict[str, Any]:
    return {
        "production": sum(t.production_versions for t in per_team),
        "met": sum(t.gates_fully_met for t in per_team),
        "hours": [h for t in per_team for h in t.approval_hours],
        "first": sum(t.first_checks for t in per_team),
        "first_passed": sum(t.first_checks_passed for t in per_team),
        "overdue": sum(t.overdue_recertifications for t in per_team),
        "waivers": sum(t.open_waivers for t in per_team),
        "open": sum(t.open_requests for t in per_team),
        "computed": sum(t.requirements_computed for t in per_team),
        "attested": sum(t.requirements_attested for t in per_team),
        "waived": sum(t.requirements_waived for t in per_team),
        "on_attestation": sum(t.gates_met_on_attestation for t in per_team),
    }
