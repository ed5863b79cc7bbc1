"""A fake of the checkpoint keys port: keys are names, a signature is an HMAC of the message
under the key's name, so a forged or altered checkpoint fails as with real keys."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from steward.domain.errors import InvalidInputError
from steward.services.ports import Keys, Signer


class FakeSigner:
    def __init__(self, name: str) -> None:
        self.public_key = hashlib.sha256(name.encode()).hexdigest()
        self._name = name

    def sign(self, message: bytes) -> str:
        return hmac.new(self.public_key.encode(), message, hashlib.sha256).hexdigest()


class FakeKeys:
    """Keys live in memory by file name; nothing is written."""

    def __init__(self) -> None:
        self.keys: dict[str, FakeSigner] = {}

    def generate(self, path: Path) -> str:
        if str(path) in self.keys:
            raise InvalidInputError(f"{path} exists: refusing to overwrite a signing key")
        self.keys[str(path)] = FakeSigner(str(path))
        return self.keys[str(path)].public_key

    def signer(self, path: Path) -> FakeSigner:
        found = self.keys.get(str(path))
        if found is None:
            raise InvalidInputError(f"signing key {path} does not exist")
        return found

    def valid(self, public_key: str, message: bytes, signature: str) -> bool:
        expected = hmac.new(public_key.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_keys: type[Keys] = FakeKeys
_signer: type[Signer] = FakeSigner
