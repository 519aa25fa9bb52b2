"""The SMS channel through the gateway phone sign-in uses: Tencent Cloud SMS's SDK against a
local stand-in (the notice's template, parameters and the key as SessionContext), a number the
provider refuses failing for good, an outage retried; and the demo's log gateway."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hub.services.channels import ChannelName, Outcome
from hub.services.channels.sms import SmsChannel
from hub.services.channels.templates import load
from hub.services.sms import LogGateway, TencentGateway
from hub.settings import SignInSettings
from tests.auth.providers import Seen, stand_in, tencent_sms

pytestmark = pytest.mark.asyncio
TENCENT = {"sms_gateway": "tencent", "sms_secret_id": "AKIDstandin", "sms_secret_key": "s3cret",
           "sms_sdk_app_id": "1400000001", "sms_sign_name": "科技志愿", "sms_template_id": "449739"}
TEMPLATES = load()


def notice(phone: str, key: str = "5-volunteer-8-sms") -> Any:
    msg = TEMPLATES.render(key=key, kind="offer_made", channel=ChannelName.SMS, address=phone,
                           payload={"title": "社区科普讲座", "starts_at": "2026-12-06T02:00:00Z"})
    return msg.__class__(**{**msg.__dict__, "template_id": "2001"})


async def test_notices_go_through_tencents_sdk_with_the_key_as_session_context() -> None:
    with stand_in(tencent_sms) as provider:
        channel = SmsChannel(TencentGateway(SignInSettings(sms_endpoint=provider.url, **TENCENT)))
        sent = await channel.send(notice("13912345678"))
        refused = await channel.send(notice("13912340000"))
    assert sent.outcome is Outcome.DELIVERED and sent.provider_id == "2640:1"
    assert refused.outcome is Outcome.FAILED and "PhoneNumberParseFail" in (refused.error or "")
    body = provider.requests[0].body
    assert body["PhoneNumberSet"] == ["+8613912345678"] and body["TemplateId"] == "2001"
    assert body["TemplateParamSet"] == ["社区科普讲座", "2026-12-06 10:00"]
    assert body["SessionContext"] == "5-volunteer-8-sms"


async def test_an_outage_is_retried_and_a_kind_without_template_fails() -> None:
    def down(_request: Seen) -> tuple[int, dict[str, Any]]:
        return 200, {"Response": {"RequestId": "x", "Error": {
            "Code": "InternalError.Timeout", "Message": "timeout"}}}

    with stand_in(down) as provider:
        channel = SmsChannel(TencentGateway(SignInSettings(sms_endpoint=provider.url, **TENCENT)))
        result = await channel.send(notice("13912345678"))
    assert result.outcome is Outcome.RETRYABLE and "InternalError" in (result.error or "")
    plain = TEMPLATES.render(key="k", kind="offer_made", channel=ChannelName.SMS,
                             address="13912345678", payload={})
    assert (await SmsChannel(LogGateway()).send(plain)).outcome is Outcome.FAILED


async def test_the_log_gateway_writes_the_notice_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hub.sms"):
        result = await SmsChannel(LogGateway()).send(notice("13912345678", key="9-account-1-sms"))
    assert result.outcome is Outcome.DELIVERED and result.provider_id == "log-9-account-1-sms"
    assert "9-account-1-sms" in caplog.text and "13912345678" not in caplog.text
    assert "139****5678" in caplog.text
