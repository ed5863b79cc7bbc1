"""Webhook signing, canonical bodies, backoff and retry classification, without a network."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math

import pytest

from steward.domain.errors import InvalidInputError
from steward.domain.webhooks import (
    MAX_ATTEMPTS,
    DeliveryAttempt,
    canonical_body,
    is_retryable,
    next_attempt_delay,
    signature,
    signed_headers,
    verify_signature,
)

SECRET = b"route-secret"
NOW = 1_790_000_000
BODY = b'{"event":"drift","model":"credit"}'


def test_signature_matches_an_independent_hmac() -> None:
    expected = hmac.new(SECRET, b"1790000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == "sha256=" + expected


def test_signature_binds_the_timestamp() -> None:
    assert signature(SECRET, NOW, BODY) != signature(SECRET, NOW + 1, BODY)


def test_verify_accepts_its_own_signature() -> None:
    header = signature(SECRET, NOW, BODY)
    assert verify_signature(SECRET, NOW, BODY, header, now=NOW + 299)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now"),
    [
        (SECRET, NOW, BODY.replace(b"credit", b"fraud"), NOW),  # tampered body
        (b"other-secret", NOW, BODY, NOW),  # wrong secret
        (SECRET, NOW + 1, BODY, NOW),  # timestamp swapped after signing
        (SECRET, NOW, BODY, NOW + 301),  # replayed after the window
        (SECRET, NOW, BODY, NOW - 301),  # from too far in the future
    ],
)
def test_verify_rejects(secret: bytes, timestamp: int, body: bytes, now: int) -> None:
    header = signature(SECRET, NOW, BODY)
    assert not verify_signature(secret, timestamp, body, header, now=now)


@pytest.mark.parametrize("header", ["", "sha256=", "sha256=zz", "sha256=é", "md5=abc"])
def test_verify_rejects_malformed_headers_without_raising(header: str) -> None:
    assert not verify_signature(SECRET, NOW, BODY, header, now=NOW)


def test_verify_honours_a_custom_tolerance() -> None:
    header = signature(SECRET, NOW, BODY)
    assert not verify_signature(SECRET, NOW, BODY, header, now=NOW + 61, tolerance=60)
    assert verify_signature(SECRET, NOW, BODY, header, now=NOW + 60, tolerance=60)


def test_canonical_body_is_compact_sorted_utf8() -> None:
    body = canonical_body({"z": 1, "a": {"y": [1, 2], "b": "Zürich"}})
    assert body == '{"a":{"b":"Zürich","y":[1,2]},"z":1}'.encode()


def test_canonical_body_ignores_key_order() -> None:
    first = canonical_body({"model": "credit", "event": "drift", "psi": 0.31})
    second = canonical_body({"psi": 0.31, "event": "drift", "model": "credit"})
    assert first == second
    assert json.loads(first) == {"model": "credit", "event": "drift", "psi": 0.31}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, object()])
def test_canonical_body_refuses_what_json_cannot_carry(value: object) -> None:
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        canonical_body({"psi": value})


def test_signed_headers_with_a_secret() -> None:
    headers = signed_headers("d-1", "drift.alert", BODY, SECRET, NOW)
    assert headers == {
        "Content-Type": "application/json",
        "User-Agent": "steward",
        "X-Steward-Event": "drift.alert",
        "X-Steward-Delivery": "d-1",
        "X-Steward-Timestamp": "1790000000",
        "X-Steward-Signature": signature(SECRET, NOW, BODY),
    }


def test_signed_headers_without_a_secret_leave_out_the_signature() -> None:
    assert "X-Steward-Signature" not in signed_headers("d-1", "drift.alert", BODY, None, NOW)


@pytest.mark.parametrize(("delivery", "event"), [("d-1\r\nX-Evil: 1", "drift"), ("d-1", "")])
def test_signed_headers_refuse_header_injection(delivery: str, event: str) -> None:
    with pytest.raises(InvalidInputError):
        signed_headers(delivery, event, BODY, SECRET, NOW)


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    delays = [next_attempt_delay(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
    assert next_attempt_delay(3, base=10.0, cap=25.0) == 25.0
    assert next_attempt_delay(12) == 3600.0
    assert next_attempt_delay(10_000) == 3600.0  # no overflow for absurd counts


@pytest.mark.parametrize(
    ("attempts", "base", "cap"), [(0, 2.0, 60.0), (1, 0.0, 60.0), (1, 2.0, 0.0)]
)
def test_backoff_refuses_nonsense(attempts: int, base: float, cap: float) -> None:
    with pytest.raises(InvalidInputError):
        next_attempt_delay(attempts, base=base, cap=cap)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (None, True),
        (500, True),
        (502, True),
        (503, True),
        (408, True),
        (429, True),
        (400, False),
        (401, False),
        (404, False),
        (410, False),
        (302, False),
        (200, False),
        (204, False),
    ],
)
def test_retry_classification(status: int | None, retryable: bool) -> None:
    assert is_retryable(status) is retryable


def test_delivery_attempt_is_frozen() -> None:
    attempt = DeliveryAttempt(True, 200, None, False, 0.01)
    with pytest.raises(dataclasses.FrozenInstanceError):
        attempt.delivered = False  # type: ignore[misc]
