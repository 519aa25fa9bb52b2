"""What waits for someone in the demo's 郑州市 (the demo dispatcher's region, ``hub token
--role dispatcher --region 410100``), so the console's review queue and 签到 panel are not empty:

* residents' demands waiting for review (审核), each with the contact they gave, and the
  residents' accounts (and a station's staff) who can sign in by phone code;
* a draft station, and a station, an activity and a project submitted for review (with the
  review log's ``submit``);
* a county where claims need approval (抢单审核), with a pending claim;
* an activity whose places are all taken, with a waitlist;
* service records waiting for confirmation (a volunteer's own check-out).

Only ``hub demo`` / ``hub seed`` ask for it (``SeedOptions.review_queue``); a few dozen rows
with plain INSERTs, inside the seed's transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import psycopg

from hub.auth.ids import encode_global_id
from hub.pii import PiiCipher, mask_phone
from hub.seed.service import CST, near, seed_point

CITY = "4101"  # 郑州市
SEEDER = "dispatcher:zhengzhou-kexie"  # who the log says did what the seed did
RESIDENTS = (("13900000101", "王秀兰"), ("13900000102", "李建国"), ("13900000103", "张桂英"))
STAFF_PHONE = "13900000100"  # the staff of the first station below
ASKED = (
    ("小区老年人防范电信诈骗讲座", "anti_pseudoscience",
     "小区里不少老人接到过冒充客服的电话，想请志愿者来讲讲怎么识别。"),
    ("社区儿童周末科学实验课", "youth_science",
     "双职工家庭的孩子周末没人带，希望有有趣的科学实验活动。"),
    ("家庭急救与心肺复苏培训", "emergency", "楼里老人多，想学会心肺复苏和海姆立克急救法。"),
    ("老年人高血压用药指导", "health", "希望有医生讲讲降压药怎么吃、血压怎么量。"),
    ("阳台种菜技术指导", "agri_tech", "退休居民想在阳台种菜，请农技志愿者指导选种和防虫。"),
)


Place = tuple[int, str, float, float, str]
"""A station: id, county code, lon, lat, county name."""


def _one(conn: psycopg.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return int(row[0])


def _window(day: date, hour: int, hours: int = 2) -> str:
    start = datetime.combine(day, datetime.min.time(), CST) + timedelta(hours=hour)
    return f"[{start.isoformat()},{(start + timedelta(hours=hours)).isoformat()})"


def _accounts(conn: psycopg.Connection, cipher: PiiCipher, station: int) -> list[str]:
    """The residents' accounts (their global ids) and the first station's staff."""
    ids = []
    for phone, kind, at in ([(p, "resident", None) for p, _ in RESIDENTS]
                            + [(STAFF_PHONE, "station_staff", station)]):
        ids.append(_one(conn, "INSERT INTO account (kind, phone_hash, phone_masked, station_id) "
                              "VALUES (%s, %s, %s, %s) RETURNING id",
                        (kind, cipher.blind_index(phone, field="phone"), mask_phone(phone), at)))
    return [encode_global_id("Account", i) for i in ids[:len(RESIDENTS)]]


def _demands(conn: psycopg.Connection, cipher: PiiCipher, stations: list[Place],
             residents: list[str], today: date) -> int:
    for n, (title, category, description) in enumerate(ASKED):
        station, region, lon, lat = stations[n % len(stations)][:4]
        phone, name = RESIDENTS[n % len(RESIDENTS)]
        conn.execute(
            "INSERT INTO demand (title, description, category, required_skills, needed, "
            "time_window, location_geom, station_id, region_code, raised_by, raised_by_kind, "
            "status, contact_name, contact_phone_enc, contact_phone_masked) VALUES (%s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, 'community', 'pending_review', %s, %s, %s)",
            (title, description, category, [category], 1 + n % 3,
             _window(today + timedelta(days=4 + n), 9 + n % 3 * 5),
             seed_point(*near(lon, lat, 60.0 * n, -40.0)), station, region,
             f"resident:{residents[n % len(residents)]}", name,
             cipher.encrypt(phone, field="phone"), mask_phone(phone)))
    return len(ASKED)


def _submitted(conn: psycopg.Connection, kind: str, subject_id: int) -> None:
    conn.execute("INSERT INTO publication_review (subject_kind, subject_id, decision, "
                 "from_status, to_status, actor) VALUES (%s, %s, 'submit', 'draft', "
                 "'pending_review', %s)", (kind, subject_id, SEEDER))


def _stations(conn: psycopg.Connection, county: str, county_name: str, team: int,
              lon: float, lat: float) -> None:
    """A draft station and one submitted for review, named and addressed as the others."""
    for n, (street, status) in enumerate((("文化路", "draft"), ("经三路", "pending_review"))):
        made = _one(
            conn, "INSERT INTO station (name, kind, address, location_geom, region_code, "
                  "organization_id, status, contact_name, created_by) VALUES (%s, "
                  "'community_facility', %s, %s, %s, %s, %s, '赵志强', %s) RETURNING id",
            (f"{county_name}{street}社区科普活动室", f"河南省郑州市{county_name}{street}{18 + n}号",
             seed_point(*near(lon, lat, 180.0, 120.0 * (n + 1))), county, team, status, SEEDER))
        if status == "pending_review":
            _submitted(conn, "station", made)


def _publications(conn: psycopg.Connection, team: int, county: str, lon: float, lat: float,
                  today: date) -> None:
    """A project and an activity of the team, both submitted for review."""
    project = _one(
        conn, "INSERT INTO project (name, owner_id, category, period, funding_yuan, "
              "description, status) VALUES ('智惠行动·社区应急科普进万家项目', %s, 'emergency', "
              "%s, 80000, '面向老旧小区居民的应急救护与防灾减灾科普', 'pending_review') "
              "RETURNING id", (team, f"[{today},{today + timedelta(days=180)})"))
    _submitted(conn, "project", project)
    activity = _one(
        conn, "INSERT INTO activity (title, description, organization_id, category, "
              "time_window, location_geom, region_code, capacity, status, safety_plan) VALUES "
              "('应急救护培训进社区（第1期）', '心肺复苏与止血包扎实操', %s, 'emergency', %s, %s, "
              "%s, 40, 'pending_review', '现场配备急救箱与两名持证急救员；场地出入口专人引导') "
              "RETURNING id",
        (team, _window(today + timedelta(days=10), 14, 3), seed_point(lon, lat), county))
    _submitted(conn, "activity", activity)


def _activity(conn: psycopg.Connection, team: int, county: str, lon: float, lat: float,
              window: str) -> int:
    return _one(conn, "INSERT INTO activity (title, organization_id, category, time_window, "
                      "location_geom, region_code, capacity) VALUES (%s, %s, 'youth_science', "
                      "%s, %s, %s, 12) RETURNING id",
                ("青少年机器人编程体验课", team, window, seed_point(lon, lat), county))


def _roster(conn: psycopg.Connection, team: int, county: str, lon: float, lat: float,
            volunteers: list[int], today: date) -> None:
    """A published activity with every place taken (12) and four on its waitlist."""
    activity = _activity(conn, team, county, lon, lat, _window(today + timedelta(days=6), 9, 3))
    for n, volunteer in enumerate(volunteers[:16]):
        waiting = n >= 12
        conn.execute("INSERT INTO activity_signup (activity_id, volunteer_id, status, "
                     "waitlist_no) VALUES (%s, %s, %s, CASE WHEN %s THEN "
                     "nextval('activity_waitlist_seq') END)",
                     (activity, volunteer, "waitlisted" if waiting else "signed_up", waiting))
    conn.execute("UPDATE activity SET signed_up = 12 WHERE id = %s", (activity,))


def _pending_records(conn: psycopg.Connection, team: int, county: str, lon: float, lat: float,
                     volunteers: list[int], today: date) -> int:
    """Yesterday's activity: four volunteers checked out themselves, their hours pending."""
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), CST)
    activity = _activity(conn, team, county, lon, lat,
                         _window(today - timedelta(days=1), 9, 3))
    for volunteer in volunteers[-4:]:
        conn.execute("INSERT INTO activity_signup (activity_id, volunteer_id, status, "
                     "checked_in_at, checked_out_at, check_in_method) VALUES (%s, %s, "
                     "'attended', %s, %s, 'code')",
                     (activity, volunteer, start + timedelta(hours=9, minutes=2),
                      start + timedelta(hours=11, minutes=55)))
        record = _one(conn, "INSERT INTO service_record (volunteer_id, activity_id, "
                            "organization_id, region_code, title, served_on, hours, "
                            "recorded_by) VALUES (%s, %s, %s, %s, '青少年机器人编程体验课', "
                            "%s, 2.9, %s) RETURNING id",
                      (volunteer, activity, team, county, start.date(),
                       encode_global_id("Volunteer", volunteer)))
        conn.execute("INSERT INTO service_record_pending (record_id) VALUES (%s)", (record,))
    return 4


def _claim(conn: psycopg.Connection, county: str, station: Place, volunteer: int,
           today: date) -> None:
    """Claims in the county need approval; a volunteer has claimed a slot of a demand."""
    conn.execute("INSERT INTO region_setting (region_code, claims_need_approval, updated_by) "
                 "VALUES (%s, true, %s) ON CONFLICT (region_code) DO UPDATE SET "
                 "claims_need_approval = true", (county, SEEDER))
    station_id, region, lon, lat = station[:4]
    window = _window(today + timedelta(days=5), 15)
    demand = _one(
        conn, "INSERT INTO demand (title, description, category, required_skills, needed, "
              "time_window, location_geom, station_id, region_code, raised_by, raised_by_kind) "
              "VALUES ('科普大篷车进社区讲解', '需要两名讲解员', 'youth_science', "
              "'{youth_science}', 2, %s, %s, %s, %s, %s, 'station') RETURNING id",
        (window, seed_point(lon, lat), station_id, region, SEEDER))
    begins = datetime.combine(today + timedelta(days=5), datetime.min.time(), CST)
    conn.execute(
        "INSERT INTO dispatch (demand_id, volunteer_id, status, time_window, reason, offered_by, "
        "offered_at, respond_by, claimed) VALUES (%s, %s, 'claim_pending', %s, "
        "'claimed by the volunteer', %s, %s, %s, true)",
        (demand, volunteer, window, f"volunteer:{encode_global_id('Volunteer', volunteer)}",
         begins - timedelta(days=2), begins + timedelta(hours=15)))


def seed_review_queue(conn: psycopg.Connection, *, cipher: PiiCipher, today: date
                      ) -> dict[str, int]:
    """Load the pending items into 郑州市; their counts."""
    stations: list[Place] = [(int(i), str(code), float(x), float(y), str(name)) for (
        i, code, x, y, name) in conn.execute(
        "SELECT s.id, s.region_code, ST_X(s.location_geom), ST_Y(s.location_geom), r.name "
        "FROM station s JOIN region r ON r.code = s.region_code WHERE s.region_code LIKE %s "
        "AND s.status = 'active' AND r.level = 'county' ORDER BY s.id LIMIT 3",
        (CITY + "%",))]
    team_row = conn.execute(
        "SELECT o.id FROM organization o WHERE o.region_code = %s AND o.level IN "
        "('team', 'detachment', 'squad') ORDER BY o.level = 'team' DESC, o.id LIMIT 1",
        (stations[0][1] if stations else "",)).fetchone()
    volunteers = [int(v) for (v,) in conn.execute(
        "SELECT id FROM volunteer WHERE region_code LIKE %s AND status = 'active' "
        "ORDER BY id LIMIT 21", (CITY + "%",))]
    if not stations or team_row is None or len(volunteers) < 21:
        return {"pending_demands": 0}  # a data set too small for 郑州市 to have them
    team = int(team_row[0])
    station, county, lon, lat, county_name = stations[0]
    residents = _accounts(conn, cipher, station)
    demands = _demands(conn, cipher, stations, residents, today)
    _stations(conn, county, county_name, team, lon, lat)
    _publications(conn, team, county, lon, lat, today)
    _roster(conn, team, county, lon, lat, volunteers[1:17], today)
    records = _pending_records(conn, team, county, lon, lat, volunteers, today)
    _claim(conn, county, stations[0], volunteers[0], today)
    return {"pending_demands": demands, "pending_records": records, "pending_claims": 1,
            "submissions": 3}
