"""Demo stations, demands (点单), projects and activities around the county seats."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
import psycopg

from hub.seed.naming import StationNamer
from hub.seed.places import Seat

CST = timezone(timedelta(hours=8), "CST")
SIX_YOU = ("has_place", "has_team", "has_projects", "has_facilities", "has_rules", "has_signage")
CITY_KINDS = (
    ("science_museum", "科技馆"),
    ("museum", "博物馆"),
    ("memorial_hall", "纪念馆"),
    ("park", "科普公园"),
    ("science_base", "科普教育基地"),
)
TOWNS = (
    "城关镇",
    "东城街道",
    "西城街道",
    "南关镇",
    "北关镇",
    "新华街道",
    "东关镇",
    "城郊乡",
    "河西镇",
    "马坊镇",
    "李庄乡",
    "张集镇",
    "王店镇",
    "白沙镇",
    "青石镇",
    "柳林乡",
)
OPENING_HOURS = "{" + ",".join(f"[{d * 1440 + 540},{d * 1440 + 1050})" for d in range(1, 7)) + "}"

TITLES = {
    "health": ("健康义诊与科普讲座", "慢性病防治知识宣讲", "老年人健康体检指导"),
    "youth_science": ("青少年科学实验课", "科技馆研学讲解", "机器人编程体验课"),
    "biosafety": ("生物安全知识宣讲", "传染病防控科普"),
    "emergency": ("应急救护培训", "防灾减灾演练指导", "心肺复苏急救培训"),
    "agri_tech": ("果树修剪技术指导", "小麦病虫害防治现场课", "设施蔬菜种植指导"),
    "anti_pseudoscience": ("科学辟谣进社区", "防范保健品骗局讲座"),
    "rural_industry": ("电商助农培训", "乡村特色产业技术咨询"),
    "enterprise_innovation": ("企业技术难题会诊", "专利与成果转化咨询"),
}
CATEGORY_WEIGHTS = {
    "health": 0.2,
    "youth_science": 0.2,
    "biosafety": 0.05,
    "emergency": 0.12,
    "agri_tech": 0.18,
    "anti_pseudoscience": 0.1,
    "rural_industry": 0.1,
    "enterprise_innovation": 0.05,
}
# Campaign days (seeds 001-003): month, day.
CAMPAIGN_DAYS = {(3, 5), (5, 30), (9, 20), (12, 5)}


NEAR_STATION_M = 250.0
"""How far from its station a station's demand may lie (a check-in allows 500 m)."""


def seed_point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon:.6f} {lat:.6f})"


def near(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """A point ``east_m``, ``north_m`` metres from (lon, lat), at most NEAR_STATION_M away."""
    length = math.hypot(east_m, north_m)
    if length > NEAR_STATION_M:
        east_m, north_m = east_m * NEAR_STATION_M / length, north_m * NEAR_STATION_M / length
    return (lon + east_m / (111_320.0 * math.cos(math.radians(lat))), lat + north_m / 110_574.0)


@dataclass(frozen=True)
class SeededStation:
    """A station the seed made: where it is, for demands and service history around it."""

    id: int
    seat: Seat
    name: str
    kind: str
    lon: float
    lat: float
    organization_id: int | None


_RURAL = (("civilization_institute", 0.45), ("civilization_station", 0.75),
          ("party_service_center", 0.9), ("community_facility", 1.0))


def _station_plan(count: int, seats: list[Seat], namer: StationNamer,
                  rng: np.random.Generator) -> list[tuple[str, str, Seat, str, float, float]]:
    """(name, kind, seat, address, lon, lat): a 新时代文明实践中心 per county, 所, 站, 党群服务
    中心 and 科普活动室 below, museums and 科普 bases in urban districts."""
    rows = []
    for seat in seats:
        named = namer.name("civilization_center", seat)
        assert named is not None  # one per county
        rows.append((named[0], "civilization_center", seat,
                     namer.address("civilization_center", named[1]), seat.lon, seat.lat))
    cities = [s for s in seats if s.urban]
    for _ in range(max(0, count - len(rows))):
        roll = rng.random()
        if roll < 0.12 and cities:
            seat = cities[int(rng.integers(0, len(cities)))]
            kind = CITY_KINDS[int(rng.integers(0, len(CITY_KINDS)))][0]
        else:
            seat = seats[int(rng.integers(0, len(seats)))]
            kind = next(k for k, upto in _RURAL if roll < upto)
        named = namer.name(kind, seat) or namer.name(kind := "civilization_station", seat)
        if named is None:  # pragma: no cover - thousands of villages per county
            continue
        spread = 0.02 if kind in {c for c, _ in CITY_KINDS} else 0.09
        rows.append((named[0], kind, seat, namer.address(kind, named[1]),
                     seat.lon + rng.normal(0, spread), seat.lat + rng.normal(0, spread * 0.8)))
    return rows[:count]


def copy_stations(
    conn: psycopg.Connection,
    *,
    count: int,
    seats: list[Seat],
    org_of_seat: dict[str, int],
    city_names: dict[str, str],
    rng: np.random.Generator,
    tick: Callable[[int], None],
) -> list[SeededStation]:
    """COPY the planned stations (:func:`_station_plan`) with their addresses."""
    rows = _station_plan(count, seats, StationNamer(rng, city_names), rng)
    with conn.cursor().copy(
        "COPY station (name, kind, address, location_geom, region_code, organization_id, "
        "opening_hours, " + ", ".join(SIX_YOU) + ") FROM STDIN"
    ) as copy:
        for name, kind, seat, address, lon, lat in rows:
            flags = [bool(rng.random() < p) for p in (0.98, 0.9, 0.8, 0.85, 0.75, 0.7)]
            copy.write_row((name, kind, address, seed_point(lon, lat), seat.code,
                            org_of_seat.get(seat.code), OPENING_HOURS, *flags))
    tick(len(rows))
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM station ORDER BY id DESC LIMIT %s", (len(rows),)
        ).fetchall()
    ]
    return [SeededStation(i, seat, name, kind, lon, lat, org_of_seat.get(seat.code))
            for i, (name, kind, seat, _, lon, lat) in zip(reversed(ids), rows, strict=True)]


def day_weights(first: date, days: int) -> np.ndarray:
    """How likely each of ``days`` days from ``first`` holds service: weekends twice, campaign
    days (科技活动周, 全国科技工作者日, 科普日 …) five times as likely as another day."""
    weights = np.ones(days)
    for i in range(days):
        day = first + timedelta(days=i)
        if day.weekday() >= 5:
            weights[i] *= 2.0
        if (day.month, day.day) in CAMPAIGN_DAYS or (day.month == 5 and day.day <= 7):
            weights[i] *= 5.0
    return weights


def _demand_day_weights(start: date, days: int) -> np.ndarray:
    weights = day_weights(start + timedelta(days=1), days)
    return weights / weights.sum()


def copy_demands(
    conn: psycopg.Connection,
    *,
    count: int,
    stations: list[SeededStation],
    seats: list[Seat],
    rng: np.random.Generator,
    today: date,
    tick: Callable[[int], None],
    horizon_days: int = 42,
) -> int:
    """Open demands of every category over the coming weeks, more on campaign days; a
    station's demands lie at the station (within :data:`NEAR_STATION_M`), a community's
    around its county seat."""
    categories = list(CATEGORY_WEIGHTS)
    probs = np.array(list(CATEGORY_WEIGHTS.values()))
    cat = rng.choice(len(categories), size=count, p=probs / probs.sum())
    day = rng.choice(horizon_days, size=count, p=_demand_day_weights(today, horizon_days))
    start_min = rng.integers(16, 33, count) * 30  # 08:00 .. 16:00
    duration_min = rng.choice([90, 120, 180, 240], size=count, p=[0.3, 0.4, 0.2, 0.1])
    needed = rng.choice([1, 2, 3, 5], size=count, p=[0.45, 0.3, 0.15, 0.1])
    at_station = rng.random(count) < 0.6
    extra_skill = rng.random(count) < 0.15
    pick_station = rng.integers(0, max(1, len(stations)), count)
    pick_seat = rng.integers(0, len(seats), count)
    title_pick = rng.integers(0, 3, count)
    offset = rng.normal(0, 60, (count, 2))  # metres east and north of the station
    with conn.cursor().copy(
        "COPY demand (title, description, category, required_skills, needed, time_window, "
        "location_geom, station_id, region_code, raised_by, raised_by_kind, priority, "
        "requires_insurance) FROM STDIN"
    ) as copy:
        for i in range(count):
            category = categories[cat[i]]
            titles = TITLES[category]
            skills = [category]
            if extra_skill[i]:
                other = categories[(cat[i] + 1 + i % (len(categories) - 1)) % len(categories)]
                skills.append(other)
            begin = datetime.combine(
                today + timedelta(days=int(day[i]) + 1), datetime.min.time(), CST
            ) + timedelta(minutes=int(start_min[i]))
            end = begin + timedelta(minutes=int(duration_min[i]))
            if at_station[i] and stations:
                at = stations[pick_station[i]]
                station_id, seat, where, kind = at.id, at.seat, at.name, "station"
                lon, lat = near(at.lon, at.lat, float(offset[i, 0]), float(offset[i, 1]))
                raised_by = f"station:{station_id}"
            else:
                station_id, seat = None, seats[pick_seat[i]]
                where, kind = seat.name + TOWNS[i % len(TOWNS)], "community"
                lon, lat = seat.lon + rng.normal(0, 0.06), seat.lat + rng.normal(0, 0.05)
                raised_by = f"community:{seat.code}"
            copy.write_row(
                (
                    f"{where}{titles[title_pick[i] % len(titles)]}",
                    "",
                    category,
                    skills,
                    int(needed[i]),
                    f"[{begin.isoformat()},{end.isoformat()})",
                    seed_point(lon, lat),
                    station_id,
                    seat.code,
                    raised_by,
                    kind,
                    seat.priority,
                    category in {"emergency", "health"},
                )
            )
    tick(count)
    return count


def insert_projects_and_activities(
    conn: psycopg.Connection, *, org_ids: list[int], rng: np.random.Generator, today: date
) -> tuple[int, int]:
    """A few 智惠行动 projects per top team, each with activities open for sign-up."""
    teams = conn.execute(
        "SELECT o.id, o.name, o.region_code, ST_X(r.centroid::geometry), ST_Y(r.centroid::geometry)"
        " FROM organization o JOIN region r ON r.code = o.region_code"
        " WHERE o.level IN ('team', 'detachment') AND r.centroid IS NOT NULL"
        " AND o.id = ANY(%s) ORDER BY o.id",
        (org_ids,),
    ).fetchall()
    projects = activities = 0
    categories = list(CATEGORY_WEIGHTS)
    for n, (org_id, org_name, region_code, lon, lat) in enumerate(teams[::4]):
        category = categories[n % len(categories)]
        period = f"[{today - timedelta(days=60)},{today + timedelta(days=300)})"
        project_id = conn.execute(
            "INSERT INTO project (name, owner_id, category, period, funding_yuan, description)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (
                f"智惠行动·{org_name.removesuffix('科技志愿服务队')}{TITLES[category][0]}项目",
                org_id,
                category,
                period,
                float(rng.integers(2, 20)) * 10_000,
                "科技志愿服务智惠行动子项目",
            ),
        ).fetchone()
        assert project_id is not None
        projects += 1
        for k in range(2):
            begin = datetime.combine(
                today + timedelta(days=int(rng.integers(2, 40))), datetime.min.time(), CST
            ) + timedelta(hours=9)
            conn.execute(
                "INSERT INTO activity (title, organization_id, project_id, category, time_window,"
                " location_geom, region_code, capacity) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    f"{TITLES[category][k % len(TITLES[category])]}（第{k + 1}期）",
                    org_id,
                    project_id[0],
                    category,
                    f"[{begin.isoformat()},{(begin + timedelta(hours=3)).isoformat()})",
                    seed_point(float(lon) + rng.normal(0, 0.02),
                               float(lat) + rng.normal(0, 0.02)),
                    region_code,
                    int(rng.choice([20, 30, 50, 100])),
                ),
            )
            activities += 1
    return projects, activities
