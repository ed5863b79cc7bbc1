"""The champion/challenger check: the candidate against the version serving in the champion's
stage, on the same rows, with paired bootstrap intervals of the metric deltas and measured cost
(single-row latency, throughput, memory, size)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from steward.services.check_kinds import (
    CheckContext,
    need_model,
    need_scores,
    outcome,
    sample_positions,
)
from steward.services.check_results import CheckOutcome


def run_champion_challenger(context: CheckContext) -> CheckOutcome:
    from steward.stats.champion import compare_models, measure_cost

    model = need_model(context, "champion_challenger")
    scored = need_scores(context, "champion_challenger")
    options = context.options
    rows = context.table.num_rows
    sample_rows = sample_positions(rows, 1000, options.seed)
    # A DataFrame whatever the model takes: measure_cost picks single rows out of it.
    taken = context.table.take(pa.array(sample_rows))
    sample = taken.select(context.features).to_pandas()
    artifact = context.record.get("artifact") or {}
    challenger_cost = measure_cost(
        _predictor(model, context.features),
        sample,
        size_bytes=int(artifact.get("size", 0)),
        calls=options.latency_calls,
        seed=options.seed,
    )
    champion = context.champion
    if champion is None:
        stage = context.champion_stage or context.stage
        summary = f"no champion in {stage}: nothing to compare, cost measured"
        metrics = {
            "latency_p50_ms": challenger_cost.latency_p50_ms,
            "latency_p99_ms": challenger_cost.latency_p99_ms,
            "model_size_bytes": float(challenger_cost.model_size_bytes),
            "peak_memory_bytes": float(challenger_cost.peak_memory_bytes),
        }
        details = {
            "champion": None,
            "challenger": context.ref,
            "task": scored.task,
            "rows": rows,
            "metrics": [],
            "passed": True,
            "challenger_wins": False,
            "notes": [summary],
            "cost": {"champion": None, "challenger": challenger_cost.as_dict()},
        }
        return outcome(
            context,
            "champion_challenger",
            own_verdict=True,
            summary=summary,
            metrics=metrics,
            config={"champion": None, "stage": stage, "margin": options.margin},
            details=details,
        )
    champion_cost = measure_cost(
        _predictor(champion.model, champion.features),
        taken.select(champion.features).to_pandas(),
        size_bytes=champion.artifact_size,
        calls=options.latency_calls,
        seed=options.seed,
    )
    report = compare_models(
        scored.truth,
        champion.scores,
        scored.scores,
        task=scored.task,
        threshold=options.threshold,
        bootstrap=options.bootstrap,
        confidence=options.confidence,
        seed=options.seed,
        margin=options.margin,
        champion=champion.ref,
        challenger=context.ref,
    ).with_cost(champion_cost, challenger_cost)
    primary = next((m for m in report.metrics if m.name == report.primary_metric), None)
    verdict = (
        "beats"
        if report.challenger_wins
        else ("is not worse than" if report.passed else "is worse than")
    )
    summary = f"challenger {verdict} {champion.ref}"
    if primary is not None:
        summary += f"; {primary.name} delta {_fmt(primary.delta)} [{_fmt(primary.low)}, {_fmt(primary.high)}]"
    return outcome(
        context,
        "champion_challenger",
        own_verdict=report.passed,
        summary=summary,
        metrics=report.evidence_metrics(),
        config={
            "champion": champion.ref,
            "primary_metric": report.primary_metric,
            "margin": options.margin,
        },
        uses=("data", "model", "champion"),
        details=report.as_dict(),
        notes=tuple(report.notes),
    )


def _predictor(model: object, features: list[str]) -> Callable[[Any], Any]:
    named = getattr(model, "feature_names_in_", None) is not None
    method = getattr(model, "predict_proba", None) or model.predict  # type: ignore[attr-defined]

    def predict(frame: Any) -> Any:
        return method(frame[features] if named else frame[features].to_numpy())

    return predict


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:+.4f}"
