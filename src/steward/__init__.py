"""Steward: a governance control plane for machine-learning models.

Importing Steward connects to nothing; the first call does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.domain.errors import (
    ConflictError,
    GateBlockedError,
    IntegrityBrokenError,
    InvalidInputError,
    MissingExtraError,
    NotFoundError,
    PermissionDeniedError,
    PolicyInvalidError,
    SchemaOutdatedError,
    StewardError,
    StorageUnavailableError,
)

if TYPE_CHECKING:
    from steward.sdk import Client, register

__all__ = [
    "Client",
    "ConflictError",
    "GateBlockedError",
    "IntegrityBrokenError",
    "InvalidInputError",
    "MissingExtraError",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyInvalidError",
    "SchemaOutdatedError",
    "StewardError",
    "StorageUnavailableError",
    "register",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The SDK pulls in SQLAlchemy, scikit-learn and pyarrow; load it only when asked for.
    if name in ("Client", "register"):
        from steward import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'steward' has no attribute {name!r}")
