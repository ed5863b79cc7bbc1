"""The local webhook receiver, re-exported for tests.

It lives in steward.adapters.webhook_receiver because the demo needs it too; run either module
with --help to use it by hand.
"""

from __future__ import annotations

from steward.adapters.webhook_receiver import Entry, WebhookReceiver, main

__all__ = ["Entry", "WebhookReceiver", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
