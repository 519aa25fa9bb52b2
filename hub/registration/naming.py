"""Naming rules for teams in the hierarchy 总队 → 队 → 支队 → 分队 (seed 002, 甘科协发〔2023〕11号).

The rules, and how this module applies them:

* province corps: ``甘肃省科技志愿服务总队`` — the place must be a province-level name
  (…省, …自治区, a municipality such as 北京市, or 新疆生产建设兵团);
* society teams: ``**学会科技志愿服务队`` (also 协会, 研究会);
* a society's committee: ``**学会科技志愿服务队**专委会支队``;
* city teams: ``**市（州）科技志愿服务队``, i.e. ``兰州市…`` or ``临夏回族自治州…`` (盟, 地区 too);
* county teams: ``**县（区）科技志愿服务队``, i.e. ``榆中县…`` or ``城关区…`` (旗, county-level 市);
* units: ``**单位科技志愿服务队`` — any unit name, so *every* ``X科技志愿服务队`` fits level 队;
* squads: ``…科技志愿服务…分队``; other detachments: ``…科技志愿服务…支队``.

The seed lets teams outside these patterns be named "under the guidance of the provincial
association", so :func:`check_name` separates two kinds of finding: ``is_error`` when the name
contradicts its level or cannot be a name at all (reject the row), and otherwise a warning
with a suggested name (accept, and show the suggestion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.registration.normalize import clean_name_text
from hub.registration.vocab import ORG_LEVEL_RANK, ORG_LEVELS

TERM = "科技志愿服务"
LEVEL_SUFFIX = {"corps": "总队", "team": "队", "detachment": "支队", "squad": "分队"}

# fmt: off
PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省",
    "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
    "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
    "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
    "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区", "新疆生产建设兵团",
)
# fmt: on
_SHORT = {re.sub(r"(壮族|回族|维吾尔)?(自治区|特别行政区|省|市)$", "", p): p for p in PROVINCES}

_LEVEL_WORD = r"(?:总队|支队|分队|队)"
# Misspellings of the service term just before the level word, most specific first.
_TERM_FIXES = (
    (re.compile(r"科技志愿者服务"), TERM),
    (re.compile(rf"科技志愿者?(?!服务)(?={_LEVEL_WORD})"), TERM),
    (re.compile(rf"(?<!科技)志愿者?服务(?={_LEVEL_WORD})"), TERM),
    (re.compile(rf"科技服务(?={_LEVEL_WORD})"), TERM),
    (re.compile(rf"(?<![技务])志愿者?(?={_LEVEL_WORD})"), TERM),
)
# Endings that are not a level word: 服务团, 服务大队 … replaced by the level's own word.
_WRONG_ENDING = re.compile(r"(?:团队|服务团|团|大队|中队|小队)$")
_PLACEHOLDER = re.compile(r"\*|＊|某某|XX|xx")
_SOCIETY = re.compile(r"^(?P<society>.+?(?:学会|协会|研究会))(?P<rest>.*)$")
_COMMITTEE = re.compile(r"(专委会|专业委员会|工作委员会|分会)")


@dataclass(frozen=True, slots=True)
class NameCheck:
    """The outcome of :func:`check_name`.

    ``ok`` — the name follows the rules. Otherwise ``reason`` (English) / ``reason_zh``
    explain, ``suggestion`` is a corrected name when one can be derived, and ``is_error`` says
    the name cannot be accepted as it is (contradicts its level, is a placeholder, …).
    """

    ok: bool
    reason: str | None = None
    suggestion: str | None = None
    reason_zh: str | None = None
    is_error: bool = False


def normalize_org_name(name: str) -> str:
    """A team name as stored: trimmed, no spaces next to Chinese, parentheses full-width."""
    return clean_name_text(name) or ""


def infer_level(name: str) -> str | None:
    """The level a name claims by its last word: 总队, 支队, 分队 or 队; ``None`` otherwise."""
    for level in ("corps", "detachment", "squad"):
        if name.endswith(LEVEL_SUFFIX[level]):
            return level
    if name.endswith(("大队", "中队", "小队")):
        return None
    return "team" if name.endswith("队") else None


def fix_term(name: str) -> str:
    """Repair common misspellings of 科技志愿服务 before the level word."""
    for pattern, replacement in _TERM_FIXES:
        name = pattern.sub(replacement, name)
    return name


class _Findings:
    def __init__(self, original: str) -> None:
        self.original = original
        self.reasons: list[str] = []
        self.reasons_zh: list[str] = []
        self.suggestion: str | None = None
        self.is_error = False

    def add(self, reason: str, reason_zh: str, *, suggestion: str | None = None) -> None:
        self.reasons.append(reason)
        self.reasons_zh.append(reason_zh)
        if suggestion is not None:
            self.suggestion = suggestion

    def error(self, reason: str, reason_zh: str) -> None:
        self.is_error = True
        self.add(reason, reason_zh)

    def result(self) -> NameCheck:
        if not self.reasons:
            return NameCheck(ok=True)
        suggestion = self.suggestion if self.suggestion != self.original else None
        return NameCheck(
            ok=False,
            reason="; ".join(self.reasons),
            suggestion=suggestion,
            reason_zh="；".join(self.reasons_zh),
            is_error=self.is_error,
        )


def check_name(
    name: str, level: str, parent_name: str | None = None, *, kind: str | None = None
) -> NameCheck:
    """Check a team name against the naming rules of its ``level`` (code or 总队/队/支队/分队).

    ``parent_name`` helps suggest a full name for 支队/分队 and catches a parent whose own
    name puts it at or below ``level``. ``kind`` (an :data:`~hub.registration.vocab.ORG_KINDS`
    code such as ``society`` or ``county``) makes the 队 rules specific.
    """
    level_code = ORG_LEVELS.lookup(level)
    if level_code is None:
        raise ValueError(f"unknown organization level {level!r}")
    original = normalize_org_name(name)
    found = _Findings(original)
    if not original:
        found.error("the name is empty", "名称为空")
        return found.result()
    if _PLACEHOLDER.search(original):
        found.error(
            "replace the ** placeholder with the real name", "请把“**”等占位符替换为实际名称"
        )
        return found.result()
    fixed = fix_term(original)
    suffix = LEVEL_SUFFIX[level_code]
    ending = _WRONG_ENDING.search(fixed)
    if ending and infer_level(fixed) is None:
        fixed = fix_term(fixed[: ending.start()].removesuffix("服务") + suffix)
    if fixed != original:
        found.add(
            f"use the standard wording …{TERM}{suffix}",
            f"应使用规范用语“{TERM}{suffix}”",
            suggestion=fixed,
        )
    claimed = infer_level(fixed)
    if claimed is None:
        found.error(f"the name must end with {suffix}", f"名称应以“{suffix}”结尾")
        found.suggestion = fixed + suffix if fixed.endswith(TERM) else fixed + TERM + suffix
        return found.result()
    if claimed != level_code:
        found.error(
            f"the name ends with {LEVEL_SUFFIX[claimed]} but the level is {suffix}; "
            "fix the level or the name",
            f"名称以“{LEVEL_SUFFIX[claimed]}”结尾，但层级为“{suffix}”，请更正层级或名称",
        )
        return found.result()
    _check_parent(found, level_code, parent_name)
    if level_code == "corps":
        _check_corps(found, fixed)
    elif level_code == "team":
        _check_team(found, fixed, kind)
    else:
        _check_lower(found, fixed, level_code, parent_name, kind)
    return found.result()


def _check_parent(found: _Findings, level: str, parent_name: str | None) -> None:
    if parent_name is None:
        return
    parent_level = infer_level(normalize_org_name(parent_name))
    if parent_level is not None and ORG_LEVEL_RANK[parent_level] >= ORG_LEVEL_RANK[level]:
        found.error(
            f"a {LEVEL_SUFFIX[level]} cannot be placed under a {LEVEL_SUFFIX[parent_level]}",
            f"“{LEVEL_SUFFIX[level]}”不能隶属于“{LEVEL_SUFFIX[parent_level]}”",
        )


def _province_prefix(place: str) -> str | None:
    for province in PROVINCES:
        if place.startswith(province):
            return province
    for short, province in _SHORT.items():
        if place.startswith(short) and not place.startswith(province):
            return province
    return None


def _check_corps(found: _Findings, name: str) -> None:
    place = name.removesuffix(TERM + "总队")
    if place == name:
        found.add(f"a 总队 is named <province>{TERM}总队", f"总队应命名为“**省{TERM}总队”")
        return
    if place in PROVINCES:
        return
    province = _province_prefix(place)
    if province is not None:
        found.add(
            "a 总队 is named after its province only, e.g. 甘肃省科技志愿服务总队",
            f"总队应以省级行政区全称命名，如“{province}{TERM}总队”",
            suggestion=f"{province}{TERM}总队",
        )
    elif re.search(r"(市|州|盟|地区|县|区|旗)$", place):
        found.add(
            "a 总队 is the province-level corps; a city or county forms a 队",
            "总队为省级，市（州）、县（区）应成立“科技志愿服务队”",
            suggestion=f"{place}{TERM}队",
        )
    else:
        found.add(
            "a 总队 name must begin with the province name (…省, …自治区 or a municipality)",
            "总队名称应以省、自治区或直辖市全称开头",
        )


def _check_team(found: _Findings, name: str, kind: str | None) -> None:
    stem = name.removesuffix(TERM + "队")
    if stem == name or not stem:
        found.error(
            f"a 队 is named <place, society or unit>{TERM}队",
            f"队应命名为“**{TERM}队”（**为地区、学会或单位名称）",
        )
        return
    fixed = re.sub(r"(?<=市)（州）|(?<=县)（区）|（市）|（州）|（县）|（区）", "", stem)
    fixed = re.sub(r"(?<=.)(科协|科学技术协会)$", "", fixed)
    if fixed != stem:
        found.add(
            "name the team after the place or unit itself (no 科协, no （州）/（区）)",
            "队名应直接使用地区或单位名称（不加“科协”或“（州）”“（区）”）",
            suggestion=f"{fixed}{TERM}队",
        )
    if fixed in PROVINCES:
        found.add(
            "a province forms the 总队, not a 队",
            "省级应成立“科技志愿服务总队”",
            suggestion=f"{fixed}{TERM}总队",
        )
        return
    expected = {
        "society": (r"(学会|协会|研究会)$", "**学会（协会、研究会）科技志愿服务队"),
        "city": (r"(市|州|盟|地区)$", "**市（州）科技志愿服务队"),
        "county": (r"(县|区|旗|市)$", "**县（区）科技志愿服务队"),
    }.get(kind or "")
    if expected and not re.search(expected[0], fixed):
        found.add(
            f"a {kind} team is named {expected[1]}",
            f"应命名为“{expected[1]}”",
        )


def _check_lower(
    found: _Findings, name: str, level: str, parent_name: str | None, kind: str | None
) -> None:
    suffix = LEVEL_SUFFIX[level]
    body = name.removesuffix(suffix)
    parent = normalize_org_name(parent_name) if parent_name else ""
    if level == "detachment" and (_COMMITTEE.search(body) or kind == "society_committee"):
        _check_committee(found, body, parent)
        return
    if TERM not in body:
        suggestion = f"{parent}{body}{suffix}" if parent.endswith("队") and parent else None
        found.add(
            f"a {suffix} name contains {TERM}, usually as <parent team name>…{suffix}",
            f"{suffix}名称应包含“{TERM}”，一般为“上级队伍名称+**{suffix}”",
            suggestion=suggestion,
        )


def _check_committee(found: _Findings, body: str, parent: str) -> None:
    pattern = rf"^.+(学会|协会|研究会){TERM}队.+(专委会|专业委员会|工作委员会|分会)$"
    if re.match(pattern, body):
        return
    suggestion = None
    society = _SOCIETY.match(body.replace(TERM + "队", "").replace(TERM, ""))
    if parent.endswith(TERM + "队") and not body.startswith(parent):
        committee = body.split(TERM + "队")[-1] if TERM + "队" in body else body
        match = _SOCIETY.match(committee)
        suggestion = f"{parent}{match.group('rest') if match else committee}支队"
    elif society and society.group("rest"):
        suggestion = f"{society.group('society')}{TERM}队{society.group('rest')}支队"
    found.add(
        f"a committee detachment is named **学会{TERM}队**专委会支队",
        f"专委会支队应命名为“**学会{TERM}队**专委会支队”",
        suggestion=suggestion,
    )
