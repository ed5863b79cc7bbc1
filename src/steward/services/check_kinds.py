"""One function per kind of check the evidence engine runs. Each reads the shared context and
returns the statistics report's findings as a CheckOutcome; none of them writes anything.

A check passes when its own verdict holds (data quality without failed errors, a challenger that
is not worse than the champion, ...) and every threshold the policy's gate sets on its metrics
holds too. So "passed" evidence meets every requirement of the gate on its kind; the gate reads
a threshold from the metric alone, so a failed check may still meet a threshold-only clause.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from steward.domain.errors import InvalidInputError
from steward.domain.policy import CheckRequirement, Gate, Policy
from steward.domain.quality_rules import QualitySuite
from steward.services.check_results import CheckOutcome, Requirement
from steward.stats.scoring import Scored, feature_frame

# Kinds this engine computes, in the order it runs them (cheap and most telling first).
ENGINE_KINDS: tuple[str, ...] = (
    "documentation",
    "data_quality",
    "performance",
    "fairness",
    "explainability",
    "champion_challenger",
)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to run the checks. Every field is recorded in the evidence's configuration."""

    target: str
    prediction_column: str | None = None
    sensitive: tuple[str, ...] = ()
    stage: str | None = None
    checks: tuple[str, ...] = ()
    id_column: str | None = None
    suite: QualitySuite | None = None
    threshold: float = 0.5
    bootstrap: int = 200
    confidence: float = 0.95
    seed: int = 0
    min_group_size: int = 30
    explain_rows: int = 2000
    local_explanations: int = 5
    permutation_repeats: int = 5
    margin: float = 0.01
    latency_calls: int = 200
    trust: bool = False

    def settings(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "prediction_column": self.prediction_column,
            "sensitive": list(self.sensitive),
            "id_column": self.id_column,
            "threshold": self.threshold,
            "bootstrap": self.bootstrap,
            "confidence": self.confidence,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class Champion:
    """The version the candidate is compared with, already loaded and scored."""

    ref: str
    model: object
    features: list[str]
    scores: NDArray[np.float64]
    artifact_size: int
    artifact_sha256: str


@dataclass
class CheckContext:
    """Everything the checks read, computed once per run."""

    ref: str
    record: Mapping[str, Any]  # the version record as a dict
    policy: Policy
    gate: Gate
    stage: str
    table: pa.Table
    options: CheckOptions
    scored: Scored | None
    model: object | None
    features: list[str]
    profile: Any | None  # the training profile (stats.profile.Profile) when the version has one
    champion: Champion | None = None
    champion_stage: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    def requirements(self, kind: str) -> tuple[CheckRequirement, ...]:
        return tuple(check for check in self.gate.checks if check.kind == kind)


Runner = Callable[[CheckContext], CheckOutcome]


def outcome(
    context: CheckContext,
    kind: str,
    *,
    own_verdict: bool,
    summary: str,
    metrics: Mapping[str, float],
    config: Mapping[str, Any],
    details: Mapping[str, Any],
    notes: tuple[str, ...] = (),
    uses: tuple[str, ...] = ("data", "model"),
    shared_settings: bool = True,
) -> CheckOutcome:
    """Judge the metrics against the gate's thresholds on this kind and build the outcome.
    Only the inputs the check `uses` (and, with `shared_settings`, the run's common settings)
    are recorded: an input a check does not read must not change its evidence digest."""
    finite = {k: float(v) for k, v in metrics.items() if math.isfinite(float(v))}
    judged = tuple(_judge(check, own_verdict, finite) for check in context.requirements(kind))
    passed = own_verdict and all(r.met for r in judged)
    unmet = [r.clause for r in judged if not r.met]
    if unmet and own_verdict:
        summary = f"{summary}; fails {', '.join(unmet)}"
    return CheckOutcome(
        kind=kind,
        passed=passed,
        summary=summary,
        metrics=finite,
        requirements=judged,
        config={**(context.options.settings() if shared_settings else {}), **config},
        inputs={key: context.inputs[key] for key in uses if key in context.inputs},
        details=dict(details),
        notes=notes,
    )


def _judge(check: CheckRequirement, own_verdict: bool, metrics: Mapping[str, float]) -> Requirement:
    if check.metric is None:
        clause = f"{check.kind} passed"
        return Requirement(clause, own_verdict, "passed" if own_verdict else "failed")
    clause = f"{check.kind}.{check.metric} {check.op} {check.value:g}"
    value = metrics.get(check.metric)
    if value is None:
        return Requirement(clause, False, f"{check.metric} was not measured")
    return Requirement(clause, check.holds(value), f"{check.metric} = {value:.4g}")


def need_scores(context: CheckContext, kind: str) -> Scored:
    if context.scored is None:  # pragma: no cover - the engine scores before these kinds run
        raise InvalidInputError(f"{kind} needs predictions: give a model or --prediction-column")
    return context.scored


def need_model(context: CheckContext, kind: str) -> object:
    if context.model is None:
        raise InvalidInputError(
            f"{kind} needs the model itself; it could not be loaded for {context.ref}"
        )
    return context.model


# ---- documentation --------------------------------------------------------------------------


def run_documentation(context: CheckContext) -> CheckOutcome:
    required = list(context.gate.documentation)
    given = context.record.get("documentation") or {}
    present = [name for name in required if str(given.get(name, "")).strip()]
    missing = [name for name in required if name not in present]
    descriptions = {name: context.policy.documentation_fields.get(name, "") for name in required}
    summary = (
        f"{len(present)} of {len(required)} required fields present"
        if required
        else f"the {context.stage} gate requires no documentation fields"
    )
    if missing:
        summary += f"; missing {', '.join(missing)}"
    return outcome(
        context,
        "documentation",
        own_verdict=not missing,
        summary=summary,
        metrics={"complete": float(not missing), "missing_fields": float(len(missing))},
        config={"stage": context.stage, "fields": required},
        uses=(),
        shared_settings=False,
        details={
            "required": required,
            "present": present,
            "missing": missing,
            "fields": descriptions,
        },
    )


# ---- data quality ---------------------------------------------------------------------------


def run_data_quality(context: CheckContext) -> CheckOutcome:
    from steward.stats.quality import check_quality

    options = context.options
    report = check_quality(
        context.table,
        signature=context.record.get("signature") or None,
        reference=context.profile,
        suite=options.suite,
        id_column=options.id_column,
        target=options.target,
        prediction=options.prediction_column,
    )
    failed = [f for f in report.findings if not f.passed and f.severity == "error"]
    warned = [f for f in report.findings if not f.passed and f.severity == "warning"]
    summary = f"{len(report.findings)} checks on {report.rows} rows: {len(failed)} failed"
    if warned:
        summary += f", {len(warned)} warnings"
    if failed:
        first = failed[0]
        where = f" {first.column}" if first.column else ""
        summary += f" (first: {first.name}{where}: {first.detail})"
    suite = options.suite.model_dump(mode="json") if options.suite is not None else None
    return outcome(
        context,
        "data_quality",
        own_verdict=report.passed,
        summary=summary,
        metrics=report.evidence_metrics(),
        config={"suite": suite, "training_profile": context.profile is not None},
        uses=("data", "training_profile", "suite"),
        details=report.as_dict(),
        notes=tuple(report.notes),
    )


# ---- performance ----------------------------------------------------------------------------


def run_performance(context: CheckContext) -> CheckOutcome:
    from steward.stats.performance import classification_report, regression_report

    scored = need_scores(context, "performance")
    options = context.options
    if scored.task == "classification":
        report = classification_report(
            scored.truth,
            scored.scores,
            threshold=options.threshold,
            bootstrap=options.bootstrap,
            confidence=options.confidence,
            seed=options.seed,
        )
        headline = "auc"
    else:
        report = regression_report(
            scored.truth,
            scored.scores,
            bootstrap=options.bootstrap,
            confidence=options.confidence,
            seed=options.seed,
        )
        headline = "rmse"
    value = report.metrics.get(headline, math.nan)
    interval = report.intervals.get(headline)
    summary = f"{scored.task} on {report.rows} rows: {headline} {value:.4f}"
    if interval is not None:
        summary += f" ({options.confidence:.0%} CI {interval[0]:.4f} to {interval[1]:.4f})"
    return outcome(
        context,
        "performance",
        own_verdict=True,
        summary=summary,
        metrics=report.evidence_metrics(),
        config={"task": scored.task, "positive_class": _plain(scored.positive)},
        details=report.as_dict(),
        notes=tuple(report.notes),
    )


# ---- fairness -------------------------------------------------------------------------------


def run_fairness(context: CheckContext) -> CheckOutcome:
    from steward.stats.fairness import fairness_report

    scored = need_scores(context, "fairness")
    options = context.options
    if scored.task != "classification":
        raise InvalidInputError("fairness by subgroup is computed for binary classifiers only")
    if not options.sensitive:
        raise InvalidInputError(
            "fairness needs --sensitive: name the columns holding the protected attributes"
        )
    predicted = scored.scores >= options.threshold
    sensitive = {name: context.table.column(name) for name in options.sensitive}
    report = fairness_report(
        scored.truth, predicted, sensitive, min_group_size=options.min_group_size, pos_label=True
    )
    metrics = report.evidence_metrics()
    ratio = metrics.get("demographic_parity_ratio", math.nan)
    odds = metrics.get("equalized_odds_difference", math.nan)
    small = int(metrics.get("small_groups", 0))
    summary = (
        f"demographic parity ratio {ratio:.3f}, equalized odds difference {odds:.3f} over "
        f"{', '.join(options.sensitive)}"
    )
    if small:
        summary += f"; {small} groups below {options.min_group_size} rows reported, not compared"
    return outcome(
        context,
        "fairness",
        own_verdict=True,
        summary=summary,
        metrics=metrics,
        config={"min_group_size": options.min_group_size},
        details=report.as_dict(),
    )


# ---- explainability -------------------------------------------------------------------------


def run_explainability(context: CheckContext) -> CheckOutcome:
    from steward.stats.explain import explain_model

    model = need_model(context, "explainability")
    scored = need_scores(context, "explainability")
    options = context.options
    rows = context.table.num_rows
    picked = sample_positions(rows, options.explain_rows, options.seed)
    sample = context.table.take(pa.array(picked)) if len(picked) < rows else context.table
    x = feature_frame(sample, context.features, model)
    y = scored.truth[picked] if len(picked) < rows else scored.truth
    target = _model_labels(model, y, scored)
    report = explain_model(
        model,
        x,
        target,
        scoring="roc_auc" if scored.task == "classification" else "r2",
        n_repeats=options.permutation_repeats,
        seed=options.seed,
        local_sample=options.local_explanations,
    )
    metrics = report.evidence_metrics()
    ranked = [f for f in report.features if math.isfinite(f.importance_mean)]
    own = bool(ranked) and len(report.local) == min(options.local_explanations, len(picked))
    top = ", ".join(f.name for f in ranked[:3])
    summary = f"{len(ranked)} features ranked by permutation importance (top: {top})"
    notes = list(report.notes)
    if len(picked) < rows:
        notes.append(f"explained on a seeded sample of {len(picked)} of {rows} rows")
    return outcome(
        context,
        "explainability",
        own_verdict=own,
        summary=summary,
        metrics=metrics,
        config={
            "rows": len(picked),
            "permutation_repeats": options.permutation_repeats,
            "local_explanations": options.local_explanations,
        },
        details=report.as_dict(),
        notes=tuple(notes),
    )


def _model_labels(model: object, truth: NDArray[Any], scored: Scored) -> NDArray[Any]:
    """The target in the model's own labels, which its scorer compares predictions with."""
    if scored.task != "classification":
        return truth
    classes = list(getattr(model, "classes_", [False, True]))
    labels: NDArray[Any] = np.where(truth, classes[1], classes[0])
    return labels


def sample_positions(rows: int, limit: int, seed: int) -> NDArray[np.int64]:
    if rows <= limit:
        return np.arange(rows, dtype=np.int64)
    chosen = np.random.default_rng(seed).choice(rows, size=limit, replace=False)
    return np.sort(chosen).astype(np.int64)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
