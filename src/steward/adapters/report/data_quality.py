"""The `data_quality` section: missing share per column as bars, the findings (failed errors
first, then failed warnings, then passed) and examples of failing rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.charts import Bar, hbar_chart
from steward.adapters.report.generic import render_generic
from steward.adapters.report.markup import Cell, badge, facts, num, table
from steward.adapters.report.values import (
    as_bool,
    as_float,
    as_list,
    as_mapping,
    as_str,
    esc,
    number,
    percent,
    plain,
    text,
)

TOP_COLUMNS = 30
MAX_EXAMPLES = 10
_SEVERITY_ORDER = {"error": 0, "warning": 1}


def render_data_quality(details: Mapping[str, Any], anchor: str) -> str:
    """Dataset facts, missing-share chart, findings table, examples and settings."""
    findings = sort_findings([as_mapping(item) for item in as_list(details.get("findings"))])
    return "".join(
        [
            _overview(details),
            _missing_chart([as_mapping(c) for c in as_list(details.get("columns_profile"))]),
            "<h4>Findings</h4>",
            _findings_table(findings),
            _examples(findings),
            _settings(details.get("settings")),
        ]
    )


def sort_findings(findings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Failed errors, then failed warnings, then other failures, then passed; the recorded
    order is kept within each (the sort is stable)."""

    def key(finding: Mapping[str, Any]) -> int:
        if as_bool(finding.get("passed")) is True:
            return len(_SEVERITY_ORDER) + 1
        severity = as_str(finding.get("severity")) or ""
        return _SEVERITY_ORDER.get(severity.lower(), len(_SEVERITY_ORDER))

    return sorted(findings, key=key)


def _overview(details: Mapping[str, Any]) -> str:
    pairs = [
        ("Rows", number(details.get("rows"))),
        ("Columns", number(details.get("columns"))),
        ("ID column", text(details.get("id_column"))),
        ("Result", badge(as_bool(details.get("passed")))),
    ]
    return facts(pairs)


def _missing_chart(profile: list[Mapping[str, Any]]) -> str:
    shares = [
        (plain(column.get("name")), share)
        for column in profile
        if (share := as_float(column.get("missing_share"))) is not None
    ]
    if not shares:
        return '<p class="muted">No column profile was recorded.</p>'
    if not any(share > 0 for _, share in shares):
        return f"<p>No missing values in any of the {len(shares)} profiled columns.</p>"
    # Most missing first; the name breaks ties so the order never depends on the input order.
    shares.sort(key=lambda item: (-item[1], item[0]))
    shown = shares[:TOP_COLUMNS]
    which = "each column"
    if len(shares) > len(shown):
        which = f"the {len(shown)} columns with the most missing values"
    return hbar_chart(
        title="Missing values per column",
        desc=f"Share of rows with a missing value in {which}, of {len(shares)} profiled columns.",
        caption=f"Share of rows with a missing value in {which} ({len(shares)} columns profiled).",
        bars=[Bar(name, share) for name, share in shown],
        value_title="Share of rows missing",
        percent=True,
        color="#d55e00",
    )


def _findings_table(findings: list[Mapping[str, Any]]) -> str:
    rows: list[list[Cell | str]] = []
    classes: list[str] = []
    for finding in findings:
        passed = as_bool(finding.get("passed"))
        rows.append(
            [
                text(finding.get("name")),
                text(finding.get("column")),
                text(finding.get("severity")),
                badge(passed),
                num(number(finding.get("failed_rows"))),
                num(percent(finding.get("share"))),
                text(finding.get("detail")),
            ]
        )
        classes.append("" if passed else "failed")
    headers = ["Check", "Column", "Severity", "Result", "Failed rows", "Share", "Detail"]
    return table(headers, rows, row_classes=classes)


def _examples(findings: list[Mapping[str, Any]]) -> str:
    entries: list[str] = []
    for finding in findings:
        examples = as_list(finding.get("examples"))
        if not examples:
            continue
        column = finding.get("column")
        where = f" ({text(column)})" if column is not None else ""
        items = "".join(f"<li>{_example(example)}</li>" for example in examples[:MAX_EXAMPLES])
        more = len(examples) - MAX_EXAMPLES
        if more > 0:
            items += f'<li class="muted">… and {more} more</li>'
        entries.append(
            f'<dt>{text(finding.get("name"))}{where}</dt><dd><ul class="examples">{items}</ul></dd>'
        )
    if not entries:
        return ""
    return f'<h4>Examples of failing values</h4><dl class="examples">{"".join(entries)}</dl>'


def _example(example: object) -> str:
    if isinstance(example, Mapping):
        return ", ".join(f"{esc(plain(key))}: {text(value)}" for key, value in example.items())
    return text(example)


def _settings(settings: object) -> str:
    mapping = as_mapping(settings)
    if not mapping:
        return ""
    # Settings have no meaningful order: sort so the same settings always print the same way.
    ordered = {key: mapping[key] for key in sorted(mapping, key=plain)}
    return f"<h4>Settings</h4>{render_generic(ordered)}"
