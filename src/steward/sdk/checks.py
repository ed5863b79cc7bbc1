"""The evidence engine in the SDK: `client.check(...)` runs the checks a version's gate asks
for on a DataFrame (pandas or Polars), an Arrow table or a Parquet/CSV file, and stores each
result as evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward.sdk import files
from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from steward.domain.naming import VersionRef
    from steward.domain.quality_rules import QualitySuite
    from steward.services.check_plan import CheckPlan, CheckRun


class ChecksMethods(ClientBase):
    def check_plan(
        self, ref: str | VersionRef, *, stage: str | None = None, checks: Sequence[str] = ()
    ) -> CheckPlan:
        """Which checks `check` would run for the gate into `stage` (default: the next stage)."""
        return self._s.checks.plan(self._p, ref, stage, checks)

    def check(
        self,
        ref: str | VersionRef,
        data: object,
        *,
        target: str,
        prediction_column: str | None = None,
        sensitive: Sequence[str] | str = (),
        stage: str | None = None,
        checks: Sequence[str] = (),
        id_column: str | None = None,
        suite: QualitySuite | str | Path | None = None,
        threshold: float = 0.5,
        bootstrap: int = 200,
        confidence: float = 0.95,
        seed: int = 0,
        min_group_size: int = 30,
        explain_rows: int = 2000,
        permutation_repeats: int = 5,
        local_explanations: int = 5,
        margin: float = 0.01,
        latency_calls: int = 200,
        trust: bool = False,
        report: str | Path | None = None,
        reason: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> CheckRun:
        """Run the checks the policy requires for the version's tier and the gate into `stage`
        (or those named in `checks`), store each result as evidence, and write the HTML report
        to `report` when given. A failed check does not raise: see `result.passed` and
        `result.failed_required`. Nothing is stored when a check cannot be computed."""
        out = files.writable(report)
        return self._s.checks.run(
            self._p,
            ref,
            data,
            target=target,
            prediction_column=prediction_column,
            sensitive=sensitive,
            stage=stage,
            checks=checks,
            id_column=id_column,
            suite=suite,
            threshold=threshold,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
            explain_rows=explain_rows,
            permutation_repeats=permutation_repeats,
            local_explanations=local_explanations,
            margin=margin,
            latency_calls=latency_calls,
            trust=trust,
            reason=reason,
            progress=progress,
            deliver=None if out is None else (lambda html: _write(out, html)),
        )


def _write(path: Path, html: str) -> None:
    files.write_text(path, html)
