"""Local stand-ins for the providers sign-in talks to: Tencent Cloud SMS and WeChat.

Each is a real HTTP server on a free port of 127.0.0.1 (``http.server`` on a thread). It keeps
every request it got (method, path, query, headers, JSON body) and answers as the provider
does, so the hub's official SDK and its own HTTP client are exercised over the wire.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = Callable[["Seen"], tuple[int, dict[str, Any]]]


@dataclass
class Seen:
    """One request a stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class StandIn:
    """A running stand-in: its base URL and what it was sent."""

    url: str
    requests: list[Seen] = field(default_factory=list)


@contextlib.contextmanager
def stand_in(answer: Answer) -> Iterator[StandIn]:
    """Serve ``answer`` (a request → status and JSON) until the block ends."""
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Seen(self.command, parts.path, parse_qs(parts.query),
                           {k.lower(): v for k, v in self.headers.items()},
                           json.loads(raw) if raw else None)
            seen.append(request)
            status, body = answer(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StandIn(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def tencent_sms(request: Seen) -> tuple[int, dict[str, Any]]:
    """Tencent Cloud SMS (API 2021-01-11): ``SendSms`` sends to each number (a number ending in
    0000 is refused as an invalid number, as the provider does)."""
    phones = (request.body or {}).get("PhoneNumberSet") or []
    return 200, {"Response": {"RequestId": "stand-in-1", "SendStatusSet": [
        {"SerialNo": "2640:1", "PhoneNumber": p, "Fee": 1, "SessionContext": "",
         "Code": "FailedOperation.PhoneNumberParseFail" if p.endswith("0000") else "Ok",
         "Message": "send success", "IsoCode": "CN"} for p in phones]}}


WECHAT_CODES = {"good-code": "o-openid-1", "second-code": "o-openid-2", "third-code": "o-openid-3"}


def wechat(request: Seen) -> tuple[int, dict[str, Any]]:
    """WeChat's ``/sns/jscode2session``: a known code gives its openid, others errcode 40029."""
    code = (request.query.get("js_code") or [""])[0]
    if request.path != "/sns/jscode2session" or code not in WECHAT_CODES:
        return 200, {"errcode": 40029, "errmsg": "invalid code, rid: stand-in"}
    return 200, {"openid": WECHAT_CODES[code], "session_key": "c2Vzc2lvbg=="}
