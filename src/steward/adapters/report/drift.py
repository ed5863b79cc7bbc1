"""The `drift` section: the dataset verdict, one row per compared column (method, statistic,
threshold, verdict), and the reference and current distributions of each column side by side,
drifted columns first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import BarGroup, grouped_bar_chart
from steward.adapters.report.markup import Cell, badge, bullets, facts, num, table
from steward.adapters.report.values import (
    as_bool,
    as_float,
    as_list,
    as_mapping,
    as_str,
    esc,
    number,
    percent,
    significant,
    text,
)

MAX_CHARTS = 30
SERIES = ("reference", "current")


def render_drift(details: Mapping[str, Any], anchor: str) -> str:
    columns = {str(k): as_mapping(v) for k, v in as_mapping(details.get("columns")).items()}
    ordered = sorted(columns.items(), key=lambda item: as_bool(item[1].get("drifted")) is not True)
    parts = [_overview(details), "<h4>Columns</h4>", _table(ordered)]
    skipped = as_mapping(details.get("skipped"))
    if skipped:
        parts.append("<h4>Not compared</h4>")
        parts.append(bullets(f"{name}: {reason}" for name, reason in sorted(skipped.items())))
    parts.append("<h4>Distributions</h4>")
    for index, (name, column) in enumerate(ordered[:MAX_CHARTS]):
        parts.append(_chart(name, column, f"{anchor}-c{index}"))
    if len(ordered) > MAX_CHARTS:
        parts.append(f"<p>{len(ordered) - MAX_CHARTS} more columns are listed above only.</p>")
    return "".join(parts)


def _overview(details: Mapping[str, Any]) -> str:
    verdict = as_bool(details.get("dataset_drift"))
    pairs = [
        ("Dataset drift", badge(None if verdict is None else not verdict, yes="no", no="yes")),
        (
            "Drifted columns",
            esc(
                f"{number(details.get('drifted_columns'))} of "
                f"{number(details.get('compared_columns'))} "
                f"({percent(details.get('share'))}; dataset drift at {percent(details.get('drift_share'))})"
            ),
        ),
        ("Reference rows", esc(number(details.get("reference_rows")))),
        ("Current rows", esc(number(details.get("current_rows")))),
    ]
    return facts(pairs)


def _table(ordered: list[tuple[str, Mapping[str, Any]]]) -> str:
    rows: list[list[Cell | str]] = []
    for name, column in ordered:
        drifted = as_bool(column.get("drifted"))
        p_value = as_float(column.get("p_value"))
        rows.append(
            [
                esc(name),
                text(column.get("kind")),
                text(column.get("method")),
                num(esc(number(column.get("statistic")))),
                num(esc("n/a" if p_value is None else significant(p_value))),
                num(esc(number(column.get("threshold")))),
                badge(None if drifted is None else not drifted, yes="stable", no="drifted"),
            ]
        )
    header = ["Column", "Kind", "Method", "Statistic", "p-value", "Threshold", "Verdict"]
    return table(header, rows)


def _chart(name: str, column: Mapping[str, Any], chart_id: str) -> str:
    chart = as_mapping(column.get("chart"))
    groups = _histogram(chart) if "edges" in chart else _categories(chart)
    if not groups:
        return ""
    method = as_str(column.get("method")) or "n/a"
    verdict = "drifted" if as_bool(column.get("drifted")) else "stable"
    caption = (
        f"{name}: share of rows per {'bin' if 'edges' in chart else 'category'} in the "
        f"reference and current data; {method} {number(column.get('statistic'))}, {verdict}."
    )
    return grouped_bar_chart(
        title=f"Distribution of {name}",
        desc=caption,
        caption=caption,
        groups=groups,
        series=SERIES,
        y_title="share of rows",
        flag_name="",
        id_prefix=chart_id,
        y_domain=(0.0, max(0.05, *_heights(groups))),
    )


def _histogram(chart: Mapping[str, Any]) -> list[BarGroup]:
    edges = [as_float(e) for e in as_list(chart.get("edges"))]
    reference = [as_float(v) for v in as_list(chart.get("reference"))]
    current = [as_float(v) for v in as_list(chart.get("current"))]
    groups = []
    for index, (ref, cur) in enumerate(zip(reference, current, strict=False)):
        low = edges[index] if index < len(edges) else None
        label = "n/a" if low is None else significant(low)
        groups.append(BarGroup(label, (ref, cur)))
    return groups


def _categories(chart: Mapping[str, Any]) -> list[BarGroup]:
    labels = [str(label) for label in as_list(chart.get("labels"))]
    reference = [as_float(v) for v in as_list(chart.get("reference"))]
    current = [as_float(v) for v in as_list(chart.get("current"))]
    groups = [
        BarGroup(label, (ref, cur))
        for label, ref, cur in zip(labels, reference, current, strict=False)
    ]
    other = (as_float(chart.get("other_reference")), as_float(chart.get("other_current")))
    if any(value for value in other):
        groups.append(BarGroup("(other)", other))
    return groups


def _heights(groups: list[BarGroup]) -> list[float]:
    return [value for group in groups for value in group.values if value is not None]


__all__ = ["render_drift"]
