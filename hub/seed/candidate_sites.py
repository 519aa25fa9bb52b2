"""Demo candidate sites for new stations (sql/0028): in every demo county, a middle school, a
党群服务中心 per town (a few), and in some a museum or library, placed 3–30 km from the county
seat so that some lie where no station reaches. Names are made up; not a real register."""

from __future__ import annotations

import numpy as np
import psycopg

from hub.seed.places import Seat

_KINDS = (("school", "第{n}中学"), ("party_service_center", "{town}镇党群服务中心"),
          ("museum", "博物馆"), ("library", "图书馆"), ("cultural_center", "文化馆"),
          ("village_committee", "{town}村村委会"))
_TOWNS = ("东关", "西河", "南岭", "北坡", "石桥", "柳林", "杨庄", "李营", "王湾", "高村",
          "新集", "马店")
_KM_PER_DEG = 111.0


def seed_candidate_sites(conn: psycopg.Connection, *, seats: list[Seat],
                         rng: np.random.Generator, per_county: int = 6) -> int:
    """Insert ``per_county`` sites in each county; how many."""
    rows = []
    for seat in seats:
        for k in range(per_county):
            kind, pattern = _KINDS[k % len(_KINDS)] if k < 2 else _KINDS[
                int(rng.integers(0, len(_KINDS)))]
            town = _TOWNS[int(rng.integers(0, len(_TOWNS)))]
            name = f"{seat.name}{pattern.format(n=k + 1, town=town)}"
            km, angle = float(rng.uniform(3, 30)), float(rng.uniform(0, 2 * np.pi))
            lat = seat.lat + km * np.sin(angle) / _KM_PER_DEG
            lon = seat.lon + km * np.cos(angle) / (_KM_PER_DEG * np.cos(np.radians(seat.lat)))
            rows.append((kind, name, lon, lat, seat.code, f"{seat.name}{town}"))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO candidate_site (kind, name, location_geom, region_code, address, "
            "source) VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, 'demo') "
            "ON CONFLICT (region_code, kind, name) DO NOTHING", rows)
    return len(rows)
