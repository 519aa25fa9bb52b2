"""Tiles by category and skill labels (医疗健康, 健康科普, Health) as well as codes; refusals
with the reason in Chinese and English, ``message`` in the language Accept-Language prefers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

TILE = "/tiles/demands/6/52/25.mvt"


@pytest.mark.parametrize("words", ["医疗健康", "健康科普", "Health", "health,医疗"])
def test_categories_and_skills_by_label_are_the_codes_tiles(client: TestClient, words: str):
    cache = client.app.state.tile_cache  # type: ignore[attr-defined]
    for param in ("category", "skills"):
        by_code = client.get(f"{TILE}?{param}=health")
        hits = cache.hits
        by_label = client.get(f"{TILE}?{param}={words}")
        assert by_label.status_code == 200 and by_label.content == by_code.content
        assert cache.hits == hits + 1  # one cache entry: the label became the code
    assert client.get(f"{TILE}?category=emergency").content != client.get(
        f"{TILE}?category=医疗健康").content


@pytest.mark.parametrize(("path", "zh"), [
    (f"{TILE}?category=烹饪", "不是可选的值，可选：health（医疗健康）"),
    (f"{TILE}?skills=health,占卜", "'占卜' 不是可选的值"),
    (f"{TILE}?date=2026-13-01", "不是 YYYY-MM-DD 格式的日期"),
    (f"{TILE}?colour=red", "不认识的参数 'colour'"),
    ("/tiles/volunteers/3/9/1.mvt", "瓦片编号无效"),
])
def test_refusals_in_both_languages(client: TestClient, path: str, zh: str):
    default = client.get(path).json()
    assert default["code"] == "BAD_USER_INPUT" and zh in default["messageZh"]
    assert default["message"] == default["messageZh"]
    assert default["messageEn"] == default["reason"]
    english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"}).json()
    assert english["message"] == english["messageEn"] == default["reason"]
    missing = client.get("/tiles/roads/1/1/1.mvt").json()
    assert missing["code"] == "NOT_FOUND" and "图层 'roads' 不存在" in missing["message"]
