"""Notification channels (issue 15.3): WeChat subscription messages, SMS and e-mail, each behind
one interface, :class:`Channel` (the in-app inbox is the outbox's own, hub.services.outbox).

A channel is handed a :class:`Message` already addressed (an openid, a mobile, an e-mail
address) and rendered for it, and answers with a :class:`Result`: delivered (with the provider's
message id), failed for good (the person refused, the address is wrong), or worth trying again
(the provider was unreachable or answered 5xx). Channels never touch the database: the
deliveries (hub.services.deliveries) record what they answer. Each message carries its
idempotency key (event, recipient, channel) where the provider lets it through (the WeChat
page's query, the SMS SessionContext, the e-mail Message-ID), so a receiver can tell a second
copy sent after a worker died mid-send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ChannelName(StrEnum):
    WECHAT = "wechat"
    SMS = "sms"
    EMAIL = "email"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"  # for good: never tried again
    RETRYABLE = "retryable"  # tried again later, with backoff


@dataclass(frozen=True)
class Message:
    """One notification to one address over one channel."""

    key: str  # the idempotency key: "<event>-<recipient kind>-<recipient id>-<channel>"
    kind: str  # the event kind (offer_made…)
    address: str  # openid, 11-digit mobile or e-mail address
    subject: str  # a title (the e-mail's subject)
    text: str  # the plain-text body
    html: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # WeChat data keys → values
    params: Sequence[str] = ()  # SMS template parameters, in order
    template_id: str | None = None  # WeChat or SMS template
    page: str | None = None  # WeChat: the mini-program page a tap opens


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None

    @classmethod
    def delivered(cls, provider_id: str | None = None) -> Result:
        return cls(Outcome.DELIVERED, provider_id=provider_id)

    @classmethod
    def failed(cls, error: str) -> Result:
        return cls(Outcome.FAILED, error=error[:1000])

    @classmethod
    def retry(cls, error: str) -> Result:
        return cls(Outcome.RETRYABLE, error=error[:1000])


@runtime_checkable
class Channel(Protocol):
    """A way to reach a person. ``send_many`` sends a batch (a channel may share one connection
    across it) and answers in order; one message's failure is its own Result, never an
    exception that loses the others' outcomes."""

    name: ChannelName

    async def send(self, message: Message) -> Result: ...

    async def send_many(self, messages: Sequence[Message]) -> list[Result]: ...

    async def aclose(self) -> None: ...
