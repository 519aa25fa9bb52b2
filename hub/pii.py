"""Personal data at rest: AES-GCM encryption, keyed hashes for duplicate search, masking.

ID numbers (身份证号) and phone numbers are never stored in clear. Each is stored as
``*_enc`` (AES-256-GCM, random 96-bit nonce, the field name bound as associated data) and
``*_hash`` (HMAC-SHA256 under a key derived from the same master key), so that a duplicate
can be found with an index lookup without ever decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyError(ValueError):
    """The configured data key is unusable."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"hub/pii/" + purpose, hashlib.sha256).digest()


class PiiCipher:
    """Encrypts, decrypts and blind-indexes personal data under one master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise DataKeyError(f"the data key must be {KEY_BYTES} bytes, got {len(master_key)}")
        self._aead = AESGCM(_derive(master_key, b"enc"))
        self._mac_key = _derive(master_key, b"mac")

    @classmethod
    def from_text(cls, text: str) -> PiiCipher:
        """Build from a base64 (standard or URL-safe) encoded 32-byte key, e.g. ``HUB_DATA_KEY``."""
        try:
            raw = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
        except ValueError:
            raise DataKeyError("HUB_DATA_KEY is not valid base64") from None
        return cls(raw)

    def encrypt(self, value: str, *, field: str) -> bytes:
        """Encrypt ``value``; ``field`` (e.g. ``"id_number"``) is bound as associated data."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, value.encode(), field.encode())

    def decrypt(self, blob: bytes, *, field: str) -> str:
        """Decrypt a value made by :meth:`encrypt` for the same ``field``."""
        data = bytes(blob)
        return self._aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], field.encode()).decode()

    def blind_index(self, value: str, *, field: str) -> bytes:
        """A keyed hash of ``value`` for equality search; useless without the key."""
        return hmac.digest(self._mac_key, field.encode() + b"\x00" + value.encode(), "sha256")


def generate_key_text() -> str:
    """A fresh random data key, base64 encoded."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def load_or_create_key(*, configured: str | None, home: Path) -> PiiCipher:
    """The configured key, or a persistent generated one under ``home`` (embedded demo only)."""
    if configured:
        return PiiCipher.from_text(configured)
    path = home / "data.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(generate_key_text() + "\n")
    return PiiCipher.from_text(path.read_text())


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str | None) -> str | None:
    """``41010219900307123X`` → ``410***********123X`` (first 3 and last 4 kept)."""
    if not id_number:
        return id_number
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name: str | None) -> str | None:
    """``王小华`` → ``王*华``, ``李华`` → ``李*``: the first character, and the last of 3+."""
    if not name:
        return name
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1) if len(name) == 2 else "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
