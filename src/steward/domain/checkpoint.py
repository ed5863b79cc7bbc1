"""Signed checkpoints of the audit chain.

A checkpoint states "event N of this chain had hash H", signed with a key the database
administrator does not hold. Kept outside the database, it exposes the one change the chain
cannot reveal by itself: a consistent rewrite of every event and of the recorded head.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from steward.domain.errors import InvalidInputError

FORMAT = "steward-audit-checkpoint/1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str | None
    signed_at: str
    signed_by: str
    public_key: str  # Ed25519, hex
    signature: str = ""  # hex, over message()

    def message(self) -> bytes:
        """The exact bytes signed: canonical JSON of everything but the signature."""
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        body["format"] = FORMAT
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @staticmethod
    def from_dict(data: Any, source: str) -> Checkpoint:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInputError(f"{source}: not a Steward audit checkpoint")
        fields = {k: v for k, v in data.items() if k != "format"}
        try:
            checkpoint = Checkpoint(**fields)
        except TypeError:
            raise InvalidInputError(
                f"{source}: the checkpoint has missing or unknown fields"
            ) from None
        if not isinstance(checkpoint.seq, int) or checkpoint.seq < 1:
            raise InvalidInputError(f"{source}: the checkpoint's seq must be a positive number")
        return checkpoint
