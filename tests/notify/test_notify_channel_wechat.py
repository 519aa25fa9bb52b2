"""The WeChat channel against a real local HTTP stand-in of WeChat's API: the official request
shapes, the stable access token cached and asked again when WeChat calls it stale, 43101
failing for good, outages retried (the token itself: test_notify_channel_wechat_token.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from hub.services.channels import ChannelName, Message, Outcome
from hub.services.channels.templates import load
from hub.services.channels.wechat import WeChatChannel
from hub.settings import NotifySettings, SignInSettings
from tests.notify.standins import WeChatStandIn

pytestmark = pytest.mark.asyncio


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn().start()
    yield server
    server.stop()


def channel(standin: WeChatStandIn, **notify: str) -> WeChatChannel:
    sign_in = SignInSettings(wechat_api_base=standin.base, wechat_app_id="wx-app",
                             wechat_app_secret="secret")
    return WeChatChannel(sign_in, replace(NotifySettings(), **notify))  # type: ignore[arg-type]


def message(openid: str = "o-1", key: str = "7-volunteer-3-wechat") -> Message:
    return Message(key=key, kind="offer_made", address=openid, subject="新的服务派单",
                   text="…", fields={"thing1": "社区科普讲座", "time2": "2026-12-06 10:00"},
                   template_id="tmpl-offer", page=f"pages/notice/index?key={key}")


async def test_sends_the_official_shape_with_one_cached_token(standin: WeChatStandIn) -> None:
    wechat = channel(standin, wechat_miniprogram_state="trial")
    try:
        first = await wechat.send(message(key="1-volunteer-3-wechat"))
        second = await wechat.send(message(key="2-volunteer-3-wechat"))
    finally:
        await wechat.aclose()
    assert (first.outcome, first.provider_id) == (Outcome.DELIVERED, "1")
    assert second.outcome is Outcome.DELIVERED and second.provider_id == "2"
    assert len(standin.fetches) == 1  # asked once, then cached until it expires
    sent = standin.sends[0]
    assert sent["touser"] == "o-1" and sent["template_id"] == "tmpl-offer"
    assert sent["data"] == {"thing1": {"value": "社区科普讲座"},
                            "time2": {"value": "2026-12-06 10:00"}}
    assert sent["miniprogram_state"] == "trial" and sent["lang"] == "zh_CN"
    assert sent["page"] == "pages/notice/index?key=1-volunteer-3-wechat"
    assert sent["token"] == "token-1"


async def test_a_stale_token_is_asked_again_and_the_message_sent_once(
        standin: WeChatStandIn) -> None:
    wechat = channel(standin)
    try:
        assert (await wechat.send(message(key="a"))).outcome is Outcome.DELIVERED
        standin.stale["token-1"] = 1  # WeChat calls it stale (40001) once
        result = await wechat.send(message(key="b"))
    finally:
        await wechat.aclose()
    assert result.outcome is Outcome.DELIVERED
    # asked again in the normal mode: WeChat's token is still token-1, re-sent with it
    assert [f["force"] for f in standin.fetches] == [False, False]
    assert standin.tokens_issued == 1 and wechat.tokens.fetches == 2
    assert standin.refusals == [{"token": "token-1", "errcode": 40001}]
    assert standin.keys() == {"a": 1, "b": 1}
    assert standin.sends[-1]["token"] == "token-1"


async def test_43101_fails_for_good_and_an_outage_is_retried(standin: WeChatStandIn) -> None:
    standin.errcodes["o-refused"] = 43101
    standin.errcodes["o-bad"] = 40003
    wechat = channel(standin)
    try:
        refused = await wechat.send(message("o-refused"))
        bad = await wechat.send(message("o-bad"))
        standin.status = 500
        down = await wechat.send(message())
    finally:
        await wechat.aclose()
    assert refused.outcome is Outcome.FAILED and "43101" in (refused.error or "")
    assert bad.outcome is Outcome.FAILED and "40003" in (bad.error or "")
    assert down.outcome is Outcome.RETRYABLE and "500" in (down.error or "")
    assert standin.sends == []


async def test_unreachable_is_retried_and_unconfigured_fails() -> None:
    gone = WeChatChannel(SignInSettings(wechat_api_base="http://127.0.0.1:9",
                                        wechat_app_id="wx", wechat_app_secret="s"),
                         NotifySettings())
    unset = WeChatChannel(SignInSettings(), NotifySettings())
    try:
        assert (await gone.send(message())).outcome is Outcome.RETRYABLE
        assert (await unset.send(message())).outcome is Outcome.FAILED
    finally:
        await gone.aclose()
        await unset.aclose()


async def test_templates_fill_the_fields_within_wechats_limits() -> None:
    templates = load()
    msg = templates.render(key="9-account-4-wechat", kind="offer_made",
                           channel=ChannelName.WECHAT, address="o-9", payload={
                               "title": "一个超过二十个字的很长很长很长很长的科普讲座标题",
                               "starts_at": "2026-12-06T02:00:00+00:00", "place": "文化路社区"})
    assert msg.fields["thing1"].endswith("…") and len(msg.fields["thing1"]) == 20
    assert msg.fields["time2"] == "2026-12-06 10:00"  # China time
    assert msg.fields["thing3"] == "文化路社区"
    assert msg.page == "pages/notice/index?key=9-account-4-wechat"
    assert not templates.carries("offer_made", ChannelName.WECHAT)  # no template id by default
