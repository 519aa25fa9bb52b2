"""Tile contents: coarsened homes for callers the policy denies, exact for the others; cluster
counts that add up; filters."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from hub.auth.ids import region_prefix
from hub.geo.geodesy import coarsen
from hub.settings import Settings
from hub.store.tiles import CLUSTER_BELOW_Z
from tests.tiles.tiles_helpers import EXTENT, bearer, features, tile_of, to_tile_units

Z = 13


@pytest.fixture(scope="module")
def homes(seeded_url: str) -> dict[int, tuple[float, float, str]]:
    """Active volunteers' homes: id → (lon, lat, region code)."""
    with psycopg.connect(seeded_url) as conn:
        rows = conn.execute("SELECT id, ST_X(home_geom), ST_Y(home_geom), region_code "
                            "FROM volunteer WHERE status = 'active' AND home_geom IS NOT NULL")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


@pytest.fixture(scope="module")
def busy_tile(homes: dict[int, tuple[float, float, str]]) -> tuple[int, int]:
    """The z13 tile holding the most volunteers."""
    counts: dict[tuple[int, int], int] = {}
    for lon, lat, _ in homes.values():
        key = tile_of(lon, lat, Z)
        counts[key] = counts.get(key, 0) + 1
    return max(counts, key=lambda k: (counts[k], k))


def _points(client: TestClient, path: str, headers: dict[str, str] | None = None
            ) -> dict[int, dict[str, Any]]:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return {f["id"]: f for f in features(response.content, "volunteers")}


def _close(feature: dict[str, Any], lon: float, lat: float, x: int, y: int) -> bool:
    px, py = to_tile_units(lon, lat, Z, x, y)
    fx, fy = feature["geometry"]["coordinates"]
    return abs(fx - px) <= 1 and abs(fy - py) <= 1


def test_partners_get_coarse_homes_and_admin_exact_at_the_same_tile(
        client: TestClient, admin: dict[str, str], settings: Settings, homes: dict[int, Any],
        busy_tile: tuple[int, int]) -> None:
    x, y = busy_tile
    path = f"/tiles/volunteers/{Z}/{x}/{y}.mvt"
    partner = bearer(settings, role="partner")
    exact, coarse = _points(client, path, admin), _points(client, path, partner)
    assert len(exact) >= 2
    for vid, feature in exact.items():
        lon, lat, _ = homes[vid]
        assert feature["properties"]["exact"] is True
        assert _close(feature, lon, lat, x, y)
    moved = 0
    for vid, feature in coarse.items():
        lon, lat, _ = homes[vid]
        clon, clat = coarsen(lon, lat)
        assert feature["properties"]["exact"] is False
        assert _close(feature, clon, clat, x, y)
        moved += not _close(feature, lon, lat, x, y)
    assert moved > 0


def test_anonymous_callers_get_counts_per_cell_at_every_zoom(
        client: TestClient, settings: Settings, homes: dict[int, Any],
        busy_tile: tuple[int, int]) -> None:
    """No record of anyone: no volunteer id, status or skill; counts of coarse homes."""
    x, y = busy_tile
    cells = features(client.get(f"/tiles/volunteers/{Z}/{x}/{y}.mvt").content, "volunteers")
    assert cells and all(set(c["properties"]) == {"count"} for c in cells)
    in_tile = [coarsen(lon, lat) for lon, lat, _ in homes.values()]
    expected = sum(1 for lon, lat in in_tile if tile_of(lon, lat, Z) == (x, y))
    assert sum(c["properties"]["count"] for c in cells) == expected


def test_a_dispatcher_sees_exact_homes_only_inside_their_region(
        client: TestClient, settings: Settings, homes: dict[int, Any],
        busy_tile: tuple[int, int]) -> None:
    x, y = busy_tile
    inside = [h for h in homes.values() if tile_of(h[0], h[1], Z) == (x, y)]
    region = inside[0][2]
    headers = bearer(settings, role="dispatcher", region=region)
    got = _points(client, f"/tiles/volunteers/{Z}/{x}/{y}.mvt", headers)
    assert any(f["properties"]["exact"] for f in got.values())
    for vid, feature in got.items():
        assert feature["properties"]["exact"] is homes[vid][2].startswith(region_prefix(region))


def _cells(client: TestClient, z: int, x: int, y: int, headers: dict[str, str] | None = None,
           query: str = "") -> int:
    body = client.get(f"/tiles/volunteers/{z}/{x}/{y}.mvt{query}", headers=headers or {}).content
    cells = features(body, "volunteers")
    assert all(0 <= c["geometry"]["coordinates"][0] <= EXTENT for c in cells)
    return sum(c["properties"]["count"] for c in cells)


@pytest.mark.parametrize("as_admin", [False, True])
def test_cluster_counts_add_up(client: TestClient, admin: dict[str, str], homes: dict[int, Any],
                               as_admin: bool) -> None:
    headers = admin if as_admin else None
    # Over the whole world at z2, every active volunteer is counted once.
    world = sum(_cells(client, 2, x, y, headers) for x in range(4) for y in range(4))
    assert world == len(homes)
    # A parent's count is its four children's.
    lon, lat, _ = homes[min(homes)]
    px, py = tile_of(lon, lat, 7)
    parent = _cells(client, 7, px, py, headers)
    children = sum(_cells(client, 8, 2 * px + dx, 2 * py + dy, headers)
                   for dx in (0, 1) for dy in (0, 1))
    assert parent == children > 0
    assert CLUSTER_BELOW_Z > 8  # both levels are clustered


def test_the_skills_filter_counts_only_volunteers_with_all_the_skills(
        client: TestClient, seeded_url: str) -> None:
    with psycopg.connect(seeded_url) as conn:
        row = conn.execute("SELECT count(*) FROM volunteer WHERE status = 'active' AND home_geom "
                           "IS NOT NULL AND skill_codes @> '{health}'").fetchone()
    assert row is not None
    total = sum(_cells(client, 2, x, y, query="?skills=health") for x in range(4) for y in range(4))
    assert total == row[0] > 0


def test_demand_filters(client: TestClient, seeded_url: str) -> None:
    with psycopg.connect(seeded_url) as conn:
        row = conn.execute("SELECT (lower(time_window) AT TIME ZONE 'Asia/Shanghai')::date, "
                           "ST_X(location_geom), ST_Y(location_geom) FROM demand "
                           "WHERE category = 'health' ORDER BY id LIMIT 1").fetchone()
    assert row is not None
    day, lon, lat = row
    x, y = tile_of(lon, lat, 6)
    body = client.get(f"/tiles/demands/6/{x}/{y}.mvt?category=health&date={day}").content
    got = features(body, "demands")
    assert got
    assert {f["properties"]["category"] for f in got} == {"health"}
    assert all(f["properties"]["starts"][:10] <= str(day) for f in got)
    other = client.get(f"/tiles/demands/6/{x}/{y}.mvt?category=health,emergency").content
    assert len(features(other, "demands")) >= len(got)
