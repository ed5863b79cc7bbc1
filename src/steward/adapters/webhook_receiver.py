"""A local webhook receiver, for trying a route by hand (`steward webhook listen`) and for tests.

It listens on 127.0.0.1 only, checks signatures the way a real receiver should, records every
request, and deduplicates on X-Steward-Delivery the way a real receiver must (a timed-out attempt
may have arrived, so its retry is a duplicate).
"""

from __future__ import annotations

import json
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from steward.domain.webhooks import verify_signature

Entry = dict[str, Any]
MAX_BODY_BYTES = 1024 * 1024
INVALID_SIGNATURE_STATUS = 401


class _Server(ThreadingHTTPServer):
    receiver: WebhookReceiver

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A sender that gave up (the timeout tests) leaves a broken pipe: expected, not a bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a sender that stalls mid-request must not hold shutdown forever

    def do_POST(self) -> None:
        receiver = cast(_Server, self.server).receiver
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._answer(413 if length > 0 else 400)
            return
        status = receiver._record(self.path, self.headers, self.rfile.read(length))
        receiver._pause()
        self._answer(status)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and the demo read .received or the JSON lines instead


class WebhookReceiver:
    """Answers the first `failures` requests with `failure_status`, then requests with a bad
    or missing signature (when `secret` is set) with 401, and everything else with 200, after
    sleeping `delay` seconds. `on_receive` sees each entry, one at a time."""

    def __init__(
        self,
        secret: bytes | None,
        *,
        failures: int = 0,
        failure_status: int = 500,
        delay: float = 0.0,
        port: int = 0,
        on_receive: Callable[[Entry], None] | None = None,
    ) -> None:
        self._secret = secret
        self._failures_left = failures
        self._failure_status = failure_status
        self._delay = delay
        self._port = port
        self._on_receive = on_receive
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._entries: list[Entry] = []
        self._accepted: set[str] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the receiver is not running")
        return f"http://127.0.0.1:{self._server.server_port}/hooks"

    @property
    def received(self) -> list[Entry]:
        """Every request in arrival order: delivery, event, timestamp, headers (lower-case
        names), body (parsed JSON or None), signature_valid (None without a secret), status,
        duplicate (an earlier request with this delivery id was already accepted)."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def unique_deliveries(self) -> list[Entry]:
        """The accepted requests, each delivery id once: what a receiver acts on."""
        return [e for e in self.received if e["status"] == 200 and not e["duplicate"]]

    def start(self) -> None:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.receiver = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._closing.set()  # wake handlers sleeping through `delay`
        self._server.shutdown()
        self._server.server_close()  # also waits for the handler threads
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> WebhookReceiver:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _record(self, path: str, headers: Message, body: bytes) -> int:
        delivery = headers.get("X-Steward-Delivery")
        valid = self._signature_valid(headers, body)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with self._lock:
            if self._failures_left > 0:
                self._failures_left -= 1
                status = self._failure_status
            elif valid is False:
                status = INVALID_SIGNATURE_STATUS
            else:
                status = 200
            duplicate = status == 200 and delivery is not None and delivery in self._accepted
            if status == 200 and delivery is not None:
                self._accepted.add(delivery)
            entry: Entry = {
                "delivery": delivery,
                "event": headers.get("X-Steward-Event"),
                "timestamp": headers.get("X-Steward-Timestamp"),
                "path": path,
                "headers": {name.lower(): value for name, value in headers.items()},
                "body": payload,
                "signature_valid": valid,
                "status": status,
                "duplicate": duplicate,
            }
            self._entries.append(entry)
            if self._on_receive is not None:
                self._on_receive(dict(entry))
        return status

    def _signature_valid(self, headers: Message, body: bytes) -> bool | None:
        if self._secret is None:
            return None
        header, stamp = headers.get("X-Steward-Signature"), headers.get("X-Steward-Timestamp")
        if header is None or stamp is None:
            return False
        try:
            timestamp = int(stamp)
        except ValueError:
            return False
        return verify_signature(self._secret, timestamp, body, header, now=int(time.time()))

    def _pause(self) -> None:
        if self._delay > 0:
            self._closing.wait(self._delay)


class LoopbackListener:
    """The `WebhookListener` port."""

    def listen(
        self,
        secret: bytes | None,
        *,
        port: int,
        failures: int,
        failure_status: int,
        on_receive: Callable[[Entry], None] | None,
    ) -> WebhookReceiver:
        receiver = WebhookReceiver(
            secret,
            failures=failures,
            failure_status=failure_status,
            port=port,
            on_receive=on_receive,
        )
        receiver.start()
        return receiver
