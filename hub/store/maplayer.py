"""GeoJSON FeatureCollections (RFC 7946) built inside PostGIS in one statement.

SQL text, not SQLAlchemy: bench_graphql's "mapLayer 5,000 volunteers" and "mapLayer SQL only"
lines measure it (PostgreSQL writes the JSON that goes out over HTTP).
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.auth import Scope
from hub.store.activity_list import UPCOMING_ACTIVITY_SQL
from hub.store.base import ValueReader
from hub.store.demands import TO_BE_SERVED_SQL
from hub.store.listing import VISIBLE_SLACK_DEG
from hub.store.local_time import DEFAULT_ZONE, iso_in_zone, zone_params
from hub.store.publishing import public_sql
from hub.store.visibility import exact_predicate, visible_home

_ID = "encode(convert_to('{type}:' || t.id, 'UTF8'), 'base64')"
_LAYERS = {
    "volunteers": ("volunteer", "home_geom", "Volunteer",
                   "'status', t.status, 'skills', t.skill_codes, 'exact', {exact}",
                   "t.status = 'active'"),
    "stations": ("station", "location_geom", "Station",
                 "'name', t.name, 'kind', t.kind, 'status', t.status", public_sql("station")),
    "demands": ("demand", "location_geom", "Demand",
                "'title', t.title, 'category', t.category, 'status', t.status, 'needed', t.needed,"
                f" 'startsAt', {iso_in_zone('lower(t.time_window)')},"
                f" 'endsAt', {iso_in_zone('upper(t.time_window)')}",
                TO_BE_SERVED_SQL),
    "activities": ("activity", "location_geom", "Activity",
                   "'title', t.title, 'category', t.category, 'status', t.status,"
                   " 'capacity', t.capacity, 'signedUp', t.signed_up,"
                   f" 'startsAt', {iso_in_zone('lower(t.time_window)')},"
                   f" 'endsAt', {iso_in_zone('upper(t.time_window)')}",
                   UPCOMING_ACTIVITY_SQL),
}
LAYERS = tuple(_LAYERS)
_BOX = "ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"


async def get_feature_collection(db: ValueReader, *, layer: str,
                                 bbox: tuple[float, float, float, float], limit: int,
                                 volunteer_scope: Scope, cells: bool = False,
                                 zone: str = DEFAULT_ZONE) -> dict[str, Any]:
    """At most ``limit`` features of ``layer`` in a WGS-84 ``bbox``; ``truncated`` if more."""
    parsed: dict[str, Any] = orjson.loads(await get_feature_collection_json(
        db, layer=layer, bbox=bbox, limit=limit, volunteer_scope=volunteer_scope, cells=cells,
        zone=zone))
    return parsed


def _visible_in_box(exact: str, point: str) -> str:
    """Volunteers whose visible home lies in the box, found through an index."""
    if exact == "TRUE":
        return f"t.home_geom && {_BOX}"
    if exact == "FALSE":
        return f"t.home_coarse_geom && {_BOX}"
    return f"t.home_geom && ST_Expand({_BOX}, {VISIBLE_SLACK_DEG}) AND ({point}) && {_BOX}"


def _cells_sql(condition: str) -> str:
    """Counts of volunteers per coarse cell in the box (the stored cell centre, 0008)."""
    return (
        "SELECT string_agg(f.feature, ',' ORDER BY f.g), count(*), "
        "(array_agg(length(f.feature) ORDER BY f.g DESC))[1] FROM ("
        "SELECT t.home_coarse_geom AS g, '{\"type\":\"Feature\",\"geometry\":' || "
        "ST_AsGeoJSON(t.home_coarse_geom, 7) || ',\"properties\":{\"count\":' || count(*) "
        f"|| '}}}}' AS feature FROM volunteer t WHERE t.home_coarse_geom && {_BOX} "
        f"AND {condition} GROUP BY t.home_coarse_geom ORDER BY t.home_coarse_geom "
        "LIMIT %(limit)s + 1) f")


async def get_feature_collection_json(db: ValueReader, *, layer: str,
                                      bbox: tuple[float, float, float, float], limit: int,
                                      volunteer_scope: Scope, cells: bool = False,
                                      zone: str = DEFAULT_ZONE) -> str:
    """:func:`get_feature_collection` as JSON text, written by PostgreSQL and never parsed here.

    The features are concatenated as text (``json_build_object`` only for properties), which
    is about a fifth faster than aggregating json values; a GraphQL answer over HTTP embeds
    the text as it is (``orjson.Fragment``).

    Volunteers are selected by the point the caller may see, never by a home the caller may
    not see (so shrinking the box reveals nothing finer than a cell); with ``cells`` they
    come as counts per ~1 km cell, with no record of anyone (anonymous callers). Times are
    written in ``zone`` (an IANA name), the caller's (``hub/store/local_time.py``).
    """
    table, geom, type_name, props, condition = _LAYERS[layer]
    params: dict[str, Any] = {"w": bbox[0], "s": bbox[1], "e": bbox[2], "n": bbox[3],
                              "limit": limit, **zone_params(zone)}
    if layer == "volunteers" and cells:
        sql = _cells_sql(condition)
    else:
        where = f"t.{geom} && {_BOX}"
        if layer == "volunteers":
            exact = exact_predicate(volunteer_scope, params)
            point = visible_home(exact)
            props = props.format(exact=exact)
            where = _visible_in_box(exact, point)
        else:
            point = f"t.{geom}"
        # limit + 1 features say whether there are more; the extra one is cut off here.
        sql = (
            "SELECT string_agg(f.feature, ',' ORDER BY f.id), count(*), "
            "(array_agg(length(f.feature) ORDER BY f.id DESC))[1] FROM ("
            "SELECT t.id, '{\"type\":\"Feature\",\"id\":' || to_json("
            f"{_ID.format(type=type_name)})::text || ',\"geometry\":' || "
            f"coalesce(ST_AsGeoJSON({point}, 7), 'null') || ',\"properties\":' || "
            f"json_build_object({props})::text || '}}' AS feature "
            f"FROM {table} t WHERE {where} AND {condition} ORDER BY t.id LIMIT %(limit)s + 1) f"
        )
    row = await db.fetch_one(sql, params)
    features, count, last = row if row is not None and row[0] is not None else ("", 0, 0)
    truncated = count > limit
    if truncated:  # drop ",<the last feature>"
        features = features[:len(features) - last - 1]
    return ('{"type":"FeatureCollection","features":[' + features + '],"truncated":'
            + ("true" if truncated else "false") + "}")
