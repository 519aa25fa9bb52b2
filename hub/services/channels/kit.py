"""The configured channels of a process (a worker): WeChat when its app id and secret are set,
SMS always (the ``log`` gateway in the demo), e-mail when ``HUB_SMTP_HOST`` is set; with the
templates and the data key the deliveries need. The worker makes one when it starts and closes
it when it stops (:func:`opened`; the WeChat channel holds a pooled HTTP client bound to the
worker's loop): nothing here is kept by the process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from hub.pii import PiiCipher, load_or_create_key
from hub.services import sms
from hub.services.channels import Channel, ChannelName
from hub.services.channels.email import EmailChannel
from hub.services.channels.sms import SmsChannel
from hub.services.channels.templates import Templates, load
from hub.services.channels.wechat import WeChatChannel
from hub.settings import Settings


@dataclass(frozen=True)
class Kit:
    channels: dict[ChannelName, Channel]
    templates: Templates
    cipher: PiiCipher


def build(settings: Settings) -> Kit:
    """A new kit for ``settings``."""
    notify, sign_in = settings.notify, settings.sign_in
    channels: dict[ChannelName, Channel] = {
        ChannelName.SMS: SmsChannel(sms.gateway(sign_in), concurrency=notify.send_concurrency)}
    if sign_in.wechat_app_id and sign_in.wechat_app_secret:
        channels[ChannelName.WECHAT] = WeChatChannel(sign_in, notify,
                                                     concurrency=notify.send_concurrency)
    if notify.smtp_host:
        channels[ChannelName.EMAIL] = EmailChannel(notify)
    cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
    return Kit(channels, load(notify.templates_path), cipher)


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Kit]:
    """A kit for ``settings`` while the block runs; its channels are closed at the end."""
    made = build(settings)
    try:
        yield made
    finally:
        for channel in made.channels.values():
            with contextlib.suppress(Exception):
                await channel.aclose()
