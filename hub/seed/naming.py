"""Names and addresses a 科协 would recognise for the demo's stations.

A station is named by its kind and its place: the county's 新时代文明实践中心, a town's 实践所
and 党群服务中心, a village's 实践站, a community's 科普活动室, and in cities the city's own
科技馆 and 博物馆 (郑州科技馆) or a county's. Places come from the division names of
``hub/data/cn_regions_adcodes.csv``; towns, villages and roads below a county are not in that
table, so they are made from common stems (李庄镇, 王寨村, 文化路). Every name is unique in a
seed run: a drawn name already used is drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hub.seed.places import PROVINCES, Seat

STEMS = tuple("李王张刘陈杨赵黄周吴马石白柳高郭何罗宋梁谢韩唐冯董程曹袁许沈曾彭吕苏卢蒋蔡"
              "贾丁魏薛叶余潘杜夏钟汪田任姜范方姚谭廖邹熊金陆郝孔崔康毛邱秦史顾侯邵孟龙万段")
TOWN_FORMS = ("{}庄镇", "{}集镇", "{}店镇", "{}桥镇", "{}寨乡", "{}营乡", "{}河镇", "{}湾乡",
              "{}岗镇", "{}坡乡", "{}楼镇", "{}屯乡")
SEAT_TOWNS = ("城关镇", "东城街道", "西城街道", "南关街道", "北关街道", "新华街道", "城郊乡")
VILLAGE_FORMS = ("{}庄村", "{}家村", "{}营村", "{}沟村", "{}寨村", "{}湾村", "{}坡村",
                 "{}岗村", "{}屯村", "{}楼村", "{}河村", "{}洼村")
COMMUNITY_FORMS = ("{}苑社区", "{}园社区", "{}里社区", "{}华社区", "{}馨社区")
COMMUNITY_STEMS = ("锦绣", "幸福", "和谐", "金桥", "阳光", "翠竹", "康宁", "景华", "春晖", "安居",
                   "文博", "光明", "嘉禾", "兴业", "颐和", "桂园", "紫荆", "丰泽")
ROADS = ("人民路", "解放路", "建设路", "文化路", "中山路", "和平路", "新华路", "胜利路", "黄河路",
         "长江路", "友谊路", "工业路", "花园路", "农业路", "红旗路", "迎宾大道", "朝阳路", "光明路",
         "健康路", "团结路", "幸福路", "育才路", "学院路", "东风路", "五一路", "振兴路", "民主路",
         "滨河路", "府前街", "东大街", "西大街", "南大街", "北大街", "新建街", "商业街", "兴隆街")
BASE_THEMES = ("农业", "气象", "地震", "防灾减灾", "生态环境", "中医药", "水利", "林业", "天文",
               "交通安全", "食品安全", "消防")
RURAL_KINDS = frozenset({"civilization_institute", "civilization_station",
                         "party_service_center"})


@dataclass(frozen=True)
class Place:
    """Where a station is: its seat (county), the town and village or community below."""

    seat: Seat
    town: str
    village: str
    community: str


def city_short(name: str) -> str:
    """郑州市 → 郑州, 临夏回族自治州 → 临夏州: how a city names its own museums."""
    if name.endswith("市"):
        return name[:-1]
    if name.endswith("自治州"):
        return name[:2] + "州"
    return name


class StationNamer:
    """Draws unique, plausible station names and addresses (deterministic given ``rng``)."""

    def __init__(self, rng: np.random.Generator, city_names: dict[str, str]) -> None:
        self.rng = rng
        self.city_names = city_names
        self.taken: set[str] = set()

    def _pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(0, len(options)))]

    def place(self, seat: Seat) -> Place:
        """A town (the seat's own half the time), a village and a community in ``seat``."""
        town = (self._pick(SEAT_TOWNS) if self.rng.random() < 0.3
                else self._pick(TOWN_FORMS).format(self._pick(STEMS)))
        village = self._pick(VILLAGE_FORMS).format(self._pick(STEMS))
        community = (self._pick(COMMUNITY_FORMS).format(self._pick(COMMUNITY_STEMS))
                     if self.rng.random() < 0.6 else self._pick(ROADS) + "社区")
        return Place(seat, town, village, community)

    def name(self, kind: str, seat: Seat) -> tuple[str, Place] | None:
        """A name not used before for a station of ``kind`` in ``seat``, and its place; None
        when ``kind`` has no unused name there (a county has one 革命纪念馆)."""
        for _ in range(12):
            place = self.place(seat)
            candidate = self._candidate(kind, place)
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate, place
        return None

    def _candidate(self, kind: str, place: Place) -> str:
        seat = place.seat
        city = city_short(self.city_names.get(seat.city_code, ""))
        own = self.rng.random() < 0.5 and bool(city) and seat.city_code != seat.code
        builders: dict[str, Callable[[], str]] = {
            "civilization_center": lambda: f"{seat.name}新时代文明实践中心",
            "civilization_institute": lambda: f"{seat.name}{place.town}新时代文明实践所",
            "civilization_station": lambda: (
                f"{seat.name}{place.town}{place.village}新时代文明实践站"),
            "party_service_center": lambda: f"{seat.name}{place.town}党群服务中心",
            "community_facility": lambda: f"{seat.name}{place.community}科普活动室",
            "science_museum": lambda: f"{city}科技馆" if own else f"{seat.name}科技馆",
            "museum": lambda: f"{city}博物馆" if own else f"{seat.name}博物馆",
            "memorial_hall": lambda: f"{seat.name}革命纪念馆",
            "park": lambda: f"{seat.name}科普主题公园",
            "science_base": lambda: f"{seat.name}{self._pick(BASE_THEMES)}科普教育基地",
        }
        return builders[kind]()

    def address(self, kind: str, place: Place) -> str:
        """省 市 县 (镇) 路/街 + 号: a rural station's address names its town too."""
        seat = place.seat
        province = PROVINCES.get(seat.code[:2], "")
        city = self.city_names.get(seat.city_code, "") if seat.city_code != seat.code else ""
        number = int(self.rng.integers(1, 300))
        town = place.town if kind in RURAL_KINDS else ""
        return f"{province}{city}{seat.name}{town}{self._pick(ROADS)}{number}号"
