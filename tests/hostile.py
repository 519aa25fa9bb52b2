"""Hostile HTTP requests for /graphql, and what a well-behaved server must answer to them.

Shared by the quick fuzz in the suite (``tests/graphql/test_graphql_hostile.py``) and the
5,000-request one under ``bench/`` (``bench/bench_fuzz.py``). :func:`hostile` draws requests
of every kind in :data:`KINDS` from a seeded generator; :func:`judge` says what is wrong with
an answer (a 5xx, a non-JSON refusal, an error without ``extensions.code``); :func:`fire`
sends them from a few threads and collects a :class:`Report`.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

VALID = [
    '{ regions(parentCode: "410000") { code name } }',
    '{ stations(first: 5) { edges { node { id name kind } } totalCount } }',
    '{ demands(first: 3, filter: {statuses: ["open"]}) { edges { node { id title } } } }',
    '{ activities(first: 3, filter: {hasFreePlaces: true}) { edges { node { id placesLeft } } } }',
    'query($p: PointInput!) { nearestStations(point: $p, k: 3) { name } }',
    'query Q($id: ID!) { node(id: $id) { id ... on Region { name } } }',
    '{ mapLayer(layer: STATIONS, bbox: {west: 113, south: 34, east: 114, north: 35}, limit: 5) }',
    '{ volunteers(first: 2) { edges { node { id name } } } }',
    'mutation { raiseDemand(input: {}) { errors { code } } }',
    '{ _service { sdl } }',
]
VARIABLES = {"p": {"lon": 113.6, "lat": 34.7}, "id": "UmVnaW9uOjQxMDEwMA=="}
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { name } } }"
JSON = {"content-type": "application/json"}


@dataclass
class Request:
    """One request: a kind (for the report), a method, headers, a body or query parameters."""

    kind: str
    method: str = "POST"
    headers: dict[str, str | bytes] = field(default_factory=lambda: dict(JSON))
    body: bytes | None = None
    params: dict[str, str] | None = None


def _post(kind: str, payload: Any, **headers: str | bytes) -> Request:
    return Request(kind, headers={**JSON, **headers}, body=json.dumps(payload).encode())


def _chain(n: int) -> str:
    frags = "".join(f"fragment F{i} on Query {{ ...F{i + 1} }}\n" for i in range(n))
    return "{ ...F0 }\n" + frags + f"fragment F{n} on Query {{ __typename }}"


def _fanout(levels: int, width: int) -> str:
    frags = "".join(f"fragment F{i} on Query {{ " + f"...F{i + 1} " * width + "}\n"
                    for i in range(levels))
    return "{ ...F0 }\n" + frags + f"fragment F{levels} on Query {{ __typename }}"


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.4 and chars:
            del chars[min(where, len(chars) - 1)]
        elif action < 0.8:
            chars.insert(where, rng.choice('{}()[]:$!@."\\ \n#,=abcXYZ019…中'))
        elif chars:
            chars[min(where, len(chars) - 1)] = rng.choice("{}()$@ ")
    return "".join(chars)


def _bad_variables(rng: random.Random) -> Any:
    return rng.choice([
        {"p": "here"}, {"p": {"lon": "x", "lat": None}}, {"p": {"lon": 1e309}}, {"id": 5},
        {"id": {"a": [1, 2, {"b": None}]}}, {"nope": 1}, {"p": [[[[[[[[]]]]]]]]},
        {"p": {"lon": 113.6, "lat": 34.7, "extra": True}}, {"id": "x" * 5000},
    ])


Maker = Callable[[random.Random, list[str]], Request]


def _not_json(rng: random.Random, _auth: list[str]) -> Request:
    body = rng.choice([b"notjson", b"{", b"{'query': 1}", b"", b"\x00\x01", b"query { x }",
                       bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))])
    return Request("not JSON", body=body)


def _not_object(rng: random.Random, _auth: list[str]) -> Request:
    return Request("JSON not an object",
                   body=rng.choice([b"1", b"null", b'"x"', b"true", b"3.5", b"-0"]))


def _wrong_types(rng: random.Random, _auth: list[str]) -> Request:
    name, value = rng.choice([("query", 1), ("query", []), ("query", {"a": 1}),
                              ("variables", "x"), ("variables", 1), ("variables", [1]),
                              ("operationName", 1), ("operationName", {}),
                              ("extensions", "x"), ("extensions", [])])
    return _post("wrong member types", {"query": "{ __typename }", name: value})


def _huge(rng: random.Random, _auth: list[str]) -> Request:
    pad = " " * rng.randint(1_100_000, 1_600_000)
    return _post("huge body", {"query": "{ __typename }" + pad})


def _padded(rng: random.Random, _auth: list[str]) -> Request:
    pad = "".join(rng.choice(" \n\t,") for _ in range(64)) * rng.randint(100, 3000)
    return _post("distinct padded texts", {"query": "{ __typename }" + pad})


def _deep(rng: random.Random, _auth: list[str]) -> Request:
    n = rng.randint(20, 1400)
    choice = rng.random()
    if choice < 0.4:
        query = "{ " + "regions { children { " * (n // 2) + "code" + " } }" * (n // 2) + " }"
        return _post("deep nesting", {"query": query})
    if choice < 0.7:
        return _post("deep nesting", {"query": "{ a(x: " + "[" * n + "]" * n + ") }"})
    return Request("deep nesting", body=(b'{"query": "{ __typename }", "variables": {"a": '
                                         + b"[" * n + b"]" * n + b"}}"))


def _fragments(rng: random.Random, _auth: list[str]) -> Request:
    choice = rng.random()
    if choice < 0.5:
        return _post("fragment chains", {"query": _chain(rng.randint(15, 900))})
    if choice < 0.75:
        return _post("fragment cycles", {"query": (
            "{ ...A } fragment A on Query { regions { code } ...B } "
            "fragment B on Query { ...C } fragment C on Query { ...A }")})
    return _post("fragment fan-out", {"query": _fanout(rng.randint(4, 14), rng.randint(4, 10))})


def _aliases(rng: random.Random, _auth: list[str]) -> Request:
    n = rng.randint(25, 900)
    if rng.random() < 0.5:
        query = "{ " + " ".join(f"a{i}: regions {{ code }}" for i in range(n)) + " }"
    else:
        query = "{ " + " regions { code }" * n + " }"
    return _post("many aliases", {"query": query})


def _entities(rng: random.Random, _auth: list[str]) -> Request:
    n = rng.choice([1, 10, 999, 1000, 1001, 5000, 20_000])
    reps = [{"__typename": "Region", "code": "410100"}] * n
    return _post("_entities representations", {"query": ENTITIES, "variables": {"r": reps}})


def _variables(rng: random.Random, _auth: list[str]) -> Request:
    query = rng.choice(VALID[3:5])
    return _post("bad variables", {"query": query, "variables": _bad_variables(rng)})


def _operation(rng: random.Random, _auth: list[str]) -> Request:
    query = rng.choice(["query A { __typename } query B { __typename }", VALID[4]])
    name = rng.choice(["Nope", "", "B", "A B"])
    return _post("unknown operations", {"query": query, "operationName": name,
                                        "variables": VARIABLES})


def _get_mutation(rng: random.Random, _auth: list[str]) -> Request:
    query = rng.choice(["mutation { __typename }", VALID[7], "subscription { x }",
                        "{ __typename }", "mutation"])
    return Request("GET with mutations", method="GET", headers={}, params={"query": query})


def _content_type(rng: random.Random, _auth: list[str]) -> Request:
    kind = rng.choice(["text/plain", "application/xml", "", "multipart/form-data",
                       "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                       "application/jsonx", "application/graphql"])
    body = rng.choice([b'{"query": "{ __typename }"}', b"--x\r\n\r\n--x--",
                       b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n1\r\n'
                       b"--x--\r\n", b"query=%7B__typename%7D"])
    return Request("bad content types", headers={"content-type": kind} if kind else {},
                   body=body)


def _auth(rng: random.Random, auth: list[str]) -> Request:
    value = rng.choice([*auth, "Bearer", "Bearer  x", "Basic dXNlcjpwYXNz", "Bearer a.b.c",
                        "Bearer " + "x" * 4000, "bearer\tgarbage", "Bearer 令牌".encode(),
                        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."])
    request = _post("bad Authorization", {"query": rng.choice(VALID[:3])})
    request.headers["authorization"] = value
    return request


def _utf8(rng: random.Random, _auth: list[str]) -> Request:
    body = rng.choice([b'{"query": "{ __typename }\xff"}', b'{"query": "\xed\xa0\x80"}',
                       b'\xef\xbb\xbf{"query": "{ __typename }"}', b'{"query": "\xc3"}'])
    return Request("invalid UTF-8", body=body)


def _batch(rng: random.Random, _auth: list[str]) -> Request:
    return _post("batched arrays", [{"query": q} for q in rng.sample(VALID, rng.randint(0, 4))])


def _random_mutation(rng: random.Random, _auth: list[str]) -> Request:
    query = rng.choice(VALID)
    return _post("mutated valid queries", {"query": _mutate(rng, query),
                                           "variables": VARIABLES})


def _valid(rng: random.Random, _auth: list[str]) -> Request:
    return _post("valid queries", {"query": rng.choice(VALID[:6]), "variables": VARIABLES})


KINDS: list[tuple[Maker, int]] = [  # (maker, weight)
    (_not_json, 5), (_not_object, 4), (_wrong_types, 4), (_huge, 1), (_padded, 4), (_deep, 5),
    (_fragments, 6), (_aliases, 5), (_entities, 4), (_variables, 6), (_operation, 4),
    (_get_mutation, 4), (_content_type, 5), (_auth, 5), (_utf8, 3), (_batch, 3),
    (_random_mutation, 20), (_valid, 12),
]


def hostile(seed: int, count: int, auth: list[str]) -> Iterator[Request]:
    """``count`` requests: one of each kind in :data:`KINDS`, then kinds drawn by weight
    (``auth``: extra Authorization values to try)."""
    rng = random.Random(seed)
    makers = [m for m, _ in KINDS]
    weights = [w for _, w in KINDS]
    for index in range(count):
        maker = makers[index] if index < len(makers) else rng.choices(makers, weights)[0]
        yield maker(rng, auth)


def judge(status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with an answer: '5xx', 'non-JSON refusal', 'uncoded error', 'error
    without messageZh', 'internal error' (INTERNAL_SERVER_ERROR in a 200)."""
    faults = []
    if status >= 500:
        faults.append("5xx")
    parsed: Any = None
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    if status >= 300 and parsed is None:
        faults.append("non-JSON refusal")
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    for error in errors or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if not isinstance(extensions, dict) or not extensions.get("code"):
            faults.append("uncoded error")
            continue
        if not extensions.get("messageZh"):
            faults.append("error without messageZh")
        if extensions["code"] == "INTERNAL_SERVER_ERROR":
            faults.append("internal error")  # hostile input is never the server's fault
    return faults


@dataclass
class Report:
    """What the server answered to a run of hostile requests."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    slowest_s: dict[str, float] = field(default_factory=dict)  # by kind

    def quantile_s(self, q: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    @property
    def median_s(self) -> float:
        return statistics.median(self.latencies_s) if self.latencies_s else 0.0


def fire(base_url: str, requests: list[Request], *, threads: int = 4,
         timeout_s: float = 30.0) -> Report:
    """Send ``requests`` to ``base_url``/graphql from ``threads`` clients; judge each answer."""
    report = Report()
    lock = threading.Lock()
    queue = iter(enumerate(requests))

    def work() -> None:
        with httpx.Client(base_url=base_url, timeout=timeout_s) as client:
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                _, request = item
                url = "/graphql" + (f"?{urlencode(request.params)}" if request.params else "")
                started = time.perf_counter()
                try:
                    response = client.request(request.method, url, headers=request.headers,
                                              content=request.body)
                except httpx.TransportError as exc:  # no answer at all (or a hang)
                    status, faults, shown = 0, ["no answer"], repr(exc)
                else:
                    status, shown = response.status_code, repr(response.content[:200])
                    faults = judge(status, response.headers.get("content-type", ""),
                                   response.content)
                elapsed = time.perf_counter() - started
                with lock:
                    report.latencies_s.append(elapsed)
                    report.statuses[status] += 1
                    report.kinds[request.kind] += 1
                    report.slowest_s[request.kind] = max(
                        elapsed, report.slowest_s.get(request.kind, 0.0))
                    for fault in faults:
                        report.faults[fault] += 1
                        report.examples.setdefault(fault, f"{request.kind}: {status} {shown}")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return report
