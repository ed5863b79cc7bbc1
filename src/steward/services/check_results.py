"""What one run of the evidence engine found: the result of each check, ready to be stored as
evidence and drawn in the HTML report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Requirement:
    """One of the policy's checks on this kind (`performance.auc >= 0.75`) and how it fared."""

    clause: str
    met: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"clause": self.clause, "met": self.met, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The result of one check. `details` is the statistics report's `as_dict()` (JSON-ready),
    which the report draws from; `metrics` are the finite numbers evidence carries."""

    kind: str
    passed: bool
    summary: str
    metrics: dict[str, float]
    requirements: tuple[Requirement, ...]
    config: dict[str, Any]
    inputs: dict[str, Any]
    details: dict[str, Any]
    required: bool = True  # asked for by the policy's gate (not only named with --check)
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "required": self.required,
            "summary": self.summary,
            "metrics": dict(self.metrics),
            "requirements": [r.as_dict() for r in self.requirements],
            "config": self.config,
            "inputs": self.inputs,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """What the report is about. Deliberately without a wall-clock time: the same inputs give
    the same report bytes, so re-running a check does not make approvals stale."""

    title: str
    facts: tuple[tuple[str, str], ...]  # (label, value) rows shown at the top
    kicker: str = "Model evidence report"
    # False for an analysis outside any gate (an ad hoc drift comparison): no policy wording.
    governed: bool = True
