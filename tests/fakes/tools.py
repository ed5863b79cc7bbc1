"""Fakes of the ports that are not storage: artifacts, the chain verifier, and a lineage
to register with."""

from __future__ import annotations

import hashlib
from typing import Any

from steward.domain.errors import (
    IntegrityBrokenError,
    NotFoundError,
)
from steward.services.inventory_inputs import Lineage
from steward.services.ports import (
    ArtifactStore,
    StoredArtifact,
)


class FakeArtifactStore:
    """Content-addressed blobs in a dict keyed by SHA-256; a read rechecks the digest."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> StoredArtifact:
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.blobs:
            return StoredArtifact(digest, len(data), created=False)
        self.blobs[digest] = bytes(data)
        return StoredArtifact(digest, len(data), created=True)

    def get(self, digest: str) -> bytes:
        if digest not in self.blobs:
            raise NotFoundError(f"artifact {digest[:12]}… is missing from the artifact store")
        data = self.blobs[digest]
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise IntegrityBrokenError(
                f"artifact {digest[:12]}… is corrupted: its content hashes to {actual[:12]}…"
            )
        return data

    def exists(self, digest: str) -> bool:
        return digest in self.blobs

    def corrupt(self, digest: str) -> None:
        """Flip the bits of the first byte of a stored blob, keeping its name."""
        data = self.blobs[digest]
        self.blobs[digest] = bytes([data[0] ^ 0xFF]) + data[1:]


def make_lineage(artifact_format: str = "skops", **overrides: Any) -> Lineage:
    """A small, plausible lineage; keyword arguments replace any of its fields."""
    fields: dict[str, Any] = {
        "framework": {"name": "scikit-learn", "version": "1.5.0", "estimator_class": "Ridge"},
        "signature": {"columns": [{"name": "x", "type": "double"}]},
        "training_data": {"rows": 100, "sha256": "a" * 64},
        "validation_data": None,
        "code": {"git_commit": "0123abc", "dirty": False},
        "environment": {"python": "3.11.9", "packages": {"numpy": "2.0.0"}},
    }
    fields.update(overrides)
    return Lineage(artifact_format=artifact_format, **fields)


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_artifact_store: type[ArtifactStore] = FakeArtifactStore
