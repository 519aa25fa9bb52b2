"""Template columns for collective registration (集体注册信息表, seed 004), and header matching.

One :class:`Column` per template column: its Chinese header, whether it is required, the
other headers people write for it (aliases), and what the template needs to draw it (width,
text format, drop-down choices, an example value, a line of instructions). The validators
find columns by header, not by position, so columns may be reordered, and headers may carry
``*``, spaces or a trailing hint in parentheses (``身份证号（必填）``).

A row is the template's example row when its 序号 cell — or, without a 序号 column, its first
cell — starts with :data:`EXAMPLE_MARK` (示例); validators skip it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.registration.normalize import clean_text
from hub.registration.vocab import (
    COHORTS,
    CRS,
    EDUCATION,
    GENDERS,
    ORG_KINDS,
    ORG_LEVELS,
    SKILLS,
    TEAM_ROLES,
    Vocabulary,
)

EXAMPLE_MARK = "示例"
SEQ_KEY = "seq"
SKILL_LEVEL_CHOICES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True, slots=True)
class Column:
    """One template column. ``key`` is the attribute name of the row dataclass it fills."""

    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14
    text_format: bool = False
    date_format: bool = False
    vocabulary: Vocabulary | None = None
    choices: tuple[str, ...] = ()
    multi: bool = False
    help: str = ""
    example: str | float | None = None

    @property
    def dropdown(self) -> tuple[str, ...]:
        """The values offered in the template's drop-down list (labels unless overridden)."""
        if self.choices:
            return self.choices
        return tuple(self.vocabulary.labels.values()) if self.vocabulary else ()


def _seq() -> Column:
    return Column(
        SEQ_KEY, "序号", aliases=("编号",), width=8, help="可不填；填“示例”的行为示例，导入时跳过"
    )


def _coordinates(prefix: str, example: tuple[float, float]) -> tuple[Column, ...]:
    return (
        Column(
            "longitude",
            f"{prefix}经度",
            aliases=("经度", "居住地经度", "所在地经度"),
            width=12,
            help="十进制度，如 103.8343；与纬度同时填写",
            example=example[0],
        ),
        Column(
            "latitude",
            f"{prefix}纬度",
            aliases=("纬度", "居住地纬度", "所在地纬度"),
            width=12,
            help="十进制度，如 36.0611",
            example=example[1],
        ),
        Column(
            "crs",
            "坐标系",
            aliases=("坐标系统", "坐标类型"),
            width=12,
            vocabulary=CRS,
            choices=tuple(CRS.codes),
            help="WGS84（GPS/天地图）、GCJ02（高德/腾讯）或 BD09（百度）；不填按 WGS84 处理",
            example="WGS84",
        ),
    )


VOLUNTEER_COLUMNS: tuple[Column, ...] = (
    _seq(),
    Column(
        "name", "姓名", True, ("真实姓名", "志愿者姓名"), 10, help="与身份证一致，2–30字",
        example="李华",
    ),
    Column(
        "id_number", "身份证号", True, ("身份证号码", "公民身份号码", "证件号码", "身份证"), 22,
        text_format=True, help="18位；本列为文本格式，请勿改为数字", example="11010519491231002X",
    ),
    Column(
        "gender", "性别", False, (), 6, vocabulary=GENDERS, help="可不填，以身份证号为准",
        example="女",
    ),
    Column(
        "mobile", "手机号", True, ("手机号码", "手机", "联系电话", "移动电话", "联系方式"), 15,
        text_format=True, help="11位大陆手机号，可带 +86", example="13800138000",
    ),
    Column(
        "education", "学历", True, ("文化程度", "最高学历"), 10, vocabulary=EDUCATION,
        help="高中/中专及以上（初中及以下不能注册）", example="本科",
    ),
    Column(
        "cohorts", "人群类别", False, ("人群分类", "人员类别", "志愿者类别"), 18,
        vocabulary=COHORTS, multi=True, help="可多选，用“、”分隔", example="老科技工作者、科研人员",
    ),
    Column(
        "skills", "技能", False, ("专业技能", "技能领域", "服务领域", "服务类别"), 22,
        vocabulary=SKILLS, multi=True, help="可多选，用“、”分隔", example="医疗健康、科学辟谣",
    ),
    Column(
        "skill_levels", "技能等级", False, ("等级",), 10, choices=SKILL_LEVEL_CHOICES,
        help="1–5（1了解…5专家）；一个数对应全部技能，或按技能顺序用“、”分隔；不填为1",
        example="4、3",
    ),
    Column(
        "specialty", "专业特长", False, ("特长", "专长", "专业"), 18, help="自由填写",
        example="心血管内科",
    ),
    Column("employer", "工作单位", False, ("单位", "所在单位"), 20, example="兰州大学第一医院"),
    Column("title", "职称职务", False, ("职称", "职务", "职称/职务"), 12, example="主任医师"),
    Column("email", "电子邮箱", False, ("邮箱", "email", "e-mail"), 20),
    Column(
        "region_code", "居住地行政区划代码", False,
        ("行政区划代码", "所在地区代码", "区划代码"), 16, text_format=True,
        help="6、9或12位，如 620102（兰州市城关区）", example="620102",
    ),
    Column("address", "居住地址", False, ("居住地", "地址", "详细地址", "现住址"), 24),
    *_coordinates("居住地", (103.8343, 36.0611)),
    Column("availability", "可服务时间", False, ("服务时间", "空闲时间"), 16, example="周末"),
    Column(
        "team", "所属队伍", False, ("所属组织", "所属队伍名称", "队伍名称"), 26,
        help="队伍全称；不填则加入上传者所在队伍", example="兰州市科技志愿服务队",
    ),
    Column(
        "role", "队伍内角色", False, ("角色", "队内角色"), 10, vocabulary=TEAM_ROLES,
        help="队员、队长或管理员；不填为队员", example="队员",
    ),
    Column(
        "insurance_until", "保险有效期至", False, ("保险有效期", "保险到期日", "保险截止日期"), 14,
        date_format=True, help="意外险到期日，如 2026-12-31", example="2026-12-31",
    ),
    Column("note", "备注", False, (), 20),
)  # fmt: skip

ORGANIZATION_COLUMNS: tuple[Column, ...] = (
    _seq(),
    Column(
        "name", "队伍名称", True, ("组织名称", "名称", "队伍全称"), 36,
        help="按命名规则填写全称，如 兰州市科技志愿服务队",
        example="甘肃省农学会科技志愿服务队土壤肥料专委会支队",
    ),
    Column(
        "level", "层级", True, ("队伍层级", "级别"), 8, vocabulary=ORG_LEVELS,
        help="总队、队、支队或分队；须低于上级队伍", example="支队",
    ),
    Column(
        "parent", "上级队伍", False, ("上级组织", "上级队伍名称"), 30,
        help="上级队伍全称；总队不填", example="甘肃省农学会科技志愿服务队",
    ),
    Column(
        "region_code", "所在行政区划代码", True, ("行政区划代码", "区划代码"), 16, text_format=True,
        help="6、9或12位，如 620000（甘肃省）", example="620000",
    ),
    Column(
        "kind", "类型", False, ("队伍类型", "组织类型", "单位类型"), 16, vocabulary=ORG_KINDS,
        help="省级科协、学会、专委会、市（州）、县（区）或单位", example="学会专委会",
    ),
    Column(
        "service_categories", "服务领域", False, ("服务类别", "服务方向"), 22, vocabulary=SKILLS,
        multi=True, help="可多选，用“、”分隔", example="农业实用技术、产业与乡村振兴",
    ),
    Column("captain_name", "队长姓名", True, ("队长",), 10, example="王强"),
    Column(
        "captain_mobile", "队长手机号", True, ("队长手机号码", "队长手机", "队长联系电话"), 15,
        text_format=True, example="13900139000",
    ),
    Column("admin_name", "管理员姓名", False, ("管理员",), 10),
    Column(
        "admin_mobile", "管理员手机号", False,
        ("管理员手机号码", "管理员手机", "管理员联系电话"), 15, text_format=True,
    ),
    Column("email", "联系邮箱", False, ("电子邮箱", "邮箱"), 20),
    Column(
        "founded_on", "成立日期", False, ("成立时间",), 12, date_format=True,
        example="2023-05-30",
    ),
    Column("address", "地址", False, ("办公地址", "所在地址", "详细地址"), 24),
    *_coordinates("", (103.8236, 36.0581)),
    Column("description", "队伍简介", False, ("简介", "队伍介绍"), 30),
    Column("note", "备注", False, (), 20),
)  # fmt: skip

_HINT = re.compile(r"[(（][^)）]*[)）]$")
_DROP = re.compile(r"[\s*＊:：]+")


def header_key(text: str) -> str:
    """Header as compared: NFKC, no whitespace, ``*`` or ``:``, no trailing ``(hint)``."""
    key = _DROP.sub("", unicodedata.normalize("NFKC", text))
    key = _HINT.sub("", key) or key
    return key.lower()


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Where each known column is in a file's header row, and what is wrong with the headers."""

    index: dict[str, int]
    headers: dict[str, str]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    duplicates: tuple[str, ...]


def map_headers(headers: tuple[str, ...], columns: tuple[Column, ...]) -> HeaderMap:
    """Match a file's headers to ``columns`` by header or alias."""
    by_key: dict[str, Column] = {}
    for column in columns:
        for word in (column.header, *column.aliases):
            by_key.setdefault(header_key(word), column)
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for position, text in enumerate(headers):
        if not text:
            continue
        found = by_key.get(header_key(text))
        if found is None:
            unknown.append(text)
        elif found.key in index:
            duplicates.append(text)
        else:
            index[found.key] = position
            shown[found.key] = text
    missing = tuple(c.header for c in columns if c.required and c.key not in index)
    return HeaderMap(index, shown, missing, tuple(unknown), tuple(duplicates))


def is_example_row(values: tuple[object, ...], index: dict[str, int]) -> bool:
    """True for the template's example row (its 序号 or first cell starts with 示例).

    ``index`` is :attr:`HeaderMap.index`: column key → position.
    """
    position = index.get(SEQ_KEY, 0)
    if position >= len(values):
        return False
    text = clean_text(values[position])
    return text is not None and text.startswith(EXAMPLE_MARK)
