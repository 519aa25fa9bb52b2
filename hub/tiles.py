"""HTTP for the map: vector tiles at /tiles/{layer}/{z}/{x}/{y}.mvt and the console's config.

Tiles are cached in process (LRU with a short TTL) by tile, filters and the caller's
*visibility* — the scope the policy gives them over volunteer homes — never by the caller
themselves, so every anonymous caller shares one entry and two dispatchers of one region share
another. Responses carry a strong ETag (304 on a matching If-None-Match) and Cache-Control:
``public`` where the bytes are the same for everyone, ``private`` where they depend on the caller.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hub.auth import (
    ANONYMOUS,
    Caller,
    Field,
    Scope,
    ScopeAll,
    ScopeNone,
    ScopeOrg,
    ScopeRegion,
    ScopeSelf,
    scope_of,
)
from hub.auth.ids import is_division_code
from hub.geo.tiles import TileError, validate_tile
from hub.localization import language
from hub.registration.vocab import SKILLS
from hub.schema.http import CALLER_KEY
from hub.store import tiles as store

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 20
TILE_TTL_S = 15.0
CACHE_ENTRIES = 4096
CACHE_BYTES = 64 * 1024 * 1024
MAX_FILTER_VALUES = 20
_LIST_PARAMS = {"category": "categories", "skills": "skills", "status": "statuses"}
_KNOWN_PARAMS = {*_LIST_PARAMS, "date", "region", "v"}  # v: a client's cache buster
_VOCABULARY_PARAMS = {"category", "skills"}


@dataclass(frozen=True)
class CachedTile:
    body: bytes
    etag: str
    expires_at: float


class TileCache:
    """An LRU of tile bytes, bounded in entries and bytes, whose entries expire after ``ttl_s``."""

    def __init__(self, *, max_entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES,
                 ttl_s: float = TILE_TTL_S) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.size_bytes = 0
        self._entries: OrderedDict[tuple[object, ...], CachedTile] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[object, ...]) -> CachedTile | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires_at < time.monotonic():
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: tuple[object, ...], body: bytes) -> CachedTile:
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        entry = CachedTile(body, etag, time.monotonic() + self.ttl_s)
        old = self._entries.pop(key, None)
        self.size_bytes += len(body) - (len(old.body) if old else 0)
        self._entries[key] = entry
        while len(self._entries) > self.max_entries or self.size_bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size_bytes -= len(evicted.body)
        return entry


def visibility_key(scope: Scope) -> str:
    """What a caller's volunteer tiles depend on: ``all``, ``none`` or the scope's subject."""
    if isinstance(scope, ScopeAll):
        return "all"
    if isinstance(scope, ScopeNone):
        return "none"
    if isinstance(scope, ScopeRegion):
        return f"region:{scope.prefix}"
    if isinstance(scope, ScopeOrg):
        return f"org:{scope.org_id}"
    if isinstance(scope, ScopeSelf):
        return f"self:{scope.volunteer_id}"
    raise TypeError(f"unknown scope {scope!r}")


class BadRequest(ValueError):
    """A query parameter the tile route cannot use; the message names it (and in Chinese)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


def _codes(param: str, values: list[str]) -> list[str]:
    """The skill or category codes ``values`` name: codes, Chinese or English labels or
    synonyms of the vocabulary (``hub/vocabulary.py``)."""
    if param not in _VOCABULARY_PARAMS:
        return values
    codes = []
    for value in values:
        code = SKILLS.lookup(value)
        if code is None:
            raise BadRequest(f"{param}={value!r} is not one of {SKILLS.allowed('en')}",
                             f"{param}={value!r} 不是可选的值，可选：{SKILLS.allowed('zh')}")
        codes.append(code)
    return codes


def parse_filters(query: Any) -> store.TileFilters:
    """TileFilters from a query string (comma-separated or repeated list parameters)."""
    unknown = sorted(set(query.keys()) - _KNOWN_PARAMS)
    if unknown:
        known = ", ".join(sorted(_KNOWN_PARAMS))
        raise BadRequest(f"unknown parameter {unknown[0]!r} (use {known})",
                         f"不认识的参数 {unknown[0]!r}（可用：{known}）")
    lists: dict[str, tuple[str, ...]] = {}
    for param, attr in _LIST_PARAMS.items():
        values = [v.strip() for raw in query.getlist(param) for v in raw.split(",") if v.strip()]
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest(f"{param} has {len(values)} values; at most {MAX_FILTER_VALUES}",
                             f"{param} 有 {len(values)} 个值，最多 {MAX_FILTER_VALUES} 个")
        lists[attr] = tuple(dict.fromkeys(_codes(param, values)))
    on = None
    if query.get("date"):
        try:
            on = date.fromisoformat(query["date"])
        except ValueError:
            raise BadRequest(f"date={query['date']!r} is not YYYY-MM-DD",
                             f"date={query['date']!r} 不是 YYYY-MM-DD 格式的日期") from None
    region = query.get("region") or None
    if region is not None and not is_division_code(region):
        raise BadRequest(f"region={region!r} is not a 12-digit division code",
                         f"region={region!r} 不是12位行政区划代码")
    return store.TileFilters(on=on, region=region, **lists)


def _tile_reads(state: Any) -> Any:
    """Where a tile is read: a replica in rotation when there are replicas (a tile may be a
    moment old: docs/replicas.md), else the app's threaded reads on the primary."""
    router = getattr(state.db, "router", None)
    return state.reads if router is None else router.tile_reads()


def _cache_of(request: Request) -> TileCache:
    cache: TileCache = request.app.state.tile_cache  # made by the app's lifespan
    return cache


def _bad(request: Request, reason: str, reason_zh: str, *, status: int = 400,
         error: str = "bad_request") -> Response:
    """A refusal: ``reason`` in English (as before), ``messageZh`` and ``messageEn``, and
    ``message`` in the language Accept-Language prefers (Chinese by default)."""
    chosen = language(request.headers.get("accept-language"))
    return JSONResponse({"error": error, "code": "BAD_USER_INPUT" if status == 400
                         else "NOT_FOUND", "reason": reason,
                         "message": reason_zh if chosen == "zh" else reason,
                         "messageZh": reason_zh, "messageEn": reason}, status_code=status)


async def tile(request: Request) -> Response:
    """GET /tiles/{layer}/{z}/{x}/{y}.mvt"""
    params = request.path_params
    layer = params["layer"]
    if layer not in store.LAYERS:
        layers = ", ".join(store.LAYERS)
        return _bad(request, f"layer {layer!r} is not one of {layers}",
                    f"图层 {layer!r} 不存在，可选：{layers}", status=404, error="not_found")
    try:
        z, x, y = (_int(name, params[name]) for name in ("z", "x", "y"))
        validate_tile(z, x, y, max_zoom=MAX_ZOOM)
        filters = parse_filters(request.query_params)
    except TileError as exc:
        return _bad(request, str(exc), f"瓦片编号无效：{exc}")
    except BadRequest as exc:
        return _bad(request, str(exc), exc.message_zh)
    caller: Caller = request.scope.get(CALLER_KEY, ANONYMOUS)
    scope = scope_of(caller, Field.VOLUNTEER_LOCATION)
    # Callers given no volunteer record (anonymous) get counts per cell at every zoom.
    cells = isinstance(scope_of(caller, Field.VOLUNTEER), ScopeNone)
    visibility = ("cells" if cells else visibility_key(scope)) if layer == "volunteers" \
        else "public"
    key = (layer, z, x, y, filters.key(), visibility, request.query_params.get("v", ""))
    cache = _cache_of(request)
    entry = cache.get(key)
    if entry is None:
        body = await store.get_tile(_tile_reads(request.app.state), layer=layer, z=z, x=x, y=y,
                                    filters=filters, volunteer_scope=scope, cells=cells)
        entry = cache.put(key, body)
    shared = visibility in {"public", "none", "cells"}
    headers = {
        "ETag": entry.etag,
        "Cache-Control": f"{'public' if shared else 'private'}, max-age={int(cache.ttl_s)}",
        "Vary": "Authorization",
    }
    if entry.etag in _etags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=MVT_MEDIA_TYPE, headers=headers)


def _int(name: str, text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise TileError(f"{name}={text!r} is not a non-negative integer")
    return int(text)


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {t.strip().removeprefix("W/") for t in header.split(",")}


async def console_config(request: Request) -> Response:
    """GET /console/config.json: what the console needs to know about this deployment."""
    settings = request.app.state.settings
    return JSONResponse({
        "graphql": "/graphql",
        "tiles": "/tiles/{layer}/{z}/{x}/{y}.mvt",
        "regions": "/console/regions.geojson",
        "basemapUrl": settings.basemap_url,
        "basemapCrs": settings.basemap_crs,
        "clusterBelowZoom": store.CLUSTER_BELOW_Z,
        "maxZoom": MAX_ZOOM,
    })


async def console_regions(request: Request) -> Response:
    """GET /console/regions.geojson: division seats (and outlines when loaded): the basemap."""
    body = await store.get_region_features(request.app.state.db)
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=3600"})


async def console_glyphs(request: Request) -> Response:
    """GET /console/glyphs/{fontstack}/{range}.pbf: no glyphs (an empty PBF).

    The console draws Chinese names with the browser's fonts (MapLibre's local ideographs),
    so no font server, and no CDN, is needed.
    """
    return Response(b"", media_type="application/x-protobuf",
                    headers={"Cache-Control": "public, max-age=86400"})


routes: list[BaseRoute] = [
    Route("/tiles/{layer}/{z}/{x}/{y}.mvt", tile, methods=["GET"]),
    Route("/console/config.json", console_config, methods=["GET"]),
    Route("/console/regions.geojson", console_regions, methods=["GET"]),
    Route("/console/glyphs/{fontstack}/{range}.pbf", console_glyphs, methods=["GET"]),
]
