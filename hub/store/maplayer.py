"""GeoJSON FeatureCollections (RFC 7946) built inside PostGIS in one statement."""

from __future__ import annotations

from typing import Any

import orjson

from hub.auth import Scope
from hub.store.base import ValueReader
from hub.store.visibility import exact_predicate, visible_home

_ID = "encode(convert_to('{type}:' || t.id, 'UTF8'), 'base64')"
_LAYERS = {
    "volunteers": ("volunteer", "home_geom", "Volunteer",
                   "'status', t.status, 'skills', t.skill_codes, 'exact', {exact}",
                   "t.status = 'active'"),
    "stations": ("station", "location_geom", "Station",
                 "'name', t.name, 'kind', t.kind, 'status', t.status", "TRUE"),
    "demands": ("demand", "location_geom", "Demand",
                "'title', t.title, 'category', t.category, 'status', t.status, 'needed', t.needed,"
                " 'startsAt', lower(t.time_window), 'endsAt', upper(t.time_window)",
                "t.status NOT IN ('cancelled', 'reviewed')"),
}
LAYERS = tuple(_LAYERS)


async def feature_collection(db: ValueReader, *, layer: str,
                             bbox: tuple[float, float, float, float], limit: int,
                             volunteer_scope: Scope) -> dict[str, Any]:
    """At most ``limit`` features of ``layer`` in a WGS-84 ``bbox``; ``truncated`` if more."""
    table, geom, type_name, props, condition = _LAYERS[layer]
    params: dict[str, Any] = {"w": bbox[0], "s": bbox[1], "e": bbox[2], "n": bbox[3],
                              "limit": limit}
    if layer == "volunteers":
        exact = exact_predicate(volunteer_scope, params)
        point = visible_home(exact)
        props = props.format(exact=exact)
    else:
        point = f"t.{geom}"
    sql = (
        "SELECT coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)::text FROM ("
        f"SELECT t.id, json_build_object("
        f"'type', 'Feature', 'id', {_ID.format(type=type_name)}, "
        f"'geometry', ST_AsGeoJSON({point}, 7)::json, "
        f"'properties', json_build_object({props})) AS feature "
        f"FROM {table} t WHERE t.{geom} && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326) "
        f"AND {condition} ORDER BY t.id LIMIT %(limit)s + 1) f"
    )
    features: list[Any] = orjson.loads(await db.fetch_value(sql, params))
    truncated = len(features) > limit
    return {"type": "FeatureCollection", "features": features[:limit], "truncated": truncated}
