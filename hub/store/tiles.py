"""Mapbox vector tiles built inside PostGIS: ST_TileEnvelope → ST_AsMVTGeom → ST_AsMVT.

One statement per tile. Volunteers are drawn where the policy lets the caller see them
(``hub.store.visibility``: exact, or snapped to the ~1 km cell); below :data:`CLUSTER_BELOW_Z`
they are counted per grid cell instead. Cells are aligned to the tile grid (``CELLS_PER_TILE``
per tile edge, in Web Mercator), and each volunteer is counted in exactly one tile, so the counts
of the four children of a tile add up to the parent's.

SQL text, not SQLAlchemy: bench_tiles' "z12 volunteers, … bare SQL" and "HTTP uncached" lines
measure these statements against the HTTP answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.auth import Scope
from hub.auth.ids import region_prefix
from hub.geo.tiles import WEB_MERCATOR_HALF_WORLD_M, tile_bounds_lonlat
from hub.store.activity_list import UPCOMING_ACTIVITY_SQL
from hub.store.base import Database, ValueReader
from hub.store.demands import TO_BE_SERVED_SQL, VETTED_SQL
from hub.store.publishing import public_sql
from hub.store.visibility import CELL_DEG, exact_predicate, visible_home

LAYERS = ("volunteers", "stations", "demands", "activities")
CLUSTER_BELOW_Z = 11
CELLS_PER_TILE = 32  # a cluster cell is 128 of the tile's 4096 units (16 px on a 512 px tile)
EXTENT = 4096
BUFFER = 64
CHINA_TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class TileFilters:
    """Conditions from the query string; a layer ignores the ones it has no column for.

    ``categories``: demands in any of them. ``skills``: volunteers having all of them, demands
    needing any. ``statuses``: replaces each layer's default. ``on``: demands whose time
    window overlaps that day (China Standard Time). ``region``: a division subtree.
    """

    categories: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    on: date | None = None
    region: str | None = None

    def key(self) -> tuple[object, ...]:
        """A hashable, order-insensitive form for cache keys."""
        return (tuple(sorted(self.categories)), tuple(sorted(self.skills)),
                tuple(sorted(self.statuses)), self.on, self.region)


@dataclass(frozen=True)
class _Layer:
    table: str
    geom: str
    columns: str  # attributes, selected from alias ``t``
    default_status: str


_LAYERS = {
    "volunteers": _Layer("volunteer", "home_geom", "t.status, array_to_string(t.skill_codes, ',')"
                         " AS skills", "t.status = 'active'"),
    "stations": _Layer("station", "location_geom", "t.name, t.kind, t.status, t.region_code",
                       "TRUE"),
    "demands": _Layer("demand", "location_geom",
                      "t.title, t.category, t.status, t.needed, t.region_code, "
                      "array_to_string(t.required_skills, ',') AS skills, "
                      "to_char(lower(t.time_window) AT TIME ZONE 'Asia/Shanghai', "
                      "'YYYY-MM-DD HH24:MI') AS starts",
                      TO_BE_SERVED_SQL),
    "activities": _Layer("activity", "location_geom",
                         "t.title, t.category, t.status, t.capacity, t.signed_up, t.region_code, "
                         "array_to_string(t.required_skills, ',') AS skills, "
                         "to_char(lower(t.time_window) AT TIME ZONE 'Asia/Shanghai', "
                         "'YYYY-MM-DD HH24:MI') AS starts",
                         UPCOMING_ACTIVITY_SQL),
}


def _conditions(layer: str, filters: TileFilters, params: dict[str, Any]) -> list[str]:
    """WHERE clauses (alias ``t``) for the filters that apply to ``layer``."""
    spec = _LAYERS[layer]
    where = [spec.default_status]
    if filters.statuses:
        params["statuses"] = list(filters.statuses)
        where = ["t.status = ANY(%(statuses)s)"]
    if filters.region:
        params["region"] = region_prefix(filters.region) + "%"
        where.append("t.region_code LIKE %(region)s")
    if filters.skills and layer != "stations":
        params["skills"] = list(filters.skills)
        column = "t.skill_codes @>" if layer == "volunteers" else "t.required_skills &&"
        where.append(f"{column} %(skills)s::text[]")
    if layer == "stations":
        where.append(public_sql("station"))  # whatever statuses are asked for: never a draft
    if layer == "activities":
        where.append(public_sql("activity"))  # whatever statuses are asked for: never a draft
    if layer == "demands":
        where.append(VETTED_SQL)  # whatever statuses are asked for: never one not approved
    if layer in ("demands", "activities"):
        if filters.categories:
            params["categories"] = list(filters.categories)
            where.append("t.category = ANY(%(categories)s)")
        if filters.on is not None:
            params["on"] = filters.on
            where.append(f"t.time_window && tstzrange((%(on)s::date)::timestamp AT TIME ZONE "
                         f"'{CHINA_TZ}', (%(on)s::date + 1)::timestamp AT TIME ZONE '{CHINA_TZ}')")
    return where


def tile_sql(*, layer: str, z: int, x: int, y: int, filters: TileFilters,
             volunteer_scope: Scope, cells: bool = False) -> tuple[str, dict[str, Any]]:
    """The one statement that builds a tile (column ``mvt``, bytea) and its parameters.

    ``cells``: volunteers as counts per grid cell at every zoom (callers who may see no
    volunteer record), never as points.
    """
    spec = _LAYERS[layer]
    params: dict[str, Any] = {"z": z, "x": x, "y": y}
    where = _conditions(layer, filters, params)
    west, south, east, north = tile_bounds_lonlat(z, x, y)
    # The filter box: the tile plus its buffer, plus a coarse cell so that snapped points
    # whose home lies just outside still land in the tile.
    margin = (east - west) * BUFFER / EXTENT + CELL_DEG
    params.update(w=west - margin, s=max(south - margin, -90.0), e=east + margin,
                  n=min(north + margin, 90.0))
    where.append(f"t.{spec.geom} && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)")
    geom = f"t.{spec.geom}"
    exact = "TRUE"
    if layer == "volunteers":
        exact = exact_predicate(volunteer_scope, params)
        geom = f"({visible_home(exact)})"
    if layer == "volunteers" and (z < CLUSTER_BELOW_Z or cells):
        return _cluster_sql(geom, spec.table, where, params), params
    extra = f", ({exact}) AS exact" if layer == "volunteers" else ""
    # No "WHERE geom IS NOT NULL": the planner would compute ST_AsMVTGeom twice per row, and
    # ST_AsMVT skips the rows it clipped away (NULL) anyway.
    sql = (
        "WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env) "
        f"SELECT ST_AsMVT(f, '{layer}', {EXTENT}, 'geom', 'id') AS mvt FROM ("
        f"SELECT t.id, {spec.columns}{extra}, "
        f"ST_AsMVTGeom(ST_Transform({geom}, 3857), b.env, {EXTENT}, {BUFFER}, true) AS geom "
        f"FROM {spec.table} t, b WHERE {' AND '.join(where)}) f"
    )
    return sql, params


def _cluster_sql(geom: str, table: str, where: list[str], params: dict[str, Any]) -> str:
    """Counts per grid cell; a cell's point is the mean of the (visible) points in it."""
    params["half"] = WEB_MERCATOR_HALF_WORLD_M
    params["cell"] = 2.0 * WEB_MERCATOR_HALF_WORLD_M / (2 ** params["z"] * CELLS_PER_TILE)
    params["per"] = CELLS_PER_TILE
    return (
        "WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env), "
        f"p AS (SELECT ST_Transform({geom}, 3857) AS g FROM {table} t WHERE {' AND '.join(where)}),"
        " c AS (SELECT floor((ST_X(g) + %(half)s) / %(cell)s)::bigint AS i, "
        "floor((%(half)s - ST_Y(g)) / %(cell)s)::bigint AS j, ST_X(g) AS px, ST_Y(g) AS py FROM p),"
        " k AS (SELECT i, j, count(*)::int AS count, avg(px) AS px, avg(py) AS py FROM c "
        "WHERE div(i, %(per)s) = %(x)s AND div(j, %(per)s) = %(y)s GROUP BY i, j) "
        "SELECT ST_AsMVT(f, 'volunteers', 4096, 'geom', 'id') AS mvt FROM ("
        "SELECT (k.j * %(per)s * 2 ^ %(z)s + k.i)::bigint AS id, k.count, "
        f"ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(k.px, k.py), 3857), b.env, {EXTENT}, {BUFFER}, "
        "true) AS geom FROM k, b) f"
    )


async def get_tile(db: ValueReader, *, layer: str, z: int, x: int, y: int, filters: TileFilters,
                   volunteer_scope: Scope, cells: bool = False) -> bytes:
    """The MVT bytes of one tile (empty when nothing is in it)."""
    sql, params = tile_sql(layer=layer, z=z, x=x, y=y, filters=filters,
                           volunteer_scope=volunteer_scope, cells=cells)
    return bytes(await db.fetch_value(sql, params, binary=True) or b"")


async def get_region_features(db: Database) -> bytes:
    """Division seats (province, city, county) and outlines where loaded, as GeoJSON bytes.

    The console's offline basemap: every feature carries ``code``, ``name`` and ``level``;
    seats are points, outlines (simplified to ~100 m) are polygons.
    """
    rows = await db.fetch(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg("
        "json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(f.g, 5)::json, "
        "'properties', json_build_object('code', f.code, 'name', f.name, 'level', f.level)) "
        "ORDER BY f.code), '[]'::json))::text AS fc FROM ("
        "SELECT code, name, level, centroid_geom AS g FROM region "
        "WHERE level IN ('province', 'city', 'county') AND centroid_geom IS NOT NULL "
        "UNION ALL SELECT code, name, level, ST_SimplifyPreserveTopology(boundary, 0.001) "
        "FROM region WHERE level IN ('province', 'city', 'county') AND boundary IS NOT NULL) f")
    return str(rows[0]["fc"]).encode()
