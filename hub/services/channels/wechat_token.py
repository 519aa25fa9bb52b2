"""The WeChat access token of one process, from WeChat's **stable token** API
(getStableAccessToken, ``POST /cgi-bin/stable_token``).

Every hub worker asks for the token on its own, and that is safe: in the normal mode
(``force_refresh: false``, the only one the hub uses) WeChat answers every caller with the same
token while it has more than five minutes to live, and only then issues the next one, the old
one staying valid until its own expiry. So one worker's fetch never invalidates another's
(unlike ``GET /cgi-bin/token``, which issues a new token on every call and ends the previous one
five minutes later). The normal mode allows 10,000 calls a minute and 500,000 a day per app.

The token is kept in the process until ``expires_in`` minus :data:`MARGIN_S` (at least half of
``expires_in``: WeChat never answers less than 300 s) and is safe to lose: a new process asks
again and gets the same token. When WeChat refuses a token (40001/42001/40014) the channel asks
again (normal mode: a token ended by someone's forced refresh is replaced by the new one) and
re-sends once. The hub never forces a refresh: that ends every worker's token and WeChat allows
it 20 times a day, 30 s apart; an operator does it by hand when the token has leaked.

Failures raise :class:`TokenError` with a :class:`TokenErrorCode`; each is logged once by the
channel with its code (logger ``hub.services.channels.wechat``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import StrEnum

import httpx

MARGIN_S = 300.0  # ask again this long before the token expires (WeChat's renewal window)
DEFAULT_TTL_S = 7200.0


class TokenErrorCode(StrEnum):
    REFUSED = "wechat_token_refused"  # an errcode: 40013 appid, 40125 secret, 40164 IP, 45009…
    HTTP = "wechat_token_http"  # an HTTP status other than 200
    UNREACHABLE = "wechat_token_unreachable"  # network error or timeout
    MALFORMED = "wechat_token_malformed"  # not JSON, or no token in it
    STALE = "wechat_token_stale"  # WeChat refused the token it had just given (send path)


class TokenError(Exception):
    def __init__(self, code: TokenErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


class StableToken:
    """The process's cached stable access token (one per channel, i.e. per worker).

    ``clock`` is the monotonic clock the cache expires by (the tests give a virtual one);
    ``fetches`` counts the asks to WeChat."""

    def __init__(self, client: httpx.AsyncClient, base: str, app_id: str, secret: str, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._client, self._url = client, f"{base.rstrip('/')}/cgi-bin/stable_token"
        self._app_id, self._secret = app_id, secret
        self.clock = clock
        self.fetches = 0
        self._held: tuple[str, float] | None = None  # (token, clock time to ask again)
        self._lock = asyncio.Lock()

    async def get(self, *, refused: str | None = None) -> str:
        """The cached token; asked again when it is due or when it is ``refused`` (the token
        WeChat just refused; a newer one another send already fetched is kept)."""
        async with self._lock:
            held = self._held
            if held is not None and held[0] != refused and self.clock() < held[1]:
                return held[0]
            self._held = None
            asked_at = self.clock()
            token, ttl_s = await self._fetch()
            self._held = (token, asked_at + max(ttl_s - MARGIN_S, ttl_s / 2))
            return token

    async def _fetch(self) -> tuple[str, float]:
        self.fetches += 1
        try:
            answer = await self._client.post(self._url, json={
                "grant_type": "client_credential", "appid": self._app_id,
                "secret": self._secret, "force_refresh": False})
        except httpx.HTTPError as exc:
            raise TokenError(TokenErrorCode.UNREACHABLE, type(exc).__name__) from exc
        if answer.status_code != 200:
            raise TokenError(TokenErrorCode.HTTP, f"HTTP {answer.status_code}")
        try:
            data = answer.json()
        except ValueError as exc:
            raise TokenError(TokenErrorCode.MALFORMED, "the answer is not JSON") from exc
        if not isinstance(data, dict):
            raise TokenError(TokenErrorCode.MALFORMED, "the answer is not a JSON object")
        token, code = data.get("access_token"), data.get("errcode") or 0
        if code != 0 or not isinstance(token, str) or not token:
            if code == 0:
                raise TokenError(TokenErrorCode.MALFORMED, "the answer holds no access_token")
            raise TokenError(TokenErrorCode.REFUSED,
                             f"errcode {code} {data.get('errmsg', '')}".rstrip())
        ttl = data.get("expires_in")
        ttl_s = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else DEFAULT_TTL_S
        return token, ttl_s
