"""Controlled vocabularies: code name → Chinese label, and a tolerant reverse lookup.

Codes are what the database and the API store; labels are what people read and type. Every
:class:`Vocabulary` finds a code from its code, its label, or a listed alias, ignoring case,
whitespace, ``-``/``_`` and full-width forms (``ＷＧＳ－８４`` → ``WGS84``).

Sources: who may register, education ≥ high school (002); cohorts (000, 002, 003); service
categories (001, 003); the hierarchy 总队 → 队 → 支队 → 分队 (002). See ``shared/DOMAIN.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_KEY_DROP = re.compile(r"[\s\-_]+")
_MEMO_LIMIT = 10_000


def lookup_key(text: str) -> str:
    """The form used for matching: NFKC, no whitespace, ``-`` or ``_``, lower case."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


class Vocabulary:
    """An ordered set of codes, each with a Chinese label, plus aliases for the reverse lookup."""

    def __init__(
        self,
        name: str,
        labels: Mapping[str, str],
        aliases: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.name = name
        self.labels: dict[str, str] = dict(labels)
        self._index: dict[str, str] = {}
        self._memo: dict[str, str | None] = {}  # raw text → code; cells repeat a lot
        for code, label in self.labels.items():
            self._add(code, code)
            self._add(label, code)
            for part in label.split("/"):
                self._add(part, code)
        for code, words in (aliases or {}).items():
            if code not in self.labels:
                raise ValueError(f"{name}: alias for unknown code {code!r}")
            for word in words:
                self._add(word, code)

    def _add(self, word: str, code: str) -> None:
        key = lookup_key(word)
        if self._index.setdefault(key, code) != code:
            raise ValueError(f"{self.name}: {word!r} is ambiguous")

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes in their defined order."""
        return tuple(self.labels)

    def label(self, code: str) -> str:
        """The Chinese label of ``code`` (``KeyError`` if unknown)."""
        return self.labels[code]

    def lookup(self, text: str | None) -> str | None:
        """The code for a code, label or alias; ``None`` when not recognised."""
        if text is None:
            return None
        try:
            return self._memo[text]
        except KeyError:
            code = self._index.get(lookup_key(text))
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[text] = code
            return code

    def __contains__(self, code: object) -> bool:
        return code in self.labels


EDUCATION = Vocabulary(
    "education",
    {
        "high_school": "高中/中专",
        "associate": "大专",
        "bachelor": "本科",
        "master": "硕士",
        "doctorate": "博士",
    },
    {
        "high_school": [
            "高中",
            "中专",
            "职高",
            "中职",
            "技校",
            "普通高中",
            "中等专科",
            "高中及同等学力",
        ],
        "associate": ["专科", "大学专科", "高职", "高职高专", "大专及同等学力"],
        "bachelor": ["大学本科", "学士", "大学"],
        "master": ["研究生", "硕士研究生", "硕士学位"],
        "doctorate": ["博士研究生", "博士学位", "博士后"],
    },
)
#: Education order, for "at least" comparisons.
EDUCATION_RANK = {code: rank for rank, code in enumerate(EDUCATION.codes, start=1)}
#: Values recognised only so they can be rejected with the right reason (002: 高中以上文化程度).
BELOW_HIGH_SCHOOL = frozenset(
    lookup_key(word)
    for word in [
        "初中及以下",
        "初中",
        "小学",
        "小学及以下",
        "文盲",
        "半文盲",
        "未上学",
        "无",
        "学前",
    ]
)

COHORTS = Vocabulary(
    "cohort",
    {
        "university_student": "高校学生",
        "retired_scientist": "老科技工作者",
        "woman_scientist": "女科技工作者",
        "researcher": "科研人员",
        "enterprise_rnd": "企业研发人员",
        "museum_guide": "科技馆讲解员",
        "youth_tutor": "青少年科技辅导员",
        "agri_technician": "农技人员",
        "school_principal": "校长",
        "hospital_director": "院长",
        "agri_station_head": "农技站长",
    },
    {
        "university_student": ["大学生", "高校大学生", "在校大学生", "高校学生志愿者"],
        "retired_scientist": ["老科协", "老科协会员", "离退休科技工作者"],
        "researcher": ["科研院所科技人员", "科技人员", "科研院所人员"],
        "enterprise_rnd": ["企业科研人员", "企业科技人员", "企业技术人员"],
        "museum_guide": ["科普场馆辅导员", "科技馆辅导员", "讲解员", "场馆讲解员"],
        "youth_tutor": ["科技辅导员", "青少年辅导员"],
        "agri_technician": ["农技员", "农业技术人员", "农村专业技术人员"],
        "school_principal": ["中小学校长", "学校校长"],
        "hospital_director": ["医院院长", "卫生院院长"],
        "agri_station_head": ["农技站站长", "农技推广站站长"],
    },
)

SKILLS = Vocabulary(
    "skill",
    {
        "health": "医疗健康",
        "youth_science": "青少年科学教育",
        "biosafety": "生物安全",
        "emergency": "应急安全",
        "agri_tech": "农业实用技术",
        "anti_pseudoscience": "科学辟谣",
        "rural_industry": "产业与乡村振兴",
        "enterprise_innovation": "企业创新",
    },
    {
        "health": ["医疗", "健康", "医疗卫生", "卫生健康", "健康科普"],
        "youth_science": ["青少年科技教育", "科学教育", "青少年科普"],
        "emergency": ["应急", "应急救护", "应急科普", "安全应急", "防灾减灾"],
        "agri_tech": ["农业技术", "农技", "实用技术", "农技服务", "农业实用技术推广"],
        "anti_pseudoscience": ["辟谣", "反伪科学", "科学辟谣与反伪"],
        "rural_industry": ["乡村振兴", "产业振兴", "产业发展与乡村振兴"],
        "enterprise_innovation": ["企业技术创新", "科技创新服务"],
    },
)
SKILL_LEVEL_MIN = 1
SKILL_LEVEL_MAX = 5
#: Used when a skill is listed without a level: the most modest claim, never an inflated one.
DEFAULT_SKILL_LEVEL = 1
SKILL_LEVEL_LABELS = {1: "了解", 2: "熟悉", 3: "熟练", 4: "精通", 5: "专家"}

ORG_LEVELS = Vocabulary(
    "organization level",
    {"corps": "总队", "team": "队", "detachment": "支队", "squad": "分队"},
    {"corps": ["服务总队"], "team": ["服务队"]},
)
#: 1 = 总队 (top) … 4 = 分队; a child's rank must be strictly greater than its parent's.
ORG_LEVEL_RANK = {code: rank for rank, code in enumerate(ORG_LEVELS.codes, start=1)}

ORG_KINDS = Vocabulary(
    "organization kind",
    {
        "province": "省级科协",
        "society": "学会/协会/研究会",
        "society_committee": "学会专委会",
        "city": "市（州）科协",
        "county": "县（区）科协",
        "unit": "单位",
        "other": "其他",
    },
    {
        "province": ["省科协", "省级"],
        "society": ["省级学会", "学会科协"],
        "society_committee": ["专委会", "专业委员会", "学会专业委员会"],
        "city": ["市科协", "州科协", "市州科协", "市(州)", "市州"],
        "county": ["县科协", "区科协", "县区科协", "县(区)", "县区"],
        "unit": [
            "直属单位",
            "高校",
            "高校科协",
            "园区",
            "园区科协",
            "企业",
            "企业科协",
            "社会组织",
        ],
    },
)

GENDERS = Vocabulary(
    "gender",
    {"male": "男", "female": "女"},
    {"male": ["男性", "m"], "female": ["女性", "f"]},
)

CRS = Vocabulary(
    "coordinate system",
    {"WGS84": "WGS-84（GPS/天地图/北斗）", "GCJ02": "GCJ-02（高德/腾讯）", "BD09": "BD-09（百度）"},
    {
        "WGS84": ["GPS", "天地图", "CGCS2000", "EPSG:4326", "北斗", "WGS"],
        "GCJ02": ["高德", "腾讯", "火星坐标", "GCJ", "国测局坐标"],
        "BD09": ["百度", "BD09LL", "百度坐标", "BD"],
    },
)
#: Coordinates without a named system are taken as WGS-84 (GPS, Tianditu, the hub's storage
#: system). GCJ-02 is not a safe default: treating GPS positions as GCJ-02 moves them by
#: hundreds of metres, and the error is invisible in the data afterwards.
DEFAULT_CRS = "WGS84"

TEAM_ROLES = Vocabulary(
    "team role",
    {"member": "队员", "captain": "队长", "admin": "管理员"},
    {"member": ["成员", "志愿者", "普通队员"], "captain": ["负责人"], "admin": ["队伍管理员"]},
)
DEFAULT_TEAM_ROLE = "member"
