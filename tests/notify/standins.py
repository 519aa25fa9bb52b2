"""Local stand-ins for the notification channels' providers, for the tests and
bench/bench_notify.py: WeChat's API (a real HTTP server on 127.0.0.1: ``/cgi-bin/token`` and
``/cgi-bin/message/subscribe/send``) and an SMTP server (aiosmtpd). Each records what it
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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WeChatStandIn:
    """WeChat's API: tokens ``token-1``, ``token-2``…; sends recorded by key. ``status``: answer
    every send with this HTTP status (500: an outage); ``errcodes``: openid → errcode;
    ``stale``: tokens answered with 40001 (stale) once each."""

    status: int = 200
    errcodes: dict[str, int] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)
    delay_s: float = 0.0  # how long each accepted send takes to answer (after it is recorded)
    tokens_issued: int = 0
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
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                if url.path != "/cgi-bin/token" or query.get("grant_type") != [
                        "client_credential"] or not query.get("appid"):
                    self._json(404, {"errcode": 40013, "errmsg": "invalid appid"})
                    return
                with standin.lock:
                    standin.tokens_issued += 1
                    token = f"token-{standin.tokens_issued}"
                self._json(200, {"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                token = parse_qs(url.query).get("access_token", [""])[0]
                if standin.status != 200:
                    self._json(standin.status, {"errcode": -1, "errmsg": "system busy"})
                    return
                if url.path != "/cgi-bin/message/subscribe/send":
                    self._json(404, {})
                    return
                with standin.lock:
                    if token in standin.stale:
                        standin.stale.discard(token)
                        self._json(200, {"errcode": 40001, "errmsg": "invalid credential"})
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
