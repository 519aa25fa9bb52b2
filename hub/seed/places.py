"""The demo's places: county seats of Henan and Gansu, and organisations named by seed 002."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

PROVINCES = {"41": "河南省", "62": "甘肃省"}


@dataclass(frozen=True)
class Seat:
    """A county-level (or city) seat where people live and demands arise."""

    code: str
    name: str
    city_code: str
    lon: float
    lat: float
    urban: bool
    priority: float


def seats(conn: psycopg.Connection) -> list[Seat]:
    """County-level divisions of the demo provinces with a point, in code order.

    Urban districts (区) weigh more when volunteers are spread; priority areas get a higher
    demand priority (seed 003: 老少边贫 first).
    """
    rows = conn.execute(
        """
        SELECT r.code, r.name, coalesce(p.code, r.code), ST_X(r.centroid::geometry),
               ST_Y(r.centroid::geometry),
               (r.is_remote::int + r.is_poor::int + r.is_border::int + r.is_ethnic::int
                + r.is_revolutionary::int)
          FROM region r LEFT JOIN region p ON p.code = r.parent_code AND p.level = 'city'
         WHERE r.level = 'county' AND r.centroid IS NOT NULL
           AND left(r.code, 2) = ANY(%s)
         ORDER BY r.code
        """,
        (list(PROVINCES),),
    ).fetchall()
    return [
        Seat(code, name, city, float(lon), float(lat), name.endswith("区"), 1.0 + 0.5 * int(nflags))
        for code, name, city, lon, lat, nflags in rows
    ]


@dataclass(frozen=True)
class OrgSpec:
    """An organisation to create; ``parent`` indexes an earlier spec."""

    name: str
    level: str
    region_code: str
    kind: str
    parent: int | None


SOCIETIES = {
    "41": ["河南省医学会", "河南省农学会", "河南省科普作家协会", "河南省营养学会"],
    "62": ["甘肃省医学会", "甘肃省农学会", "甘肃省地震学会", "甘肃省科普作家协会"],
}
COMMITTEES = ["急救", "青少年科技教育", "科学传播"]
UNITS = {
    "41": ["郑州大学", "河南大学", "河南农业大学", "河南省农业科学院", "河南省人民医院"],
    "62": ["兰州大学", "西北师范大学", "甘肃农业大学", "甘肃省农业科学院", "甘肃省人民医院"],
}
UNIT_KIND = {"大学": "university", "学院": "research_institute", "医院": "hospital"}


def organisation_specs(all_seats: list[Seat], city_names: dict[str, str]) -> list[OrgSpec]:
    """The hierarchy 总队 → 队 → 支队 → 分队 for each demo province.

    Seed 002 names a city's team “**市（州）科技志愿服务队”, a county's “**县（区）科技志愿服务队”
    and sets the order 总队—队—支队—分队; the county team therefore sits at the 支队 level
    under its city's 队 while keeping the name the rules give it, and each county has
    分队 squads at its civilisation-practice centre and for farming technology.
    """
    specs: list[OrgSpec] = []
    for prov, prov_name in PROVINCES.items():
        corps = len(specs)
        specs.append(
            OrgSpec(
                f"{prov_name}科技志愿服务总队", "corps", f"{prov}0000000000", "association", None
            )
        )
        city_index: dict[str, int] = {}
        for city_code, city_name in sorted(city_names.items()):
            if not city_code.startswith(prov):
                continue
            city_index[city_code] = len(specs)
            specs.append(
                OrgSpec(f"{city_name}科技志愿服务队", "team", city_code, "association", corps)
            )
        for society in SOCIETIES[prov]:
            team = len(specs)
            specs.append(
                OrgSpec(f"{society}科技志愿服务队", "team", f"{prov}0000000000", "society", corps)
            )
            for committee in COMMITTEES:
                specs.append(
                    OrgSpec(
                        f"{society}科技志愿服务队{committee}专委会支队",
                        "detachment",
                        f"{prov}0000000000",
                        "society",
                        team,
                    )
                )
        for unit in UNITS[prov]:
            kind = next((k for suffix, k in UNIT_KIND.items() if suffix in unit), "other")
            specs.append(OrgSpec(f"{unit}科技志愿服务队", "team", f"{prov}0000000000", kind, corps))
        for seat in all_seats:
            if not seat.code.startswith(prov):
                continue
            parent = city_index.get(seat.city_code, corps)
            county = len(specs)
            specs.append(
                OrgSpec(
                    f"{seat.name}科技志愿服务队", "detachment", seat.code, "association", parent
                )
            )
            specs.append(
                OrgSpec(
                    f"{seat.name}新时代文明实践中心科技志愿服务分队",
                    "squad",
                    seat.code,
                    "station",
                    county,
                )
            )
            specs.append(
                OrgSpec(
                    f"{seat.name}农技科技志愿服务分队", "squad", seat.code, "association", county
                )
            )
    return specs


def insert_organisations(conn: psycopg.Connection, specs: list[OrgSpec]) -> list[int]:
    """Insert the specs in order (parents first); return their ids."""
    ids: list[int] = []
    with conn.cursor() as cur:
        for spec in specs:
            parent_id = ids[spec.parent] if spec.parent is not None else None
            cur.execute(
                "INSERT INTO organization (name, level, parent_id, region_code, kind) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (spec.name, spec.level, parent_id, spec.region_code, spec.kind),
            )
            row = cur.fetchone()
            assert row is not None
            ids.append(int(row[0]))
    return ids
