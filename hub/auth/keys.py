"""The keys tokens are signed and verified with, checked once at start-up.

HS256: the shared secret ``HUB_JWT_SECRET`` (at least :data:`MIN_SECRET_BYTES`; for the local
demo a generated one kept in a file, :func:`load_or_create_secret`). RS256: the RSA public key
``HUB_JWT_PUBLIC_KEY`` (PEM text or a file's path; at least :data:`MIN_RSA_BITS`). Unusable
settings are an :class:`AuthConfigError`. Verification itself is hub.auth.tokens.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from hub.settings import Settings

MIN_SECRET_BYTES = 32
"""RFC 7518 §3.2: an HS256 key must be at least as long as the hash output."""

MIN_RSA_BITS = 2048
SECRET_FILE_NAME = "jwt.secret"


class AuthConfigError(ValueError):
    """The token settings themselves are unusable (raised at start-up, not per request)."""


def load_public_key(text: str) -> RSAPublicKey:
    """An RSA public key from PEM text, or from the path of a PEM file."""
    data = text.strip()
    if not data.startswith("-----BEGIN") and Path(data).is_file():
        data = Path(data).read_text().strip()
    try:
        key = serialization.load_pem_public_key(data.encode())
    except ValueError:
        raise AuthConfigError(
            "Config 'HUB_JWT_PUBLIC_KEY' is not a PEM public key (or the path of one)."
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise AuthConfigError("Config 'HUB_JWT_PUBLIC_KEY' must be an RSA key for RS256.")
    if key.key_size < MIN_RSA_BITS:
        raise AuthConfigError(
            f"Config 'HUB_JWT_PUBLIC_KEY' is {key.key_size} bits; at least {MIN_RSA_BITS} needed."
        )
    return key


def hs256_secret(settings: Settings) -> str:
    """``HUB_JWT_SECRET``, present and long enough for HS256."""
    secret = settings.jwt_secret
    if not secret:
        raise AuthConfigError(
            "Config 'HUB_JWT_SECRET' is missing, and has no default "
            "(use load_or_create_secret() for a local demo)."
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise AuthConfigError(
            f"Config 'HUB_JWT_SECRET' must be at least {MIN_SECRET_BYTES} bytes, "
            f"got {len(secret.encode())}."
        )
    return secret


def load_or_create_secret(home: Path, file_name: str = SECRET_FILE_NAME) -> str:
    """A persistent random secret in ``home/file_name`` (mode 0600; default: the HS256 token
    secret ``jwt.secret``), for the local demo."""
    path = home / file_name
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = home / f".{file_name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(staging, path)  # atomic create-if-absent: a reader never sees a partial file
        except FileExistsError:
            pass  # another process created it first; use theirs
        finally:
            staging.unlink()
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise AuthConfigError(
            f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; delete it to regenerate."
        )
    return secret
