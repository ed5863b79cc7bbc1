"""The `fairness` section: for each grouping, a grouped bar chart of selection rate, TPR and
FPR per group (small groups hatched), the group table and the disparities.

Reads the shape of `FairnessReport.as_dict()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import BarGroup, grouped_bar_chart
from steward.adapters.report.markup import Cell, facts, num, table
from steward.adapters.report.values import (
    METRIC_LABELS,
    as_bool,
    as_float,
    as_list,
    as_mapping,
    esc,
    number,
    plain,
    text,
)

CHART_RATES: tuple[tuple[str, str], ...] = (
    ("selection_rate", "Selection rate"),
    ("tpr", "True positive rate"),
    ("fpr", "False positive rate"),
)
TABLE_RATES: tuple[tuple[str, str], ...] = (
    *CHART_RATES,
    ("precision", "Precision"),
    ("accuracy", "Accuracy"),
)
DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)
MAX_CHART_GROUPS = 30  # more bars than this are unreadable; the table still lists every group


def render_fairness(details: Mapping[str, Any], anchor: str) -> str:
    """Overall rates, then one block per grouping (each attribute, then their intersection)."""
    minimum = number(details.get("min_group_size"))
    parts = [_overview(details)]
    groupings = [as_mapping(item) for item in as_list(details.get("groupings"))]
    for index, grouping in enumerate(groupings):
        parts.append(_grouping(grouping, minimum, f"{anchor}-g{index}"))
    if not groupings:
        parts.append('<p class="muted">No grouping was recorded.</p>')
    return "".join(parts)


def _overview(details: Mapping[str, Any]) -> str:
    overall = as_mapping(details.get("overall"))
    pairs = [
        ("Rows", number(details.get("rows"))),
        ("Positive label", text(details.get("pos_label"))),
        ("Minimum group size", number(details.get("min_group_size"))),
    ]
    pairs += [(f"Overall {name.lower()}", number(overall.get(key))) for key, name in TABLE_RATES]
    return facts(pairs)


def _attributes(grouping: Mapping[str, Any]) -> list[str]:
    return [plain(name) for name in as_list(grouping.get("attributes"))]


def _group_label(group: Mapping[str, Any], attributes: list[str]) -> str:
    """The group's values in attribute order, e.g. "F / 30-40" (plain text)."""
    key = group.get("key")
    if not isinstance(key, Mapping):
        return plain(key) if key is not None else "n/a"
    names = attributes or [plain(name) for name in key]
    return " / ".join("n/a" if key.get(name) is None else plain(key.get(name)) for name in names)


def _grouping(grouping: Mapping[str, Any], minimum: str, chart_id: str) -> str:
    attributes = _attributes(grouping)
    title = " and ".join(attributes) or "unnamed attribute"
    groups = [as_mapping(item) for item in as_list(grouping.get("groups"))]
    return "".join(
        [
            f"<h4>By {esc(title)}</h4>",
            _chart(groups, attributes, title, minimum, chart_id) if groups else "",
            _group_table(groups, attributes),
            _disparities(grouping),
        ]
    )


def _chart(
    groups: list[Mapping[str, Any]], attributes: list[str], title: str, minimum: str, chart_id: str
) -> str:
    shown = groups[:MAX_CHART_GROUPS]
    bars = [
        BarGroup(
            label=_group_label(group, attributes),
            values=tuple(as_float(group.get(key)) for key, _ in CHART_RATES),
            flagged=as_bool(group.get("small")) is True,
        )
        for group in shown
    ]
    small = sum(bar.flagged for bar in bars)
    more = (
        f" The first {len(shown)} of {len(groups)} groups are drawn."
        if len(groups) > len(shown)
        else ""
    )
    flagged = (
        f" Hatched groups (*) have fewer than {minimum} rows: shown, but left out of the "
        "disparities."
        if small
        else ""
    )
    return grouped_bar_chart(
        title=f"Rates by {title}",
        desc=f"Selection rate, true positive rate and false positive rate for {len(shown)} "
        f"groups of {title}; {small} small groups.",
        caption=f"Selection rate, true positive rate and false positive rate of each group of "
        f"{title}.{flagged}{more} A missing bar (n/a) is a rate without a denominator.",
        groups=bars,
        series=[name for _, name in CHART_RATES],
        y_title="Rate",
        flag_name=f"small group (< {minimum} rows)",
        id_prefix=chart_id,
    )


def _group_table(groups: list[Mapping[str, Any]], attributes: list[str]) -> str:
    rows: list[list[Cell | str]] = []
    classes: list[str] = []
    for group in groups:
        small = as_bool(group.get("small")) is True
        status = "small, not compared" if small else "compared"
        rows.append(
            [
                esc(_group_label(group, attributes)),
                num(number(group.get("count"))),
                *(num(number(group.get(key))) for key, _ in TABLE_RATES),
                status,
            ]
        )
        classes.append("small" if small else "")
    headers = ["Group", "Rows", *(name for _, name in TABLE_RATES), "Status"]
    return table(headers, rows, row_classes=classes, caption="Metrics per group")


def _disparities(grouping: Mapping[str, Any]) -> str:
    rows: list[list[Cell | str]] = [
        [esc(METRIC_LABELS[name]), num(number(grouping.get(name)))] for name in DISPARITIES
    ]
    rows.append(["Groups compared", num(number(grouping.get("compared_groups")))])
    rows.append(["Small groups left out", num(number(grouping.get("small_groups")))])
    return table(
        ["Disparity", "Value"],
        rows,
        caption="Disparities between the groups that are not small (n/a: undefined)",
    )
