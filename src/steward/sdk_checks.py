"""The evidence engine in the Python SDK: `client.check(...)` runs the checks a version's gate
asks for on a DataFrame (pandas or Polars), an Arrow table or a Parquet/CSV file, and stores
each result as evidence. `steward.Client` includes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from steward.domain.errors import InvalidInputError
from steward.domain.naming import VersionRef, parse_version_ref
from steward.domain.quality_rules import QualitySuite

if TYPE_CHECKING:
    from steward.bootstrap import Container
    from steward.services.checks import CheckPlan, CheckRun


class ChecksClient:
    """Mixed into `steward.Client`; `_c` is the lazily built container, `actor` the identity."""

    if TYPE_CHECKING:

        @property
        def _c(self) -> Container: ...

        @property
        def actor(self) -> str: ...

    def check_plan(
        self, ref: str | VersionRef, *, stage: str | None = None, checks: Sequence[str] = ()
    ) -> CheckPlan:
        """Which checks `check` would run for the gate into `stage` (default: the next stage)."""
        return self._c.checks.plan(_ref(ref), stage, tuple(checks))

    def check(
        self,
        ref: str | VersionRef,
        data: object,
        *,
        target: str,
        prediction_column: str | None = None,
        sensitive: Sequence[str] = (),
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
        from steward.services.check_kinds import CheckOptions

        if report is not None and not Path(report).parent.is_dir():
            # Checked before computing: finding out after minutes of work would be unkind.
            raise InvalidInputError(f"cannot write the report to {report}: no such directory")
        if isinstance(sensitive, str):
            sensitive = [s.strip() for s in sensitive.split(",") if s.strip()]
        options = CheckOptions(
            target=target,
            prediction_column=prediction_column,
            sensitive=tuple(sensitive),
            stage=stage,
            checks=tuple(checks),
            id_column=id_column,
            suite=_suite(suite),
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
        )
        if options.id_column is None and options.suite is not None:
            from dataclasses import replace

            options = replace(options, id_column=options.suite.id_column)
        out = Path(report) if report is not None else None
        return self._c.checks.run(
            self.actor,
            _ref(ref),
            data,
            options,
            progress=progress,
            reason=reason,
            deliver=(lambda html: write_report(out, html)) if out is not None else None,
        )


def write_report(path: Path, html: str) -> None:
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot write the report to {path}: {exc.strerror}") from None


def _suite(suite: QualitySuite | str | Path | None) -> QualitySuite | None:
    if suite is None or isinstance(suite, QualitySuite):
        return suite
    from steward.adapters.quality_yaml import load_suite

    return load_suite(Path(suite))


def _ref(ref: str | VersionRef) -> VersionRef:
    return ref if isinstance(ref, VersionRef) else parse_version_ref(ref)
