"""Delivering notifications: an HTTP POST (standard library) or a local command.

Both never raise for a failed delivery: the outbox records the DeliveryAttempt and decides
when to try again.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from steward.domain.webhooks import DeliveryAttempt, is_retryable

# The response is read only to finish the exchange politely; nothing in it is used.
MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_CHARS = 200


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would turn a redirected POST into a GET without the body; report the 3xx instead."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _one_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line[:MAX_ERROR_CHARS]


def _network_error(exc: BaseException, timeout: float) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timed out after {float(timeout)} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return _one_line(str(reason)) or type(reason).__name__


class HttpAndCommandHooks:
    def __init__(self) -> None:
        # An empty ProxyHandler: alerts go straight to the route, whatever *_proxy says.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        self._opener.addheaders = []

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt:
        started = time.monotonic()

        def attempt(status: int | None, error: str | None, retryable: bool) -> DeliveryAttempt:
            delivered = status is not None and 200 <= status < 300
            return DeliveryAttempt(delivered, status, error, retryable, time.monotonic() - started)

        # build_opener also installs file:, ftp: and data: handlers; a route is only ever HTTP.
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return attempt(None, f"unsupported URL scheme {scheme!r}", False)
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
        try:
            # The timeout bounds each socket operation, not the whole exchange.
            with self._opener.open(request, timeout=timeout) as response:
                status, reason = int(response.status), str(response.reason)
                # The status line already answered the question; a broken body changes nothing.
                with contextlib.suppress(OSError, http.client.HTTPException):
                    response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            with exc:
                status = exc.code
                error = f"HTTP {status} {_one_line(str(exc.reason))}".strip()
                return attempt(status, error, is_retryable(status))
        except (ValueError, http.client.InvalidURL) as exc:
            return attempt(None, _one_line(str(exc)) or "invalid request", False)
        except (OSError, http.client.HTTPException) as exc:
            return attempt(None, _network_error(exc, timeout), True)
        if 200 <= status < 300:
            return attempt(status, None, False)
        return attempt(status, f"HTTP {status} {_one_line(reason)}".strip(), is_retryable(status))

    def run(
        self, command: Sequence[str], body: bytes, env: Mapping[str, str], timeout: float
    ) -> DeliveryAttempt:
        started = time.monotonic()

        def attempt(status: int | None, error: str | None, retryable: bool) -> DeliveryAttempt:
            return DeliveryAttempt(
                status == 0, status, error, retryable, time.monotonic() - started
            )

        argv = list(command)
        if not argv:
            return attempt(None, "empty command", False)
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, **env},
                # Its own process group, so a timeout also kills what a wrapper script started:
                # a retraining job left running would overlap with the retry of this delivery.
                start_new_session=True,
            )
        except OSError as exc:
            return attempt(None, f"cannot start {argv[0]}: {exc.strerror or exc}", False)
        with process:
            try:
                _, stderr = process.communicate(body, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.communicate()
                return attempt(None, f"timed out after {float(timeout)} s", True)
        code = process.returncode
        if code == 0:
            return attempt(0, None, False)
        first = _one_line(stderr.decode("utf-8", "replace"))
        error = f"exit code {code}: {first}" if first else f"exit code {code}"
        return attempt(code, error, True)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
