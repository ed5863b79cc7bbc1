"""The notification hooks for real: HTTP on 127.0.0.1 against the local receiver, and commands.

No database: none of these tests asks for the `database_url` fixture, so none is parametrised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from steward.adapters.hooks import HttpAndCommandHooks
from steward.domain.webhooks import canonical_body, signed_headers
from tests.support.webhook_receiver import WebhookReceiver

SECRET = b"route-secret"
PAYLOAD = {"event": "drift.alert", "model": "credit", "psi": 0.31}
BODY = canonical_body(PAYLOAD)


def _headers(delivery: str = "d-1", secret: bytes | None = SECRET) -> dict[str, str]:
    return signed_headers(delivery, "drift.alert", BODY, secret, int(time.time()))


@pytest.fixture
def hooks() -> HttpAndCommandHooks:
    return HttpAndCommandHooks()


def test_delivered_with_a_valid_signature(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(SECRET) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(), timeout=5.0)
    assert (attempt.delivered, attempt.status, attempt.error) == (True, 200, None)
    assert not attempt.retryable and attempt.seconds >= 0
    [entry] = receiver.received
    assert entry["signature_valid"] is True
    assert entry["body"] == PAYLOAD
    assert (entry["delivery"], entry["event"]) == ("d-1", "drift.alert")
    assert entry["headers"]["user-agent"] == "steward"
    assert entry["headers"]["content-type"] == "application/json"


def test_wrong_secret_is_refused_for_good(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(SECRET) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(secret=b"stale"), timeout=5.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, 401, False)
    assert receiver.received[0]["signature_valid"] is False


def test_server_error_is_retryable_and_named(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(SECRET, failures=1) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(), timeout=5.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, 500, True)
    assert attempt.error == "HTTP 500 Internal Server Error"


def test_not_found_is_permanent(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(None, failures=1, failure_status=404) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(secret=None), timeout=5.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, 404, False)
    assert attempt.error is not None and attempt.error.startswith("HTTP 404")


def test_redirect_is_reported_not_followed(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(None, failures=1, failure_status=302) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(secret=None), timeout=5.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, 302, False)
    assert len(receiver.received) == 1


def test_retries_are_deduplicated_by_delivery_id(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(SECRET, failures=1) as receiver:
        outcomes = [hooks.post(receiver.url, BODY, _headers("d-7"), 5.0) for _ in range(3)]
        hooks.post(receiver.url, BODY, _headers("d-8"), 5.0)
    assert [a.delivered for a in outcomes] == [False, True, True]
    assert [e["duplicate"] for e in receiver.received] == [False, False, True, False]
    assert [e["delivery"] for e in receiver.unique_deliveries()] == ["d-7", "d-8"]


def test_slow_receiver_times_out_retryably(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(SECRET, delay=2.0) as receiver:
        attempt = hooks.post(receiver.url, BODY, _headers(), timeout=0.5)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, None, True)
    assert attempt.error == "timed out after 0.5 s"
    assert attempt.seconds < 1.9


def test_connection_refused_is_retryable(hooks: HttpAndCommandHooks) -> None:
    with WebhookReceiver(None) as receiver:
        url = receiver.url  # the port is free again once the receiver has closed
    attempt = hooks.post(url, BODY, _headers(secret=None), timeout=2.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, None, True)
    assert attempt.error == "connection refused"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "not a url"])
def test_only_http_urls_are_posted_to(hooks: HttpAndCommandHooks, url: str) -> None:
    attempt = hooks.post(url, BODY, _headers(), timeout=1.0)
    assert (attempt.delivered, attempt.retryable) == (False, False)
    assert attempt.error is not None and "unsupported URL scheme" in attempt.error


def test_environment_proxies_are_ignored(
    hooks: HttpAndCommandHooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with WebhookReceiver(SECRET) as receiver:
        attempt = HttpAndCommandHooks().post(receiver.url, BODY, _headers(), timeout=5.0)
    assert attempt.delivered


# Command hooks: the body arrives on stdin, the route's env on top of ours.
ECHO_CHECK = (
    "import json, os, sys; body = json.load(sys.stdin); "
    "sys.exit(0 if body['model'] == 'credit' and os.environ['STEWARD_ROUTE'] == 'retrain' "
    "and 'PATH' in os.environ else 9)"
)
FAIL = (
    "import sys; sys.stdin.read(); print('no GPU left\\nmore detail', file=sys.stderr); sys.exit(3)"
)
SLOW = "import time; time.sleep(30)"
# A wrapper script around the real job: the job must die with it, or it would overlap its retry.
WRAPPER = (
    "import pathlib, subprocess, sys; "
    f"job = subprocess.Popen([sys.executable, '-c', {SLOW!r}], stderr=subprocess.DEVNULL); "
    "pathlib.Path(sys.argv[1]).write_text(str(job.pid)); job.wait()"
)


def test_command_reads_the_body_and_env(hooks: HttpAndCommandHooks) -> None:
    attempt = hooks.run(
        [sys.executable, "-c", ECHO_CHECK], BODY, {"STEWARD_ROUTE": "retrain"}, timeout=30.0
    )
    assert (attempt.delivered, attempt.status, attempt.error) == (True, 0, None)
    assert not attempt.retryable


def test_failing_command_is_retryable_with_its_first_stderr_line(
    hooks: HttpAndCommandHooks,
) -> None:
    attempt = hooks.run([sys.executable, "-c", FAIL], BODY, {}, timeout=30.0)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, 3, True)
    assert attempt.error == "exit code 3: no GPU left"


def test_slow_command_is_killed_and_retryable(hooks: HttpAndCommandHooks) -> None:
    attempt = hooks.run([sys.executable, "-c", SLOW], BODY, {}, timeout=0.5)
    assert (attempt.delivered, attempt.status, attempt.retryable) == (False, None, True)
    assert attempt.error == "timed out after 0.5 s"
    assert attempt.seconds < 10


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads process states from /proc")
def test_timeout_kills_what_the_command_started(hooks: HttpAndCommandHooks, tmp_path: Path) -> None:
    pid_file = tmp_path / "job.pid"
    # 2 s: time for both interpreters to start, so the job exists when the timeout fires.
    attempt = hooks.run([sys.executable, "-c", WRAPPER, str(pid_file)], BODY, {}, timeout=2.0)
    assert attempt.error == "timed out after 2.0 s"
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for whoever adopted it counts) within a few seconds."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_missing_command_is_permanent(hooks: HttpAndCommandHooks) -> None:
    attempt = hooks.run(["steward-no-such-command-xyz"], BODY, {}, timeout=5.0)
    assert (attempt.delivered, attempt.retryable) == (False, False)
    assert attempt.error is not None and attempt.error.startswith("cannot start")


def test_steward_webhook_listen_checks_signatures_and_records_requests(
    hooks: HttpAndCommandHooks, tmp_path: Path
) -> None:
    out = tmp_path / "received.jsonl"
    home = ["--home", str(tmp_path / "home")]
    argv = [sys.executable, "-m", "steward", *home, "webhook", "listen", "--secret-env", "HOOK_KEY"]
    env = {**os.environ, "HOOK_KEY": SECRET.decode()}
    with subprocess.Popen(
        [*argv, "--out", str(out)], stdout=subprocess.PIPE, text=True, env=env
    ) as receiver:
        assert receiver.stdout is not None
        url = receiver.stdout.readline().strip()
        attempt = hooks.post(url, BODY, _headers("d-9"), timeout=5.0)
        receiver.terminate()
        assert receiver.wait(timeout=10) == 0
    assert attempt.delivered
    [entry] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (entry["delivery"], entry["signature_valid"], entry["body"]) == ("d-9", True, PAYLOAD)
