"""What a run of the evidence engine will do and what it did, and the checks on its inputs
made before anything is computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from steward.domain.errors import InvalidInputError
from steward.domain.governance import Evidence
from steward.domain.policy import Gate, Policy
from steward.services.check_kinds import CheckOptions
from steward.services.check_results import CheckOutcome
from steward.stats.columns import listed


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What a run will do: the kinds it computes and those the gate needs but it cannot."""

    ref: str
    policy: str
    tier: str | None
    stage: str
    kinds: tuple[str, ...]
    required: frozenset[str]
    elsewhere: tuple[str, ...]  # gate kinds produced outside Steward (a load test, ...)
    rules: Policy = field(compare=False, repr=False)  # the policy read for the plan
    gate: Gate = field(compare=False, repr=False)  # its gate into `stage` at `tier`
    explicit: bool = False  # the kinds were named (--check), not taken from the gate

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.ref,
            "policy": self.policy,
            "tier": self.tier,
            "stage": self.stage,
            "checks": list(self.kinds),
            "required": sorted(self.required),
            "not_run_here": list(self.elsewhere),
        }


@dataclass(frozen=True, slots=True)
class CheckRun:
    plan: CheckPlan
    outcomes: tuple[CheckOutcome, ...]
    evidence: tuple[Evidence, ...]
    report_html: str

    @property
    def failed_required(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.required and not o.passed]

    @property
    def passed(self) -> bool:
        return not self.failed_required

    def as_dict(self) -> dict[str, Any]:
        by_kind = {e.kind: e for e in self.evidence}
        return {
            **self.plan.as_dict(),
            "passed": self.passed,
            "results": [
                {
                    **o.as_dict(),
                    "evidence_id": by_kind[o.kind].id if o.kind in by_kind else None,
                    "digest": by_kind[o.kind].digest if o.kind in by_kind else None,
                }
                for o in self.outcomes
            ],
        }


def next_stage(policy: Policy, current: str) -> str:
    """The nearest later stage (in the policy's order) the version can move to from `current`."""
    names = list(policy.stages.names)
    forward = {t.to for t in policy.stages.transitions if t.from_ == current}
    later = [name for name in names[names.index(current) + 1 :] if name in forward]
    if not later:
        raise InvalidInputError(
            f"a version in {current} has no next stage: name the gate's stage with --stage"
        )
    return later[0]


def champion_stage(policy: Policy, stage: str) -> str | None:
    """Where the champion lives: the last stage, from the target on, that one version holds at
    a time (production in the shipped policies), so a challenger headed for staging is already
    measured against the model serving now."""
    names = list(policy.stages.names)
    exclusive = [n for n in names[names.index(stage) :] if n in policy.stages.exclusive]
    return exclusive[-1] if exclusive else None


def check_columns(table: pa.Table, options: CheckOptions) -> None:
    if table.num_rows == 0:
        raise InvalidInputError("the data has no rows")
    present = set(table.column_names)
    named = [("target", options.target)]
    if options.prediction_column:
        named.append(("prediction column", options.prediction_column))
    named += [("sensitive column", name) for name in options.sensitive]
    if options.id_column:
        named.append(("id column", options.id_column))
    for what, name in named:
        if name not in present:
            raise InvalidInputError(
                f"{what} {name!r} is not in the data (columns: "
                f"{listed(table.column_names, limit=8)})"
            )


def column_values(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    values: np.ndarray[Any, Any] = column.to_numpy()
    return values
