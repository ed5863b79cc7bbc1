"""Trying webhook routes by hand: a receiver on this machine's loopback interface that checks
Steward's signatures and shows what arrives, before a real endpoint is wired in."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from steward.domain.errors import InvalidInputError
from steward.domain.principal import Principal
from steward.services.ports import Receiver, WebhookListener
from steward.services.use_case import use_case


class WebhookTools:
    def __init__(self, listener: WebhookListener) -> None:
        self._listener = listener

    @use_case("webhook.manage", scope="local")
    def listen(
        self,
        principal: Principal,
        *,
        secret_env: str | None = None,
        port: int = 0,
        fail_first: int = 0,
        failure_status: int = 500,
        on_receive: Callable[[dict[str, Any]], None] | None = None,
    ) -> Receiver:
        """Start a receiver on 127.0.0.1 (`port` 0 picks a free one). With `secret_env`, the
        variable holding a route's signing secret, requests with a bad or missing signature get
        401; the first `fail_first` requests get `failure_status`, to watch retries. Every
        request is recorded, repeats of a delivery id marked. Close the receiver to stop it."""
        if not 0 <= port <= 65_535:
            raise InvalidInputError(f"port must be between 0 and 65535, got {port}")
        if fail_first < 0:
            raise InvalidInputError(f"fail_first must be 0 or more, got {fail_first}")
        if not 400 <= failure_status <= 599:
            raise InvalidInputError(
                f"failure_status must be an HTTP error status (400-599), got {failure_status}"
            )
        secret = None
        if secret_env:
            value = os.environ.get(secret_env)
            if not value:
                raise InvalidInputError(f"environment variable {secret_env} is not set")
            secret = value.encode("utf-8")
        try:
            return self._listener.listen(
                secret,
                port=port,
                failures=fail_first,
                failure_status=failure_status,
                on_receive=on_receive,
            )
        except OSError as exc:
            raise InvalidInputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
