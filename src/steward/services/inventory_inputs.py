"""What the inventory use cases take in: the lineage captured at registration, and the checks
on a change's reason and on free-text fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from steward.domain.text import free_text, optional_reason, required_reason

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
    if required:
        return required_reason(reason, "make this change")
    return optional_reason(reason)


def text_field(label: str, value: str, limit: int = 10_000) -> str:
    return free_text(value, label, limit=limit)
