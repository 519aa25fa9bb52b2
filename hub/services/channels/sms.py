"""SMS notifications through the gateway phone sign-in uses (hub.services.sms: Tencent Cloud SMS,
or ``log`` in the demo), with a template per event kind and its parameters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from hub.services.channels import ChannelName, Message, Result
from hub.services.sms import SmsError, SmsGateway, SmsRefused


class SmsChannel:
    name = ChannelName.SMS

    def __init__(self, gateway: SmsGateway, *, concurrency: int = 16) -> None:
        self._gateway = gateway
        self._gate = asyncio.Semaphore(concurrency)

    async def send(self, message: Message) -> Result:
        if not message.template_id:
            return Result.failed(f"no SMS template for {message.kind}")
        async with self._gate:
            try:
                serial = await self._gateway.send_notice(
                    message.address, message.template_id, message.params, context=message.key)
            except SmsRefused as exc:
                return Result.failed(str(exc))
            except SmsError as exc:
                return Result.retry(str(exc))
        return Result.delivered(serial)

    async def send_many(self, messages: Sequence[Message]) -> list[Result]:
        return list(await asyncio.gather(*(self.send(m) for m in messages)))

    async def aclose(self) -> None:
        return None
