"""The report document: header facts, overview of the checks, and one section per check.

A kind's own layout is drawn from the check's `details`; if that raises on data of an
unexpected shape, the section falls back to the generic key/value rendering with a notice,
because a report that fails to render would lose the whole check run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from steward.adapters.report.champion import render_champion_challenger
from steward.adapters.report.data_quality import render_data_quality
from steward.adapters.report.documentation import render_documentation
from steward.adapters.report.drift import render_drift
from steward.adapters.report.explainability import render_explainability
from steward.adapters.report.fairness import render_fairness
from steward.adapters.report.generic import render_generic
from steward.adapters.report.markup import Cell, badge, bullets, facts, num, table
from steward.adapters.report.performance import render_performance
from steward.adapters.report.style import STYLESHEET
from steward.adapters.report.values import as_list, dedupe, esc, label, number, plain, text
from steward.services.check_results import CheckOutcome, ReportHeader, Requirement

KindRenderer = Callable[[Mapping[str, Any], str], str]

KIND_RENDERERS: Mapping[str, KindRenderer] = {
    "performance": render_performance,
    "fairness": render_fairness,
    "explainability": render_explainability,
    "data_quality": render_data_quality,
    "champion_challenger": render_champion_challenger,
    "documentation": render_documentation,
    "drift": render_drift,
}
KIND_TITLES: Mapping[str, str] = {
    "performance": "Performance",
    "fairness": "Fairness",
    "explainability": "Explainability",
    "data_quality": "Data quality",
    "champion_challenger": "Champion / challenger",
    "documentation": "Documentation",
    "drift": "Data drift",
}
# Nothing may be fetched when the file is opened, even if markup slipped through by mistake.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_SLUG = re.compile(r"[^a-z0-9]+")


class HtmlReportRenderer:
    """Renders check outcomes as one self-contained HTML page (inline CSS and SVG, no script,
    nothing fetched). The same header and outcomes always give the same text."""

    def render(self, header: ReportHeader, outcomes: list[CheckOutcome]) -> str:
        title = plain(header.title) if header.title else "Check report"
        sections = [
            _section(index, outcome, header.governed)
            for index, outcome in enumerate(outcomes, start=1)
        ]
        return "".join(
            [
                '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
                f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n',
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
                f"<title>{esc(title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n<body>\n",
                '<div class="page">\n',
                _masthead(title, outcomes, header),
                "<main>\n",
                _facts_block(header),
                _overview(outcomes),
                *sections,
                "</main>\n",
                '<footer class="report">Produced by Steward. This file is self-contained: '
                "it needs no network access and no scripts to display.</footer>\n",
                "</div>\n</body>\n</html>\n",
            ]
        )


def _anchor(index: int, kind: str) -> str:
    slug = _SLUG.sub("-", plain(kind).lower()).strip("-")
    return f"check-{index}-{slug}" if slug else f"check-{index}"


def _kind_title(kind: object) -> str:
    """Escaped display name of a check kind."""
    name = plain(kind)
    return esc(KIND_TITLES.get(name, name.replace("_", " ").capitalize() or "Check"))


def _masthead(title: str, outcomes: list[CheckOutcome], header: ReportHeader) -> str:
    required = [o for o in outcomes if o.required]
    failed = [o for o in required if not o.passed]
    if not header.governed:
        verdict = " ".join(text(o.summary) for o in outcomes) or "Nothing was compared."
    elif not outcomes:
        verdict = "No checks were run."
    elif not required:
        verdict = f"{_count(len(outcomes), 'check')} run; none is required by the policy gate."
    elif failed:
        names = ", ".join(_kind_title(o.kind) for o in failed)
        verdict = f"{len(failed)} of {_count(len(required), 'required check')} failed: {names}."
    else:
        verdict = f"All required checks passed ({len(required)} of {len(required)})."
    return (
        f'<header class="report"><p class="kicker">{esc(plain(header.kicker))}</p>'
        f'<h1>{esc(title)}</h1><p class="verdict">{verdict}</p></header>\n'
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _facts_block(header: ReportHeader) -> str:
    pairs = [(plain(name), text(value)) for name, value in _pairs(header.facts)]
    body = facts(pairs) if pairs else '<p class="muted">No facts were given.</p>'
    return f'<section class="block" id="facts"><h2>About this report</h2>{body}</section>\n'


def _pairs(rows: object) -> list[tuple[object, object]]:
    pairs: list[tuple[object, object]] = []
    for row in as_list(rows):
        items = as_list(row)
        if len(items) == 2:
            pairs.append((items[0], items[1]))
    return pairs


def _overview(outcomes: list[CheckOutcome]) -> str:
    rows = [
        [
            f'<a href="#{_anchor(index, outcome.kind)}">{_kind_title(outcome.kind)}</a>',
            "yes" if outcome.required else "no",
            badge(_flag(outcome.passed)),
            text(outcome.summary),
        ]
        for index, outcome in enumerate(outcomes, start=1)
    ]
    classes = ["" if outcome.passed else "failed" for outcome in outcomes]
    overview = table(["Check", "Required", "Result", "Summary"], rows, row_classes=classes)
    return f'<section class="block" id="overview"><h2>Overview</h2>{overview}</section>\n'


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _section(index: int, outcome: CheckOutcome, governed: bool = True) -> str:
    anchor = _anchor(index, outcome.kind)
    notes = dedupe(
        [plain(note) for note in (*as_list(outcome.notes), *_detail_notes(outcome.details))]
    )
    parts = [
        f'<section class="check" id="{anchor}">',
        f'<h2><span class="index">{index}</span> {_kind_title(outcome.kind)} '
        f"{badge(_flag(outcome.passed))}</h2>",
        f'<p class="summary">{text(outcome.summary)}</p>',
    ]
    if governed:
        parts += [
            f'<p class="muted">{_requirement_note(outcome.required)}</p>',
            "<h3>Policy requirements</h3>",
            _requirements(outcome.requirements),
            "<h3>Evidence metrics</h3>",
            _metrics(outcome.metrics),
        ]
    parts += ["<h3>Analysis</h3>", _details(outcome.kind, outcome.details, anchor)]
    if notes:
        parts += ["<h3>Notes</h3>", bullets(notes)]
    parts += ["<h3>Inputs and configuration</h3>", _inputs(outcome), "</section>\n"]
    return "".join(parts)


def _requirement_note(required: object) -> str:
    if required:
        return "Required by the policy gate."
    return "Not required by the policy gate; run on request."


def _detail_notes(details: object) -> list[Any]:
    return as_list(details.get("notes")) if isinstance(details, Mapping) else []


def _requirements(requirements: object) -> str:
    rows: list[list[Cell | str]] = []
    for requirement in as_list(requirements):
        if isinstance(requirement, Requirement):
            met = _flag(requirement.met)
            clause, detail = requirement.clause, requirement.detail
        else:
            met, clause, detail = None, requirement, ""
        rows.append(
            [f"<code>{text(clause)}</code>", badge(met, yes="met", no="not met"), text(detail)]
        )
    if not rows:
        return '<p class="muted">The policy sets no requirement on this check.</p>'
    return table(["Requirement", "Status", "Detail"], rows)


def _metrics(metrics: object) -> str:
    if not isinstance(metrics, Mapping) or not metrics:
        return '<p class="muted">No metrics were recorded.</p>'
    rows: list[list[Cell | str]] = [
        [label(name), num(number(value))] for name, value in metrics.items()
    ]
    return table(["Metric", "Value"], rows)


def _details(kind: object, details: object, anchor: str) -> str:
    draw = KIND_RENDERERS.get(kind) if isinstance(kind, str) else None
    if draw is not None and isinstance(details, Mapping) and details:
        try:
            return draw(details, anchor)
        except Exception as exc:  # a report must never be lost to data of an odd shape
            reason = esc(f"{type(exc).__name__}: {plain(exc)}")
            warning = (
                '<p class="notice warning">These details are not in the expected shape and '
                f"are listed as recorded ({reason}).</p>"
            )
            return warning + _generic(details)
    return _generic(details)


def _generic(details: object) -> str:
    try:
        return render_generic(details)
    except Exception:  # e.g. a value whose __str__ raises in a way `plain` cannot absorb
        return '<p class="notice warning">The details could not be displayed.</p>'


def _inputs(outcome: CheckOutcome) -> str:
    config, inputs = outcome.config, outcome.inputs
    if not config and not inputs:
        return '<p class="muted">None recorded.</p>'
    # Settings and input fingerprints have no meaningful order: sort them for stable output.
    return (
        '<div class="side-by-side">'
        f"<div><h4>Configuration</h4>{_generic(_sorted(config))}</div>"
        f"<div><h4>Inputs</h4>{_generic(_sorted(inputs))}</div></div>"
    )


def _sorted(value: object) -> object:
    if isinstance(value, Mapping):
        return {key: value[key] for key in sorted(value, key=plain)}
    return value
