"""Free text a person types (reasons, descriptions, meanings): one validator for every path.

Text is stripped of surrounding whitespace, limited in length, and may not hold control
characters other than line breaks and tabs, which would otherwise hide or rewrite what a
reviewer reads in a terminal or a report.
"""

from __future__ import annotations

import re

from steward.domain.errors import InvalidInputError

MAX_TEXT = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def free_text(value: object, label: str, *, limit: int = MAX_TEXT) -> str:
    """`value` stripped, or InvalidInputError naming `label` and what is wrong with it."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{label} must be text")
    text = value.strip()
    if len(text) > limit:
        raise InvalidInputError(f"{label} is longer than {limit} characters")
    if "\x00" in text:
        raise InvalidInputError(f"{label} contains a NUL character")
    if _CONTROL.search(text):
        raise InvalidInputError(f"{label} contains a control character")
    return text


def required_reason(reason: str | None, what: str) -> str:
    """A reason that must be given, to `what` (e.g. "close a review")."""
    text = free_text(reason or "", "the reason")
    if not text:
        raise InvalidInputError(f"a reason is required to {what} (use --reason)")
    return text


def optional_reason(reason: str | None) -> str | None:
    return free_text(reason or "", "the reason") or None
