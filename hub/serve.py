"""Serving the app in several processes that share the load evenly.

``uvicorn --workers N`` lets N processes accept from one listening socket. Whichever wakes
first takes every connection waiting (asyncio accepts up to its backlog at once), so the
keep-alive connections of a client that opens many at once land unevenly: 22 and 10 of 32 were
seen on this machine, and the busier process then sets the latency tail while the other idles.
Here each worker binds a listening socket of its own to the same address with
``SO_REUSEPORT``, and the kernel spreads new connections over the sockets by their addresses
(Linux, and the BSDs), independently of which process happens to be awake.

Each worker runs :class:`uvicorn.Server` on its socket (``Server.run(sockets=…)``, uvicorn's
public way to serve pre-bound sockets) with the app made by a factory in the worker itself.
The parent starts the workers, stops them all on SIGINT or SIGTERM, and stops the rest and
exits with an error when one of them ends, so that a process manager restarts the service.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from types import FrameType

import uvicorn


@dataclass(frozen=True)
class Serving:
    """What to serve, where, and in how many processes."""

    factory: str  # "module:function" returning the ASGI app, imported in each worker
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    log_level: str = "info"
    access_log: bool = True


class PortInUse(RuntimeError):
    """The address is already served by another program."""


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (``SO_REUSEPORT`` when asked)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def check_free(host: str, port: int) -> None:
    """Refuse an address another program listens on: with ``SO_REUSEPORT`` alone, a second
    service started on the same port would silently share its connections."""
    try:
        listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise PortInUse(f"{host}:{port} is in use ({exc.strerror})") from None


def _worker(serving: Serving) -> None:
    sock = listening_socket(serving.host, serving.port, reuse_port=True)
    config = uvicorn.Config(serving.factory, factory=True, host=serving.host, port=serving.port,
                            log_level=serving.log_level, access_log=serving.access_log)
    uvicorn.Server(config).run(sockets=[sock])


def serve(serving: Serving) -> int:
    """Run the workers until a signal or a worker's end; the exit status."""
    if serving.workers < 1:
        raise ValueError("at least one worker")
    check_free(serving.host, serving.port)
    if not hasattr(socket, "SO_REUSEPORT") or serving.workers == 1:
        _worker(serving)  # one process: nothing to share
        return 0
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(serving,), name=f"hub-worker-{n}")
               for n in range(serving.workers)]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for worker in workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)  # uvicorn shuts down gracefully on it

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for worker in workers:
            worker.start()
        while all(w.is_alive() for w in workers) and not stopping:
            time.sleep(0.2)
        if not stopping:
            ended = [w for w in workers if not w.is_alive()]
            print(f"hub serve: {ended[0].name} ended (exit code {ended[0].exitcode}); "
                  "stopping the others", file=sys.stderr, flush=True)
            stop(signal.SIGTERM, None)
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
                worker.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if stopping else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m hub.serve module:factory --port P --workers N [--host H]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hub.serve", description=__doc__)
    parser.add_argument("factory", help="module:function making the ASGI app in each worker")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--app-dir", default="", help="a directory to import the factory from")
    args = parser.parse_args(argv)
    if args.app_dir:  # the workers start with the parent's sys.path (multiprocessing's spawn)
        sys.path.insert(0, os.path.abspath(args.app_dir))
    try:
        return serve(Serving(args.factory, host=args.host, port=args.port, workers=args.workers,
                             log_level=args.log_level, access_log=not args.no_access_log))
    except PortInUse as exc:
        print(f"hub serve: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
