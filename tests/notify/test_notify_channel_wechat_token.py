"""The WeChat access token across workers (issue 17.2): WeChat's stable token API
(``POST /cgi-bin/stable_token``) against a real local stand-in that implements it as WeChat
documents it (one token for every caller, renewed five minutes before its end, the old one
valid until then; a forced refresh ends it), with WeChat's time and the channels' cache on one
virtual clock so hours of tokens pass in a moment."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from hub.services.channels import ChannelName, Outcome
from hub.services.channels.kit import opened
from hub.services.channels.wechat import WeChatChannel
from hub.settings import NotifySettings, Settings, SignInSettings
from tests.notify.channel_fixtures import (  # noqa: F401 (fixtures)
    notify_settings_fixture,
    smtp_fixture,
    templates_file_fixture,
    wechat_fixture,
)
from tests.notify.standins import Clock, WeChatStandIn
from tests.notify.test_notify_channel_wechat import channel, message

pytestmark = pytest.mark.asyncio


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn(app_id="wx-app", secret="secret", clock=Clock()).start()
    yield server
    server.stop()


def on_clock(wechat: WeChatChannel, standin: WeChatStandIn) -> WeChatChannel:
    wechat.tokens.clock = standin.clock
    return wechat


def advance(standin: WeChatStandIn, seconds: float) -> None:
    assert isinstance(standin.clock, Clock)
    standin.clock.advance(seconds)


async def test_the_standin_answers_as_wechat_documents(standin: WeChatStandIn) -> None:
    url = f"{standin.base}/cgi-bin/stable_token"
    ask = {"grant_type": "client_credential", "appid": "wx-app", "secret": "secret"}
    async with httpx.AsyncClient() as client:
        async def post(body: object) -> dict[str, object]:
            answer = await client.post(url, content=json.dumps(body))
            return dict(answer.json())

        together = await asyncio.gather(*(post(ask) for _ in range(8)))
        assert {a["access_token"] for a in together} == {"token-1"}  # one for every caller
        advance(standin, 6_000)
        assert await post(ask) == {"access_token": "token-1", "expires_in": 1200}
        advance(standin, 1_000)  # 200 s left: inside the renewal window, the next token
        assert await post(ask) == {"access_token": "token-2", "expires_in": 7200}
        assert standin.expiry["token-1"] > standin.clock()  # the old one lives on to its end
        forced = await post({**ask, "force_refresh": True})
        assert forced["access_token"] == "token-3" and standin.expiry.keys() == {"token-3"}
        assert (await post({**ask, "force_refresh": True}))["errcode"] == 45011  # 30 s apart
        assert (await post({**ask, "secret": "wrong"}))["errcode"] == 40125
        assert (await post({**ask, "appid": "wx-other"}))["errcode"] == 40013
        assert (await post({**ask, "grant_type": "password"}))["errcode"] == 40002
        assert (await client.get(url)).json()["errcode"] == 43002
    assert [f["force"] for f in standin.fetches] == [False] * 10 + [True]


async def test_concurrent_sends_ask_once_with_wechats_body(standin: WeChatStandIn) -> None:
    wechat = on_clock(channel(standin), standin)
    try:
        results = await wechat.send_many([message(key=f"k{i}") for i in range(20)])
    finally:
        await wechat.aclose()
    assert {r.outcome for r in results} == {Outcome.DELIVERED}
    assert len(standin.fetches) == 1 and standin.fetches[0]["force"] is False
    assert standin.fetches[0]["body"] == {"grant_type": "client_credential", "appid": "wx-app",
                                          "secret": "secret", "force_refresh": False}


async def test_an_expired_token_42001_is_asked_again_and_sent_once(
        standin: WeChatStandIn) -> None:
    wechat = on_clock(channel(standin), standin)
    try:
        assert (await wechat.send(message(key="a"))).outcome is Outcome.DELIVERED
        wechat.tokens.clock = Clock(standin.clock())  # the process's clock stopped: it
        advance(standin, 7_200)                       # still holds token-1, WeChat ended it
        late = await wechat.send(message(key="b"))
    finally:
        await wechat.aclose()
    assert late.outcome is Outcome.DELIVERED
    assert standin.refusals == [{"token": "token-1", "errcode": 42001}]
    assert [(f["force"], f["token"]) for f in standin.fetches] == [
        (False, "token-1"), (False, "token-2")]
    assert standin.keys() == {"a": 1, "b": 1} and standin.sends[-1]["token"] == "token-2"


async def test_a_refresh_forced_elsewhere_is_followed_without_forcing(
        standin: WeChatStandIn) -> None:
    wechat = on_clock(channel(standin), standin)
    try:
        assert (await wechat.send(message(key="a"))).outcome is Outcome.DELIVERED
        standin.stable_token({"grant_type": "client_credential", "appid": "wx-app",
                              "secret": "secret", "force_refresh": True})  # an operator
        after = await wechat.send(message(key="b"))
    finally:
        await wechat.aclose()
    assert after.outcome is Outcome.DELIVERED and standin.sends[-1]["token"] == "token-2"
    assert standin.refusals == [{"token": "token-1", "errcode": 40001}]
    assert [f["force"] for f in standin.fetches] == [False, True, False]


async def test_token_trouble_is_retried_later_coded_and_logged(
        standin: WeChatStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.services.channels.wechat")
    standin.stale["token-1"] = 2  # refused, and refused again once asked again
    wechat = on_clock(channel(standin), standin)
    wrong = WeChatChannel(SignInSettings(wechat_api_base=standin.base, wechat_app_id="wx-app",
                                         wechat_app_secret="wrong"), NotifySettings())
    gone = WeChatChannel(SignInSettings(wechat_api_base="http://127.0.0.1:9",
                                        wechat_app_id="wx", wechat_app_secret="s"),
                         NotifySettings())
    try:
        stale = await wechat.send(message(key="a"))
        again = await wechat.send(message(key="b"))  # a later try: the token is good now
        refused = await wrong.send(message(key="c"))
        unreachable = await gone.send(message(key="d"))
    finally:
        for each in (wechat, wrong, gone):
            await each.aclose()
    assert stale.outcome is Outcome.RETRYABLE
    assert (stale.error or "").startswith("wechat_token_stale: ") and "40001" in stale.error
    assert again.outcome is Outcome.DELIVERED and standin.keys() == {"b": 1}
    assert refused.outcome is Outcome.RETRYABLE
    assert refused.error == "wechat_token_refused: errcode 40125 invalid appsecret"
    assert unreachable.outcome is Outcome.RETRYABLE
    assert (unreachable.error or "").startswith("wechat_token_unreachable: ")
    codes = [(r.levelname, getattr(r, "wechat_code", None)) for r in caplog.records
             if r.name == "hub.services.channels.wechat"]
    assert codes == [("INFO", "wechat_token_stale"), ("WARNING", "wechat_token_stale"),
                     ("WARNING", "wechat_token_refused"), ("WARNING", "wechat_token_unreachable")]


async def test_two_workers_kits_share_one_token_sequence(
        notify_settings: Settings, wechat: WeChatStandIn) -> None:
    """Two workers' kits, each with its own WeChat channel and cache, send at once round after
    round over eight hours of WeChat's time: WeChat sees one sequence of tokens, each asked for
    once by each worker in the normal mode, no send is refused, every message arrives once."""
    wechat.clock = clock = Clock()
    settings = replace(notify_settings, notify=replace(notify_settings.notify,
                                                       send_concurrency=8))
    async with opened(settings) as first, opened(settings) as second:
        channels = [kit.channels[ChannelName.WECHAT] for kit in (first, second)]
        assert channels[0] is not channels[1]
        for each in channels:
            assert isinstance(each, WeChatChannel)
            each.tokens.clock = clock
        for turn in range(29):  # every 1,000 s: 0 … 28,000 s
            batches = [[message(openid=f"o-{w}", key=f"{turn}-{w}-{n}") for n in range(8)]
                       for w in range(2)]
            answers = await asyncio.gather(*(c.send_many(b) for c, b in zip(
                channels, batches, strict=True)))
            assert {r.outcome for a in answers for r in a} == {Outcome.DELIVERED}
            clock.advance(1_000)
    assert wechat.refusals == []  # no worker's fetch ended the other's token
    assert {f["force"] for f in wechat.fetches} == {False}
    # a token is asked for when 300 s or less are left (t = 0, 7000, 14000, 21000, 28000):
    # five tokens whatever the number of workers, each asked for once per worker
    assert [f["token"] for f in wechat.fetches] == [
        f"token-{n}" for n in range(1, 6) for _ in range(2)]
    assert [c.tokens.fetches for c in channels] == [5, 5]  # type: ignore[attr-defined]
    keys = wechat.keys()
    assert len(keys) == 29 * 2 * 8 and set(keys.values()) == {1}
