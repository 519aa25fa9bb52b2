"""The e-mail channel against a local SMTP server (aiosmtpd): plain text and HTML in one
message, the Chinese subject encoded as RFC 2047 words and read back whole, the Message-ID
made from the idempotency key, a batch over one connection, an unreachable server retried;
STARTTLS and implicit TLS with the server's certificate checked."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.services.channels import ChannelName, Outcome
from hub.services.channels.email import EmailChannel
from hub.services.channels.templates import load
from hub.settings import NotifySettings
from tests.notify.standins import SmtpStandIn, free_port

pytestmark = pytest.mark.asyncio


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn().start()
    yield server
    server.stop()


def settings(port: int) -> NotifySettings:
    return replace(NotifySettings(), smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                   smtp_from="科技志愿服务 <noreply@example.org>")


def messages(n: int) -> list:
    templates = load()
    return [templates.render(key=f"{i}-volunteer-5-email", kind="offer_made",
                             channel=ChannelName.EMAIL, address=f"v{i}@example.com",
                             payload={"title": "社区科普讲座", "place": "文化路社区",
                                      "starts_at": "2026-12-06T02:00:00+00:00"})
            for i in range(n)]


async def test_a_batch_arrives_with_chinese_subject_text_and_html(smtp: SmtpStandIn) -> None:
    channel = EmailChannel(settings(smtp.port))
    results = await channel.send_many(messages(3))
    assert [r.outcome for r in results] == [Outcome.DELIVERED] * 3
    assert [r.provider_id for r in results] == [f"<{i}-volunteer-5-email@notify.hub>"
                                                for i in range(3)]
    assert smtp.keys() == {f"{i}-volunteer-5-email": 1 for i in range(3)}
    mail = smtp.messages[0]
    assert str(mail["Subject"]) == "【科技志愿服务】新的服务派单：社区科普讲座"
    raw = mail.as_bytes().decode("ascii")  # every header is ASCII on the wire
    assert "=?utf-8?" in raw.lower()
    assert mail["To"] == "v0@example.com" and "noreply@example.org" in str(mail["From"])
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and "时间：2026-12-06 10:00" in plain.get_content()
    assert html is not None and "<p>地点：文化路社区</p>" in html.get_content()


async def test_an_unreachable_server_is_retried_and_no_host_fails() -> None:
    down = EmailChannel(settings(free_port()))
    results = await down.send_many(messages(2))
    assert [r.outcome for r in results] == [Outcome.RETRYABLE] * 2
    off = EmailChannel(NotifySettings())
    assert (await off.send(messages(1)[0])).outcome is Outcome.FAILED


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "ssl"])
async def test_starttls_and_implicit_tls_check_the_servers_certificate(
        tmp_path: Path, security: str) -> None:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpStandIn()
    options: dict[str, Any] = ({"ssl_context": context} if security == "ssl" else
                               {"tls_context": context, "require_starttls": True})
    server.controller = Controller(server, hostname="127.0.0.1", port=server.port, **options)
    server.controller.start()
    try:
        trusted = EmailChannel(replace(settings(server.port), smtp_security=security,
                                       smtp_ca_file=cert))
        untrusted = EmailChannel(replace(settings(server.port), smtp_security=security))
        sent = await trusted.send_many(messages(2))
        refused = await untrusted.send(messages(1)[0])
        await trusted.aclose()
    finally:
        server.stop()
    assert [r.outcome for r in sent] == [Outcome.DELIVERED] * 2
    assert refused.outcome is Outcome.RETRYABLE and "SSL" in (refused.error or "").upper()
    assert len(server.keys()) == 2
