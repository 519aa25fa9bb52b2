"""WeChat mini-program login: ``code2session`` (``GET /sns/jscode2session``).

The mini-program calls ``wx.login()`` and sends the hub the code it got; the hub exchanges it
with WeChat (its app id and secret, ``grant_type=authorization_code``) for the user's
``openid``. ``HUB_WECHAT_API_BASE`` is WeChat's API (``https://api.weixin.qq.com``); the tests
point it at a local stand-in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from hub.settings import SignInSettings

log = logging.getLogger(__name__)
TIMEOUT_S = 10
MAX_ANSWER_BYTES = 64 * 1024


class WeChatError(Exception):
    """WeChat refused the code (or could not be asked); the message says which."""


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None = None


def _get(url: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            body = answer.read(MAX_ANSWER_BYTES)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        log.warning("code2session failed: %s", exc)  # the caller is told no more than this:
        raise WeChatError("WeChat could not be reached") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise WeChatError("WeChat answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise WeChatError("WeChat answered with something that is not a JSON object")
    return data


async def code2session(settings: SignInSettings, js_code: str) -> Session:
    """The openid behind a ``wx.login()`` code, or :class:`WeChatError`."""
    if not settings.wechat_app_id or not settings.wechat_app_secret:
        raise WeChatError("WeChat sign-in is not configured (HUB_WECHAT_APP_ID, "
                          "HUB_WECHAT_APP_SECRET)")
    query = urlencode({"appid": settings.wechat_app_id, "secret": settings.wechat_app_secret,
                       "js_code": js_code, "grant_type": "authorization_code"})
    data = await asyncio.to_thread(
        _get, f"{settings.wechat_api_base.rstrip('/')}/sns/jscode2session?{query}")
    errcode = data.get("errcode") or 0
    openid = data.get("openid")
    if errcode != 0 or not isinstance(openid, str) or not 1 <= len(openid) <= 128:
        raise WeChatError(f"WeChat refused the code: errcode {errcode} {data.get('errmsg', '')}"
                          .rstrip())
    unionid = data.get("unionid")
    return Session(openid=openid, unionid=unionid if isinstance(unionid, str) else None)
