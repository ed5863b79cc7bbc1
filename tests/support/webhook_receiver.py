"""The local webhook receiver behind `steward webhook listen`, for tests that need an endpoint
which checks signatures and records what it gets."""

from __future__ import annotations

from steward.adapters.webhook_receiver import Entry, WebhookReceiver

__all__ = ["Entry", "WebhookReceiver"]
