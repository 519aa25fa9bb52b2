"""Ed25519 signing of certificate payloads (志愿服务证明)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.certs.signing import (
    KEY_FILE_NAME,
    SigningKey,
    generate_key_text,
    load_or_create_signing_key,
    public_key_id,
    verify,
)
from hub.certs.verify import decode_token, encode_token, verify_signed

PAYLOAD = '{"code":"X","volunteer_name":"张三"}'.encode()


def test_sign_and_verify_good() -> None:
    key = SigningKey.from_text(generate_key_text())
    signature = key.sign(PAYLOAD)
    assert len(signature) == 64
    assert verify(PAYLOAD, signature, key.public_key_text())
    assert verify(PAYLOAD, signature, key.public_key_pem())


def test_altered_payload_fails() -> None:
    key = SigningKey.from_text(generate_key_text())
    signature = key.sign(PAYLOAD)
    assert not verify(
        PAYLOAD.replace("张三".encode(), "李四".encode()), signature, key.public_key_text()
    )
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify(PAYLOAD, flipped, key.public_key_text())
    assert not verify(PAYLOAD, signature[:-1], key.public_key_text())


def test_forged_by_another_key_fails() -> None:
    issuer = SigningKey.from_text(generate_key_text())
    forger = SigningKey.from_text(generate_key_text())
    assert issuer.key_id != forger.key_id
    assert not verify(PAYLOAD, forger.sign(PAYLOAD), issuer.public_key_text())


def test_key_text_formats_agree() -> None:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    from_b64 = SigningKey.from_text(base64.b64encode(seed).decode())
    from_url = SigningKey.from_text(base64.urlsafe_b64encode(seed).decode().rstrip("="))
    from_pem = SigningKey.from_text(pem)
    assert from_b64.key_id == from_url.key_id == from_pem.key_id
    assert len(from_b64.key_id) == 16
    assert public_key_id(from_pem.public_key_text()) == from_pem.key_id
    assert "PRIVATE" not in repr(from_pem) and base64.b64encode(seed).decode() not in repr(from_pem)


@pytest.mark.parametrize("bad", ["", "not base64 !!", base64.b64encode(b"short").decode()])
def test_bad_key_text_raises(bad: str) -> None:
    with pytest.raises(ValueError):
        SigningKey.from_text(bad)


def test_bad_public_key_raises() -> None:
    with pytest.raises(ValueError):
        verify(PAYLOAD, b"\0" * 64, "AAAA")


def test_load_or_create_persists_with_0600(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = load_or_create_signing_key(None, home)
    second = load_or_create_signing_key(None, home)
    assert first.key_id == second.key_id
    mode = stat.S_IMODE((home / KEY_FILE_NAME).stat().st_mode)
    assert mode == 0o600
    configured_text = generate_key_text()
    configured = load_or_create_signing_key(configured_text, home)
    assert configured.key_id == SigningKey.from_text(configured_text).key_id != first.key_id


def test_token_round_trip_and_verify_signed() -> None:
    key = SigningKey.from_text(generate_key_text())
    other = SigningKey.from_text(generate_key_text())
    signature = key.sign(PAYLOAD)
    token = encode_token(PAYLOAD, signature, key.key_id)
    assert token.isascii()
    assert decode_token(token) == (PAYLOAD, signature, key.key_id)
    bad_signed = verify_signed(PAYLOAD, other.sign(PAYLOAD), other.key_id, key.public_key_text())
    assert not bad_signed.valid and "unknown key" in bad_signed.reason
    altered = verify_signed(PAYLOAD + b" ", signature, key.key_id, key.public_key_text())
    assert not altered.valid and "altered" in altered.reason
    # properly signed but not a certificate payload
    odd = verify_signed(
        PAYLOAD, signature, key.key_id, [other.public_key_text(), key.public_key_text()]
    )
    assert not odd.valid and "not a certificate" in odd.reason and odd.key_id == key.key_id
