"""Ed25519 keys for signed audit checkpoints (the `cryptography` package)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from steward.domain.errors import InvalidInputError


def generate_key(path: Path) -> str:
    """Write a new private key (PEM, readable by the owner only); return the public key in hex."""
    if path.exists():
        raise InvalidInputError(f"{path} exists: refusing to overwrite a signing key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return public_hex(key)


def public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


class Ed25519Signer:
    def __init__(self, path: Path) -> None:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            raise InvalidInputError(f"signing key {path} does not exist") from None
        except (ValueError, TypeError):
            raise InvalidInputError(
                f"{path} is not an unencrypted Ed25519 private key (PEM)"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInputError(f"{path} is not an Ed25519 private key")
        self._key = key
        self.public_key = public_hex(key)

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()


def signature_valid(public_key: str, message: bytes, signature: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), message)
    except (ValueError, InvalidSignature):
        return False
    return True


class Ed25519Keys:
    """The `Keys` port: checkpoint keys in PEM files."""

    def generate(self, path: Path) -> str:
        return generate_key(path)

    def signer(self, path: Path) -> Ed25519Signer:
        return Ed25519Signer(path)

    def valid(self, public_key: str, message: bytes, signature: str) -> bool:
        return signature_valid(public_key, message, signature)
