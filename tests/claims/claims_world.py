"""Small worlds for 抢单 tests: demands at a station and volunteers who claim them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from hub.auth import Caller, Role
from hub.schema.node import decode_id, encode_id
from tests.seeded import Gql

CLAIM = """mutation($id: ID!) { claimDemand(input: {demandId: $id}) {
  dispatch { id state claimed offeredBy distanceM respondBy history { fromState toState actor } }
  errors { field code message messageZh } } }"""
APPROVE = """mutation($id: ID!) { approveClaim(input: {dispatchId: $id}) {
  dispatch { id state history { toState actor reason } } errors { field code message } } }"""
REJECT = """mutation($id: ID!, $reason: String!) {
  rejectClaim(input: {dispatchId: $id, reason: $reason}) {
  dispatch { id state declineReason } errors { field code message } } }"""
LIST = """query($first: Int, $after: String) { claimableDemands(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { distanceM slotsLeft needsApproval demand { id } } } } }"""


def volunteer_caller(volunteer_id: int) -> Caller:
    """A volunteer's token."""
    return Caller(role=Role.VOLUNTEER, sub=encode_id("Volunteer", volunteer_id))


def demand_gid(demand_id: int) -> str:
    return encode_id("Demand", demand_id)


async def one(conn: AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


async def station(conn: AsyncConnection[Any]) -> tuple[str, float, float]:
    """Station 1's region and location."""
    row = await one(conn, "SELECT region_code, ST_X(location_geom), ST_Y(location_geom) "
                          "FROM station WHERE id = 1")
    return str(row[0]), float(row[1]), float(row[2])


async def add_volunteer(conn: AsyncConnection[Any], lon: float, lat: float, region: str, *,
                        skills: str = '{"health": 3}', weekly: str = "{[0,10080)}",
                        radius_m: int = 5000, insured_until: str | None = None,
                        status: str = "active", per_week: int = 10) -> int:
    """A volunteer living at (lon, lat)."""
    return int(await one(conn, (
        "INSERT INTO volunteer (real_name, skills, home_geom, region_code, weekly_availability, "
        "service_radius_m, capacity_per_week, insured_until, status) VALUES ('抢单志愿者', %s, "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, %s, %s) RETURNING id"),
        (skills, lon, lat, region, weekly, radius_m, per_week, insured_until, status)))


async def add_demand(conn: AsyncConnection[Any], lon: float, lat: float, region: str,
                     starts_at: datetime, *, needed: int = 1, hours: float = 2,
                     skills: tuple[str, ...] = ("health",),
                     requires_insurance: bool = False) -> int:
    """An open demand at (lon, lat)."""
    return int(await one(conn, (
        "INSERT INTO demand (title, category, required_skills, needed, time_window, "
        "location_geom, region_code, raised_by, requires_insurance) VALUES ('抢单测试', "
        "'health', %s, %s, tstzrange(%s, %s), ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, "
        "'test', %s) RETURNING id"),
        (list(skills), needed, starts_at, starts_at + timedelta(hours=hours), lon, lat, region,
         requires_insurance)))


async def later(conn: AsyncConnection[Any], days: float) -> datetime:
    """A whole second ``days`` from now (the database's now)."""
    now = await one(conn, "SELECT now()")
    return (now + timedelta(days=days)).replace(microsecond=0)


def ids_of(listing: Any) -> list[int]:
    """The demand ids of a claimableDemands page, in order."""
    return [decode_id(e["node"]["demand"]["id"], "Demand") for e in listing["edges"]]


async def listed(gql: Gql, volunteer_id: int, first: int = 100) -> Any:
    """claimableDemands as the volunteer sees it."""
    data = await gql.data(LIST, {"first": first}, caller=volunteer_caller(volunteer_id))
    return data["claimableDemands"]


async def claim(gql: Gql, volunteer_id: int, demand_id: int) -> Any:
    """claimDemand's payload for the volunteer."""
    data = await gql.data(CLAIM, {"id": demand_gid(demand_id)},
                          caller=volunteer_caller(volunteer_id))
    return data["claimDemand"]
