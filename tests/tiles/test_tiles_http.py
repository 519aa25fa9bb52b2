"""The tile route: 400s with reasons, ETag and 304, Cache-Control, the in-process cache."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from hub.tiles import MVT_MEDIA_TYPE, TileCache

TILE = "/tiles/stations/6/52/25.mvt"


@pytest.mark.parametrize(("path", "reason"), [
    ("/tiles/volunteers/3/9/1.mvt", "x=9 is outside 0..7 at z=3"),
    ("/tiles/volunteers/3/1/8.mvt", "y=8 is outside 0..7 at z=3"),
    ("/tiles/volunteers/21/0/0.mvt", "z=21 is outside 0..20"),
    ("/tiles/volunteers/a/0/0.mvt", "z='a' is not a non-negative integer"),
    ("/tiles/volunteers/3/-1/0.mvt", "x='-1' is not a non-negative integer"),
    ("/tiles/demands/3/1/1.mvt?date=2026-13-01", "date='2026-13-01' is not YYYY-MM-DD"),
    ("/tiles/demands/3/1/1.mvt?region=41", "region='41' is not a 12-digit division code"),
    ("/tiles/demands/3/1/1.mvt?colour=red", "unknown parameter 'colour'"),
])
def test_a_bad_address_or_filter_is_a_400_with_the_reason(client: TestClient, path: str,
                                                           reason: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["reason"].startswith(reason)


def test_an_unknown_layer_is_a_404(client: TestClient) -> None:
    response = client.get("/tiles/roads/1/1/1.mvt")
    assert response.status_code == 404
    assert "volunteers, stations, demands" in response.json()["reason"]


def test_a_tile_has_an_etag_and_a_matching_if_none_match_is_a_304(client: TestClient) -> None:
    first = client.get(TILE)
    assert first.status_code == 200
    assert first.headers["content-type"] == MVT_MEDIA_TYPE
    etag = first.headers["etag"]
    assert etag.startswith('"') and len(first.content) > 0
    again = client.get(TILE, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304
    assert again.content == b"" and again.headers["etag"] == etag
    assert client.get(TILE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_shared_tiles_are_public_and_caller_specific_ones_private(
        client: TestClient, admin: dict[str, str]) -> None:
    assert client.get(TILE).headers["cache-control"].startswith("public")
    assert client.get(TILE, headers=admin).headers["cache-control"].startswith("public")
    anonymous = client.get("/tiles/volunteers/6/52/25.mvt")
    assert anonymous.headers["cache-control"].startswith("public")
    exact = client.get("/tiles/volunteers/6/52/25.mvt", headers=admin)
    assert exact.headers["cache-control"].startswith("private")
    assert exact.headers["vary"] == "Authorization"
    assert exact.headers["etag"] != anonymous.headers["etag"]


def test_a_repeated_tile_comes_from_the_cache(client: TestClient) -> None:
    cache = client.app.state.tile_cache  # type: ignore[attr-defined]
    path = "/tiles/demands/7/104/51.mvt?category=health"
    client.get(path)
    hits, statements = cache.hits, client.app.state.db.statements  # type: ignore[attr-defined]
    second = client.get(path)
    assert second.status_code == 200
    assert cache.hits == hits + 1
    assert client.app.state.db.statements == statements  # type: ignore[attr-defined]


def test_the_cache_is_keyed_by_filters(client: TestClient) -> None:
    health = client.get("/tiles/demands/6/52/25.mvt?category=health")
    every = client.get("/tiles/demands/6/52/25.mvt")
    assert health.headers["etag"] != every.headers["etag"]


def test_the_console_config_names_the_basemap(client: TestClient) -> None:
    config = client.get("/console/config.json").json()
    assert config["tiles"] == "/tiles/{layer}/{z}/{x}/{y}.mvt"
    assert {"basemapUrl", "basemapCrs"} <= set(config)


def test_the_console_and_its_basemap_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'id="map"' in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/assets/") for a in assets), assets  # no CDN
    assert all(client.get(a).status_code == 200 for a in assets)
    regions = client.get("/console/regions.geojson").json()
    levels = {f["properties"]["level"] for f in regions["features"]}
    assert {"province", "city", "county"} <= levels
    assert client.get("/console/glyphs/sans/0-255.pbf").status_code == 200


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = TileCache(max_entries=3, max_bytes=10)
    for i in range(5):
        cache.put(("t", i), b"1234")
    assert cache.size_bytes == 8
    assert cache.get(("t", 4)) is not None and cache.get(("t", 2)) is None
    cache.put(("t", 4), b"12")
    assert cache.size_bytes == 6
