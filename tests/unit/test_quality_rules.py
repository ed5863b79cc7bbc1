"""A user's quality suite: every rule type passes and fails as documented on hand-made data,
and a malformed suite file is refused with one line naming the file, the line and the field."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from steward.adapters.quality_yaml import load_suite, parse_suite
from steward.domain.errors import InvalidInputError
from steward.domain.quality_rules import QualityRule, QualitySuite
from steward.stats.quality import QualityReport, check_quality
from steward.stats.quality_core import QualityFinding

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)

EXAMPLE = """\
id_column: customer_id          # optional
settings:                       # optional overrides of the built-in thresholds
  max_missing_increase: 0.1
  max_duplicate_share: 0.0
  max_unseen_share: 0.01
  max_outlier_share: 0.05
rules:
  - {column: age, not_null: true}
  - {column: customer_id, unique: true}
  - {column: age, between: [18, 100]}            # inclusive; either bound may be null
  - {column: region, in_set: [north, south, east, west]}
  - {column: email, regex: "^[^@]+@[^@]+$", severity: warning}
  - {row_count: {min: 1000, max: 10000000}}
  - {column: event_time, freshness: {max_age_days: 7}}
"""


def rule(**fields: Any) -> QualityRule:
    return QualityRule.model_validate(fields)


def run(data: pa.Table, *rules: QualityRule, **options: Any) -> QualityReport:
    suite = QualitySuite(rules=rules, id_column=options.pop("id_column", None))
    return check_quality(data, signature=None, reference=None, suite=suite, now=NOW, **options)


def only(report: QualityReport) -> QualityFinding:
    assert len(report.rule_findings) == 1
    return report.rule_findings[0]


# ---- each rule -----------------------------------------------------------------------------


def test_not_null_flags_null_and_nan_rows() -> None:
    data = pa.table({"id": ["a", "b", "c", "d"], "age": [30.0, None, float("nan"), 40.0]})
    found = only(run(data, rule(column="age", not_null=True), id_column="id"))
    assert (found.name, found.passed, found.failed_rows, found.share) == ("not_null", False, 2, 0.5)
    assert found.examples == ("b", "c")
    full = pa.table({"age": [30.0, 40.0]})
    assert only(run(full, rule(column="age", not_null=True))).passed


def test_unique_flags_every_row_of_a_repeated_value_and_ignores_missing_values() -> None:
    data = pa.table({"key": [1, 2, 1, None, None, 3, 1]})
    found = only(run(data, rule(column="key", unique=True)))
    assert (found.passed, found.failed_rows, found.examples) == (False, 3, (0, 2, 6))
    texts = pa.table({"key": ["x", "y", None, None]})
    assert only(run(texts, rule(column="key", unique=True))).passed


def test_unique_tells_apart_integers_beyond_float_precision() -> None:
    big = 2**53
    data = pa.table({"key": pa.array([big, big + 1], type=pa.int64())})
    assert only(run(data, rule(column="key", unique=True))).passed


def test_between_is_inclusive_and_either_bound_may_be_open() -> None:
    data = pa.table({"age": [17.0, 18.0, 55.0, 100.0, 101.0, None]})
    closed = only(run(data, rule(column="age", between=[18, 100])))
    assert (closed.passed, closed.failed_rows, closed.examples) == (False, 2, (0, 4))
    assert closed.share == 2 / 6
    low_only = only(run(data, rule(column="age", between=[18, None])))
    assert (low_only.failed_rows, low_only.examples) == (1, (0,))
    within = only(run(data, rule(column="age", between=[None, 101])))
    assert within.passed


def test_between_on_a_text_column_fails_with_the_reason() -> None:
    found = only(run(pa.table({"age": ["old"]}), rule(column="age", between=[0, 1])))
    assert not found.passed
    assert "between needs numbers" in found.detail


def test_in_set_compares_text_numbers_and_booleans() -> None:
    regions = pa.table({"region": ["north", "south", "up", None, "west"]})
    found = only(run(regions, rule(column="region", in_set=["north", "south", "east", "west"])))
    assert (found.passed, found.failed_rows, found.examples) == (False, 1, (2,))
    codes = pa.table({"code": [1, 2, 3, 2]})
    found = only(run(codes, rule(column="code", in_set=[1, 2.0])))
    assert (found.failed_rows, found.examples) == (1, (2,))
    flags = pa.table({"flag": [True, False, True]})
    assert only(run(flags, rule(column="flag", in_set=[True, False]))).passed
    assert only(run(flags, rule(column="flag", in_set=[True]))).failed_rows == 1


def test_regex_searches_each_text_value_and_skips_missing_ones() -> None:
    data = pa.table({"email": ["a@b.org", "broken", None, "x@y", "@"]})
    found = only(
        run(data, rule(column="email", regex="^[^@]+@[^@]+$", severity="warning", name="email"))
    )
    assert (found.name, found.severity, found.passed) == ("email", "warning", False)
    assert (found.failed_rows, found.examples) == (2, (1, 4))
    dictionary = pa.table({"email": pa.array(["a@b", "a@b", "c"]).dictionary_encode()})
    assert only(run(dictionary, rule(column="email", regex="@"))).failed_rows == 1


def test_regex_on_a_numeric_column_fails_with_the_reason() -> None:
    found = only(run(pa.table({"n": [1, 2]}), rule(column="n", regex="1")))
    assert not found.passed and "regex needs text" in found.detail


def test_row_count_bounds_are_inclusive() -> None:
    data = pa.table({"x": list(range(10))})
    assert only(run(data, rule(row_count={"min": 10, "max": 10}))).passed
    found = only(run(data, rule(row_count={"min": 11})))
    assert (found.column, found.passed, found.detail) == (None, False, "10 rows; at least 11")
    assert not only(run(data, rule(row_count={"max": 9}))).passed


@pytest.mark.parametrize(
    ("values", "kind", "passed"),
    [
        ([datetime(2024, 6, 1), datetime(2024, 6, 4)], pa.timestamp("us"), True),  # 6.5 days
        ([datetime(2024, 6, 1), datetime(2024, 6, 3)], pa.timestamp("ns"), False),  # 7.5 days
        # 2024-06-03 12:00 in Paris is 10:00 UTC: 7 days and 2 hours old.
        ([datetime(2024, 6, 3, 10, tzinfo=UTC)], pa.timestamp("ms", tz="Europe/Paris"), False),
        ([datetime(2024, 6, 3, 13, tzinfo=UTC)], pa.timestamp("s", tz="UTC"), True),
        ([date(2024, 6, 4), None], pa.date32(), True),  # midnight UTC: 6.5 days
        ([date(2024, 6, 3)], pa.date32(), False),
    ],
)
def test_freshness_measures_the_newest_value_against_now(
    values: list[Any], kind: pa.DataType, passed: bool
) -> None:
    data = pa.table({"t": pa.array(values, type=kind)})
    found = only(run(data, rule(column="t", freshness={"max_age_days": 7})))
    assert found.passed is passed
    assert found.failed_rows == 0


def test_freshness_without_values_or_on_a_non_time_column_fails_with_the_reason() -> None:
    empty = pa.table({"t": pa.array([None, None], type=pa.timestamp("us"))})
    assert (
        "has no values" in only(run(empty, rule(column="t", freshness={"max_age_days": 1}))).detail
    )
    numbers = pa.table({"t": [1.0]})
    found = only(run(numbers, rule(column="t", freshness={"max_age_days": 1})))
    assert not found.passed and "not a timestamp or date" in found.detail


def test_a_rule_on_a_column_that_is_not_in_the_data_fails_without_stopping_the_check() -> None:
    report = run(
        pa.table({"x": [1]}), rule(column="y", not_null=True), rule(column="x", unique=True)
    )
    missing, kept = report.rule_findings
    assert (missing.passed, missing.detail) == (False, "column 'y' is not in the data")
    assert kept.passed


def test_only_failed_error_rules_fail_the_report() -> None:
    data = pa.table({"x": [1.0, None]})
    warned = run(data, rule(column="x", not_null=True, severity="warning"))
    assert warned.passed and not only(warned).passed
    failed = run(data, rule(column="x", not_null=True))
    assert not failed.passed
    assert failed.evidence_metrics()["failed_rules"] == 1.0


def test_rule_findings_follow_the_suite_order_after_the_built_in_findings() -> None:
    report = run(
        pa.table({"x": [1.0, 2.0]}),
        rule(column="x", unique=True, name="first"),
        rule(row_count={"min": 1}, name="second"),
    )
    assert [f.name for f in report.findings] == ["duplicates", "first", "second"]


def test_the_example_suite_passes_on_good_data_and_fails_on_bad_data() -> None:
    suite = parse_suite(EXAMPLE, "suite.yaml")
    rows = 1_000
    good = pa.table(
        {
            "customer_id": list(range(rows)),
            "age": [18.0 + i % 80 for i in range(rows)],
            "region": [("north", "south", "east", "west")[i % 4] for i in range(rows)],
            "email": [f"user{i}@example.org" for i in range(rows)],
            "event_time": pa.array([datetime(2024, 6, 9)] * rows, type=pa.timestamp("us")),
        }
    )
    report = check_quality(good, signature=None, reference=None, suite=suite, now=NOW)
    assert report.id_column == "customer_id"
    assert all(f.passed for f in report.findings), [f for f in report.findings if not f.passed]
    bad = good.set_column(1, "age", pa.array([None] + [17.0] * (rows - 1)))
    # A repeat of row 1 under a new id: the suite allows no repeated rows at all.
    repeat = bad.slice(1, 1).set_column(0, "customer_id", pa.array([rows]))
    bad = pa.concat_tables([bad, repeat])
    report = check_quality(bad, signature=None, reference=None, suite=suite, now=NOW)
    failed = {f.name for f in report.findings if not f.passed}
    assert failed == {"not_null", "between", "duplicates"}  # max_duplicate_share is 0 here


# ---- the suite model -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"column": "a"}, "the rule has no check"),
        ({"column": "a", "not_null": True, "unique": True}, "exactly one check"),
        ({"not_null": True}, "not_null needs a column"),
        ({"column": "a", "row_count": {"min": 1}}, "row_count is about the whole table"),
        ({"column": "a", "not_null": False}, "false checks nothing"),
        ({"column": "a", "between": [None, None]}, "at least one bound"),
        ({"column": "a", "between": [5, 1]}, "above its high bound"),
        ({"column": "a", "in_set": [[1]]}, "in_set values must be text or finite numbers"),
        ({"row_count": {"min": 5, "max": 1}}, "min .5. is above max .1."),
        ({"row_count": {}}, "row_count needs min, max or both"),
        ({"column": "a", "regex": "(("}, "does not compile"),
    ],
)
def test_a_rule_that_checks_nothing_or_too_much_is_refused(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        QualityRule.model_validate(fields)


def test_default_settings_are_the_documented_thresholds() -> None:
    settings = QualitySuite().settings
    assert settings.model_dump() == {
        "max_missing_increase": 0.1,
        "max_duplicate_share": 0.05,
        "max_unseen_share": 0.01,
        "max_outlier_share": 0.05,
    }


# ---- loading YAML --------------------------------------------------------------------------


def refusal(text: str) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_suite(textwrap.dedent(text), "suite.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_the_documented_example_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    suite = load_suite(path)
    assert suite.id_column == "customer_id"
    assert suite.settings.max_duplicate_share == 0.0
    assert [r.check for r in suite.rules] == [
        "not_null",
        "unique",
        "between",
        "in_set",
        "regex",
        "row_count",
        "freshness",
    ]
    assert suite.rules[2].between == (18.0, 100.0)
    assert suite.rules[4].severity == "warning"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            """\
            rules:
              - {column: a, unique: true}
              - {column: email, regex: "[a-"}
            """,
            "suite.yaml:3: rules[1].regex: the pattern '[a-' does not compile",
        ),
        (
            """\
            rules:
              - column: a
                unique: true
                colour: red
            """,
            "suite.yaml:4: rules[0].colour: unknown field 'colour'; expected one of name, "
            "severity, column, not_null",
        ),
        (
            """\
            settings:
              max_unseen_share: 0.02
              max_unseen_share: 0.03
            """,
            "suite.yaml:3: settings.max_unseen_share: duplicate key 'max_unseen_share' "
            "(first on line 2)",
        ),
        (
            """\
            id_column: id
            rules: []
            thresholds: {}
            """,
            "suite.yaml:3: thresholds: unknown field 'thresholds'; expected one of id_column, "
            "settings, rules",
        ),
        (
            """\
            rules:
              - {column: a, not_null: yes}
            """,
            "suite.yaml:2: rules[0].not_null: input should be a valid boolean (got 'yes')",
        ),
        (
            """\
            settings:
              max_outlier_share: 2
            """,
            "suite.yaml:2: settings.max_outlier_share: input should be less than or equal to 1",
        ),
        (
            """\
            rules:
              - {column: a}
            """,
            "suite.yaml:2: rules[0]: the rule has no check",
        ),
        (
            """\
            rules:
              - {column: a, between: [1, 2, 3]}
            """,
            "suite.yaml:2: rules[0].between: the list should have at most 2 items",
        ),
        (
            """\
            rules:
              - {column: a, severity: fatal, unique: true}
            """,
            "suite.yaml:2: rules[0].severity: input should be 'error' or 'warning'",
        ),
        ("", "suite.yaml:1: the quality suite is empty: expected a mapping with id_column"),
        (
            "- {column: a, unique: true}\n",
            "suite.yaml:1: a quality suite must be a mapping of sections",
        ),
        ("rules: [\n", "suite.yaml:2: "),
    ],
)
def test_a_malformed_suite_is_refused_with_file_line_and_field(text: str, expected: str) -> None:
    assert refusal(text).startswith(expected)


def test_an_unreadable_suite_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"cannot read quality suite .*missing\.yaml"):
        load_suite(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00rules")
    with pytest.raises(InvalidInputError, match=r"binary\.yaml:1: the quality suite is not UTF-8"):
        load_suite(binary)
