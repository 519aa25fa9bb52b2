"""Ed25519 signing of certificates (志愿服务证明).

The private key comes from settings (``HUB_CERT_SIGNING_KEY``) as base64 of the raw 32-byte
seed or as a PKCS#8 PEM; the embedded demo generates one under ``home``. The public key is
published as base64 of the raw 32 bytes, and a short key id (fingerprint) travels with every
signature so a verifier can tell which key was used after a rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SEED_BYTES = 32
SIGNATURE_BYTES = 64
KEY_FILE_NAME = "cert_signing.key"
ALGORITHM = "Ed25519"


def b64decode_loose(text: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding; ValueError if malformed."""
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_raw: bytes) -> str:
    """Short fingerprint of a raw public key: 16 hex chars of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from base64 raw 32 bytes or a SubjectPublicKeyInfo PEM."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(stripped.encode())
        except ValueError:
            raise ValueError("public key PEM could not be parsed") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("public key PEM is not an Ed25519 key")
        return key
    raw = b64decode_loose(stripped)
    if len(raw) != SEED_BYTES:
        raise ValueError(f"public key must be {SEED_BYTES} bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_id(public_key_text: str) -> str:
    """The key id of a public key given as text."""
    return key_id_of(_raw_public(load_public_key(public_key_text)))


class SigningKey:
    """An Ed25519 private key that signs certificate payloads."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._public_raw = _raw_public(private_key.public_key())

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        """From settings text: base64 of the raw 32-byte seed, or a PKCS#8 PEM (unencrypted)."""
        stripped = text.strip()
        if stripped.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_private_key(stripped.encode(), password=None)
            except (ValueError, TypeError):
                raise ValueError("certificate signing key PEM could not be parsed") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("certificate signing key PEM is not an Ed25519 key")
            return cls(key)
        try:
            seed = b64decode_loose(stripped)
        except ValueError:
            raise ValueError("certificate signing key is neither PEM nor base64") from None
        if len(seed) != SEED_BYTES:
            raise ValueError(f"certificate signing key must be {SEED_BYTES} bytes, got {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def key_id(self) -> str:
        """Short fingerprint of the public key, printed and embedded with each signature."""
        return key_id_of(self._public_raw)

    def sign(self, payload: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``payload``."""
        return self._key.sign(payload)

    def public_key_text(self) -> str:
        """Base64 of the raw 32-byte public key, for publication and offline verification."""
        return base64.b64encode(self._public_raw).decode()

    def public_key_pem(self) -> str:
        """The public key as SubjectPublicKeyInfo PEM."""
        pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"


def generate_key_text() -> str:
    """A fresh private key: base64 of a random 32-byte Ed25519 seed."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(seed).decode()


def load_or_create_signing_key(configured: str | None, home: Path) -> SigningKey:
    """The configured key, or a persistent generated one under ``home`` (embedded demo only)."""
    return SigningKey.from_text(configured or load_or_create_key_text(home))


def load_or_create_key_text(home: Path) -> str:
    """The text of the persistent generated key under ``home``, created when missing."""
    path = home / KEY_FILE_NAME
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(generate_key_text() + "\n")
    return path.read_text().strip()


def verify(payload: bytes, signature: bytes, public_key_text: str) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``payload`` by that public key.

    Raises ValueError if ``public_key_text`` itself is unusable (a configuration error).
    """
    key = load_public_key(public_key_text)
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        return False
    return True


def find_signer(payload: bytes, signature: bytes, public_keys: Iterable[str]) -> str | None:
    """The key id of the first of ``public_keys`` whose signature verifies, else None."""
    for text in public_keys:
        if verify(payload, signature, text):
            return public_key_id(text)
    return None
