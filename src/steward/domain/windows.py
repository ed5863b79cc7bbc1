"""Monitoring windows: the fixed-width stretches of time that production data is profiled into.

A width is written like `30m`, `1h`, `6h`, `1d` or `1w`. Windows are aligned to the Unix epoch in
UTC, so the same row lands in the same window whichever process profiles it; week windows start
on Monday 00:00 UTC (the epoch fell on a Thursday, so they are shifted by four days), whether
written `1w` or `7d`. A window is
named by its start, written as ISO 8601 UTC text: `2026-11-23T00:00:00Z`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from steward.domain.errors import InvalidInputError

_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
# 1970-01-05 was the first Monday after the epoch.
_MONDAY = 4 * 86_400

# Rows profiled at a time when production data is read in batches. Smaller batches hold less
# (a 20-column Parquet file of 2 million rows: about 172 MiB peak at 8,192 rows, 182 at 16,384,
# 205 at 32,768 and 270 at 65,536, measured with bench/out_of_core.py) and, down to here, cost
# no time: a batch's columns stay in the processor's cache (at 50 million rows, 21 s of CPU at
# 8,192 against 29 s at 16,384). Much smaller ones are slowed by per-batch overhead.
BATCH_ROWS = 8_192


@dataclass(frozen=True, slots=True)
class Window:
    """A window width in seconds, and the offset from the epoch its windows are aligned to."""

    seconds: int
    offset: int = 0

    @property
    def label(self) -> str:
        for unit in ("w", "d", "h", "m"):
            size = _UNITS[unit]
            if self.seconds % size == 0 and (unit != "w" or self.offset == _MONDAY):
                return f"{self.seconds // size}{unit}"
        return f"{self.seconds}s"

    def start_of(self, epoch_seconds: int) -> int:
        """The start, in epoch seconds, of the window holding `epoch_seconds`."""
        return (epoch_seconds - self.offset) // self.seconds * self.seconds + self.offset

    def start_text(self, epoch_seconds: int) -> str:
        return window_text(self.start_of(epoch_seconds))


def parse_window(text: str) -> Window:
    """`1d` -> Window(86400). Refuses zero, other units and anything malformed."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInputError(
            f"malformed window {text!r}: use a number and a unit (s, m, h, d, w), such as 1d or 6h"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise InvalidInputError(f"malformed window {text!r}: the width must be positive")
    seconds = amount * _UNITS[unit]
    # Whole weeks start on Mondays however they are written: 7d is 1w.
    return Window(seconds, _MONDAY if seconds % _UNITS["w"] == 0 else 0)


def window_text(epoch_seconds: int) -> str:
    """Epoch seconds as the ISO 8601 UTC text that names a window."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_epoch(text: str) -> int:
    """The inverse of `window_text`."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInputError(
            f"malformed window start {text!r}: expected 2026-11-23T00:00:00Z"
        ) from None
    return int(moment.timestamp())
