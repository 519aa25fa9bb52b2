"""Plausible Chinese personal data for the demo: names, resident ID numbers, mobile numbers."""

from __future__ import annotations

from datetime import date

import numpy as np

from hub.registration.idcard import check_character

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN_MALE = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健志峰浩亮俊博文建国永庆振海")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞秀玲桂英红梅琳丹萍雪婷玉兰慧颖洁倩晶燕瑶佳怡欣")


def make_id_number(region6: str, birth: date, sequence: int, *, male: bool) -> str:
    """A valid 18-character resident ID number; the sequence's parity carries the gender."""
    seq = (sequence % 500) * 2 + (1 if male else 0)
    body = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return body + check_character(body)


def make_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """Two- or three-character names, one per entry of ``male``."""
    count = len(male)
    surname = rng.integers(0, len(SURNAMES), count)
    first = rng.integers(0, len(GIVEN_MALE), count)
    second = rng.integers(0, len(GIVEN_MALE), count)
    two = rng.random(count) < 0.6
    names = []
    for i in range(count):
        pool = GIVEN_MALE if male[i] else GIVEN_FEMALE
        given = pool[first[i] % len(pool)] + (pool[second[i] % len(pool)] if two[i] else "")
        names.append(SURNAMES[surname[i]] + given)
    return names


_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
)


def make_mobiles(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct-looking 11-digit mainland mobile numbers."""
    prefix = rng.integers(0, len(_MOBILE_PREFIXES), count)
    number = rng.integers(0, 100_000_000, count)
    return [f"{_MOBILE_PREFIXES[p]}{n:08d}" for p, n in zip(prefix, number, strict=True)]
