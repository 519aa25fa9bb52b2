"""Hours confirmed by the organiser (issue 14.5): a pending record confirms itself after the
period of ITS region (set per region, inherited down the tree, else the hub's default); a
region's change reaches records already pending; station staff confirm their station's
records; a resident who raised a demand reviews it (评单) once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.actions import Action, can, subject
from hub.schema.node import encode_id
from hub.services.records import Source, confirm_due, record_service
from hub.store import records
from hub.store.base import ConnectionDatabase
from tests.auth.signin_steps import caller_of, request_code, sign_in
from tests.records.records_world import REGION, World
from tests.seeded import Gql, errors_of

PROVINCE, CITY, OTHER_COUNTY = "410000000000", "410300000000", "410305000000"
ADMIN = Caller(Role.ADMIN, "admin-1")
UPDATE = """mutation($i: UpdateRegionSettingsInput!) { updateRegionSettings(input: $i) {
  settings { regionCode updatedBy claimsNeedApproval { value source fromRegionCode }
             recordAutoConfirm { hours source fromRegionCode } }
  pendingRecordsRescheduled errors { code field message messageZh } } }"""
SETTINGS = """query($c: String!) { regionSettings(regionCode: $c) { regionCode updatedBy
  claimsNeedApproval { value source fromRegionCode }
  recordAutoConfirm { hours source fromRegionCode } } }"""
CONFIRM = """mutation($r: ID!) { confirmServiceRecord(input: {recordId: $r}) {
  record { confirmed confirmedBy } errors { code } } }"""
REVIEW = """mutation($d: ID!) { reviewDemand(input: {demandId: $d, rating: 5, comment: "很好"}) {
  errors { code field } } }"""


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


async def _station(conn: psycopg.AsyncConnection[Any], region: str, org: int) -> int:
    return int(await _one(conn, "INSERT INTO station (name, kind, location_geom, region_code, "
                                "organization_id) VALUES ('另一个站点', 'civilization_station', "
                                "ST_SetSRID(ST_MakePoint(112.40, 34.60), 4326), %s, %s) "
                                "RETURNING id", (region, org)))


async def _demand(conn: psycopg.AsyncConnection[Any], *, region: str, station: int,
                  raised_by: str = "requester-1") -> int:
    """A demand served two days ago (2 hours) in ``region`` at ``station``."""
    served = datetime.now(UTC) - timedelta(days=2)
    window = f"[{served.isoformat()},{(served + timedelta(hours=2)).isoformat()})"
    return int(await _one(
        conn, "INSERT INTO demand (title, category, needed, time_window, location_geom, "
              "station_id, region_code, raised_by, status) VALUES ('科普需求', (SELECT code "
              "FROM service_category LIMIT 1), 2, %s, ST_SetSRID(ST_MakePoint(112.40, 34.60), "
              "4326), %s, %s, %s, 'done') RETURNING id", (window, station, region, raised_by)))


async def _pending(db: ConnectionDatabase, volunteer: int, demand: int) -> int:
    row = await record_service(db, volunteer_id=volunteer, source=Source(demand_id=demand),
                               hours=Decimal(1), verified_by="volunteer", pending=True)
    return int(row["id"])


async def _confirmed(conn: psycopg.AsyncConnection[Any], record: int) -> bool:
    return bool(await _one(conn, "SELECT EXISTS (SELECT 1 FROM service_record_confirmation "
                                 "WHERE record_id = %s AND automatic)", (record,)))


async def _set(gql: Gql, caller: Caller = ADMIN, **given: Any) -> dict[str, Any]:
    answer = await gql.data(UPDATE, {"i": given}, caller=caller)
    return dict(answer["updateRegionSettings"])


async def test_each_record_waits_for_its_own_regions_period(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    other = await _demand(aconn, region=OTHER_COUNTY,
                          station=await _station(aconn, OTHER_COUNTY, world.org))
    here = await _pending(db, world.volunteers[0], world.demand)  # 西工区: inherits
    there = await _pending(db, world.volunteers[1], other)  # 涧西区: its own period
    await aconn.execute("UPDATE service_record_pending SET since = since - interval '3 hours' "
                        "WHERE record_id = ANY(%s)", ([here, there],))
    # Set after the check-outs: a region's change reaches the records already pending.
    province = await _set(gql, regionCode=PROVINCE, recordAutoConfirmHours=48)
    assert province["errors"] == [] and province["pendingRecordsRescheduled"] >= 2
    county = await _set(gql, Caller(Role.DISPATCHER, "d-city", region=CITY),
                        regionCode=OTHER_COUNTY, recordAutoConfirmHours=2)
    assert county["settings"]["updatedBy"] == "d-city"
    assert county["settings"]["recordAutoConfirm"] == {
        "hours": 2.0, "source": "OWN", "fromRegionCode": OTHER_COUNTY}
    inherited = (await gql.data(SETTINGS, {"c": REGION}))["regionSettings"]
    assert inherited["recordAutoConfirm"] == {"hours": 48.0, "source": "INHERITED",
                                              "fromRegionCode": PROVINCE}
    assert inherited["claimsNeedApproval"] == {"value": False, "source": "DEFAULT",
                                               "fromRegionCode": None}
    assert inherited["updatedBy"] is None  # 西工区 sets nothing of its own
    # Three hours after check-out: 涧西区's two hours have passed, the province's 48 have not,
    # and the hub's default (one hour here) gives way to the region's own setting.
    assert await confirm_due(db, after_s=3600) >= 1
    assert await _confirmed(aconn, there) and not await _confirmed(aconn, here)
    # The province shortens its period: the record waiting in 西工区 is due at once.
    await _set(gql, regionCode=PROVINCE, recordAutoConfirmHours=1)
    assert await confirm_due(db, after_s=None) >= 1
    assert await _confirmed(aconn, here)


async def test_a_longer_period_set_meanwhile_keeps_a_record_waiting(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    record = await _pending(db, world.volunteers[0], world.demand)
    await aconn.execute("UPDATE service_record_pending SET since = since - interval '3 hours' "
                        "WHERE record_id = %s", (record,))
    await _set(gql, regionCode=REGION, recordAutoConfirmHours=2)
    await _set(gql, regionCode=REGION, recordAutoConfirmHours=24)
    assert await confirm_due(db, after_s=60) == 0 and not await _confirmed(aconn, record)
    # Back to inheriting (null): no region above sets a period, so the hub's default applies.
    back = await _set(gql, regionCode=REGION, recordAutoConfirmHours=None)
    assert back["settings"]["recordAutoConfirm"]["source"] == "DEFAULT"
    assert await confirm_due(db, after_s=None) == 0  # no default: nothing is due
    assert await confirm_due(db, after_s=3600) == 1 and await _confirmed(aconn, record)


async def test_the_sweep_checks_again_that_a_record_is_still_due(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    record = await _pending(db, world.volunteers[0], world.demand)
    await aconn.execute("UPDATE service_record_pending SET since = since - interval '3 hours' "
                        "WHERE record_id = %s", (record,))
    await _set(gql, regionCode="410303", recordAutoConfirmHours=2)  # 6 digits: the county
    assert await records.list_pending_due(db, default_s=None, limit=10) == [record]
    # The period grows between the sweep's list and its transaction: not due any more.
    await _set(gql, regionCode=REGION, recordAutoConfirmHours=12)
    assert not await records.lock_pending_due(db, record_id=record, default_s=None)
    assert await confirm_due(db, after_s=None) == 0 and not await _confirmed(aconn, record)
    # Even a stale due time (a change that committed while the record was being checked
    # out) never confirms it early: the sweep decides by the settings in force.
    await aconn.execute("UPDATE service_record_pending SET due_at = now() - interval '1 hour' "
                        "WHERE record_id = %s", (record,))
    assert await confirm_due(db, after_s=None) == 0 and not await _confirmed(aconn, record)


@pytest.mark.parametrize(("given", "code", "field"), [
    ({"regionCode": REGION, "recordAutoConfirmHours": 0}, "INVALID_HOURS",
     "recordAutoConfirmHours"),
    ({"regionCode": REGION, "recordAutoConfirmHours": 2161}, "INVALID_HOURS",
     "recordAutoConfirmHours"),
    ({"regionCode": "410399999000", "claimsNeedApproval": True}, "UNKNOWN_REGION",
     "regionCode"),
    ({"regionCode": "西工区", "claimsNeedApproval": True}, "UNKNOWN_REGION", "regionCode"),
    ({"regionCode": REGION}, "NO_CHANGE", None),
])
async def test_settings_are_validated_with_coded_errors(gql: Gql, given: dict[str, Any],
                                                        code: str, field: str | None):
    answer = await _set(gql, **given)
    [error] = answer["errors"]
    assert (error["code"], error["field"]) == (code, field) and error["messageZh"]
    assert answer["settings"] is None


async def test_a_dispatcher_sets_settings_in_their_subtree_only(gql: Gql):
    city = Caller(Role.DISPATCHER, "d-city", region=CITY)
    done = await _set(gql, city, regionCode=REGION, claimsNeedApproval=True)
    assert done["settings"]["claimsNeedApproval"] == {"value": True, "source": "OWN",
                                                      "fromRegionCode": REGION}
    for caller in (city, Caller(Role.ORG_ADMIN, "o", org=1),
                   Caller(Role.VOLUNTEER, encode_id("Volunteer", 1))):
        refused = await gql(UPDATE, {"i": {"regionCode": PROVINCE, "claimsNeedApproval": True}},
                            caller=caller)
        assert errors_of(refused)[0][0] == "FORBIDDEN", caller


async def test_station_staff_confirm_records_of_their_own_station(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    elsewhere = await _station(aconn, REGION, world.org)
    mine = encode_id("ServiceRecord", await _pending(db, world.volunteers[0], world.demand))
    theirs = encode_id("ServiceRecord", await _pending(
        db, world.volunteers[1], await _demand(aconn, region=REGION, station=elsewhere)))
    staff = Caller(Role.STATION_STAFF, encode_id("Account", 9), claims={"station": world.station})
    assert errors_of(await gql(CONFIRM, {"r": theirs}, caller=staff))[0][0] == "FORBIDDEN"
    done = await gql.data(CONFIRM, {"r": mine}, caller=staff)
    assert done["confirmServiceRecord"] == {
        "record": {"confirmed": True, "confirmedBy": staff.sub}, "errors": []}


async def test_a_resident_reviews_the_demand_they_raised_once(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World,
        caplog: pytest.LogCaptureFixture):
    phone = "13912340523"
    session = await sign_in(gql, phone, await request_code(gql, phone, caplog))
    resident = caller_of(gql, session["session"])
    assert resident.role is Role.RESIDENT
    # Raised as a resident's demand is (who raised it: "resident:<account>").
    demand = await _demand(aconn, region=REGION, station=world.station,
                           raised_by=f"resident:{resident.sub}")
    async with db.transaction() as tx:
        await record_service(tx, volunteer_id=world.volunteers[0],
                             source=Source(demand_id=demand), hours=Decimal(2), verified_by="t")
    gid = encode_id("Demand", demand)
    stranger = Caller(Role.RESIDENT, encode_id("Account", 999_999))
    assert errors_of(await gql(REVIEW, {"d": gid}, caller=stranger))[0][0] == "FORBIDDEN"
    assert (await gql.data(REVIEW, {"d": gid}, caller=resident))["reviewDemand"] == {
        "errors": []}
    again = (await gql.data(REVIEW, {"d": gid}, caller=resident))["reviewDemand"]
    assert again["errors"] == [{"code": "ALREADY_REVIEWED", "field": "demandId"}]
    assert await _one(aconn, "SELECT status FROM demand WHERE id = %s", (demand,)) == "reviewed"


async def test_station_staff_review_demands_collected_at_their_station(
        gql: Gql, db: ConnectionDatabase, world: World):
    async with db.transaction() as tx:
        await record_service(tx, volunteer_id=world.volunteers[0],
                             source=Source(demand_id=world.demand), hours=Decimal(2),
                             verified_by="t")
    gid = encode_id("Demand", world.demand)
    elsewhere = Caller(Role.STATION_STAFF, encode_id("Account", 8),
                       claims={"station": world.station + 100_000})
    assert errors_of(await gql(REVIEW, {"d": gid}, caller=elsewhere))[0][0] == "FORBIDDEN"
    staff = Caller(Role.STATION_STAFF, encode_id("Account", 9), claims={"station": world.station})
    assert (await gql.data(REVIEW, {"d": gid}, caller=staff))["reviewDemand"] == {"errors": []}


def test_residents_and_station_staff_in_the_action_table() -> None:
    """The table's resident column admits the requester; station staff their station."""
    resident = Caller(Role.RESIDENT, encode_id("Account", 5))
    raised = subject(region_code=REGION, requester=f"resident:{resident.sub}")
    assert can(resident, Action.DEMAND_REVIEW, raised)
    assert not can(resident, Action.DEMAND_REVIEW, subject(region_code=REGION,
                                                           requester="resident:other"))
    assert not can(resident, Action.RECORD_CONFIRM, raised)
    staff = Caller(Role.STATION_STAFF, encode_id("Account", 6), claims={"station": 3})
    assert can(staff, Action.DEMAND_REVIEW, subject(region_code=REGION, station_id=3))
    assert not can(staff, Action.DEMAND_REVIEW, subject(region_code=REGION, station_id=4))
