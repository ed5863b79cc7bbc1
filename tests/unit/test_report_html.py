"""The HTML evidence report: well-formed, self-contained (nothing fetched), deterministic to the
byte, escaping every user string, and never failing on details of an unexpected shape.

Performance, fairness and explainability outcomes come from the real statistics reports on the
breast-cancer data; data quality and champion/challenger use hand-written dicts of their shape.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.adapters.report import page as report_page
from steward.adapters.report.page import HtmlReportRenderer
from steward.adapters.report.values import number
from steward.services.check_results import CheckOutcome, ReportHeader, Requirement
from steward.services.ports import ReportRenderer
from steward.stats.explain import explain_model
from steward.stats.fairness import fairness_report
from steward.stats.performance import classification_report, regression_report

EVIL_COLUMN = '<script>alert("x")</script>'
EVIL_GROUP = '<30 & "young"'
KINDS = ("performance", "fairness", "explainability", "data_quality", "champion_challenger")
RENDERER: ReportRenderer = HtmlReportRenderer()
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class TagChecker(HTMLParser):
    """Records every tag and attribute, and every close tag that does not match its opener."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def parse(document: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(document)
    checker.close()
    return checker


def sections(document: str) -> dict[str, str]:
    """Each check section's markup by its kind."""
    found = re.findall(
        r'<section class="check" id="check-\d+-([a-z0-9-]+)">(.*?)</section>', document, re.S
    )
    return {kind.replace("-", "_"): body for kind, body in found}


# ---- real statistics reports ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cancer() -> dict[str, Any]:
    data = load_breast_cancer(as_frame=True)
    x = data.data.rename(columns={data.data.columns[0]: EVIL_COLUMN})
    x_train, x_test, y_train, y_test = train_test_split(
        x, data.target, test_size=0.35, random_state=0, stratify=data.target
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
    return {
        "model": model,
        "x": x_test,
        "y": y_test.to_numpy(),
        "p": model.predict_proba(x_test)[:, 1],
    }


@pytest.fixture(scope="module")
def performance(cancer: dict[str, Any]) -> dict[str, Any]:
    details = classification_report(cancer["y"], cancer["p"], bootstrap=40).as_dict()
    fpr, tpr, _ = roc_curve(cancer["y"], cancer["p"])
    precision, recall, _ = precision_recall_curve(cancer["y"], cancer["p"])
    details["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist()}
    details["pr"] = {"recall": recall.tolist(), "precision": precision.tolist()}
    return details


@pytest.fixture(scope="module")
def fairness(cancer: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    rows = len(cancer["y"])
    sensitive = {
        "sex": rng.choice(["F", "M"], size=rows),
        "age band": rng.choice([EVIL_GROUP, "30-60", "60+"], size=rows, p=[0.45, 0.45, 0.10]),
    }
    predicted = (cancer["p"] >= 0.5).astype(int)
    return fairness_report(cancer["y"], predicted, sensitive, min_group_size=30).as_dict()


@pytest.fixture(scope="module")
def explainability(cancer: dict[str, Any]) -> dict[str, Any]:
    report = explain_model(cancer["model"], cancer["x"], cancer["y"], n_repeats=2, local_sample=3)
    return report.as_dict()


# Hand-written details of the shapes the data-quality and champion/challenger checks record.
DATA_QUALITY = """{
  "rows": 1000, "columns": 4, "id_column": "id", "passed": false,
  "findings": [
    {"name": "unique_id", "column": "id", "severity": "error", "passed": true,
     "failed_rows": 0, "share": 0.0, "detail": "", "examples": []},
    {"name": "range_age", "column": "age", "severity": "warning", "passed": false,
     "failed_rows": 3, "share": 0.003, "detail": "below 0", "examples": [{"row": 7, "value": -1}, 250]},
    {"name": "not_null_id", "column": "id", "severity": "error", "passed": false,
     "failed_rows": 1, "share": 0.001, "detail": "nulls", "examples": [null]}
  ],
  "columns_profile": [], "settings": {"max_missing": 0.2}, "notes": ["profiled once"],
  "evidence": {"failed_errors": 1.0}
}"""
CHAMPION = """{
  "champion": "v1", "challenger": "v2", "task": "classification", "rows": 500,
  "primary_metric": "auc", "margin": 0.01, "confidence": 0.95, "bootstrap": 200, "seed": 0,
  "metrics": [
    {"name": "auc", "champion": 0.9, "challenger": 0.912, "delta": 0.012, "low": -0.008,
     "high": 0.032, "higher_is_better": true},
    {"name": "log_loss", "champion": 0.3, "challenger": 0.27, "delta": -0.03, "low": -0.05,
     "high": -0.01, "higher_is_better": false}
  ],
  "passed": true, "challenger_wins": false, "notes": [],
  "cost": {"champion": {"model_size_bytes": 2500000, "latency_p50_ms": 1.25},
           "challenger": {"latency_p50_ms": 1.5, "model_size_bytes": 3100000, "gpu_count": 0}},
  "evidence": {"delta_auc": 0.012}
}"""
DOCUMENTATION = """{"required": ["purpose", "limits"], "present": ["purpose"],
  "missing": ["limits"], "fields": {"purpose": "Credit <triage>"}}"""


def data_quality_details(columns: int = 4) -> dict[str, Any]:
    """`columns` profiled columns, column i missing in i % of rows; the first one oddly named."""
    details: dict[str, Any] = json.loads(DATA_QUALITY)
    profile = [
        {"name": f"col_{i:02d}", "type": "double", "missing_share": i / 100} for i in range(columns)
    ]
    for column in profile:
        column.update({"min": 0.0, "max": 1.0, "distinct": 10})
    profile[0]["name"] = "<img src=x>"
    details.update(columns=columns, columns_profile=profile)
    return details


def champion_details(champion: str | None = "v1") -> dict[str, Any]:
    details: dict[str, Any] = json.loads(CHAMPION)
    if champion is None:
        details.update(champion=None, metrics=[])
        details["cost"]["champion"] = None
    return details


def outcome(kind: str, details: Any, *, passed: bool = True, **extra: Any) -> CheckOutcome:
    return CheckOutcome(
        kind=kind,
        passed=passed,
        summary=extra.pop("summary", f"{kind} checked"),
        metrics=extra.pop("metrics", {"auc": 0.91}),
        requirements=(Requirement("performance.auc >= 0.75", True, "0.91 >= 0.75"),),
        config={"seed": 0, "bootstrap": 40},
        inputs={"data": "sha256:ab12"},
        details=details,
        **extra,
    )


@pytest.fixture(scope="module")
def outcomes(performance: Any, fairness: Any, explainability: Any) -> list[CheckOutcome]:
    return [
        outcome("performance", performance, summary='AUC & "recall" <fine>'),
        outcome("fairness", fairness, passed=False, notes=("2 small groups",)),
        outcome("explainability", explainability, required=False),
        outcome("data_quality", data_quality_details(), passed=False),
        outcome("champion_challenger", champion_details()),
        outcome("documentation", json.loads(DOCUMENTATION)),
        outcome("load_test", {"p99_ms": 12.5, "nested": {"ok": True, "tags": ["a", None]}}),
    ]


HEADER = ReportHeader(
    title="Model <b>risk</b> & co", facts=(("Model", "churn <v2>"), ("Version", "3"))
)


@pytest.fixture(scope="module")
def document(outcomes: list[CheckOutcome]) -> str:
    return RENDERER.render(HEADER, outcomes)


# ---- the whole document --------------------------------------------------------------------


def test_document_parses_with_every_tag_closed(document: str) -> None:
    checker = parse(document)
    assert document.startswith("<!DOCTYPE html>")
    assert checker.errors == []
    assert checker.stack == []


def test_every_outcome_has_an_overview_row_and_a_section(
    document: str, outcomes: list[CheckOutcome]
) -> None:
    found = sections(document)
    assert list(found) == [o.kind for o in outcomes]
    overview = document.split('id="overview"', 1)[1].split("</section>", 1)[0]
    for index, item in enumerate(outcomes, start=1):
        assert f'href="#check-{index}-{item.kind.replace("_", "-")}"' in overview
    for body in found.values():
        for heading in ("Policy requirements", "Evidence metrics", "Analysis"):
            assert f"<h3>{heading}</h3>" in body
    assert "2 of 6 required checks failed" in document


CHARTS = {"performance": 3, "fairness": 3, "explainability": 1, "data_quality": 1}
CHARTS |= {"champion_challenger": 1, "documentation": 0, "load_test": 0}


@pytest.mark.parametrize(("kind", "charts"), CHARTS.items())
def test_each_chart_is_a_captioned_svg_with_title_and_desc(
    document: str, kind: str, charts: int
) -> None:
    body = sections(document)[kind]
    assert body.count("<svg") == charts
    assert len(re.findall(r"<svg[^>]*><title>[^<]+</title><desc>[^<]+</desc>", body)) == charts
    assert body.count("<figcaption>") == charts


def test_nothing_is_fetched_when_the_file_opens(document: str) -> None:
    """The only URL is the SVG namespace name, which no browser fetches."""
    assert set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", document)) == {
        "http://www.w3.org/2000/svg"
    }
    for tag, attrs in parse(document).tags:
        assert tag not in {"script", "link", "img", "iframe", "object", "embed"}
        for name in ("src", "href", "xlink:href"):
            assert not (attrs.get(name) or "#").lower().startswith(("http", "//")), (tag, attrs)
    assert "@import" not in document
    assert "@font-face" not in document
    assert not re.search(r"url\(\s*['\"]?(?!#)", document)  # only local #pattern references


def test_user_strings_are_escaped_everywhere(document: str) -> None:
    tags = {tag for tag, _ in parse(document).tags}
    assert not tags & {"script", "img", "b", "fine"}
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in sections(document)["explainability"]
    )
    assert "&lt;30 &amp; &quot;young&quot;" in sections(document)["fairness"]
    assert "&lt;img src=x&gt;" in sections(document)["data_quality"]
    assert "AUC &amp; &quot;recall&quot; &lt;fine&gt;" in document
    assert "<title>Model &lt;b&gt;risk&lt;/b&gt; &amp; co</title>" in document


def test_same_outcomes_give_byte_identical_reports(outcomes: list[CheckOutcome]) -> None:
    """Also after the details went through JSON, as they do when stored."""
    first = RENDERER.render(HEADER, outcomes)
    stored = [replace(item, details=json.loads(json.dumps(item.details))) for item in outcomes]
    assert HtmlReportRenderer().render(HEADER, outcomes) == first
    assert HtmlReportRenderer().render(HEADER, stored) == first


def test_report_survives_a_round_trip_through_a_file(document: str, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(document, encoding="utf-8")
    again = path.read_text(encoding="utf-8")
    assert again == document
    assert parse(again).errors == []


# ---- kind-specific content -----------------------------------------------------------------


def test_performance_draws_roc_and_pr_only_when_present(performance: dict[str, Any]) -> None:
    without = {k: v for k, v in performance.items() if k not in ("roc", "pr")}
    body = sections(RENDERER.render(HEADER, [outcome("performance", without)]))["performance"]
    assert body.count("<svg") == 1
    assert "<title>Calibration curve</title>" in body
    assert 'class="confusion"' in body
    assert body.count("background-color: rgba(") == 4


def test_regression_shows_metrics_with_intervals_and_no_chart() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    details = regression_report(y, y + rng.normal(scale=0.3, size=200), bootstrap=20).as_dict()
    body = sections(RENDERER.render(HEADER, [outcome("performance", details)]))["performance"]
    assert "RMSE" in body
    assert "95% bootstrap interval" in body
    assert "<svg" not in body


def test_missing_values_show_as_na_never_as_nan() -> None:
    details = {
        "task": "classification",
        "metrics": {"auc": None, "f1": math.nan},
        "intervals": {"auc": [None, None]},
        "confidence": 0.95,
    }
    item = outcome("performance", details, metrics={"auc": math.nan, "brier": None})
    body = sections(RENDERER.render(HEADER, [item]))["performance"]
    assert body.count('<td class="num">n/a</td>') >= 5
    assert not re.search(r">\s*-?(nan|NaN|inf|None)\s*<", body)


def test_small_fairness_groups_are_hatched_listed_and_explained(document: str) -> None:
    body = sections(document)["fairness"]
    assert "<pattern " in body
    assert "small group (&lt; 30 rows)" in body
    assert '<tr class="small">' in body
    assert "Equalized odds difference" in body


def test_importance_chart_shows_the_top_20_of_30_features_with_whiskers(document: str) -> None:
    body = sections(document)["explainability"]
    chart = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert chart.count("</rect>") == 20  # one bar with a tooltip per feature
    assert "top 20 of 30 features" in body
    assert "Largest 3 contributions" in body


def test_missing_share_chart_keeps_the_30_worst_of_40_columns() -> None:
    body = sections(RENDERER.render(HEADER, [outcome("data_quality", data_quality_details(40))]))
    chart = body["data_quality"].split("<svg", 1)[1].split("</svg>", 1)[0]
    assert chart.count("</rect>") == 30
    assert "col_39" in chart
    assert "col_09" not in chart


def test_findings_list_failed_errors_then_failed_warnings_then_passed(document: str) -> None:
    body = sections(document)["data_quality"]
    order = [body.index(f"<td>{name}</td>") for name in ("not_null_id", "range_age", "unique_id")]
    assert order == sorted(order)
    assert "row: 7, value: -1" in body


def test_forest_plot_has_zero_line_and_margin_line_for_the_primary_metric(document: str) -> None:
    body = sections(document)["champion_challenger"]
    assert body.count('class="zero-line"') == 1
    assert body.count('class="margin-line"') == 1
    assert "ROC AUC (primary)" in body
    assert "2.5 MB" in body  # model sizes side by side, with keys only one side has
    assert "gpu count" in body


@pytest.mark.parametrize(("primary", "side"), [("auc", -1), ("log_loss", 1)])
def test_margin_line_sits_where_the_challenger_is_worse(primary: str, side: int) -> None:
    """Deltas are challenger minus champion: worse is below 0 for AUC, above 0 for a loss."""
    details = champion_details() | {"primary_metric": primary}
    body = sections(RENDERER.render(HEADER, [outcome("champion_challenger", details)]))
    x = {
        kind: float(
            re.findall(rf'<line x1="([-\d.]+)"[^>]*class="{kind}"', body["champion_challenger"])[0]
        )
        for kind in ("zero-line", "margin-line")
    }
    assert (x["margin-line"] - x["zero-line"]) * side > 0


def test_no_champion_says_the_comparison_was_skipped() -> None:
    body = sections(
        RENDERER.render(HEADER, [outcome("champion_challenger", champion_details(None))])
    )
    text = body["champion_challenger"]
    assert "no champion in production" in text
    assert "comparison was skipped" in text
    assert "<svg" not in text


def test_documentation_marks_present_and_missing_fields(document: str) -> None:
    body = sections(document)["documentation"]
    assert body.index("purpose") < body.index("limits")
    assert "present</span>" in body
    assert "missing</span>" in body
    assert "Credit &lt;triage&gt;" in body


# ---- robustness ----------------------------------------------------------------------------


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


MALFORMED: list[Any] = [
    None,
    {},
    [1, 2],
    "text",
    {"metrics": "oops", "intervals": [1], "confusion": {"tp": "x"}, "roc": {"fpr": [0, None, 1]}},
    {"groupings": [None, 3, {"attributes": None, "groups": [None, {"key": None, "small": "yes"}]}]},
    {
        "features": [{"name": None, "importance_mean": "x", "rank": None}],
        "local": [{"contributions": 1}],
    },
    {"findings": "x", "columns_profile": [1, None, {"missing_share": math.inf}], "settings": [1]},
    {"champion": "v1", "metrics": [{"name": None, "delta": math.nan}], "cost": {"champion": [1]}},
    {"required": None, "present": 5, "fields": {"a": None}},
    {
        "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}},
        "set": {3, 1, 2},
        "odd": Unprintable(),
        "obj": object(),
    },
]


@pytest.mark.parametrize("details", MALFORMED, ids=range(len(MALFORMED)))
@pytest.mark.parametrize("kind", [*KINDS, "documentation", "unknown_kind"])
def test_details_of_any_shape_render_without_raising(kind: str, details: Any) -> None:
    document = RENDERER.render(HEADER, [outcome(kind, details)])
    assert parse(document).errors == []
    assert '<section class="check"' in document
    assert " at 0x" not in document  # no memory addresses: the output stays deterministic


def test_a_kind_renderer_that_raises_falls_back_to_the_generic_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(details: Any, anchor: str) -> str:
        raise ValueError("unexpected shape")

    monkeypatch.setitem(report_page.KIND_RENDERERS, "fairness", broken)
    body = sections(RENDERER.render(HEADER, [outcome("fairness", {"rows": 10})]))["fairness"]
    assert "not in the expected shape" in body
    assert "ValueError: unexpected shape" in body
    assert '<th scope="row">rows</th><td>10</td>' in body


def test_no_outcomes_still_give_a_complete_page() -> None:
    document = RENDERER.render(ReportHeader(title="", facts=()), [])
    assert parse(document).errors == []
    assert "No checks were run." in document


NUMBERS: list[tuple[object, str]] = [
    (0.123456, "0.1235"),
    (1234567, "1,234,567"),
    (12345.6, "12,350"),
    (9.99996, "10"),
    (-0.0, "0"),
    (1e-7, "1e-07"),
    (None, "n/a"),
    (math.nan, "n/a"),
    (True, "n/a"),
    ("1", "n/a"),
]


@pytest.mark.parametrize(("value", "shown"), NUMBERS)
def test_numbers_are_shown_with_four_significant_digits(value: object, shown: str) -> None:
    assert number(value) == shown


def test_tick_labels_on_a_narrow_axis_get_the_digits_that_tell_them_apart() -> None:
    from steward.adapters.report.svg import distinct_tick_labels

    assert distinct_tick_labels([0.0, 0.5, 1.0]) == ["0", "0.5", "1"]
    assert distinct_tick_labels([0.999, 0.9992, 0.9994]) == ["0.999", "0.9992", "0.9994"]
