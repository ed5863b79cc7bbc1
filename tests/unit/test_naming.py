"""What users type: names, people, roles, tags, metrics, metric filters, references and times.

Every malformed input must give InvalidInputError with a message that names the bad input, never
another exception type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.audit import format_ts
from steward.domain.errors import InvalidInputError
from steward.domain.naming import (
    TAG_VALUE_MAX,
    MetricFilter,
    ModelRef,
    VersionRef,
    check_metrics,
    check_name,
    check_person,
    check_role,
    check_tag_key,
    check_tag_value,
    check_tags,
    parse_metric_filter,
    parse_model_ref,
    parse_number,
    parse_tag,
    parse_version_ref,
)
from steward.domain.times import how_read, to_utc_text

# Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["credit", "Credit-2", "a", "9lives", "x.y_z-1", "a" * 100])
def test_valid_project_and_model_names_are_accepted_unchanged(name: str) -> None:
    assert check_name("project", name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-credit",
        ".hidden",
        "_x",
        "a" * 101,
        "a b",
        "a/b",
        "ümlaut",
        "a\nb",
        "\ncredit",
        "credit!",
    ],
)
def test_invalid_names_are_refused_naming_the_kind_and_the_name(name: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_name("model", name)
    assert "model name" in str(info.value)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    "check",
    [
        lambda: check_name("project", "credit\n"),
        lambda: check_tag_key("team\n"),
        lambda: check_role("validator\n"),
        lambda: check_metrics({"auc\n": 0.9}),
    ],
    ids=["name", "tag-key", "role", "metric-key"],
)
def test_a_trailing_newline_is_refused(check: Any) -> None:
    with pytest.raises(InvalidInputError):
        check()


def test_a_name_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        check_name("project", 42)  # type: ignore[arg-type]


@given(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z"))
def test_every_name_of_the_documented_form_is_accepted(name: str) -> None:
    assert check_name("project", name) == name


# People and roles ---------------------------------------------------------------------------


def test_a_person_is_trimmed_to_one_line() -> None:
    assert check_person("owner", "  Ana Lima  ") == "Ana Lima"
    assert check_person("owner", "ana@example.org") == "ana@example.org"


@pytest.mark.parametrize("person", ["", "   ", "ana\nbob", "a\tb", "/ana", "a" * 201])
def test_an_empty_multi_line_or_overlong_person_is_refused(person: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid owner"):
        check_person("owner", person)


@pytest.mark.parametrize("role", ["validator", "data_scientist", "risk-officer", "_ops"])
def test_valid_roles_are_accepted(role: str) -> None:
    assert check_role(role) == role


@pytest.mark.parametrize("role", ["", "1st", "risk officer", "a" * 65])
def test_invalid_roles_are_refused_naming_the_role(role: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_role(role)
    assert repr(role) in str(info.value)


# Tags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team=risk", ("team", "risk")),
        ("team = risk ", ("team", "risk")),
        ("url=https://x.org/?a=b", ("url", "https://x.org/?a=b")),
        ("empty=", ("empty", "")),
        ("ns:sub.key-1=v", ("ns:sub.key-1", "v")),
        ("_private=1", ("_private", "1")),
        ("note=café ☕", ("note", "café ☕")),
    ],
)
def test_parse_tag_splits_at_the_first_equals_sign(text: str, expected: tuple[str, str]) -> None:
    assert parse_tag(text) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("team", "'team'"),  # no '='
        ("", "''"),
        ("=risk", "''"),  # empty key
        ("1team=risk", "'1team'"),  # key starts with a digit
        ("my team=risk", "'my team'"),  # space in the key
        ("t" * 65 + "=x", "'" + "t" * 65 + "'"),  # key too long
        ("team=a\nb", "'team'"),  # value on two lines
        ("team=a\rb", "'team'"),
        ("team=a\x00b", "'team'"),
        ("team=" + "v" * (TAG_VALUE_MAX + 1), "'team'"),  # value too long
    ],
)
def test_parse_tag_refuses_malformed_tags_naming_the_tag(text: str, named: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_tag(text)
    message = str(info.value)
    assert message.startswith("malformed tag")
    assert named in message


def test_a_tag_value_may_be_exactly_the_maximum_length() -> None:
    assert check_tag_value("k", "v" * TAG_VALUE_MAX) == "v" * TAG_VALUE_MAX
    assert check_tag_key("k" * 64) == "k" * 64


def test_a_tag_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'k'"):
        check_tag_value("k", 3)  # type: ignore[arg-type]


def test_check_tags_checks_every_key_and_value() -> None:
    assert check_tags(None) == {}
    assert check_tags({"team": "risk", "tier": "1"}) == {"team": "risk", "tier": "1"}
    with pytest.raises(InvalidInputError, match="'bad key'"):
        check_tags({"team": "risk", "bad key": "x"})


# Metrics ------------------------------------------------------------------------------------


def test_metrics_become_floats() -> None:
    assert check_metrics({"auc": 0.91, "rows": 1000}) == {"auc": 0.91, "rows": 1000.0}
    assert isinstance(check_metrics({"rows": 3})["rows"], float)
    assert check_metrics(None) == {}


@pytest.mark.parametrize(
    ("metrics", "named"),
    [
        ({"auc": float("nan")}, "'auc'"),
        ({"auc": float("inf")}, "'auc'"),
        ({"auc": float("-inf")}, "'auc'"),
        ({"auc": True}, "'auc'"),
        ({"auc": "0.9"}, "'auc'"),
        ({"auc": None}, "'auc'"),
        ({"bad key": 0.9}, "'bad key'"),
    ],
)
def test_non_finite_non_numeric_or_badly_named_metrics_are_refused(
    metrics: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_metrics(metrics)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("auc>=0.8", MetricFilter("auc", ">=", 0.8)),
        ("auc <= 0.8", MetricFilter("auc", "<=", 0.8)),
        ("auc>0.8", MetricFilter("auc", ">", 0.8)),
        ("auc<1e-3", MetricFilter("auc", "<", 0.001)),
        ("auc==1", MetricFilter("auc", "==", 1.0)),
        ("auc=1", MetricFilter("auc", "==", 1.0)),  # '=' means '=='
        ("auc!=-2.5", MetricFilter("auc", "!=", -2.5)),
        ("ns:f1.macro>=0.5", MetricFilter("ns:f1.macro", ">=", 0.5)),
    ],
)
def test_metric_filters_parse_name_operator_and_number(text: str, expected: MetricFilter) -> None:
    assert parse_metric_filter(text) == expected


@pytest.mark.parametrize(
    "text", ["auc", "auc>=", ">=0.8", "auc>=high", "auc>>0.8", "auc=>0.8", "auc >= 0.8 0.9", ""]
)
def test_malformed_metric_filters_are_refused_naming_the_filter(text: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_metric_filter(text)
    assert f"malformed metric filter {text!r}" in str(info.value)


@pytest.mark.parametrize("text", ["auc>=nan", "auc<=NaN"])
def test_a_metric_filter_against_nan_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_metric_filter(text)


# References ---------------------------------------------------------------------------------


def test_model_and_version_refs_parse_and_print_back() -> None:
    assert parse_model_ref("credit/scorer") == ModelRef("credit", "scorer")
    assert str(parse_model_ref("credit/scorer")) == "credit/scorer"
    assert parse_version_ref("credit/scorer/3") == VersionRef("credit", "scorer", 3)
    assert str(parse_version_ref("credit/scorer/12")) == "credit/scorer/12"


@pytest.mark.parametrize("text", ["credit", "credit/scorer/1", ""])
def test_malformed_model_refs_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="malformed model reference"):
        parse_model_ref(text)


@pytest.mark.parametrize(("text", "kind"), [("/scorer", "project"), ("credit/", "model")])
def test_a_model_ref_with_an_empty_part_is_refused_naming_that_part(text: str, kind: str) -> None:
    with pytest.raises(InvalidInputError, match=f"invalid {kind} name ''"):
        parse_model_ref(text)


@pytest.mark.parametrize(
    "text",
    [
        "credit/scorer",
        "credit/scorer/0",
        "credit/scorer/-1",
        "credit/scorer/x",
        "credit/scorer/1.0",
        "credit/scorer/1/2",
        "credit/scorer/",
        "",
    ],
)
def test_malformed_version_refs_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="malformed version reference"):
        parse_version_ref(text)


@pytest.mark.parametrize("text", ["bad name/scorer", "credit/-scorer"])
def test_refs_with_invalid_names_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="name"):
        parse_model_ref(text)


def test_a_version_number_in_superscript_digits_is_refused_cleanly() -> None:
    with pytest.raises(InvalidInputError):
        parse_version_ref("credit/scorer/²")


@given(st.integers(1, 10**9))
def test_every_positive_version_number_round_trips(number: int) -> None:
    ref = parse_version_ref(f"credit/scorer/{number}")
    assert ref.number == number
    assert parse_version_ref(str(ref)) == ref


# Times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T14:30:00Z", "2026-11-23T14:30:00.000000Z"),
        ("2026-11-23T14:30:00z", "2026-11-23T14:30:00.000000Z"),
        ("2026-11-23T14:30:00.25Z", "2026-11-23T14:30:00.250000Z"),
        ("2026-11-23T14:30:00+02:00", "2026-11-23T12:30:00.000000Z"),
        ("2026-11-23T01:00:00-05:30", "2026-11-23T06:30:00.000000Z"),
        ("2026-11-23T23:30:00-01:00", "2026-11-24T00:30:00.000000Z"),  # crosses midnight
        ("2026-11-23T14:30", "2026-11-23T14:30:00.000000Z"),  # naive: taken as UTC
        ("2026-11-23 14:30:00", "2026-11-23T14:30:00.000000Z"),
        ("  2026-11-23T14:30:00Z  ", "2026-11-23T14:30:00.000000Z"),
    ],
)
def test_times_are_turned_into_fixed_width_utc_text(text: str, expected: str) -> None:
    assert to_utc_text(text) == expected


@pytest.mark.parametrize("text", ["2026-11-23", " 2026-11-23 "])
def test_a_bare_date_means_the_end_of_that_day(text: str) -> None:
    assert to_utc_text(text) == "2026-11-23T23:59:59.999999Z"


def test_a_bare_date_in_basic_iso_form_also_means_the_end_of_that_day() -> None:
    assert to_utc_text("20261123") == to_utc_text("2026-11-23")


@pytest.mark.parametrize("text", ["2026-11-23", "20261123"])
def test_a_bare_date_that_opens_a_range_means_the_start_of_that_day(text: str) -> None:
    assert to_utc_text(text, date_means="start") == "2026-11-23T00:00:00.000000Z"
    assert to_utc_text("2026-11-23T10:00Z", date_means="start") == "2026-11-23T10:00:00.000000Z"


def test_datetimes_are_accepted_naive_as_utc_and_aware_converted() -> None:
    assert to_utc_text(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000000Z"
    east = timezone(timedelta(hours=9))
    assert to_utc_text(datetime(2026, 1, 2, 3, 4, 5, tzinfo=east)) == "2026-01-01T18:04:05.000000Z"


@pytest.mark.parametrize("text", ["now", "NOW", " Now "])
def test_now_is_the_current_utc_time(text: str) -> None:
    before = format_ts(datetime.now(UTC))
    value = to_utc_text(text)
    after = format_ts(datetime.now(UTC))
    assert before <= value <= after


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2026-13-01", "2026-02-30", "23/11/2026", "2026-11-23T25:00", "nowish"],
)
def test_malformed_times_are_refused_naming_the_input(text: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        to_utc_text(text)
    assert f"malformed time {text!r}" in str(info.value)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)
    )
)
def test_iso_text_of_any_utc_time_round_trips_to_the_same_instant(moment: datetime) -> None:
    assert to_utc_text(moment.isoformat()) == format_ts(moment)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.81", 0.81), ("-3", -3.0), ("+3e-2", 0.03), (".5", 0.5), ("5.", 5.0), ("1E3", 1000.0)],
)
def test_decimal_numbers_are_read(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text", ["1_0", "nan", "inf", "-Infinity", "1e400", " 1", "0x10", "", "1,5"]
)
def test_what_float_takes_but_nobody_types_as_a_metric_is_not_a_number(text: str) -> None:
    """float() reads `1_0` as 10 and takes nan, inf and padding; a typed metric means none."""
    assert parse_number(text) is None


def test_a_metric_filter_takes_only_a_decimal_number() -> None:
    assert parse_metric_filter("auc>=.8").value == 0.8
    with pytest.raises(InvalidInputError, match="'1_0' is not a finite decimal number"):
        parse_metric_filter("auc>=1_0")


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("2026-11-23", "the end of 2026-11-23 in UTC: a date means its whole day"),
        ("20261123", "the end of 2026-11-23 in UTC: a date means its whole day"),
        ("2026-11-23T10:00", "taken as UTC (no zone given)"),
        ("2026-11-23T10:00Z", "in UTC"),
        ("2026-11-23T10:00+02:00", "given in UTC+02:00, shown in UTC"),
        ("2026-11-23T10:00-05:30", "given in UTC-05:30, shown in UTC"),
        (" now ", "now"),
    ],
)
def test_an_answer_says_how_its_time_was_read(text: str, read_as: str) -> None:
    """`model at --time 2026-11-23` answers at the end of the day; saying so prevents reading
    it as midnight at the start."""
    assert how_read(text) == read_as
