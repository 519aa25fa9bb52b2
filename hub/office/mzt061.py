"""The data elements of MZ/T 061 (《志愿服务信息系统基本规范》, Ministry of Civil Affairs, 2015)
the hub exports, each mapped to where its value comes from; and the volunteer unified number
(志愿者统一编号) used instead of the ID number.

The standard's text is not held offline here, so its exact element names and codes are not
quoted: each element is named as the standard's sections describe its data (volunteer,
organisation, project, training, awards, service time, evaluation, certificate), and no code
of the standard is invented. ``ELEMENTS`` is the one table: the export writes its columns from
it and docs/mzt061.md lists it (a test keeps the two equal).

The unified number: ``ZY`` and 16 characters of RFC 4648 base32 (A–Z, 2–7) taken from a keyed
hash (HMAC-SHA256 under the hub's data key, :meth:`hub.pii.PiiCipher.blind_index`) of the
volunteer's internal id with the purpose ``mzt061.volunteer``. It is stable (the same
volunteer, the same number, in every export under the same key), carries no personal data,
and cannot be turned back into an ID number — it is not made from one — nor into the internal
id without the key. 80 bits make a collision among 10^8 volunteers about a one-in-10^8 chance.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

UID_PURPOSE = "mzt061.volunteer"
"""The purpose the keyed hash of a unified number is taken under."""


def unified_number(mac: bytes) -> str:
    """The unified number from the keyed hash of a volunteer's id (first 80 bits)."""
    return "ZY" + base64.b32encode(mac[:10]).decode()


@dataclass(frozen=True)
class Element:
    """One exported data element: its name (Chinese, English), our column, a note."""

    zh: str
    en: str
    source: str
    note: str = ""


SECTIONS: dict[str, tuple[str, str]] = {
    "volunteer": ("志愿者", "Volunteers"),
    "organization": ("志愿服务组织", "Organisations"),
    "project": ("志愿服务项目", "Projects"),
    "training": ("培训", "Training"),
    "award": ("表彰奖励", "Awards"),
    "service": ("服务时间", "Service time"),
    "evaluation": ("评价", "Evaluation"),
    "certificate": ("志愿服务证明", "Certificates"),
}

E = Element
ELEMENTS: dict[str, tuple[Element, ...]] = {
    "volunteer": (
        E("志愿者统一编号", "Volunteer unified number", "keyed hash of volunteer.id",
          "instead of the ID number; see above"),
        E("姓名", "Name", "volunteer.real_name", "anonymised after an erasure"),
        E("性别", "Gender", "volunteer.gender", "男 / 女; blank when not given"),
        E("学历", "Education", "volunteer.education", "vocabulary label"),
        E("人群类别", "Cohorts", "volunteer.cohorts", "labels, 、-separated"),
        E("专业技能", "Skills", "volunteer.skill_codes", "category codes' labels"),
        E("所在地区", "Region", "volunteer.region_code", "12-digit division code"),
        E("注册时间", "Registered at", "volunteer.registered_at", "China Standard Time"),
        E("状态", "Status", "volunteer.status", "active / suspended / exited"),
        E("累计服务时长（小时）", "Total hours", "confirmed net hours, all time", ""),
        E("星级", "Stars", "hub_star_level(region, total hours)", "thresholds kept as data"),
    ),
    "organization": (
        E("组织编号", "Organisation number", "organization.id", "the hub's own number"),
        E("组织名称", "Name", "organization.name", ""),
        E("组织层级", "Level", "organization.level", "总队 / 队 / 支队 / 分队"),
        E("组织类型", "Kind", "organization.kind", "科协, 学会, 高校 …"),
        E("上级组织编号", "Parent number", "organization.parent_id", ""),
        E("所在地区", "Region", "organization.region_code", ""),
        E("成立（登记）时间", "Registered at", "organization.created_at", ""),
        E("成员数", "Members", "count of membership", "current members"),
        E("状态", "Status", "organization.status", ""),
    ),
    "project": (
        E("项目编号", "Project number", "project.id", ""),
        E("项目名称", "Name", "project.name", ""),
        E("服务类别", "Category", "project.category", "vocabulary label"),
        E("主办组织编号", "Organiser number", "project.owner_id", ""),
        E("开始日期", "Starts", "lower(project.period)", ""),
        E("结束日期", "Ends", "upper(project.period) - 1 day", "inclusive"),
        E("资金来源", "Funding source", "project.funding_source", ""),
        E("状态", "Status", "project.status", ""),
    ),
    "training": (
        E("志愿者统一编号", "Volunteer unified number", "(none)",
          "the hub records no training; the sheet is empty"),
        E("培训名称", "Training", "(none)", ""),
        E("培训时间", "When", "(none)", ""),
        E("培训学时", "Hours", "(none)", ""),
    ),
    "award": (
        E("获奖对象类别", "Recognised", "recognition_award.category",
          "志愿者 / 队伍 / 项目 / 服务点"),
        E("获奖对象编号", "Recipient number", "unified number (volunteers) or the id", ""),
        E("获奖对象名称", "Recipient", "name at publication; volunteers' from the volunteer", ""),
        E("奖项名称", "Award", "recognition_round.award", "优秀 / 四个十佳"),
        E("奖项级别", "Level", "recognition_round.level", "县级 / 市级 / 省级 / 全国"),
        E("授予地区", "Awarding region", "recognition_round.region_code", ""),
        E("年度", "Year", "recognition_round.year", ""),
        E("名次", "Place", "recognition_award.place", ""),
        E("发布时间", "Published at", "recognition_round.published_at", ""),
    ),
    "service": (
        E("记录编号", "Record number", "service_record.id", "originals; corrections netted"),
        E("志愿者统一编号", "Volunteer unified number", "keyed hash of volunteer_id", ""),
        E("组织编号", "Organisation number", "service_record.organization_id", ""),
        E("项目编号", "Project number", "activity.project_id", "activities only"),
        E("服务内容", "Service", "service_record.title", ""),
        E("服务日期", "Served on", "service_record.served_on", ""),
        E("服务地区", "Region", "service_record.region_code", ""),
        E("服务时长（小时）", "Hours", "net of corrections", ""),
        E("记录人", "Recorded by", "service_record.recorded_by", ""),
        E("确认时间", "Confirmed at", "service_record_confirmation.confirmed_at",
          "blank while pending"),
    ),
    "evaluation": (
        E("评价编号", "Evaluation number", "review.id", ""),
        E("评价方向", "Direction", "review.direction", "群众评服务 / 志愿者评组织方"),
        E("需求编号", "Demand number", "review.demand_id", ""),
        E("志愿者统一编号", "Volunteer unified number", "keyed hash of review.volunteer_id",
          "the reviewing volunteer, if one"),
        E("评分", "Rating", "review.rating", "1..5"),
        E("评价内容", "Comment", "review.comment", ""),
        E("评价时间", "At", "review.created_at", ""),
    ),
    "certificate": (
        E("证明编号", "Certificate code", "certificate.code", "verifiable at /certificates/{code}"),
        E("志愿者统一编号", "Volunteer unified number", "keyed hash of volunteer_id", ""),
        E("证明期间起", "From", "lower(certificate.period)", ""),
        E("证明期间止", "To", "upper(certificate.period) - 1 day", ""),
        E("出具单位", "Issued by", "certificate.issued_by", ""),
        E("出具时间", "Issued at", "certificate.issued_at", ""),
        E("签名密钥", "Key id", "certificate.key_id", "Ed25519"),
    ),
}
"""Every exported element by section, in column order."""


def headers(section: str) -> tuple[str, ...]:
    """A section's column headers: Chinese with the English beside."""
    return tuple(f"{e.zh} {e.en}" for e in ELEMENTS[section])
