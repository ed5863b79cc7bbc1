"""Data-quality rule suites in YAML, read by the same rules as policy files: YAML 1.2 scalars
(`yes` stays text), each key once per mapping, and one line `file:line: field: message` for the
first problem found."""

from __future__ import annotations

import os
from pathlib import Path

from steward.adapters.policy_yaml import YamlDocumentKind, load_yaml_document
from steward.domain.errors import InvalidInputError
from steward.domain.quality_rules import QualitySuite


def _input_error(message: str, problems: list[str]) -> InvalidInputError:
    # The message already names the first problem and how many more there are.
    del problems
    return InvalidInputError(message)


SUITE_DOCUMENT = YamlDocumentKind(
    noun="quality suite",
    sections="id_column, settings and rules",
    sections_short="id_column, settings, rules",
    model=QualitySuite,
    error=_input_error,
)


def parse_suite(text: str, source: str) -> QualitySuite:
    """Validate a suite given as text; `source` names it in messages."""
    _, suite = load_yaml_document(text, source, SUITE_DOCUMENT)
    return suite


def load_suite(path: str | os.PathLike[str]) -> QualitySuite:
    """Read and validate a suite file. Any problem raises InvalidInputError with one line:
    `file:line: field.path: message`."""
    location = Path(path)
    try:
        text = location.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{location}:1: the quality suite is not UTF-8 text") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInputError(f"cannot read quality suite {str(location)!r}: {reason}") from None
    return parse_suite(text, str(location))


__all__ = ["SUITE_DOCUMENT", "load_suite", "parse_suite"]


class YamlSuiteLoader:
    """The `SuiteLoader` port: rule suites in YAML files."""

    def load(self, path: Path) -> QualitySuite:
        return load_suite(path)
