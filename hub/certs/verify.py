"""Checking a certificate's (志愿服务证明) signature, online or offline from the PDF alone.

The PDF carries a compact ASCII token in its document keywords::

    HUBCERT1.<base64url canonical payload>.<base64url Ed25519 signature>.<key id>

:func:`extract_and_verify` finds it (by scanning the bytes, or through pypdf when the file was
re-saved with compressed objects and pypdf is installed) and checks it against the trusted
public key(s). A valid result vouches for ``data`` — the signed content — not for whatever the
pages display: a verifier should compare the two (or open the verification URL).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.certs.model import data_from_dict, parse_payload
from hub.certs.signing import b64decode_loose, find_signer, public_key_id

TOKEN_PREFIX = "HUBCERT1"
_TOKEN_RE = re.compile(rb"HUBCERT1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([0-9a-f]{16})")


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification; ``data`` (the signed content) is set only when valid."""

    valid: bool
    data: dict[str, Any] | None
    reason: str
    key_id: str | None = None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def encode_token(payload: bytes, signature: bytes, key_id: str) -> str:
    """The compact ASCII token embedded in the PDF."""
    return f"{TOKEN_PREFIX}.{_b64url(payload)}.{_b64url(signature)}.{key_id}"


def decode_token(token: str | bytes) -> tuple[bytes, bytes, str]:
    """``(payload, signature, key_id)`` from a token; ValueError if malformed."""
    raw = token.encode("ascii") if isinstance(token, str) else token
    match = _TOKEN_RE.fullmatch(raw.strip())
    if match is None:
        raise ValueError("malformed certificate token")
    payload = b64decode_loose(match.group(1).decode())
    signature = b64decode_loose(match.group(2).decode())
    return payload, signature, match.group(3).decode()


def _keys(public_keys: str | Sequence[str]) -> list[str]:
    return [public_keys] if isinstance(public_keys, str) else list(public_keys)


def verify_signed(
    payload: bytes, signature: bytes, key_id: str | None, public_keys: str | Sequence[str]
) -> VerifyResult:
    """Check ``signature`` over ``payload`` against the trusted public key(s).

    ``key_id`` is the unsigned hint stored with the signature; it only sharpens the reason.
    Raises ValueError if a trusted public key text is unusable (configuration error).
    """
    keys = _keys(public_keys)
    if not keys:
        raise ValueError("no trusted public key given")
    signer = find_signer(payload, signature, keys)
    if signer is None:
        known = [public_key_id(k) for k in keys]
        if key_id in known:
            reason = "signature does not match the certificate data: altered or corrupted"
        else:
            reason = (
                f"signed by an unknown key (key id {key_id or '?'}, trusted: {', '.join(known)}):"
                " forged, or signed with a key that is no longer trusted"
            )
        return VerifyResult(valid=False, data=None, reason=reason, key_id=key_id)
    try:
        obj = parse_payload(payload)
        data_from_dict(obj)
    except ValueError as exc:  # signed, yet not a certificate we understand
        return VerifyResult(False, None, f"signed payload is not a certificate: {exc}", signer)
    return VerifyResult(True, obj, f"signature valid (Ed25519, key id {signer})", signer)


def _tokens_by_scan(pdf_bytes: bytes) -> set[bytes]:
    return {m.group(0) for m in _TOKEN_RE.finditer(pdf_bytes)}


def _tokens_by_pypdf(pdf_bytes: bytes) -> set[bytes]:
    try:
        import pypdf
    except ImportError:
        return set()
    try:
        reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
        metadata = reader.metadata
        keywords = str(metadata.get("/Keywords") or "") if metadata is not None else ""
    except Exception:  # any parse failure simply means no token was found
        return set()
    return _tokens_by_scan(keywords.encode("ascii", "ignore"))


def find_tokens(pdf_bytes: bytes) -> set[bytes]:
    """Distinct certificate tokens present in a PDF."""
    return _tokens_by_scan(pdf_bytes) or _tokens_by_pypdf(pdf_bytes)


def extract_and_verify(pdf_bytes: bytes, public_key_text: str | Sequence[str]) -> VerifyResult:
    """Verify a certificate PDF offline with the issuer's public key (or several, for rotation).

    altered payload → invalid; signed by another key → invalid (forged); untouched → valid.
    """
    tokens = find_tokens(pdf_bytes)
    if not tokens:
        return VerifyResult(False, None, "no certificate signature found in the PDF")
    if len(tokens) > 1:
        return VerifyResult(False, None, "the PDF carries more than one certificate signature")
    try:
        payload, signature, key_id = decode_token(tokens.pop())
    except ValueError as exc:
        return VerifyResult(False, None, str(exc))
    return verify_signed(payload, signature, key_id, public_key_text)
