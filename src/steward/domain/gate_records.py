"""What the gate's parts share: building a requirement's result, reading times, and the total
orders that make the gate independent of the order records are given in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from steward.domain.governance import (
    Evidence,
    RequirementResult,
    RequirementStatus,
    SignOff,
    Waiver,
)

RequirementKind = Literal[
    "transition", "assessment", "check", "documentation", "lineage", "signoff"
]


def requirement_result(
    key: str, kind: RequirementKind, description: str, status: RequirementStatus, detail: str
) -> RequirementResult:
    return RequirementResult(
        key=key, kind=kind, description=description, status=status, detail=detail
    )


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def loose_json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def evidence_order(item: Evidence) -> tuple[Any, ...]:
    # created_at then id decide; the rest only makes the order total when both are equal.
    return (
        item.created_at,
        item.id,
        item.kind,
        item.producer,
        item.summary,
        loose_json(item.content()),
    )


def signoff_order(item: SignOff) -> tuple[Any, ...]:
    return (
        item.signed_at,
        item.id,
        item.decision,
        item.reason,
        item.meaning,
        item.evidence_digest,
        item.policy_name,
        item.policy_version,
    )


def waiver_order(item: Waiver) -> tuple[Any, ...]:
    return (
        item.granted_at,
        item.id,
        item.requirement,
        item.expires_at,
        item.reason,
        item.granted_by,
        item.granted_role,
        item.revoked_at or "",
        item.revoked_by or "",
        item.revoke_reason or "",
    )
