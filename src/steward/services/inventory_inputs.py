"""What the inventory use cases take in: the lineage captured at registration, and the checks
on a change's reason and on free-text fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from steward.domain.errors import InvalidInputError

__all__ = ["Lineage", "check_reason", "text_field"]


@dataclass(frozen=True, slots=True)
class Lineage:
    """Facts captured from the training process when a version is registered."""

    artifact_format: str
    framework: dict[str, Any] = field(default_factory=dict)
    signature: dict[str, Any] = field(default_factory=dict)
    training_data: dict[str, Any] | None = None
    validation_data: dict[str, Any] | None = None
    code: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    # The training data's column profile (JSON): what data-quality checks and drift compare
    # new data with. Stored as an artifact; its digest joins the training data's fingerprint.
    training_profile: bytes | None = None


def check_reason(reason: str | None, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInputError("a reason is required for this change (use --reason)")
    if "\x00" in text:
        raise InvalidInputError("the reason contains a NUL character")
    return text or None


def text_field(label: str, value: str, limit: int = 10_000) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{label} must be text")
    if len(value) > limit:
        raise InvalidInputError(f"{label} is longer than {limit} characters")
    return value.strip()
