"""Load generator for bench/bench_graphql.py when ``wrk`` is not installed.

Runs as its own process (never inside the server's): ``--connections`` keep-alive HTTP/1.1
connections over asyncio, each POSTing one JSON body after another (bodies taken in turn from
``--bodies``, one per line) until ``--duration`` seconds have passed. Prints one line
``LOADJSON {...}`` with requests, duration_s, p50_ms, p95_ms, p99_ms and errors (non-200
answers, GraphQL errors and broken connections). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit


async def _connection(
    host: str,
    port: int,
    path: str,
    bodies: list[bytes],
    offset: int,
    extra_headers: list[str],
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
        + "".join(f"{h}\r\n" for h in extra_headers)
    )
    requests = [(head + f"Content-Length: {len(b)}\r\n\r\n").encode() + b for b in bodies]
    n = offset
    try:
        while time.perf_counter() < deadline:
            request = requests[n % len(requests)]
            n += 1
            started = time.perf_counter()
            writer.write(request)
            header = await reader.readuntil(b"\r\n\r\n")
            lines = header.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200 or b'"errors"' in body:
                errors[0] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        errors[0] += 1
    finally:
        writer.close()


async def run(
    url: str, bodies: list[bytes], connections: int, duration: float, headers: list[str]
) -> dict[str, float]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load a non-loopback address: {host}")
    latencies: list[float] = []
    errors = [0]
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(
            _connection(host, port, path, bodies, i * 7919, headers, deadline, latencies, errors)
            for i in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
            if latencies
            else float("nan")
        )

    return {
        "requests": len(latencies),
        "duration_s": elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--bodies", required=True, help="a file of JSON bodies, one per line")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    with open(args.bodies, "rb") as fh:
        bodies = [line.rstrip(b"\n") for line in fh if line.strip()]
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except (ImportError, AttributeError):
        pass
    result = runner(run(args.url, bodies, args.connections, args.duration, args.header))
    print("LOADJSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
