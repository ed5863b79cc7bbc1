"""The `performance` section: metrics with bootstrap intervals and, for a classifier, the ROC,
precision-recall and calibration curves and the confusion matrix.

Reads the shape of `PerformanceReport.as_dict()`; curves are drawn only when their data is
there, so a regressor shows its metrics alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import Series, line_chart
from steward.adapters.report.markup import Cell, facts, num, table
from steward.adapters.report.svg import PALETTE, REFERENCE
from steward.adapters.report.values import (
    as_bool,
    as_float,
    as_floats,
    as_list,
    as_mapping,
    interval,
    label,
    number,
    percent,
    significant,
    text,
)

_CORRECT_RGB = "0, 114, 178"  # blue: rows classified correctly
_ERROR_RGB = "213, 94, 0"  # vermillion: misclassified rows


def render_performance(details: Mapping[str, Any], anchor: str) -> str:
    """Overview facts, metric table, curves and confusion matrix, from a performance report."""
    parts = [_overview(details), _metric_table(details)]
    charts = [chart for chart in (_roc(details), _pr(details), _calibration(details)) if chart]
    if charts:
        parts.append(f'<h4>Curves</h4><div class="charts">{"".join(charts)}</div>')
    parts.append(_confusion(details))
    return "".join(parts)


def _overview(details: Mapping[str, Any]) -> str:
    bootstrap = details.get("bootstrap")
    resampling = "none"
    if as_float(bootstrap):
        resampling = (
            f"{number(bootstrap)} resamples, {percent(details.get('confidence'))} intervals, "
            f"seed {number(details.get('seed'))}"
        )
    pairs = [
        ("Task", text(details.get("task"))),
        ("Rows", number(details.get("rows"))),
        ("Sample weights", text(as_bool(details.get("weighted")))),
        ("Bootstrap", resampling),
    ]
    return facts(pairs)


def _metric_table(details: Mapping[str, Any]) -> str:
    metrics = as_mapping(details.get("metrics"))
    intervals = as_mapping(details.get("intervals"))
    with_intervals = bool(intervals)
    rows: list[list[Cell | str]] = []
    for name, value in metrics.items():
        row: list[Cell | str] = [label(name), num(number(value))]
        if with_intervals:
            bounds = as_list(intervals.get(name))
            low, high = [*bounds, None, None][:2]
            row.append(num(interval(low, high)))
        rows.append(row)
    headers = ["Metric", "Estimate"]
    if with_intervals:
        headers.append(f"{percent(details.get('confidence'))} bootstrap interval")
    return table(headers, rows, caption="Metrics on the evaluation data")


def _curve(data: object, x_key: str, y_key: str) -> tuple[tuple[float, float], ...]:
    mapping = as_mapping(data)
    xs, ys = as_floats(mapping.get(x_key)), as_floats(mapping.get(y_key))
    return tuple((x, y) for x, y in zip(xs, ys, strict=False) if x is not None and y is not None)


def _diagonal(name: str) -> Series:
    return Series(name, ((0.0, 0.0), (1.0, 1.0)), REFERENCE, dash="5 4", width=1.5)


def _metric(details: Mapping[str, Any], name: str) -> str:
    return number(as_mapping(details.get("metrics")).get(name))


def _roc(details: Mapping[str, Any]) -> str:
    points = _curve(details.get("roc"), "fpr", "tpr")
    if len(points) < 2:
        return ""
    auc = _metric(details, "auc")
    return line_chart(
        title="ROC curve",
        desc=f"Receiver operating characteristic with {len(points)} points; ROC AUC {auc}.",
        caption=f"ROC curve: true positive rate against false positive rate over all "
        f"thresholds. ROC AUC {auc}; the dashed diagonal is a model without skill.",
        series=[Series(f"model (AUC {auc})", points, PALETTE[0]), _diagonal("chance")],
        x_title="False positive rate",
        y_title="True positive rate",
    )


def _prevalence(details: Mapping[str, Any]) -> float | None:
    cells = as_mapping(details.get("confusion"))
    counts = [as_float(cells.get(key)) for key in ("tn", "fp", "fn", "tp")]
    if any(count is None for count in counts):
        return None
    tn, fp, fn, tp = (count or 0.0 for count in counts)
    total = tn + fp + fn + tp
    return (fn + tp) / total if total > 0 else None


def _pr(details: Mapping[str, Any]) -> str:
    points = _curve(details.get("pr"), "recall", "precision")
    if len(points) < 2:
        return ""
    pr_auc = _metric(details, "pr_auc")
    series = [Series(f"model (AP {pr_auc})", points, PALETTE[0])]
    prevalence = _prevalence(details)
    baseline = ""
    if prevalence is not None:
        flat = ((0.0, prevalence), (1.0, prevalence))
        shown = significant(prevalence, 3)
        series.append(Series(f"no skill ({shown})", flat, REFERENCE, dash="5 4", width=1.5))
        baseline = f" The dashed line is the share of positives ({shown}), a model without skill."
    return line_chart(
        title="Precision-recall curve",
        desc=f"Precision against recall with {len(points)} points; average precision {pr_auc}.",
        caption=f"Precision-recall curve over all thresholds. Average precision {pr_auc}."
        + baseline,
        series=series,
        x_title="Recall",
        y_title="Precision",
    )


def _calibration(details: Mapping[str, Any]) -> str:
    data = as_mapping(details.get("calibration"))
    predicted = as_floats(data.get("mean_predicted"))
    observed = as_floats(data.get("fraction_positive"))
    counts = as_list(data.get("counts"))
    points: list[tuple[float, float]] = []
    tips: list[str] = []
    for index, (x, y) in enumerate(zip(predicted, observed, strict=False)):
        if x is None or y is None:
            continue
        points.append((x, y))
        rows = number(counts[index]) if index < len(counts) else "n/a"
        tips.append(f"mean predicted {significant(x)}, observed {significant(y)}, {rows} rows")
    if not points:
        return ""
    bins = number(data.get("bins"))
    return line_chart(
        title="Calibration curve",
        desc=f"Observed share of positives against mean predicted probability in {len(points)} "
        f"non-empty bins of {bins}.",
        caption=f"Calibration: rows grouped into {bins} equal-width bins of predicted "
        "probability (empty bins left out). Points on the dashed diagonal are perfectly "
        "calibrated.",
        series=[
            Series("model", tuple(points), PALETTE[0], markers=True, tips=tuple(tips)),
            _diagonal("perfectly calibrated"),
        ],
        x_title="Mean predicted probability",
        y_title="Observed share of positives",
    )


def _confusion(details: Mapping[str, Any]) -> str:
    cells = as_mapping(details.get("confusion"))
    if not cells:
        return ""
    values = {key: as_float(cells.get(key)) for key in ("tn", "fp", "fn", "tp")}
    known = [value for value in values.values() if value is not None]
    largest = max(known, default=0.0)
    total = sum(known)

    def cell(key: str, rgb: str) -> str:
        value = values[key]
        if value is None:
            return '<td class="muted">n/a</td>'
        strength = 0.1 + 0.75 * (value / largest if largest > 0 else 0.0)
        ink = "#ffffff" if strength > 0.5 else "#1f2933"
        share = percent(value / total if total > 0 else None)
        return (
            f'<td style="background-color: rgba({rgb}, {strength:.2f}); color: {ink}">'
            f"{number(cells.get(key))}<small>{key.upper()} · {share} of rows</small></td>"
        )

    threshold = number(cells.get("threshold"))
    return (
        f'<h4>Confusion matrix</h4><table class="confusion"><caption>At threshold {threshold}: '
        "a row is predicted positive when its score is at least the threshold.</caption>"
        '<thead><tr><th></th><th scope="col">Predicted negative</th>'
        '<th scope="col">Predicted positive</th></tr></thead><tbody>'
        f'<tr><th scope="row">Actual negative</th>{cell("tn", _CORRECT_RGB)}'
        f"{cell('fp', _ERROR_RGB)}</tr>"
        f'<tr><th scope="row">Actual positive</th>{cell("fn", _ERROR_RGB)}'
        f"{cell('tp', _CORRECT_RGB)}</tr></tbody></table>"
    )
