"""WeChat mini-program subscription messages (小程序订阅消息, ``subscribeMessage.send``).

The hub gets its access token from WeChat's stable token API (``POST /cgi-bin/stable_token``,
hub.services.channels.wechat_token: the same token for every worker, none ending another's),
keeps it in the process until shortly before ``expires_in`` runs out, and sends with
``POST /cgi-bin/message/subscribe/send?access_token=…`` the body ``{touser, template_id, page,
data: {thing1: {value}, …}, miniprogram_state, lang}``. WeChat answers ``errcode`` 0 (and a
``msgid``), or an error: 40001/42001/40014 (the token is invalid or expired: asked again once,
without forcing, and the message re-sent once; refused again, it is tried later), 43101 (the
person refused or holds no subscription to the template: failed for good),
40003/40037/47003/41030 (a wrong openid, template, value or page: failed for good); -1 (busy),
45009 (daily quota), HTTP 5xx and network errors are tried again later. Every failure's error
starts with its code (``wechat_token_*``, ``wechat_http``, ``wechat_unreachable``,
``wechat_refused``, ``wechat_for_good``) and token trouble is logged with it.
``HUB_WECHAT_API_BASE`` is the API's address (the tests point it at a local stand-in).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from hub.services.channels import ChannelName, Message, Result
from hub.services.channels.wechat_token import StableToken, TokenError, TokenErrorCode
from hub.settings import NotifySettings, SignInSettings

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
STALE_TOKEN = frozenset({40001, 42001, 40014})
FOR_GOOD = {43101: "the person refused or holds no subscription to this template (43101)",
            40003: "the openid is wrong (40003)", 40037: "the template id is wrong (40037)",
            47003: "a template value breaks WeChat's rules (47003)",
            41030: "the page is not in the released mini-program (41030)"}


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
        self.tokens = StableToken(self._client, self._base, self._app_id or "",
                                  self._secret or "")
        self._gate = asyncio.Semaphore(concurrency)

    async def _post(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._client.post(
            f"{self._base}/cgi-bin/message/subscribe/send",
            params={"access_token": token}, json=body)
        answer.raise_for_status()
        data = answer.json()
        if not isinstance(data, dict):
            raise ValueError("WeChat answered with something that is not a JSON object")
        return data

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send with the cached token; once more with a token asked again if it is refused."""
        token = await self.tokens.get()
        data = await self._post(token, body)
        if data.get("errcode") not in STALE_TOKEN:
            return data
        log.info("%s: WeChat refused the access token (errcode %s); asking again",
                 TokenErrorCode.STALE, data.get("errcode"),
                 extra={"wechat_code": str(TokenErrorCode.STALE)})
        data = await self._post(await self.tokens.get(refused=token), body)
        if data.get("errcode") in STALE_TOKEN:
            raise TokenError(TokenErrorCode.STALE, f"WeChat refused the token asked again: "
                             f"errcode {data.get('errcode')} {data.get('errmsg', '')}".rstrip())
        return data

    async def send(self, message: Message) -> Result:
        if not self._app_id or not self._secret:
            return Result.failed("wechat_unconfigured: WeChat is not configured "
                                 "(HUB_WECHAT_APP_ID, HUB_WECHAT_APP_SECRET)")
        body = {"touser": message.address, "template_id": message.template_id,
                "page": message.page, "miniprogram_state": self._state, "lang": self._lang,
                "data": {k: {"value": v} for k, v in message.fields.items()}}
        async with self._gate:
            try:
                data = await self._send(body)
            except TokenError as exc:
                log.warning("%s: %s", exc.code, exc.detail, extra={"wechat_code": str(exc.code)})
                return Result.retry(str(exc))
            except httpx.HTTPStatusError as exc:
                return Result.retry(f"wechat_http: WeChat answered HTTP "
                                    f"{exc.response.status_code}")
            except (httpx.HTTPError, ValueError) as exc:
                return Result.retry(f"wechat_unreachable: WeChat could not be reached: "
                                    f"{type(exc).__name__}")
        code = data.get("errcode") or 0
        if code == 0:
            msgid = data.get("msgid")
            return Result.delivered(str(msgid) if msgid is not None else None)
        detail = f"{code} {data.get('errmsg', '')}".rstrip()
        if code in FOR_GOOD:
            return Result.failed(f"wechat_for_good: {FOR_GOOD[code]}: {detail}")
        return Result.retry(f"wechat_refused: WeChat refused for now: {detail}")

    async def send_many(self, messages: Sequence[Message]) -> list[Result]:
        return list(await asyncio.gather(*(self.send(m) for m in messages)))

    async def aclose(self) -> None:
        await self._client.aclose()
