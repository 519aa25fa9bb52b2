"""WeChat mini-program subscription messages (小程序订阅消息, ``subscribeMessage.send``).

The hub gets an access token with its app id and secret (``GET /cgi-bin/token?grant_type=
client_credential``), keeps it until shortly before ``expires_in`` runs out, and sends with
``POST /cgi-bin/message/subscribe/send?access_token=…`` the body ``{touser, template_id, page,
data: {thing1: {value}, …}, miniprogram_state, lang}``. WeChat answers ``errcode`` 0 (and a
``msgid``), or an error: 40001/42001 (the token is stale: fetched again once and the message
re-sent), 43101 (the person refused or holds no subscription to the template: failed for
good), 40003/40037/47003/41030 (a wrong openid, template, value or page: failed for good);
-1 (busy), 45009 (daily quota), HTTP 5xx and network errors are tried again later.
``HUB_WECHAT_API_BASE`` is the API's address (the tests point it at a local stand-in).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx

from hub.services.channels import ChannelName, Message, Result
from hub.settings import NotifySettings, SignInSettings

TIMEOUT_S = 10.0
STALE_TOKEN = frozenset({40001, 42001, 40014})
FOR_GOOD = {43101: "the person refused or holds no subscription to this template (43101)",
            40003: "the openid is wrong (40003)", 40037: "the template id is wrong (40037)",
            47003: "a template value breaks WeChat's rules (47003)",
            41030: "the page is not in the released mini-program (41030)"}
TOKEN_MARGIN_S = 300  # fetch a new token this long before the old one expires


class WeChatChannel:
    """Subscription messages through WeChat's HTTPS API, one pooled client per worker."""

    name = ChannelName.WECHAT

    def __init__(self, sign_in: SignInSettings, notify: NotifySettings, *,
                 concurrency: int = 16) -> None:
        self._base = sign_in.wechat_api_base.rstrip("/")
        self._app_id, self._secret = sign_in.wechat_app_id, sign_in.wechat_app_secret
        self._state, self._lang = notify.wechat_miniprogram_state, notify.wechat_lang
        self._client = httpx.AsyncClient(timeout=TIMEOUT_S, limits=httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency))
        self._token: tuple[str, float] | None = None  # (token, monotonic expiry)
        self._token_lock = asyncio.Lock()
        self._gate = asyncio.Semaphore(concurrency)

    async def _fetch_token(self) -> str:
        answer = await self._client.get(f"{self._base}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self._app_id or "",
            "secret": self._secret or ""})
        answer.raise_for_status()
        data = answer.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise _Refused(f"WeChat gave no access token: errcode {data.get('errcode')} "
                           f"{data.get('errmsg', '')}".rstrip())
        ttl = data.get("expires_in")
        ttl_s = float(ttl) if isinstance(ttl, int | float) else 7200.0
        self._token = (token, time.monotonic() + max(ttl_s - TOKEN_MARGIN_S, ttl_s / 2))
        return token

    async def token(self, *, stale: str | None = None) -> str:
        """The cached access token; a new one when it expired or ``stale`` was refused."""
        async with self._token_lock:
            held = self._token
            if held is not None and held[0] != stale and time.monotonic() < held[1]:
                return held[0]
            return await self._fetch_token()

    async def _post(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._client.post(
            f"{self._base}/cgi-bin/message/subscribe/send",
            params={"access_token": token}, json=body)
        answer.raise_for_status()
        data = answer.json()
        if not isinstance(data, dict):
            raise ValueError("WeChat answered with something that is not a JSON object")
        return data

    async def send(self, message: Message) -> Result:
        if not self._app_id or not self._secret:
            return Result.failed("WeChat is not configured (HUB_WECHAT_APP_ID, "
                                 "HUB_WECHAT_APP_SECRET)")
        body = {"touser": message.address, "template_id": message.template_id,
                "page": message.page, "miniprogram_state": self._state, "lang": self._lang,
                "data": {k: {"value": v} for k, v in message.fields.items()}}
        async with self._gate:
            try:
                token = await self.token()
                data = await self._post(token, body)
                if data.get("errcode") in STALE_TOKEN:
                    data = await self._post(await self.token(stale=token), body)
            except _Refused as exc:
                return Result.retry(str(exc))
            except httpx.HTTPStatusError as exc:
                return Result.retry(f"WeChat answered HTTP {exc.response.status_code}")
            except (httpx.HTTPError, ValueError) as exc:
                return Result.retry(f"WeChat could not be reached: {type(exc).__name__}")
        code = data.get("errcode") or 0
        if code == 0:
            msgid = data.get("msgid")
            return Result.delivered(str(msgid) if msgid is not None else None)
        detail = f"{code} {data.get('errmsg', '')}".rstrip()
        if code in FOR_GOOD:
            return Result.failed(f"{FOR_GOOD[code]}: {detail}")
        return Result.retry(f"WeChat refused for now: {detail}")

    async def send_many(self, messages: Sequence[Message]) -> list[Result]:
        return list(await asyncio.gather(*(self.send(m) for m in messages)))

    async def aclose(self) -> None:
        await self._client.aclose()


class _Refused(Exception):
    """WeChat would not give an access token."""
