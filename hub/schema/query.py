"""The root Query: lookups by ID, map lists with filters, the division tree, map layers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
import strawberry
from strawberry import relay

from hub.auth import Field, Scope
from hub.geo.crs import convert
from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.localization import current
from hub.registration.vocab import COHORTS, SKILLS
from hub.schema import node as nodes_
from hub.schema.common import (
    CRS,
    BBoxInput,
    Connection,
    Cursor,
    GeoJSON,
    Near,
    NearInput,
    PointInput,
    Within,
    WithinInput,
    connection,
    page_args,
)
from hub.schema.context import Info
from hub.schema.errors import BadUserInput, Forbidden
from hub.schema.organizations import Organization
from hub.schema.places import Demand, Station
from hub.schema.regions import Region
from hub.schema.vocab_args import codes
from hub.schema.volunteers import Volunteer, column_groups
from hub.services import (
    demands,
    maplayer,
    organizations,
    publishing,
    regions,
    stations,
    volunteers,
)
from hub.vocabulary import vocabulary

STATION_KINDS = vocabulary("stationKind").codes
_STATION_KINDS = vocabulary("stationKind", "station kind")
_STATUSES = {group: vocabulary(group) for group in (
    "volunteerStatus", "stationStatus", "demandStatus")}
_ORG_LEVELS = vocabulary("organizationLevel")
MAX_MAP_FEATURES = 10_000


async def _region_prefix(info: Info, code: str | None,
                         field: str = "filter.regionCode") -> str | None:
    if code is None:
        return None
    try:
        normal = normalize_code(code)
    except DivisionCodeError:
        raise BadUserInput(field, code, "is not a 6-, 9- or 12-digit division code") from None
    if await info.context.loaders.region.load(normal) is None:
        raise BadUserInput(field, code, "is not a known division code")
    return subtree_prefix(normal)


async def _organization_path(info: Info, value: strawberry.ID | None,
                             field: str = "filter.organizationId") -> str | None:
    """The path of the organisation a filter names (its subtree), if it names one."""
    if value is None:
        return None
    row = await info.context.loaders.organization.load(
        nodes_.decode_id(str(value), "Organization", field))
    if row is None:
        raise BadUserInput(field, value, "does not exist", "不存在")
    return str(row["path"])


@strawberry.input(description="Volunteer conditions; all given ones must hold.")
class VolunteerFilter:
    region_code: str | None = strawberry.field(default=None, description="Division subtree.")
    skills: list[str] | None = strawberry.field(default=None, description="Has all of these.")
    cohorts: list[str] | None = strawberry.field(default=None, description="In any of these.")
    statuses: list[str] | None = None
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Member of this organisation or one below it.")


@strawberry.input(description="Station conditions.")
class StationFilter:
    region_code: str | None = None
    kinds: list[str] | None = None
    statuses: list[str] | None = None


@strawberry.input(description="Demand conditions; `from`/`to` select windows overlapping them.")
class DemandFilter:
    region_code: str | None = None
    categories: list[str] | None = None
    skills: list[str] | None = strawberry.field(default=None, description="Needs any of these.")
    statuses: list[str] | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    station_id: strawberry.ID | None = None


@strawberry.input(description="Organisation conditions.")
class OrganizationFilter:
    region_code: str | None = None
    levels: list[str] | None = None
    kinds: list[str] | None = None
    statuses: list[str] | None = None
    parent_id: strawberry.ID | None = None
    roots_only: bool = False
    name_contains: str | None = None


@strawberry.enum
class MapLayer(Enum):
    VOLUNTEERS = "volunteers"
    STATIONS = "stations"
    DEMANDS = "demands"
    ACTIVITIES = "activities"


def _spatial(near: NearInput | None, within: WithinInput | None) -> tuple[Any, Any]:
    return (near.resolve() if near else None), (within.resolve() if within else None)


@dataclass(frozen=True)
class VolunteerPage:
    """A volunteers list's arguments, checked: page, filter, area, and the caller's scope."""

    size: int
    cursor: Cursor | None
    query: volunteers.VolunteerFilter
    near: Near | None
    within: Within | None
    seen: Scope  # where the caller may see homes (volunteer.location)


async def volunteer_page(info: Info, *, first: int | None, after: str | None,
                         filter: VolunteerFilter | None, near: NearInput | None,
                         within: WithinInput | None) -> VolunteerPage:
    """The arguments of ``volunteers`` checked (FORBIDDEN for callers given no volunteer
    record), as the resolver and a registered document's SQL-built page both take them."""
    if not info.context.sees_volunteers:
        raise Forbidden("anonymous callers see volunteers only as counts per ~1 km cell: "
                        "mapLayer(layer: VOLUNTEERS) or /tiles/volunteers; sign in for "
                        "more", messageZh="匿名访问只能看到按约1公里网格汇总的志愿者人数，"
                                          "请登录后查看名单")
    size, cursor = page_args(first, after)
    query = await _volunteer_query(info, filter)
    near_q, within_q = _spatial(near, within)
    return VolunteerPage(size, cursor, query, near_q, within_q,
                         info.context.scope(Field.VOLUNTEER_LOCATION))


async def _volunteer_query(info: Info, f: VolunteerFilter | None) -> volunteers.VolunteerFilter:
    if f is None:
        return volunteers.VolunteerFilter()
    org_path = await _organization_path(info, f.organization_id)
    return volunteers.VolunteerFilter(
        region_prefix=await _region_prefix(info, f.region_code),
        skills=codes("filter.skills", f.skills, SKILLS),
        cohorts=codes("filter.cohorts", f.cohorts, COHORTS),
        statuses=codes("filter.statuses", f.statuses, _STATUSES["volunteerStatus"]),
        organization_path=org_path)


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        result: relay.Node | None = await nodes_.resolve_node(info, str(id))
        return result

    @strawberry.field(description=f"Objects by global ID, in order (at most {nodes_.MAX_NODES}).")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > nodes_.MAX_NODES:
            raise BadUserInput("ids", len(ids), f"IDs given; at most {nodes_.MAX_NODES}")
        return [await nodes_.resolve_node(info, str(i), f"ids[{n}]") for n, i in enumerate(ids)]

    @strawberry.field(description="Volunteers, by id or nearest first with `near` (signed-in "
                                  "callers; filters, distances and counts use only the home "
                                  "the caller may see).")
    async def volunteers(self, info: Info, first: int | None = None, after: str | None = None,
                         filter: VolunteerFilter | None = None, near: NearInput | None = None,
                         within: WithinInput | None = None) -> Connection[Volunteer]:
        page = await volunteer_page(info, first=first, after=after, filter=filter, near=near,
                                    within=within)
        db = info.context.db
        rows = await volunteers.list_(db, filter=page.query, first=page.size,
                                      after=page.cursor, near=page.near, within=page.within,
                                      scope_org=info.context.loaders.scope_org,
                                      location_scope=page.seen, groups=column_groups(info))
        return connection(
            rows, first=page.size, after=page.cursor, make=Volunteer.from_row,
            count_thunk=lambda: volunteers.count(db, filter=page.query, near=page.near,
                                                  within=page.within, location_scope=page.seen))

    @strawberry.field(description="Stations, by id or nearest first with `near`.")
    async def stations(self, info: Info, first: int | None = None, after: str | None = None,
                       filter: StationFilter | None = None, near: NearInput | None = None,
                       within: WithinInput | None = None) -> Connection[Station]:
        size, cursor = page_args(first, after)
        f = filter or StationFilter()
        query = stations.StationFilter(region_prefix=await _region_prefix(info, f.region_code),
                             kinds=codes("filter.kinds", f.kinds, _STATION_KINDS),
                             statuses=codes("filter.statuses", f.statuses,
                                            _STATUSES["stationStatus"]),
                             reach=publishing.reach(info.context.caller, "station"))
        near_q, within_q = _spatial(near, within)
        db = info.context.db
        rows = await stations.list_(db, filter=query, first=size, after=cursor, near=near_q,
                                    within=within_q)
        return connection(
            rows, first=size, after=cursor, make=Station.from_row,
            count_thunk=lambda: stations.count(db, filter=query, near=near_q, within=within_q))

    @strawberry.field(description="Demands (点单), by id or nearest first with `near`; never "
                                  "one pending review or rejected (see demandsToApprove and "
                                  "myDemands).")
    async def demands(self, info: Info, first: int | None = None, after: str | None = None,
                      filter: DemandFilter | None = None, near: NearInput | None = None,
                      within: WithinInput | None = None) -> Connection[Demand]:
        size, cursor = page_args(first, after)
        f = filter or DemandFilter()
        if f.from_ and f.to and f.to <= f.from_:
            raise BadUserInput("filter.to", f.to.isoformat(), "must be after filter.from")
        station = (nodes_.decode_id(str(f.station_id), "Station", "filter.stationId")
                   if f.station_id else None)
        query = demands.DemandFilter(
            region_prefix=await _region_prefix(info, f.region_code),
            categories=codes("filter.categories", f.categories, SKILLS),
            skills=codes("filter.skills", f.skills, SKILLS),
            statuses=codes("filter.statuses", f.statuses, _STATUSES["demandStatus"]),
            starts_after=f.from_, ends_before=f.to, station_id=station)
        near_q, within_q = _spatial(near, within)
        db = info.context.db
        rows = await demands.list_(db, filter=query, first=size, after=cursor, near=near_q,
                                   within=within_q)
        return connection(
            rows, first=size, after=cursor, make=Demand.from_row,
            count_thunk=lambda: demands.count(db, filter=query, near=near_q, within=within_q))

    @strawberry.field(description="Organisations in id order.")
    async def organizations(self, info: Info, first: int | None = None, after: str | None = None,
                            filter: OrganizationFilter | None = None
                            ) -> Connection[Organization]:
        size, cursor = page_args(first, after)
        f = filter or OrganizationFilter()
        parent = (nodes_.decode_id(str(f.parent_id), "Organization", "filter.parentId")
                  if f.parent_id else None)
        query = organizations.OrganizationFilter(
            region_prefix=await _region_prefix(info, f.region_code),
            levels=codes("filter.levels", f.levels, _ORG_LEVELS),
            kinds=tuple(f.kinds or ()), statuses=tuple(f.statuses or ()), parent_id=parent,
            roots_only=f.roots_only, name_contains=f.name_contains)
        db = info.context.db
        rows = await organizations.list_(db, filter=query, first=size, after=cursor)
        return connection(rows, first=size, after=cursor, make=Organization.from_row,
                          count_thunk=lambda: organizations.count(db, filter=query))

    @strawberry.field(description="Subdivisions of a division, or the provinces without one.")
    async def regions(self, info: Info, parent_code: str | None = None) -> list[Region]:
        code = None
        if parent_code is not None:
            await _region_prefix(info, parent_code, "parentCode")
            code = normalize_code(parent_code)
        rows = await regions.list_(info.context.db, parent_code=code)
        return [Region.from_row(r) for r in rows]

    @strawberry.field(description="The k nearest active stations (就近就便), exact distances.")
    async def nearest_stations(self, info: Info, point: PointInput,
                               k: int | None = 5) -> list[Station]:
        k = 5 if k is None else k
        if not 1 <= k <= 50:
            raise BadUserInput("k", k, "is outside 1..50")
        lon, lat = point.wgs84("point")
        rows = await stations.list_nearest(info.context.db, lon=lon, lat=lat, k=k)
        return [Station.from_row(r) for r in rows[:k]]

    @strawberry.field(description="A GeoJSON FeatureCollection of one layer in a box, built in "
                                  "PostGIS; volunteers are coarsened as the policy says, and "
                                  "for anonymous callers are counts per ~1 km cell "
                                  "(properties.count), with no record of anyone.")
    async def map_layer(self, info: Info, layer: MapLayer, bbox: BBoxInput,
                        crs: CRS | None = CRS.WGS84,
                        limit: int | None = 5000) -> GeoJSON:
        limit = 5000 if limit is None else limit
        if not 1 <= limit <= MAX_MAP_FEATURES:
            raise BadUserInput("limit", limit, f"is outside 1..{MAX_MAP_FEATURES}")
        text = await maplayer.get_feature_collection_json(
            info.context.reads or info.context.db, layer=layer.value, bbox=bbox.wgs84("bbox"),
            limit=limit, volunteer_scope=info.context.scope(Field.VOLUNTEER_LOCATION),
            cells=not info.context.sees_volunteers, zone=current().zone_name)
        if (crs is None or crs is CRS.WGS84) and info.context.raw_json:
            return GeoJSON(orjson.Fragment(text))  # a megabyte neither parsed nor re-encoded
        collection = orjson.loads(text)
        if crs is not None and crs is not CRS.WGS84:
            _convert_points(collection, crs)
        return GeoJSON(collection)


def _convert_points(collection: dict[str, Any], crs: CRS) -> None:
    """Convert every Point feature of a collection from WGS-84 in place, vectorised."""
    import numpy as np

    features = [f for f in collection["features"] if f["geometry"]]
    if not features:
        return
    coords = np.array([f["geometry"]["coordinates"] for f in features], dtype=float)
    lon, lat = convert(coords[:, 0], coords[:, 1], "WGS84", crs.value)
    for feature, x, y in zip(features, lon, lat, strict=True):
        feature["geometry"]["coordinates"] = [round(float(x), 7), round(float(y), 7)]
