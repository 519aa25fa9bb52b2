"""Types every domain shares: coordinate systems, points, areas, pages."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, Generic, NewType, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField

from hub.geo.crs import convert
from hub.geo.geojson import GeoJSONError, parse_polygon, transform_geometry
from hub.schema.errors import BadUserInput
from hub.store.listing import Cursor, Near, Within

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_RADIUS_M = 500_000.0

GeoJSON = NewType("GeoJSON", object)
GEOJSON_SCALAR = strawberry.scalar(
    name="GeoJSON",
    description="A GeoJSON object (RFC 7946), coordinates in the requested CRS.",
    serialize=lambda v: v,
    parse_value=lambda v: json.loads(v) if isinstance(v, str) else v,
)


@strawberry.enum(description="Coordinate reference system of a point: GPS/Tianditu WGS-84 "
                             "(CGCS2000), Amap/Tencent GCJ-02, Baidu BD-09.")
class CRS(Enum):
    WGS84 = "WGS84"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


def _check_lonlat(field: str, lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise BadUserInput(f"{field}.lon", lon, "is outside -180..180")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise BadUserInput(f"{field}.lat", lat, "is outside -90..90")


def to_wgs84(lon: float, lat: float, crs: CRS | None) -> tuple[float, float]:
    """A point in WGS-84 (``None`` means WGS-84)."""
    if crs is None or crs is CRS.WGS84:
        return lon, lat
    out_lon, out_lat = convert(lon, lat, crs.value, "WGS84")
    return float(out_lon), float(out_lat)


def from_wgs84(lon: float, lat: float, crs: CRS | None) -> tuple[float, float]:
    """A WGS-84 point in ``crs`` (``None`` means WGS-84)."""
    if crs is None or crs is CRS.WGS84:
        return lon, lat
    out_lon, out_lat = convert(lon, lat, "WGS84", crs.value)
    return float(out_lon), float(out_lat)


@strawberry.input(description="A point; `crs` says which system its coordinates are in.")
class PointInput:
    lon: float
    lat: float
    crs: CRS | None = CRS.WGS84

    def wgs84(self, field: str = "point") -> tuple[float, float]:
        """Validated and converted to WGS-84."""
        _check_lonlat(field, self.lon, self.lat)
        return to_wgs84(self.lon, self.lat, self.crs)


@strawberry.input(description="Rows within `radiusM` metres (exact WGS-84) of a point, nearest "
                              "first.")
class NearInput:
    point: PointInput
    radius_m: float

    def resolve(self) -> Near:
        """The store's ``Near``."""
        if not (math.isfinite(self.radius_m) and 0 < self.radius_m <= MAX_RADIUS_M):
            raise BadUserInput("near.radiusM", self.radius_m, f"is outside (0, {MAX_RADIUS_M:.0f}]")
        lon, lat = self.point.wgs84("near.point")
        return Near(lon, lat, self.radius_m)


@strawberry.input(description="A longitude/latitude box; `crs` says which system it is in.")
class BBoxInput:
    west: float
    south: float
    east: float
    north: float
    crs: CRS | None = CRS.WGS84

    def wgs84(self, field: str = "bbox") -> tuple[float, float, float, float]:
        """Validated, converted corner by corner to WGS-84."""
        _check_lonlat(field, self.west, self.south)
        _check_lonlat(field, self.east, self.north)
        if self.west >= self.east:
            raise BadUserInput(f"{field}.west", self.west, f"must be less than east ({self.east})")
        if self.south >= self.north:
            raise BadUserInput(f"{field}.south", self.south,
                               f"must be less than north ({self.north})")
        west, south = to_wgs84(self.west, self.south, self.crs)
        east, north = to_wgs84(self.east, self.north, self.crs)
        return west, south, east, north


@strawberry.input(description="An area: exactly one of a box or a GeoJSON (Multi)Polygon.")
class WithinInput:
    bbox: BBoxInput | None = None
    geojson: GeoJSON | None = None
    crs: CRS | None = CRS.WGS84

    def resolve(self) -> Within:
        """The store's ``Within``."""
        if (self.bbox is None) == (self.geojson is None):
            raise BadUserInput("within", "{…}", "needs exactly one of bbox and geojson")
        if self.bbox is not None:
            return Within(bbox=self.bbox.wgs84("within.bbox"))
        try:
            polygon = parse_polygon(self.geojson)
        except GeoJSONError as exc:
            raise BadUserInput("within.geojson", "(polygon)", f"is not usable: {exc}") from None
        if self.crs not in (None, CRS.WGS84):
            assert self.crs is not None
            polygon = transform_geometry(polygon, self.crs.value, "WGS84")
        return Within(polygon_wkt=polygon.wkt)


@strawberry.federation.type(shareable=True,
                            description="A point in the requested coordinate system.")
class GeoPoint:
    lon: float
    lat: float


def geo_point(lon: float | None, lat: float | None, crs: CRS | None) -> GeoPoint | None:
    """A stored WGS-84 point as the client asked for it."""
    if lon is None or lat is None:
        return None
    out_lon, out_lat = from_wgs84(lon, lat, crs)
    return GeoPoint(lon=round(out_lon, 7), lat=round(out_lat, 7))


def page_args(first: int | None, after: str | None) -> tuple[int, Cursor | None]:
    """Validated page size and cursor."""
    size = DEFAULT_PAGE if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise BadUserInput("first", size, f"is outside 0..{MAX_PAGE}")
    cursor = None
    if after is not None:
        try:
            cursor = Cursor.decode(after)
        except ValueError as exc:
            raise BadUserInput("after", after, "is not a cursor from this API") from exc
    return size, cursor


@strawberry.federation.type(shareable=True, description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    row: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="Where this row is in the list, for `after`.")
    def cursor(self) -> str:
        return cursor_of(self.row)  # on request only: most map clients page by pageInfo

    node: NodeT


def cursor_of(row: dict[str, Any]) -> str:
    """The cursor of a listed row."""
    distance = row.get("distance_m")
    return Cursor(int(row["id"]), None if distance is None else float(distance)).encode()


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count_thunk: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many rows match over all pages (one extra query).")
    async def total_count(self) -> int:
        return await self.count_thunk()


def connection(rows: list[dict[str, Any]], *, first: int, after: Cursor | None,
               make: Callable[[dict[str, Any]], NodeT],
               count_thunk: Callable[[], Awaitable[int]]) -> Connection[NodeT]:
    """A page from ``first + 1`` fetched rows."""
    page = rows[:first]
    edges = [Edge(row=row, node=make(row)) for row in page]
    info = PageInfo(has_next_page=len(rows) > first, has_previous_page=after is not None,
                    start_cursor=cursor_of(page[0]) if page else None,
                    end_cursor=cursor_of(page[-1]) if page else None)
    return Connection(edges=edges, page_info=info, count_thunk=count_thunk)


def node_fields(info: Any) -> set[str] | None:
    """Names of the fields a connection's query selects on ``edges { node }``.

    None when they cannot be known plainly (fragments or directives on the way, or no
    selection at hand): callers then read everything.
    """
    try:
        [root] = info.selected_fields
    except (AttributeError, ValueError):
        return None
    names: set[str] = set()
    for edges in _plain_fields(root):
        if edges is None:
            return None
        if edges.name != "edges":
            continue
        for node in _plain_fields(edges):
            if node is None:
                return None
            if node.name != "node":
                continue
            for field in _plain_fields(node):
                if field is None:
                    return None
                names.add(field.name)
    return names


def _plain_fields(parent: Any) -> list[SelectedField | None]:
    """The fields selected under ``parent``; None for a fragment or a field with directives."""
    return [node if isinstance(node, SelectedField) and not node.directives else None
            for node in getattr(parent, "selections", None) or ()]
