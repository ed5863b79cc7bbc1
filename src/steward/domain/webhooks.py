"""Outgoing alert notifications: the signed body, the headers, and when to try again.

Signing scheme (what a receiver implements):

    X-Steward-Timestamp: <unix seconds>
    X-Steward-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

The timestamp is inside the signed bytes, so a captured request cannot be replayed later with a
fresh timestamp. A receiver recomputes the HMAC over the raw body it got (not a re-serialisation),
compares with `hmac.compare_digest` (constant time), rejects timestamps more than 5 minutes away
from its clock, and deduplicates on X-Steward-Delivery, which stays the same across retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from steward.domain.errors import InvalidInputError

MAX_ATTEMPTS = 8
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE = 300

# Past this the float would overflow; any sane cap is reached long before.
_MAX_EXPONENT = 63


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """The outcome of one try at a webhook or a command hook."""

    delivered: bool
    status: int | None  # HTTP status if a response came back, the exit code for a command
    error: str | None  # one line: "timed out after 5.0 s", "HTTP 500 Internal Server Error", ...
    retryable: bool
    seconds: float  # how long the attempt took


def canonical_body(payload: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys, so the same payload always yields the same signed bytes."""
    try:
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"notification payload is not valid JSON: {exc}") from None
    return text.encode("utf-8")


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The X-Steward-Signature value: "sha256=" + hex HMAC-SHA256 over b"<timestamp>." + body."""
    mac = hmac.new(secret, f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: int,
    body: bytes,
    header: str,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when `header` signs this body and timestamp, and the timestamp is within `tolerance`
    seconds of `now` either way (future ones too: a skewed clock must not widen the window)."""
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).encode("ascii")
    # Bytes, because compare_digest refuses non-ASCII str and the header comes from outside.
    return hmac.compare_digest(expected, header.encode("utf-8", "replace"))


def signed_headers(
    delivery_id: str, event: str, body: bytes, secret: bytes | None, timestamp: int
) -> dict[str, str]:
    """Headers for one attempt; the signature is left out when the route has no secret."""
    for name, value in (("delivery id", delivery_id), ("event", event)):
        if not value or any(ch in value for ch in "\r\n"):
            raise InvalidInputError(f"webhook {name} must be one non-empty line, got {value!r}")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "steward",
        "X-Steward-Event": event,
        "X-Steward-Delivery": delivery_id,
        "X-Steward-Timestamp": str(timestamp),
    }
    if secret is not None:
        headers["X-Steward-Signature"] = signature(secret, timestamp, body)
    return headers


def next_attempt_delay(attempts: int, *, base: float = 2.0, cap: float = 3600.0) -> float:
    """Seconds to wait after `attempts` failed tries: base * 2**(attempts - 1), at most `cap`.

    No jitter: the schedule is deterministic so tests and the audit trail can state exactly when
    the next try is due. Jitter spreads retries from many senders; one control plane does not
    need it."""
    if attempts < 1:
        raise InvalidInputError(f"attempts must be at least 1, got {attempts}")
    if base <= 0 or cap <= 0:
        raise InvalidInputError(f"backoff base and cap must be positive, got {base} and {cap}")
    return min(cap, base * 2.0 ** min(attempts - 1, _MAX_EXPONENT))


def is_retryable(status: int | None) -> bool:
    """Whether a failed attempt with this outcome is worth repeating.

    None (timeout, refused, reset) and 5xx/408/429 are transient. Other 4xx and 3xx mean the
    request or the route is wrong and repeating it changes nothing. 2xx was delivered."""
    if status is None:
        return True
    return status >= 500 or status in (408, 429)
