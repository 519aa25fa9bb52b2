"""The rows and callers the mutation walk (test_auth_mutations.py) acts on.

One subject of every kind, all in one Luoyang county (records_world's) and one team; callers of
every role inside that scope and outside it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from starlette.datastructures import UploadFile

from hub.auth import ANONYMOUS, Caller, Role
from hub.auth.actions import ActionSubject, subject
from hub.auth.ids import encode_global_id
from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services.records import Source, record_service
from hub.store import dispatch_plans
from hub.store.base import ConnectionDatabase
from tests.records.records_world import REGION, World, make_world

POINT = {"lon": 112.45, "lat": 34.62}
REQUESTER = "requester-1"  # who raised records_world's demand


@dataclass(frozen=True)
class ActionsWorld:
    """records_world's rows, plus an open demand with an offer, records and a plan."""

    base: World
    open_demand: int
    offer: int
    record: int
    pending: int
    plan: str
    child_team: int
    other_org: int
    other_volunteer: int
    project: int  # a draft project of the team
    other_station: int  # a station elsewhere (its staff are outside every scope here)
    team_offer: int  # the open demand offered to child_team, captained by `volunteer`
    society: int  # a 学会 team, paired with the region by `pairing`
    pairing: int
    pilot: int = 0  # a county pilot of REGION (issue 16.1)
    edition: int = 0  # 国际志愿者日 2030, to tag with (issue 16.6)
    recognition_round: int = 0  # an open 优秀 round of REGION for 2025 (issue 16.3)
    nomination: int = 0  # a pending nomination of the team in it
    webhook: int = 0  # partner_in's endpoint, within its contract (issue 15.4)
    webhook_delivery: int = 0  # a logged delivery to it

    @property
    def volunteer(self) -> int:
        """The volunteer most mutations act on (a member of the team)."""
        return self.base.volunteers[0]

    def team(self) -> ActionSubject:
        return subject(region_code=REGION, org_paths=[self.base.org_path])

    def of_volunteer(self) -> ActionSubject:
        return subject(region_code=REGION, org_paths=[self.base.org_path],
                       volunteer_id=self.volunteer)

    def of_demand(self) -> ActionSubject:
        """A demand of the world, as hub.services.demands sees it: its region, the team
        running its station, the station, who raised it."""
        return subject(region_code=REGION, org_paths=[self.base.org_path],
                       requester=REQUESTER, station_id=self.base.station)

    def callers(self) -> dict[str, Caller]:
        """Every role, inside the world's scope and (where a role has a scope) outside it."""
        gid = encode_id("Volunteer", self.volunteer)
        return {
            "admin": Caller(Role.ADMIN, "admin-1"),
            "dispatcher_in": Caller(Role.DISPATCHER, "d-in", region="410300000000"),
            "dispatcher_out": Caller(Role.DISPATCHER, "d-out", region="620000000000"),
            "org_admin_in": Caller(Role.ORG_ADMIN, "o-in", org=self.base.org),
            "org_admin_out": Caller(Role.ORG_ADMIN, "o-out", org=self.other_org),
            "volunteer_in": Caller(Role.VOLUNTEER, gid),
            "volunteer_out": Caller(Role.VOLUNTEER, encode_id("Volunteer", self.other_volunteer)),
            "partner_in": Caller(Role.PARTNER, REQUESTER),
            "partner_out": Caller(Role.PARTNER, "partner-x"),
            # A resident whose sub is what the world's demands record as raised_by, so the
            # requester grant applies to them; and another resident.
            "resident_in": Caller(Role.RESIDENT, REQUESTER),
            "resident_out": Caller(Role.RESIDENT, encode_global_id("Account", 424242)),
            "station_staff_in": Caller(Role.STATION_STAFF, encode_global_id("Account", 424243),
                                       claims={"station": self.base.station}),
            "station_staff_out": Caller(Role.STATION_STAFF, encode_global_id("Account", 424244),
                                        claims={"station": self.other_station}),
            "anonymous": ANONYMOUS,
        }


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None, sql
    return row[0]


async def make_actions_world(conn: psycopg.AsyncConnection[Any]) -> ActionsWorld:
    """Create the rows on ``conn`` (the test rolls them back)."""
    from hub.services import workflow

    base = await make_world(conn)
    db = ConnectionDatabase(conn)
    start = datetime.now(UTC) + timedelta(days=4)
    window = f"[{start.isoformat()},{(start + timedelta(hours=2)).isoformat()})"
    open_demand = await _one(
        conn, "INSERT INTO demand (title, category, needed, time_window, location_geom, "
              "station_id, region_code, raised_by, status) VALUES ('科普需求', (SELECT code "
              "FROM service_category LIMIT 1), 3, %s, ST_SetSRID(ST_MakePoint(112.45, 34.62), "
              "4326), %s, %s, %s, 'open') RETURNING id",
        (window, base.station, REGION, REQUESTER))
    [offer] = await workflow.offer(db, demand_id=open_demand, volunteer_ids=[base.volunteers[0]],
                                   caller=SYSTEM, ttl_s=3600)
    async with db.transaction() as tx:
        record = await record_service(tx, volunteer_id=base.volunteers[0],
                                      source=Source(demand_id=base.demand), hours=1,
                                      verified_by="t")
        pending = await record_service(tx, volunteer_id=base.volunteers[1],
                                       source=Source(demand_id=base.demand), hours=1,
                                       verified_by="t", pending=True)
    plan = {"assignments": [], "unfilled": [],
            "stats": {"solver": "none", "status": "OPTIMAL", "filledSlots": 0,
                      "totalDistanceM": 0, "objective": 0, "seconds": 0}}
    plan_id = await dispatch_plans.create_plan(db, region_code=REGION, starts=start,
                                               ends=start + timedelta(days=1), options={},
                                               plan=plan, created_by="t")
    child = await _one(conn, "INSERT INTO organization (name, level, parent_id, region_code, "
                             "kind) VALUES ('记录测试科技志愿服务支队', 'detachment', %s, %s, "
                             "'association') RETURNING id", (base.org, REGION))
    other_org = await _one(conn, "SELECT id FROM organization WHERE region_code LIKE '62%%' "
                                 "ORDER BY id LIMIT 1")
    other_volunteer = await _one(conn, "SELECT id FROM volunteer WHERE region_code LIKE '62%%' "
                                       "ORDER BY id LIMIT 1")
    project = await _one(conn, "INSERT INTO project (name, owner_id, period, status) VALUES "
                               "('记录测试项目', %s, '[2030-01-01,2030-12-31)', 'draft') "
                               "RETURNING id", (base.org,))
    other_station = await _one(conn, "SELECT id FROM station WHERE region_code LIKE '62%%' "
                                     "ORDER BY id LIMIT 1")
    await conn.execute("UPDATE organization SET captain_id = %s WHERE id = %s",
                       (base.volunteers[0], child))
    team_offer = await _one(conn, "INSERT INTO team_offer (demand_id, organization_id, slots, "
                                  "offered_by, respond_by) VALUES (%s, %s, 1, 't', now() + "
                                  "interval '1 day') RETURNING id", (open_demand, child))
    society = await _one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                               "VALUES ('记录测试学会科技志愿服务队', 'team', %s, 'society') "
                               "RETURNING id", (REGION,))
    pairing = await _one(conn, "INSERT INTO team_pairing (organization_id, region_code, valid, "
                               "created_by) VALUES (%s, %s, daterange(current_date - 30, NULL), "
                               "'t') RETURNING id", (society, REGION))
    pilot = await _one(conn, "INSERT INTO pilot (region_code, pilot_type, name, funded_on, "
                             "quota_set) VALUES (%s, 'county', '记录测试试点', '2030-01-01', "
                             "'henan_001') RETURNING id", (REGION,))
    edition = await _one(conn, "INSERT INTO campaign_edition (campaign_code, year, period) "
                               "VALUES ('volunteer_day', 2030, '[2030-12-05,2030-12-06)') "
                               "RETURNING id")
    recognition_round = await _one(
        conn, "INSERT INTO recognition_round (award, level, region_code, year, categories, "
              "opened_by) VALUES ('excellent', 'county', %s, 2025, '{volunteer,team}', 'test') "
              "RETURNING id", (REGION,))
    nomination = await _one(
        conn, "INSERT INTO recognition_nomination (round_id, category, subject_id, rank, score, "
              "evidence, nominated_by) VALUES (%s, 'team', %s, 1, 0.5, '{}', 'test') "
              "RETURNING id", (recognition_round, base.org))
    webhook, webhook_delivery = await _webhook(conn)
    return ActionsWorld(base=base, open_demand=open_demand, offer=offer, record=record["id"],
                        pending=pending["id"], plan=plan_id, child_team=child,
                        other_org=other_org, other_volunteer=other_volunteer, project=project,
                        other_station=other_station, team_offer=team_offer, society=society,
                        pairing=pairing, pilot=pilot, edition=edition,
                        recognition_round=recognition_round, nomination=nomination,
                        webhook=webhook, webhook_delivery=webhook_delivery)


async def _webhook(conn: psycopg.AsyncConnection[Any]) -> tuple[int, int]:
    """partner_in's contract (offers in REGION), an endpoint and a logged delivery to it."""
    await conn.execute("INSERT INTO partner_contract (partner, kinds, regions, updated_by) "
                       "VALUES (%s, '{offer_made,hours_confirmed}', %s, 'test')",
                       (REQUESTER, [REGION]))
    hook = await _one(conn, "INSERT INTO webhook (partner, url, kinds, regions, secret) VALUES "
                            "(%s, 'https://partner.example/hook', '{offer_made}', %s, %s) "
                            "RETURNING id", (REQUESTER, [REGION], "s" * 40))
    event = await _one(conn, "INSERT INTO outbox_event (kind, subject_kind, subject_id, "
                             "region_code, relayed_at) VALUES ('offer_made', 'dispatch', 1, %s, "
                             "now()) RETURNING id", (REGION,))
    delivery = await _one(conn, "INSERT INTO webhook_delivery (webhook_id, event_id, queued_at) "
                                "VALUES (%s, %s, now()) RETURNING id", (hook, event))
    return hook, delivery


Variables = Callable[[ActionsWorld], dict[str, Any]]


def upload() -> UploadFile:
    """A (malformed) spreadsheet: who may import is decided before its rows are read."""
    return UploadFile(io.BytesIO(b"not,a,template\n"), filename="v.csv")


def person(world: ActionsWorld) -> dict[str, Any]:
    """A new volunteer's registration input."""
    from tests.registration_db.conftest import mobile, person_id

    return {"name": "李华", "idNumber": person_id(7101), "mobile": mobile(7101),
            "education": "本科", "regionCode": REGION}


def gid(kind: str, key: object) -> str:
    return encode_id(kind, key)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
