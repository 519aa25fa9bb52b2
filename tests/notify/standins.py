"""Local stand-ins for the notification channels' providers, for the tests and
bench/bench_notify.py: WeChat's API (a real HTTP server on 127.0.0.1: ``/cgi-bin/stable_token``
and ``/cgi-bin/message/subscribe/send``) and an SMTP server (aiosmtpd). Each records what it
received with the message's idempotency key (the WeChat page's ``key``, the e-mail's
Message-ID), so a test can tell a copy sent twice."""

from __future__ import annotations

import email
import email.message
import email.parser
import email.policy
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clock:
    """A monotonic clock that moves only when told (``advance``): WeChat's time and the
    channels' in the tests that span hours of token lifetimes in a moment."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class WeChatStandIn:
    """WeChat's API as the hub uses it, on a real HTTP server.

    ``POST /cgi-bin/stable_token`` is getStableAccessToken as WeChat documents it: tokens
    ``token-1``, ``token-2``… live ``ttl_s``; the normal mode (``force_refresh`` false or
    absent) answers every caller with the current token and its remaining ``expires_in`` (whole
    seconds) while more than ``renew_s`` remain, else issues the next token (the old one stays
    valid until its own expiry); ``force_refresh: true`` ends every token at once and issues a
    new one, refused (45011) within ``force_gap_s`` of the last forced refresh. Wrong
    ``grant_type`` 40002, missing appid 41002 or secret 41004, wrong appid 40013 or secret
    40125 (when ``app_id``/``secret`` are set), GET 43002. Every ask is kept in ``fetches``.

    ``POST /cgi-bin/message/subscribe/send``: a token never issued or ended answers 40001, an
    expired one 42001 (each kept in ``refusals``); accepted sends are recorded by key.
    ``status``: answer every send with this HTTP status (500: an outage); ``errcodes``:
    openid → errcode; ``stale``: token → how many more sends to answer 40001 although valid.
    ``clock`` is WeChat's time (a :class:`Clock` in tests that move it)."""

    status: int = 200
    errcodes: dict[str, int] = field(default_factory=dict)
    stale: Counter[str] = field(default_factory=Counter)
    delay_s: float = 0.0  # how long each accepted send takes to answer (after it is recorded)
    app_id: str | None = None
    secret: str | None = None
    ttl_s: float = 7200.0
    renew_s: float = 300.0
    force_gap_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    tokens_issued: int = 0
    expiry: dict[str, float] = field(default_factory=dict)  # token → WeChat time it ends
    current: str | None = None
    last_forced: float | None = None
    fetches: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def keys(self) -> Counter[str]:
        with self.lock:
            return Counter(s["key"] for s in self.sends)

    def stable_token(self, body: Any) -> dict[str, Any]:
        """getStableAccessToken's answer to ``body`` (also called directly by tests, as an
        operator forcing a refresh would)."""
        if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if not body.get("appid"):
            return {"errcode": 41002, "errmsg": "appid missing"}
        if not body.get("secret"):
            return {"errcode": 41004, "errmsg": "appsecret missing"}
        if self.app_id is not None and body["appid"] != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.secret is not None and body["secret"] != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        force = body.get("force_refresh", False)
        if not isinstance(force, bool):
            return {"errcode": 47001, "errmsg": "data format error"}
        with self.lock:
            now = self.clock()
            if force:
                if self.last_forced is not None and now - self.last_forced < self.force_gap_s:
                    return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
                self.last_forced = now
                self.expiry.clear()
            left = self.expiry.get(self.current or "", now) - now
            if left <= self.renew_s:
                self.tokens_issued += 1
                self.current, left = f"token-{self.tokens_issued}", self.ttl_s
                self.expiry[self.current] = now + left
            assert self.current is not None
            self.fetches.append({"at": now, "force": force, "token": self.current,
                                "body": body})
            return {"access_token": self.current, "expires_in": int(left)}

    def _refusal(self, token: str) -> dict[str, Any] | None:
        """The errcode answer to a send with ``token``, or None when it is valid (locked)."""
        ends = self.expiry.get(token)
        if self.stale[token] > 0:
            self.stale[token] -= 1
            code, text = 40001, "invalid credential"
        elif ends is None:
            code, text = 40001, "invalid credential, access_token is invalid or not latest"
        elif ends <= self.clock():
            code, text = 42001, "access_token expired"
        else:
            return None
        self.refusals.append({"token": token, "errcode": code})
        return {"errcode": code, "errmsg": text}

    def start(self) -> WeChatStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms stall)

            def log_message(self, *args: Any) -> None:
                return None

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if urlsplit(self.path).path == "/cgi-bin/stable_token":
                    self._json(200, {"errcode": 43002, "errmsg": "require POST method"})
                else:
                    self._json(404, {"errcode": 40066, "errmsg": "invalid url"})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if url.path == "/cgi-bin/stable_token":
                    try:
                        asked = json.loads(raw)
                    except ValueError:
                        asked = None
                    self._json(200, standin.stable_token(asked))
                    return
                body = json.loads(raw)
                token = parse_qs(url.query).get("access_token", [""])[0]
                if standin.status != 200:
                    self._json(standin.status, {"errcode": -1, "errmsg": "system busy"})
                    return
                if url.path != "/cgi-bin/message/subscribe/send":
                    self._json(404, {})
                    return
                with standin.lock:
                    refused = standin._refusal(token)
                    if refused is not None:
                        self._json(200, refused)
                        return
                    code = standin.errcodes.get(body["touser"], 0)
                    if code:
                        self._json(200, {"errcode": code, "errmsg": "refused"})
                        return
                    key = parse_qs(urlsplit(body["page"]).query)["key"][0]
                    standin.sends.append({**body, "key": key, "token": token})
                    msgid = len(standin.sends)
                if standin.delay_s:
                    time.sleep(standin.delay_s)
                self._json(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})

        ThreadingHTTPServer.request_queue_size = 256  # a burst of connections is not dropped
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class SmtpStandIn:
    """An SMTP server (aiosmtpd) keeping every message as received (parsed when read)."""

    port: int = field(default_factory=free_port)
    raw: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.raw.append(envelope.content)
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            raw = list(self.raw)
        return [email.message_from_bytes(r, policy=email.policy.default)
                for r in raw]

    def keys(self) -> Counter[str]:
        """Copies per key (the Message-ID's local part), read from the headers alone."""
        with self.lock:
            raw = list(self.raw)
        parser = email.parser.BytesHeaderParser()
        return Counter(str(parser.parsebytes(r)["Message-ID"]).strip("<> ").split("@")[0]
                       for r in raw)

    def start(self) -> SmtpStandIn:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


def _serve_keys(keys: Any) -> ThreadingHTTPServer:
    """A side server answering ``GET /`` with the stand-in's keys (JSON key → copies)."""

    class Keys(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            data = json.dumps(dict(keys())).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str]) -> None:
    """``python -m tests.notify.standins wechat|smtp``: serve one stand-in in a process of its
    own (the benchmark's, so the stand-ins do not share an interpreter lock); prints
    ``<service port> <keys port>`` and serves until stdin closes."""
    import sys

    standin: WeChatStandIn | SmtpStandIn = WeChatStandIn() if argv[0] == "wechat" else (
        SmtpStandIn())
    standin.start()
    port = standin.port if isinstance(standin, SmtpStandIn) else int(
        standin.base.rsplit(":", 1)[1])
    side = _serve_keys(standin.keys)
    print(port, side.server_address[1], flush=True)
    sys.stdin.read()
    standin.stop()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
