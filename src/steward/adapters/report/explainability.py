"""The `explainability` section: permutation importances as horizontal bars with ± one standard
deviation whiskers (top 20), and a table of the local explanations.

Reads the shape of `ExplanationReport.as_dict()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import Bar, hbar_chart
from steward.adapters.report.markup import Cell, facts, num, table
from steward.adapters.report.values import (
    NA,
    as_bool,
    as_float,
    as_list,
    as_mapping,
    esc,
    number,
    plain,
    significant,
    text,
)

TOP_FEATURES = 20
TOP_CONTRIBUTIONS = 3
MAX_REFERENCE_VALUES = 30


def render_explainability(details: Mapping[str, Any], anchor: str) -> str:
    """Method facts, the importance chart, the local explanations and occlusion references."""
    features = _ranked([as_mapping(item) for item in as_list(details.get("features"))])
    parts = [_overview(details)]
    if features:
        parts.append(_importance_chart(features, details))
    else:
        parts.append('<p class="muted">No feature importance was recorded.</p>')
    parts.append(_local_table(details))
    parts.append(_references(details))
    return "".join(parts)


def _overview(details: Mapping[str, Any]) -> str:
    rows_scored = number(details.get("rows_scored"))
    if as_bool(details.get("subsampled")):
        rows_scored += f" (a seeded sample of {number(details.get('rows'))} rows)"
    pairs = [
        ("Global method", text(details.get("global_method"))),
        ("Scoring", text(details.get("scoring"))),
        ("Rows scored", rows_scored),
        ("Repeats", number(details.get("n_repeats"))),
        ("Seed", number(details.get("seed"))),
        ("Local method", text(details.get("local_method"))),
        ("Local score", text(details.get("score_output"))),
    ]
    return facts(pairs)


def _ranked(features: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Features by rank (as recorded; a missing rank goes last, order otherwise kept)."""

    def key(feature: Mapping[str, Any]) -> tuple[bool, float]:
        rank = as_float(feature.get("rank"))
        return rank is None, rank if rank is not None else 0.0

    return sorted(features, key=key)


def _importance_chart(features: list[Mapping[str, Any]], details: Mapping[str, Any]) -> str:
    shown = features[:TOP_FEATURES]
    bars: list[Bar] = []
    for feature in shown:
        mean = as_float(feature.get("importance_mean"))
        std = as_float(feature.get("importance_std"))
        name = plain(feature.get("name"))
        if mean is None or std is None:
            bars.append(Bar(name, mean))
        else:
            bars.append(Bar(name, mean, mean - std, mean + std))
    scoring = plain(details.get("scoring")) if details.get("scoring") is not None else "score"
    repeats = number(details.get("n_repeats"))
    top = f"all {len(features)} features"
    if len(features) > len(shown):
        top = f"the top {len(shown)} of {len(features)} features"
    return hbar_chart(
        title="Permutation importance",
        desc=f"Mean drop in {scoring} when each feature is shuffled, for {top}, "
        "with whiskers of one standard deviation.",
        caption=f"Permutation importance of {top}: the mean drop in {scoring} when the feature's "
        f"values are shuffled, over {repeats} repeats; whiskers span ± one standard deviation. "
        "A value near zero means the model does not rely on the feature.",
        bars=bars,
        value_title=f"Drop in {scoring}",
    )


def _top_contributions(contributions: Mapping[str, Any]) -> str:
    known = [
        (plain(name), value)
        for name, raw in contributions.items()
        if (value := as_float(raw)) is not None
    ]
    # Largest effect first; the name breaks ties so equal effects always list the same way.
    known.sort(key=lambda item: (-abs(item[1]), item[0]))
    shown = [f"{esc(name)} {_signed(value)}" for name, value in known[:TOP_CONTRIBUTIONS]]
    return "; ".join(shown) if shown else NA


def _signed(value: float) -> str:
    shown = significant(value)
    return f"+{shown}" if value > 0 else shown


def _local_table(details: Mapping[str, Any]) -> str:
    local = [as_mapping(item) for item in as_list(details.get("local"))]
    if not local:
        return '<h4>Local explanations</h4><p class="muted">No row was explained.</p>'
    rows: list[list[Cell | str]] = [
        [
            num(number(item.get("row"))),
            num(number(item.get("base_score"))),
            _top_contributions(as_mapping(item.get("contributions"))),
        ]
        for item in local
    ]
    method = details.get("local_method")
    how = f" with {plain(method)}" if method is not None else ""
    caption = f"Rows explained{how}; a positive contribution pushes the score up."
    headers = ["Row", "Prediction", f"Largest {TOP_CONTRIBUTIONS} contributions"]
    return "<h4>Local explanations</h4>" + table(headers, rows, caption=caption)


def _references(details: Mapping[str, Any]) -> str:
    reference = as_mapping(details.get("reference"))
    if not reference:
        return ""
    entries = list(reference.items())
    pairs = [(plain(name), text(value)) for name, value in entries[:MAX_REFERENCE_VALUES]]
    more = len(entries) - MAX_REFERENCE_VALUES
    tail = f'<p class="muted">… and {more} more.</p>' if more > 0 else ""
    return (
        "<h4>Reference values</h4><p>Occlusion replaces a feature by this value "
        "(the median or the most frequent value).</p>" + facts(pairs) + tail
    )
