"""Rules for names, tags, stages and references that users type."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from steward.domain.errors import InvalidInputError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TAG_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_PERSON = re.compile(r"^[^\s/][^\n\r\t]{0,199}$")
TAG_VALUE_MAX = 256
# ASCII digits only: str.isdigit() also accepts superscripts that int() rejects.
_NUMBER = re.compile(r"[0-9]+")
# Version numbers and sequence numbers are 64-bit in the databases; a larger one names nothing.
MAX_NUMBER = 2**63 - 1


def check_name(kind: str, name: str) -> str:
    """Return `name` if it is a valid project or model name, else raise InvalidInputError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"invalid {kind} name {name!r}: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_person(kind: str, person: str) -> str:
    if not isinstance(person, str) or not _PERSON.fullmatch(person.strip() or "\n"):
        raise InvalidInputError(f"invalid {kind} {person!r}: must be a non-empty single line")
    return person.strip()


def check_role(role: str) -> str:
    if not isinstance(role, str) or not _TAG_KEY.fullmatch(role):
        raise InvalidInputError(
            f"invalid role {role!r}: use letters, digits, '_', '-', starting with a letter"
        )
    return role


def check_tag_key(key: str) -> str:
    if not isinstance(key, str) or not _TAG_KEY.fullmatch(key):
        raise InvalidInputError(
            f"malformed tag key {key!r}: use up to 64 letters, digits, '_', '.', ':' or '-', "
            "starting with a letter or '_'"
        )
    return key


def check_tag_value(key: str, value: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"malformed tag {key!r}: the value must be text")
    if len(value) > TAG_VALUE_MAX or any(c in value for c in "\r\n\x00"):
        raise InvalidInputError(
            f"malformed tag {key!r}: the value must be one line of at most {TAG_VALUE_MAX} characters"
        )
    return value


def parse_tag(text: str) -> tuple[str, str]:
    """Parse `key=value` as typed on a command line."""
    if "=" not in text:
        raise InvalidInputError(f"malformed tag {text!r}: expected key=value")
    key, value = text.split("=", 1)
    return check_tag_key(key.strip()), check_tag_value(key, value.strip())


def check_tags(tags: dict[str, str] | None) -> dict[str, str]:
    return {check_tag_key(k): check_tag_value(k, v) for k, v in (tags or {}).items()}


# A decimal number as people write one. Python's float() also takes `1_0` (as 10), `nan`,
# `inf` and surrounding whitespace, none of which a typed metric means.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_number(text: str) -> float | None:
    """`text` as a finite number, or None when it is not one written in decimal."""
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def check_metrics(metrics: dict[str, float] | None) -> dict[str, float]:
    """Metrics are finite numbers under tag-like keys."""
    checked: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        check_tag_key(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"metric {key!r} must be a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise InvalidInputError(f"metric {key!r} must be finite, got {value!r}")
        checked[key] = number
    return checked


_METRIC_FILTER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.:-]*)\s*(>=|<=|==|!=|>|<|=)\s*(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class MetricFilter:
    key: str
    op: str
    value: float


def parse_metric_filter(text: str) -> MetricFilter:
    """Parse a filter such as `auc>=0.8`."""
    match = _METRIC_FILTER.fullmatch(text)
    if not match:
        raise InvalidInputError(
            f"malformed metric filter {text!r}: expected NAME OP NUMBER, e.g. auc>=0.8"
        )
    key, op, raw = match.groups()
    value = parse_number(raw)
    if value is None:
        raise InvalidInputError(
            f"malformed metric filter {text!r}: {raw!r} is not a finite decimal number"
        )
    return MetricFilter(key=key, op="==" if op == "=" else op, value=value)


@dataclass(frozen=True, slots=True)
class ModelRef:
    project: str
    model: str

    def __str__(self) -> str:
        return f"{self.project}/{self.model}"


@dataclass(frozen=True, slots=True)
class VersionRef:
    project: str
    model: str
    number: int

    def __str__(self) -> str:
        return f"{self.project}/{self.model}/{self.number}"


def parse_model_ref(text: str) -> ModelRef:
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidInputError(f"malformed model reference {text!r}: expected PROJECT/MODEL")
    return ModelRef(check_name("project", parts[0]), check_name("model", parts[1]))


def parse_version_ref(text: str) -> VersionRef:
    parts = text.split("/")
    if len(parts) != 3 or not _NUMBER.fullmatch(parts[2]) or not 1 <= int(parts[2]) <= MAX_NUMBER:
        raise InvalidInputError(
            f"malformed version reference {text!r}: expected PROJECT/MODEL/NUMBER, e.g. credit/scorer/3"
        )
    return VersionRef(check_name("project", parts[0]), check_name("model", parts[1]), int(parts[2]))


def as_version_ref(ref: str | VersionRef) -> VersionRef:
    """A version reference as given, or parsed from PROJECT/MODEL/NUMBER."""
    return ref if isinstance(ref, VersionRef) else parse_version_ref(ref)


def as_model_ref(ref: str | ModelRef) -> ModelRef:
    """A model reference as given, or parsed from PROJECT/MODEL."""
    return ref if isinstance(ref, ModelRef) else parse_model_ref(ref)
