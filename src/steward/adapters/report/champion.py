"""The `champion_challenger` section: a forest plot of the metric differences with their
intervals, the metric table, and the cost of each model side by side.

A difference is read as challenger minus champion. The margin line sits on the side where the
challenger is worse: at -margin for a metric where higher is better, at +margin otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import ForestRow, forest_plot
from steward.adapters.report.markup import Cell, facts, notice, num, table
from steward.adapters.report.values import (
    as_bool,
    as_float,
    as_list,
    as_mapping,
    byte_size,
    esc,
    interval,
    label,
    metric_name,
    number,
    percent,
    plain,
    significant,
    text,
)

COST_LABELS: Mapping[str, str] = {
    "model_size_bytes": "Model size",
    "latency_p50_ms": "Latency, median (ms)",
    "latency_p99_ms": "Latency, 99th percentile (ms)",
    "peak_memory_bytes": "Peak memory",
    "throughput_rows_per_s": "Throughput (rows/s)",
}


def render_champion_challenger(details: Mapping[str, Any], anchor: str) -> str:
    """Comparison facts, then the forest plot and tables; a notice when there is no champion."""
    parts = [_overview(details)]
    if details.get("champion") is None:
        parts.append(
            notice(
                "There is no champion in production, so the comparison was skipped: the "
                "challenger has nothing to be compared with."
            )
        )
    else:
        metrics = [as_mapping(item) for item in as_list(details.get("metrics"))]
        primary = plain(details.get("primary_metric"))
        parts += [
            _forest(metrics, primary, details),
            _metric_table(metrics, primary, details),
        ]
    parts.append(_cost_table(as_mapping(details.get("cost"))))
    return "".join(parts)


def _overview(details: Mapping[str, Any]) -> str:
    wins = as_bool(details.get("challenger_wins"))
    pairs = [
        ("Champion", text(details.get("champion"))),
        ("Challenger", text(details.get("challenger"))),
        ("Task", text(details.get("task"))),
        ("Rows", number(details.get("rows"))),
        ("Primary metric", label(details.get("primary_metric"))),
        ("Margin", number(details.get("margin"))),
        (
            "Bootstrap",
            f"{number(details.get('bootstrap'))} resamples, "
            f"{percent(details.get('confidence'))} intervals, seed {number(details.get('seed'))}",
        ),
        ("Challenger wins", text(wins)),
    ]
    return facts(pairs)


def _bound(metric: Mapping[str, Any], margin: float | None) -> float | None:
    if margin is None:
        return None
    return margin if as_bool(metric.get("higher_is_better")) is False else -margin


def _forest(metrics: list[Mapping[str, Any]], primary: str, details: Mapping[str, Any]) -> str:
    if not metrics:
        return '<p class="muted">No metric was compared.</p>'
    margin = as_float(details.get("margin"))
    rows = []
    for metric in metrics:
        is_primary = plain(metric.get("name")) == primary
        rows.append(
            ForestRow(
                label=metric_name(metric.get("name")) + (" (primary)" if is_primary else ""),
                estimate=as_float(metric.get("delta")),
                low=as_float(metric.get("low")),
                high=as_float(metric.get("high")),
                emphasis=is_primary,
                bound=_bound(metric, margin) if is_primary else None,
            )
        )
    confidence = percent(details.get("confidence"))
    margin_text = ""
    if margin is not None:
        margin_text = (
            f" The dashed line on the primary metric marks the margin ({significant(margin)}): "
            "how much worse the challenger may be and still be accepted."
        )
    return forest_plot(
        title="Challenger minus champion",
        desc=f"Difference between challenger and champion for {len(rows)} metrics, "
        f"with {confidence} bootstrap intervals.",
        caption=f"Each diamond is the challenger's value minus the champion's, with its "
        f"{confidence} bootstrap interval; the solid line is no difference.{margin_text}",
        rows=rows,
        x_title="Challenger minus champion",
    )


def _metric_table(
    metrics: list[Mapping[str, Any]], primary: str, details: Mapping[str, Any]
) -> str:
    rows: list[list[Cell | str]] = []
    for metric in metrics:
        name = label(metric.get("name"))
        if plain(metric.get("name")) == primary:
            name = f"<strong>{name}</strong> (primary)"
        better = as_bool(metric.get("higher_is_better"))
        rows.append(
            [
                name,
                num(number(metric.get("champion"))),
                num(number(metric.get("challenger"))),
                num(number(metric.get("delta"))),
                num(interval(metric.get("low"), metric.get("high"))),
                "n/a" if better is None else ("higher" if better else "lower"),
            ]
        )
    confidence = percent(details.get("confidence"))
    headers = ["Metric", "Champion", "Challenger", "Difference", f"{confidence} interval", "Better"]
    return table(headers, rows, caption="Metrics of both models on the same rows")


def _cost_keys(*costs: Mapping[str, Any]) -> list[str]:
    present = {key for cost in costs for key in cost if isinstance(key, str)}
    known = [key for key in COST_LABELS if key in present]
    return known + sorted(present - set(COST_LABELS))


def _cost_value(key: str, value: object) -> str:
    return byte_size(value) if key.endswith("_bytes") else number(value)


def _cost_table(cost: Mapping[str, Any]) -> str:
    champion = as_mapping(cost.get("champion"))
    challenger = as_mapping(cost.get("challenger"))
    keys = _cost_keys(champion, challenger)
    if not keys:
        return '<h4>Cost</h4><p class="muted">No cost measurements were recorded.</p>'
    rows: list[list[Cell | str]] = [
        [
            esc(COST_LABELS.get(key, key.replace("_", " "))),
            num(_cost_value(key, champion.get(key))),
            num(_cost_value(key, challenger.get(key))),
        ]
        for key in keys
    ]
    return "<h4>Cost</h4>" + table(["Measure", "Champion", "Challenger"], rows)
