"""A partner's webhook receiver for the tests: a real HTTP server on a free local port (a
thread of ``http.server``), which verifies each delivery's signature with the documented
algorithm (hub.services.webhook_delivery.verify), deduplicates by the idempotency key, and can
be told to fail its first tries of each event: a 500, a timeout (it answers too late), and an
answer lost after the effect happened (500 after applying it)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hub.services.webhook_delivery import SIGNATURE_HEADER, verify

FAIL = "fail"  # answer 500, do nothing
SLOW = "slow"  # answer after the hub's timeout, do nothing
LOST = "lost"  # apply the effect, then answer 500 (the hub never hears it worked)


@dataclass
class Receiver:
    """What the receiver saw: each event's effect (applied once per idempotency key), every
    request, and how it answers each event's tries (``script``: one entry per try, then OK)."""

    secret: str = ""
    script: tuple[str, ...] = ()
    slow_s: float = 1.0
    effects: list[dict[str, Any]] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: Any, body: bytes) -> int:
        key = headers.get("Idempotency-Key", "")
        signed = verify(self.secret, headers.get(SIGNATURE_HEADER, ""), body)
        with self.lock:
            self.requests.append({"key": key, "delivery": headers.get("X-Hub-Delivery"),
                                  "signed": signed})
            if not signed:
                self.bad_signatures += 1
                return 401
            n = self.tries[key]
            self.tries[key] += 1
            step = self.script[n] if n < len(self.script) else "ok"
        if step == SLOW:
            time.sleep(self.slow_s)
            return 200  # too late: the hub gave up waiting
        if step == FAIL:
            return 500
        with self.lock:
            if key not in {e["key"] for e in self.effects}:  # deduplicate by the key
                event = json.loads(body)
                self.effects.append({"key": key, "kind": event["kind"],
                                     "subject": event["subject"], "data": event["data"]})
        return 500 if step == LOST else 200


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status = self.server.receiver.handle(self.headers, body)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    """A :class:`Receiver` served on 127.0.0.1 at a free port while open."""

    def __init__(self, receiver: Receiver) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.receiver = receiver  # type: ignore[attr-defined]
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
