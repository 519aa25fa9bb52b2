"""E-mail over SMTP (aiosmtplib): plain text and HTML in one message, the Chinese subject encoded
as RFC 2047 UTF-8 words, ``Message-ID`` made from the idempotency key (so a mail client shows a
copy re-sent after a worker died as the same message). ``HUB_SMTP_SECURITY``: ``starttls``
(port 587, upgraded before AUTH), ``ssl`` (implicit TLS, port 465) or ``none`` (a local relay).
A batch goes over one connection, kept open for the next. The server's certificate is checked
(the system's CAs, or ``HUB_SMTP_CA_FILE``'s)."""

from __future__ import annotations

import email.utils
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

import aiosmtplib

from hub.services.channels import ChannelName, Message, Result
from hub.settings import NotifySettings

TIMEOUT_S = 20.0
ID_DOMAIN = "notify.hub"


def message_id(key: str) -> str:
    """The Message-ID of a notification's e-mail: the same for every copy of it."""
    return f"<{key}@{ID_DOMAIN}>"


def compose(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.key)
    mail["X-Hub-Notification"] = message.kind
    mail.set_content(message.text, charset="utf-8", cte="base64")
    if message.html:
        mail.add_alternative(message.html, subtype="html", charset="utf-8", cte="base64")
    return mail


def _outcome(exc: Exception) -> Result:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return Result.failed(f"the server refused the address: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and 500 <= exc.code < 600:
        return Result.failed(f"the server refused the message: {exc.code} {exc.message}")
    return Result.retry(f"SMTP: {type(exc).__name__}: {exc}")


class EmailChannel:
    """Sends over SMTP connections kept open between batches (at most ``pool`` idle ones; a
    connection the server dropped is opened again)."""

    name = ChannelName.EMAIL

    def __init__(self, settings: NotifySettings, *, pool: int = 8) -> None:
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._pool = pool

    async def _connection(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        s = self._settings
        tls = None if s.smtp_security == "none" else ssl.create_default_context(
            cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, timeout=TIMEOUT_S, tls_context=tls,
            use_tls=s.smtp_security == "ssl", start_tls=s.smtp_security == "starttls",
            username=s.smtp_user, password=s.smtp_password)
        await client.connect()
        return client

    async def send(self, message: Message) -> Result:
        return (await self.send_many([message]))[0]

    async def send_many(self, messages: Sequence[Message]) -> list[Result]:
        if not self._settings.smtp_host:
            return [Result.failed("e-mail is not configured (HUB_SMTP_HOST)")] * len(messages)
        results: list[Result] = []
        try:
            client = await self._connection()
        except (aiosmtplib.SMTPException, OSError) as exc:
            return [_outcome(exc)] * len(messages)
        healthy = True
        for message in messages:
            try:
                await client.send_message(compose(message, self._settings.smtp_from))
                results.append(Result.delivered(message_id(message.key)))
            except aiosmtplib.SMTPServerDisconnected as exc:
                results.append(_outcome(exc))
                healthy = False
                break
            except (aiosmtplib.SMTPException, OSError) as exc:
                results.append(_outcome(exc))
        if healthy and client.is_connected and len(self._idle) < self._pool:
            self._idle.append(client)
        else:
            client.close()
        lost = len(messages) - len(results)  # the connection dropped: the rest wait
        return results + [Result.retry("SMTP connection lost before sending")] * lost

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
