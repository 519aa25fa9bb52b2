"""One builder for every map list: filters, ``near`` (exact KNN), ``within``, keyset pages.

``near`` orders by the exact WGS-84 (spheroid) distance, the measure it reports. The GiST
index is used through KNN (``ORDER BY geog <-> point``), which orders by *sphere* distance;
reporting spheroid distances in that order would invert close neighbours. So the query takes
the k nearest by sphere through the index, bounds the k-th true distance by the largest
spheroid distance among them, and returns every row within that bound ordered by spheroid
distance: provably the exact k nearest, with two index scans.

SQL text, not SQLAlchemy: bench_graphql's "near 50×6" and "near SQL only" lines measure this
statement, written so that PostgreSQL keeps one generic prepared plan (typed point
parameters, a literal page size for the grid walk); station and demand lists share it.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.store.base import Database, Row

# The point as typed parameters (EWKT with exact doubles), not ST_MakePoint(lon, lat): in a
# generic prepared plan a function of parameters is evaluated for every row it meets, and
# the planner's estimate of that cost kept it from choosing the generic plan (re-planning
# every query, ~0.7 ms).
POINT_GEOM = "%(near_geom)s::geometry"
POINT = "%(near_geog)s::geography"


def point_params(lon: float, lat: float) -> dict[str, str]:
    """The parameters of :data:`POINT_GEOM` and :data:`POINT`."""
    ewkt = f"SRID=4326;POINT({lon!r} {lat!r})"
    return {"near_geom": ewkt, "near_geog": ewkt}


@dataclass(frozen=True)
class Near:
    """Rows within ``radius_m`` of a WGS-84 point, nearest first."""

    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True)
class Within:
    """Rows inside a WGS-84 bbox (west, south, east, north) or a polygon given as WKT."""

    bbox: tuple[float, float, float, float] | None = None
    polygon_wkt: str | None = None


@dataclass(frozen=True)
class Cursor:
    """A position in a list: the last row's id, and its distance when ordered by ``near``."""

    id: int
    distance_m: float | None = None

    def encode(self) -> str:
        """Opaque, URL-safe text."""
        # What json.dumps([id, distance]) gives, written out: this runs for every listed row.
        distance = "null" if self.distance_m is None else float.__repr__(self.distance_m)
        raw = f"[{int(self.id)},{distance}]"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse :meth:`encode`'s output; ``ValueError`` when it is not one."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            ident, distance = json.loads(raw)
            if not isinstance(ident, int) or not (
                distance is None or isinstance(distance, int | float)):
                raise ValueError
            return cls(ident, None if distance is None else float(distance))
        except (ValueError, TypeError, json.JSONDecodeError):
            raise ValueError(f"{text!r} is not a cursor from this API") from None


@dataclass
class Filters:
    """SQL conditions on the alias ``t`` with their named parameters."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        """AND one condition."""
        self.clauses.append(clause)
        self.params.update(params)

    def region(self, prefix: str | None) -> None:
        """Rows of a division subtree (``region_code`` starts with the prefix)."""
        if prefix:
            self.add("t.region_code LIKE %(region_prefix)s", region_prefix=prefix + "%")

    def any_of(self, column: str, values: tuple[str, ...]) -> None:
        """Rows whose ``column`` is one of ``values`` (no condition when there are none)."""
        if values:
            self.add(f"t.{column} = ANY(%({column}_any)s)", **{f"{column}_any": list(values)})

    def sql(self) -> str:
        """The conditions joined, or TRUE."""
        return " AND ".join(f"({c})" for c in self.clauses) or "TRUE"


@dataclass(frozen=True)
class ListSpec:
    """What a list reads: a table, the selected expressions, and its point columns.

    ``visible`` is a geometry expression for the point the caller may see, when it can differ
    from the stored one (volunteers' homes, coarsened by the policy). Areas and distances are
    then measured to it, so shrinking a radius or a box reveals no more than the caller may
    see; the index still narrows the search by the stored point with ``VISIBLE_SLACK_M``.
    """

    table: str
    columns: str
    geog: str = "location"
    geom: str = "location_geom"
    visible: str | None = None
    # The geometry column whose GiST index ``near`` takes k nearby rows from (any k rows bound
    # the k-th distance), when not ``geom``. KNN on geometry is 3-4 times faster than on
    # geography; coarse homes share cell centres by the hundred in a city, and KNN over such
    # ties is slow, so coarse lists take their k rows by the exact home.
    knn: str | None = None
    # When ``geom`` holds the centres of a grid of this many degrees (hub_coarse, with a
    # B-tree on (geom, id)): ``near`` walks the cells nearest first and takes each cell's
    # lowest ids from the index rather than reading every row of the nearest cells.
    grid: float | None = None


# A coarsened point is at most half a 0.01° cell's diagonal (< 800 m) from the stored one.
VISIBLE_SLACK_M = 800.0
VISIBLE_SLACK_DEG = 0.006
# Sphere and spheroid distances differ by well under 1%: this factor turns one into a bound
# of the other, either way.
SPHERE_SLACK = 1.01


def _spatial(spec: ListSpec, filters: Filters, within: Within | None) -> Filters:
    out = Filters(list(filters.clauses), dict(filters.params))
    geom = f"t.{spec.geom}"
    if within and within.bbox:
        west, south, east, north = within.bbox
        box = "ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"
        out.params.update(w=west, s=south, e=east, n=north)
        if spec.visible:
            out.add(f"{geom} && ST_Expand({box}, {VISIBLE_SLACK_DEG})")
            out.add(f"({spec.visible}) && {box}")
        else:
            out.add(f"{geom} && {box}")
    if within and within.polygon_wkt:
        area = "ST_GeomFromText(%(poly)s, 4326)"
        out.params.update(poly=within.polygon_wkt)
        if spec.visible:
            out.add(f"ST_DWithin({geom}, {area}, {VISIBLE_SLACK_DEG})")
            out.add(f"ST_Intersects({spec.visible}, {area})")
        else:
            out.add(f"ST_Intersects({geom}, {area})")
    return out


def _degrees(metres: float, lat: float) -> float:
    """Degrees of longitude (the larger of the two) that span at least ``metres`` at ``lat``.

    Only bounds where KNN looks for its k rows; the result is exact whatever this returns.
    """
    return metres / (111_000.0 * math.cos(math.radians(min(abs(lat) + 1.0, 89.0))))


SPHERE_M_PER_DEG = 111_000.0  # below a degree of latitude on PostGIS's sphere (111,195 m)
WHOLE_WORLD_PER_M = 1e9  # a bound is at least a metre (or no more than the radius) anyway


def box_deg_per_m(lon: float, lat: float, reach: float) -> float:
    """Degrees per metre such that a box of ``d`` times it around the point (``ST_Expand``)
    holds every point within ``d <= reach`` metres of it on the sphere; on a box that would
    reach a pole or the antimeridian, one that holds the whole world."""
    top = abs(lat) + reach / SPHERE_M_PER_DEG  # the farthest latitude within reach
    if top >= 89.0:
        return WHOLE_WORLD_PER_M
    per_m = 1.0 / (SPHERE_M_PER_DEG * math.cos(math.radians(top)))
    return WHOLE_WORLD_PER_M if abs(lon) + reach * per_m >= 180.0 else per_m


def _distance(spec: ListSpec) -> str:
    """The reported and ordered distance: to the visible point where it differs."""
    if spec.visible:
        return f"ST_Distance(({spec.visible})::geography, {POINT})"
    return f"ST_Distance(t.{spec.geog}, {POINT})"


async def fetch_page(db: Database, spec: ListSpec, filters: Filters, *, first: int,
                     after: Cursor | None, near: Near | None, within: Within | None,
                     extra: str = "") -> list[Row]:
    """Up to ``first + 1`` rows (the extra one tells whether a next page exists)."""
    where = _spatial(spec, filters, within)
    params: dict[str, Any] = {**where.params, "limit": first + 1}
    columns = spec.columns + extra
    if near is None:
        if after is not None:
            where.add("t.id > %(after_id)s", after_id=after.id)
            params.update(where.params)
        sql = (f"SELECT {columns}, NULL::float8 AS distance_m FROM {spec.table} t "
               f"WHERE {where.sql()} ORDER BY t.id LIMIT %(limit)s")
        return await db.fetch(sql, params)
    ctes = _near_ctes(spec, where, params, after=after, near=near)
    sql = (f"{ctes} SELECT {columns}, page.d AS distance_m FROM page JOIN {spec.table} t "
           f"ON {_page_row(spec)} ORDER BY page.d, t.id")
    return await db.fetch(sql, params)


async def fetch_page_json(db: Database, spec: ListSpec, filters: Filters, *, first: int,
                          after: Cursor | None, near: Near, within: Within | None,
                          node: str, node_key: str = "node") -> bytes:
    """The first ``first`` rows of a ``near`` page as one JSON array in UTF-8, built by
    PostgreSQL: ``[{"node": <node>}, …]`` in the page's order, where ``node`` is SQL text
    making one row's JSON object from alias ``t`` and its distance ``page.d``. It comes as
    bytes (a bytea in binary format) and goes into the answer as they are: as text it was
    decoded into a ``str`` and encoded back (names are Chinese) for 12 % of the request's
    Python instructions.

    The same statement as :func:`fetch_page` up to its last step (so the same rows, in the
    same order; ``node_key`` is a GraphQL name, safe in the text); only the registered
    documents' compiled plans ask for it
    (``hub/schema/sql_lists.py``), so that a page of 50 is not 50 Python objects.
    """
    where = _spatial(spec, filters, within)
    params: dict[str, Any] = {**where.params, "limit": first + 1, "json_first": first}
    ctes = _near_ctes(spec, where, params, after=after, near=near)
    sql = (f"{ctes} SELECT convert_to('[' || coalesce(string_agg('{{\"{node_key}\":' || {node} "
           f"|| '}}', ',' ORDER BY page.d, page.id), '') || ']', 'UTF8') FROM (SELECT id, c, d "
           f"FROM page ORDER BY d, id LIMIT %(json_first)s) page JOIN {spec.table} t ON "
           f"{_page_row(spec)}")
    page: bytes = await db.fetch_value(sql, params, binary=True) or b"[]"
    return page


def _page_row(spec: ListSpec) -> str:
    """How the page's rows are read again: by address, except on a grid walk, whose ids come
    from an index alone (an index-only scan that a ``ctid`` would turn into heap reads)."""
    return "t.id = page.id" if spec.grid is not None else "t.ctid = page.c"


def _near_ctes(spec: ListSpec, where: Filters, params: dict[str, Any], *,
               after: Cursor | None, near: Near) -> str:
    """``WITH knn …, bound …, page …``: the ids, row addresses (``c``, the ``ctid``) and
    distances of the page's rows (``page``, ``params["limit"]`` of them), nearest first;
    ``params`` gains what they need. The page's rows are read again by ``ctid`` (a TID scan,
    :func:`_page_row`) rather than by id: within one statement the address names the very row
    version the page saw, and reading it costs no index descent (about 0.15 ms of backend CPU
    on a page of 50, measured beside the id join)."""
    slack = 2 * VISIBLE_SLACK_M if spec.visible else 0.0
    reach = (near.radius_m + slack) * SPHERE_SLACK
    params.update(near_lon=near.lon, near_lat=near.lat, radius=near.radius_m, slack=slack,
                  reach=reach, reach_deg=_degrees(reach, near.lat),
                  box_per_m=box_deg_per_m(near.lon, near.lat, reach),
                  **point_params(near.lon, near.lat))
    geog = f"t.{spec.geog}"
    distance = _distance(spec)
    if after is not None:
        where.add(f"({distance}, t.id) > (%(after_d)s, %(after_id)s)",
                  after_d=after.distance_m if after.distance_m is not None else -1.0,
                  after_id=after.id)
        params.update(where.params)
    cond = where.sql()
    knn = f"t.{spec.knn or spec.geom}"
    # The grid walk's page size is written into the text: with it a parameter, the planner's
    # generic plan looked dearer than a custom one by a hair and PostgreSQL planned every
    # run again (~0.4 ms); as a literal it keeps the generic plan. (Page sizes are few.)
    limit = str(int(params["limit"])) if spec.grid is not None else "%(limit)s"
    # 1. k rows near the point, straight from a GiST index (KNN), within `reach`: the radius
    #    plus the visible-point slack, widened from spheroid to sphere; their largest sphere
    #    distance D (measured on `geog`) bounds the k-th. 2. At least k rows then lie within
    #    D·1.01 (spheroid) + slack of the visible point, so the k nearest do too, and their
    #    stored points lie within (D·1.01 + slack)·1.01 by sphere: the bound (`reach` when
    #    fewer than k exist). 3. Rows within the bound, ordered by the exact distance to the
    #    point the caller may see (ties by id), are exactly the k nearest; the radius is
    #    checked on them alone, and only the page's rows are read in full.
    return (
        f"WITH knn AS MATERIALIZED (SELECT ST_Distance({geog}, {POINT}, false) AS d "
        f"FROM {spec.table} t WHERE {cond} AND {knn} && ST_Expand({POINT_GEOM}, %(reach_deg)s) "
        f"ORDER BY {knn} <-> {POINT_GEOM} LIMIT {limit}), "
        f"bound AS (SELECT CASE WHEN count(*) < {limit} THEN %(reach)s ELSE least(("
        f"max(d) * {SPHERE_SLACK} + %(slack)s) * {SPHERE_SLACK} + 1, %(reach)s) END AS d "
        f"FROM knn), "
        f"{_page(spec, cond, distance, params, limit)}"
    )


async def get_by_ids(db: Database, spec: ListSpec, ids: Sequence[int]) -> list[Row]:
    """The rows of a list's table with these ids, as the list reads them (any order)."""
    return await db.fetch(f"SELECT {spec.columns}, NULL::float8 AS distance_m FROM {spec.table} t"
                          " WHERE t.id = ANY(%(ids)s)", {"ids": list(ids)})


MAX_GRID_CELLS = 400  # beyond this many cells in the bound, rows are read the plain way


def _page(spec: ListSpec, cond: str, distance: str, params: dict[str, Any],
          limit: str) -> str:
    """The CTE ``page``: ids and distances of the k nearest rows within ``bound``."""
    geog = f"t.{spec.geog}"
    # The rows within the bound are found through the GiST index on the geometry (2-D), which
    # KNN has just read, by a box in degrees that holds the bound (box_deg_per_m), and then
    # measured on the sphere; through the geography's (3-D) index this step cost the admin's
    # page of 50 about 0.4 ms of backend CPU more (bench-anchors' admin statement, measured
    # beside this one: 1.3 -> 0.8-1.1 ms a run).
    plain = (f"SELECT t.id, t.ctid AS c, {distance} AS d FROM {spec.table} t, bound WHERE {cond} "
             f"AND t.{spec.geom} && ST_Expand({POINT_GEOM}, bound.d * %(box_per_m)s) "
             f"AND ST_Distance({geog}, {POINT}, false) <= bound.d")
    if spec.grid is None:
        # The radius is checked after the sort: the rows within it are a prefix of the order,
        # and so the exact distance is worked out once a row, not again in a pushed-down filter.
        return (f"page AS MATERIALIZED (SELECT id, c, d FROM (SELECT id, c, d FROM ({plain}) "
                f"near ORDER BY d, id LIMIT {limit}) near WHERE d <= %(radius)s)")
    # Every row of a cell is at the cell's distance, so the k nearest are the lowest ids of
    # the nearest cells: at most k from each cell, read in id order from the (geom, id) index.
    params.update(lon_per_m=_degrees(1.0, float(params["near_lat"])), lat_per_m=1.0 / 110_000.0)
    grid = f"{float(spec.grid)!r}::float8"  # constants, written in like the page size
    cell = f"hub_coarse_xy((ix + 0.5) * {grid}, (iy + 0.5) * {grid})"
    return (
        f"span AS (SELECT d, floor((%(near_lon)s - d * %(lon_per_m)s) / {grid})::int AS x0, "
        f"floor((%(near_lon)s + d * %(lon_per_m)s) / {grid})::int AS x1, "
        f"floor((%(near_lat)s - d * %(lat_per_m)s) / {grid})::int AS y0, "
        f"floor((%(near_lat)s + d * %(lat_per_m)s) / {grid})::int AS y1 FROM bound), "
        f"small AS (SELECT (x1 - x0 + 1) * (y1 - y0 + 1) <= {MAX_GRID_CELLS} AS ok FROM span), "
        f"cells AS MATERIALIZED (SELECT c.g, ST_Distance(c.g::geography, {POINT}) AS d "
        f"FROM span, small, generate_series(span.x0, span.x1) ix, "
        f"generate_series(span.y0, span.y1) iy, LATERAL (SELECT {cell} AS g) c "
        f"WHERE small.ok AND ST_DWithin(c.g::geography, {POINT}, span.d, false)), "
        f"page AS MATERIALIZED (SELECT id, c, d FROM ("
        f"SELECT x.id, NULL::tid AS c, cells.d FROM cells CROSS JOIN LATERAL (SELECT t.id "
        f"FROM {spec.table} t WHERE t.{spec.geom} = cells.g AND {cond} ORDER BY t.id "
        f"LIMIT {limit}) x UNION ALL SELECT id, c, d FROM ({plain} AND NOT (SELECT ok FROM small)) "
        f"wide"
        f") near WHERE d <= %(radius)s ORDER BY d, id LIMIT {limit})"
    )


async def count(db: Database, spec: ListSpec, filters: Filters, *, near: Near | None,
                within: Within | None) -> int:
    """How many rows the list has over all pages."""
    where = _spatial(spec, filters, within)
    params = dict(where.params)
    if near is not None:
        slack = 2 * VISIBLE_SLACK_M if spec.visible else 0.0
        params.update(radius=near.radius_m, slack=slack, **point_params(near.lon, near.lat))
        where.add(f"ST_DWithin(t.{spec.geog}, {POINT}, %(radius)s + %(slack)s)")
        if spec.visible:
            where.add(f"{_distance(spec)} <= %(radius)s")
    rows = await db.fetch(f"SELECT count(*) AS n FROM {spec.table} t WHERE {where.sql()}", params)
    return int(rows[0]["n"])
