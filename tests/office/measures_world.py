"""Rows for the office-measure tests (issue 16.8) in Luoyang (4103) in early 2019, and a plain
Python oracle of every measure computed from the rows of the tables (simple SELECTs, no SQL of
the hub's and none of its summaries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

import psycopg

from hub.office.measures import INFOS, Measure, edges

CST = timezone(timedelta(hours=8))
CITY = "410300000000"
PERIOD = (date(2019, 1, 10), date(2019, 4, 1))  # three buckets: Jan 10–31, Feb, Mar
FLAGS = ("is_remote", "is_poor", "is_border", "is_ethnic", "is_revolutionary")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


async def _id(conn: psycopg.AsyncConnection[Any], sql: str, params: Any) -> int:
    row = await (await conn.execute(sql + " RETURNING id", params)).fetchone()
    assert row is not None
    return int(row[0])


async def populate(conn: psycopg.AsyncConnection[Any]) -> tuple[str, str]:
    """Two counties of Luoyang, the second flagged poor, with volunteers, activities, demands,
    records (confirmed or not, corrected) and stations; returns the counties' codes."""
    await conn.execute(f"UPDATE region SET {', '.join(f + ' = false' for f in FLAGS)} "
                       "WHERE code IN ('410000000000', %s) OR parent_code = %s", (CITY, CITY))
    cur = await conn.execute("SELECT code FROM region WHERE parent_code = %s ORDER BY code "
                             "LIMIT 2", (CITY,))
    a, b = [r[0] for r in await cur.fetchall()]
    await conn.execute("UPDATE region SET is_poor = true WHERE code = %s", (b,))
    org = (await (await conn.execute("SELECT min(id) FROM organization")).fetchone() or [0])[0]

    async def volunteer(region: str, registered: date, exited: date | None = None) -> int:
        return await _id(conn, "INSERT INTO volunteer (real_name, region_code, registered_at, "
                               "status, exited_at) VALUES ('测试', %s, %s, %s, %s)",
                         (region, at(registered), "exited" if exited else "active",
                          at(exited) if exited else None))

    async def activity(region: str, day: date, status: str = "published") -> int:
        window = f"[{at(day).isoformat()},{(at(day) + timedelta(days=7)).isoformat()})"
        return await _id(conn, "INSERT INTO activity (title, organization_id, category, "
                               "time_window, location_geom, region_code, capacity, status) "
                               "VALUES ('测试活动', %s, 'health', %s, ST_SetSRID(ST_MakePoint("
                               "112.4, 34.6), 4326), %s, 50, %s)", (org, window, region, status))

    async def demand(region: str, day: date, needed: int, status: str = "open") -> int:
        window = f"[{at(day).isoformat()},{at(day, 16).isoformat()})"
        return await _id(conn, "INSERT INTO demand (title, category, needed, time_window, "
                               "location_geom, region_code, raised_by, status) VALUES ('测试需求', "
                               "'health', %s, %s, ST_SetSRID(ST_MakePoint(112.4, 34.6), 4326), "
                               "%s, 'tester', %s)", (needed, window, region, status))

    async def record(v: int, region: str, day: date, hours: float, *, act: int | None = None,
                     dem: int | None = None, confirmed: bool = True,
                     correction: float | None = None) -> None:
        rid = await _id(conn, "INSERT INTO service_record (volunteer_id, activity_id, demand_id, "
                              "region_code, title, served_on, hours, recorded_by) VALUES (%s, %s, "
                              "%s, %s, '服务', %s, %s, 'tester')",
                        (v, act, dem, region, day, hours))
        if confirmed:
            await conn.execute("INSERT INTO service_record_confirmation (record_id, "
                               "confirmed_by) VALUES (%s, 'tester')", (rid,))
        if correction is not None:
            await conn.execute(
                "INSERT INTO service_record (volunteer_id, activity_id, demand_id, region_code, "
                "title, served_on, hours, recorded_by, corrects_id, reason) VALUES (%s, %s, %s, "
                "%s, '服务', %s, %s, 'tester', %s, '更正时长')",
                (v, act, dem, region, day, correction, rid))

    v1 = await volunteer(a, date(2018, 12, 1))
    v2 = await volunteer(a, date(2019, 2, 15))
    v3 = await volunteer(b, date(2019, 1, 20), exited=date(2019, 3, 10))
    v4 = await volunteer(b, date(2019, 3, 5))
    act0, act1 = await activity(a, date(2018, 12, 20)), await activity(a, date(2019, 1, 15))
    act2 = await activity(b, date(2019, 2, 20), "closed")
    await activity(a, date(2019, 3, 1), "cancelled")
    await activity(b, date(2019, 3, 2), "draft")
    await record(v1, a, date(2018, 12, 20), 20, act=act0)
    await record(v1, a, date(2019, 1, 15), 90, act=act1)  # 110 h: a star in January
    await record(v2, b, date(2019, 2, 20), 5, act=act2, correction=-2)
    await record(v3, b, date(2019, 2, 20), 4, act=act2, confirmed=False)
    await record(v1, b, date(2019, 2, 21), 1, act=act2, correction=-1)  # nets to nothing
    await record(v4, a, date(2019, 3, 6), 120, act=act1)  # home b, served in a: a star
    d1 = await demand(a, date(2019, 1, 20), 2)
    d2 = await demand(b, date(2019, 2, 10), 3)
    await demand(b, date(2019, 2, 11), 2, "cancelled")
    await record(v1, a, date(2019, 1, 20), 2, dem=d1)
    await record(v2, a, date(2019, 1, 20), 2, dem=d1, confirmed=False)
    await record(v4, b, date(2019, 3, 10), 3, dem=d2)
    for region, day, status in ((a, date(2019, 1, 25), "active"), (b, date(2019, 2, 5), "closed"),
                                (b, date(2019, 3, 15), "active")):
        await conn.execute("INSERT INTO station (name, kind, location_geom, region_code, status, "
                           "created_at) VALUES ('测试站点', 'museum', ST_SetSRID(ST_MakePoint("
                           "112.4, 34.6), 4326), %s, %s, %s)", (region, status, at(day)))
    return a, b


async def _rows(conn: psycopg.AsyncConnection[Any], sql: str) -> list[dict[str, Any]]:
    cur = await conn.execute(sql, {"p": CITY[:4] + "%"})
    names = [c.name for c in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]


async def oracle(conn: psycopg.AsyncConnection[Any], area_len: int
                 ) -> dict[Measure, dict[tuple[str | None, int | None], float | None]]:
    """Every measure but PILOTS_PASSED for Luoyang over PERIOD, per (area or None, bucket or
    None), computed in Python from the rows of the tables."""
    cuts = edges(*PERIOD)
    n = len(cuts) - 1
    moments = [at(c, 0) for c in cuts]

    def bucket(day: date) -> int | None:
        return next((i for i in range(1, n + 1) if cuts[i - 1] <= day < cuts[i]), None)

    def keys(region: str, b: int | None) -> list[tuple[str | None, int | None]]:
        return [(area, k) for area in (region[:area_len], None) for k in (b, None)]

    out: dict[Measure, dict[tuple[str | None, int | None], Any]] = {
        m: defaultdict(float) for m in Measure}
    recs = await _rows(conn, "SELECT r.id, r.volunteer_id, r.region_code, r.served_on, r.hours, "
                             "r.corrects_id, k.record_id IS NOT NULL AS ok FROM service_record r "
                             "LEFT JOIN service_record_confirmation k ON k.record_id = r.id")
    net: dict[int, float] = {r["id"]: float(r["hours"]) for r in recs if r["corrects_id"] is None}
    for r in recs:
        if r["corrects_id"] is not None:
            net[r["corrects_id"]] += float(r["hours"])
    originals = [r for r in recs if r["corrects_id"] is None and r["ok"]]
    vols = await _rows(conn, "SELECT id, region_code, registered_at, exited_at FROM volunteer "
                             "WHERE region_code LIKE %(p)s")
    home = {v["id"]: v["region_code"] for v in vols}
    active: dict[tuple[str | None, int | None], set[int]] = defaultdict(set)
    for r in originals:
        b = bucket(r["served_on"])
        if b is not None and r["region_code"].startswith(CITY[:4]):
            for key in keys(r["region_code"], b):
                out[Measure.SERVICE_HOURS][key] += net[r["id"]]
                out[Measure.SERVICE_RECORDS][key] += net[r["id"]] > 0
        # Who served: by their home, in whole months.
        month = next((i for i in range(1, n + 1) if cuts[i - 1].replace(day=1)
                      <= r["served_on"] < cuts[i]), None)
        if month is not None and r["volunteer_id"] in home and net[r["id"]] > 0:
            for key in keys(home[r["volunteer_id"]], month):
                active[key].add(r["volunteer_id"])
    for key, who in active.items():
        out[Measure.ACTIVE_VOLUNTEERS][key] = len(who)
    fills: dict[int, set[int]] = defaultdict(set)
    for d_id, v in [(r["demand_id"], r["volunteer_id"]) for r in await _rows(
            conn, "SELECT demand_id, volunteer_id FROM service_record WHERE demand_id IS NOT "
                  "NULL AND corrects_id IS NULL UNION SELECT demand_id, volunteer_id FROM "
                  "dispatch WHERE status IN ('accepted', 'checked_in', 'completed')")]:
        fills[d_id].add(v)
    flagged = {r["code"] for r in await _rows(
        conn, "SELECT code FROM region WHERE " + " OR ".join(FLAGS))}
    slots: dict[tuple[Any, Any], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for d in await _rows(conn, "SELECT id, region_code, needed, status, lower(time_window) AS s "
                               "FROM demand WHERE region_code LIKE %(p)s"):
        b = bucket(d["s"].astimezone(CST).date())
        if b is None or d["status"] == "cancelled":
            continue
        got = min(len(fills[d["id"]]), d["needed"])
        prio = any(d["region_code"][:k].ljust(12, "0") in flagged for k in (2, 4, 6, 9, 12))
        for key in keys(d["region_code"], b):
            out[Measure.DEMANDS][key] += 1
            out[Measure.DEMANDS_FILLED][key] += got >= d["needed"]
            s = slots[key]
            s[0] += d["needed"]
            s[1] += got
            s[2] += d["needed"] if prio else 0
            s[3] += got if prio else 0
    for key, (need, got, pneed, pgot) in slots.items():
        out[Measure.FILL_RATE][key] = 100 * got / need
        out[Measure.PRIORITY_FILL_RATE][key] = 100 * pgot / pneed if pneed else None
    now = datetime.now(CST)
    for r in await _rows(conn, "SELECT region_code, status, lower(time_window) AS s FROM "
                               "activity WHERE region_code LIKE %(p)s"):
        b = bucket(r["s"].astimezone(CST).date())
        if b is not None and r["status"] in ("published", "closed") and r["s"] < now:
            for key in keys(r["region_code"], b):
                out[Measure.ACTIVITIES][key] += 1
    stations = await _rows(conn, "SELECT region_code, created_at, status FROM station "
                                 "WHERE region_code LIKE %(p)s")
    scopes = {r["scope"]: float(r["hours"]) for r in await _rows(
        conn, "SELECT scope, hours FROM star_threshold WHERE scope IN ('', '41', '4103') "
              "AND stars = 1")}
    threshold = scopes[max(scopes, key=len)]  # the longest scope with a threshold wins
    for b in range(1, n + 1):
        end = moments[b]
        for v in vols:
            if v["registered_at"] < end and (v["exited_at"] is None or v["exited_at"] >= end):
                _stock(out, Measure.VOLUNTEERS, v["region_code"], b, n, area_len)
            served = sum(net[r["id"]] for r in originals if r["volunteer_id"] == v["id"]
                         and r["served_on"] < cuts[b])
            if served >= threshold:
                _stock(out, Measure.STAR_VOLUNTEERS, v["region_code"], b, n, area_len)
        for s in stations:
            if s["created_at"] < end and s["status"] == "active":
                _stock(out, Measure.STATIONS, s["region_code"], b, n, area_len)
    return out


def _stock(out: dict[Measure, Any], m: Measure, region: str, b: int, n: int,
           area_len: int) -> None:
    assert INFOS[m].cumulative
    for area in (region[:area_len], None):
        out[m][(area, b)] += 1
        if b == n:
            out[m][(area, None)] += 1
