"""Recognition rounds: 优秀 and 四个十佳 (top-ten volunteers, teams, projects and service points;
seed 003), run yearly per level, county → city → province → national.

A round is opened for a region, a year and its categories (``recognition.manage``: admins,
the region's dispatchers); candidates are ranked from confirmed data by
:mod:`hub.office.ranking`; a candidate is nominated with its evidence (``recognition.nominate``:
admins, the region's dispatchers, and — as seed 003 asks each 学会 and 科协 to 发掘推荐 — org
admins for candidates of their own subtree); each nomination is accepted or rejected with a
reason; publishing writes the list, which the database freezes (sql/0029). A county round
ranks every subject of the county with confirmed service in the year; a round above it ranks
only the subjects on the published lists of the rounds below it in its region (same award,
year and category), so a county's 十佳 feed the city's round.

Reading (``recognition.read``): admins; dispatchers, rounds of their region subtree; org
admins, rounds over their team's region, with the candidates of their subtree only. Volunteers'
names go through the field policy (``volunteer.name``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.auth.policy import Field, Subject, Visibility, decide
from hub.auth.tokens import Role
from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.office.ranking import Figures, Ranked, rank
from hub.pii import mask_name
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import recognition as store
from hub.store.base import Database, Row

AWARDS = {"excellent": ("优秀", "Excellent"), "top_ten": ("四个十佳", "Top ten")}
LEVELS = {"county": ("县级", "County"), "city": ("市级", "City"),
          "province": ("省级", "Province"), "national": ("全国", "National")}
CATEGORIES = {"volunteer": ("科技志愿者", "Volunteer"), "team": ("科技志愿服务队", "Team"),
              "project": ("科技志愿服务项目", "Project"),
              "station": ("科技志愿服务点", "Service point")}
_BELOW = {"county": (), "city": ("county",), "province": ("city", "county"),
          "national": ("province", "city", "county")}
"""The levels whose published lists feed a round, nearest first."""
MAX_PAGE = 100


@dataclass(frozen=True)
class NewRound:
    """A round to open."""

    award: str
    level: str
    region_code: str | None
    year: int
    categories: tuple[str, ...]
    places: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A ranked candidate: its place among the round's pool, its figures, its name as the
    caller may see it, and the lower-level lists it comes from."""

    category: str
    ranked: Ranked
    name: str | None
    region_code: str | None
    lower: tuple[dict[str, Any], ...] = ()
    nomination_id: int | None = None

    @property
    def subject_id(self) -> int:
        return self.ranked.figures.subject_id


@dataclass
class Page:
    """One page of candidates and how many there are."""

    round: Row
    candidates: list[Candidate] = field(default_factory=list)
    total: int = 0


def _bad(code: Code, name: str, en: str, zh: str) -> WorkflowError:
    return WorkflowError(code, name, en, zh)


def _region(code: str | None, name: str = "regionCode") -> str | None:
    if code is None:
        return None
    try:
        return normalize_code(code)
    except DivisionCodeError as exc:
        raise _bad(Code.INVALID, name, str(exc), f"行政区划代码 {code!r} 无效") from None


def _check_round(new: NewRound) -> list[WorkflowError]:
    out = []
    if new.award not in AWARDS:
        out.append(_bad(Code.INVALID, "award", f"{new.award!r} is not one of {', '.join(AWARDS)}",
                        f"{new.award!r} 不是可选的表彰类型（excellent 优秀、top_ten 四个十佳）"))
    if new.level not in LEVELS:
        out.append(_bad(Code.INVALID, "level", f"{new.level!r} is not one of {', '.join(LEVELS)}",
                        f"{new.level!r} 不是可选的层级（county、city、province、national）"))
    if not new.categories or len(set(new.categories)) != len(new.categories):
        out.append(_bad(Code.INVALID, "categories", "give 1..4 distinct categories",
                        "须给出 1～4 个不重复的类别"))
    for i, c in enumerate(new.categories):
        if c not in CATEGORIES:
            out.append(_bad(Code.INVALID, f"categories[{i}]",
                            f"{c!r} is not one of {', '.join(CATEGORIES)}",
                            f"{c!r} 不是可选的类别（volunteer、team、project、station）"))
    if not 2000 <= new.year <= date.today().year:
        out.append(_bad(Code.INVALID, "year", f"{new.year} is not a year from 2000 to this one",
                        f"年度 {new.year} 须在 2000 年至今年之间"))
    if new.places is not None and not 1 <= new.places <= 100:
        out.append(_bad(Code.INVALID, "places", f"{new.places} places is outside 1..100",
                        f"名额 {new.places} 不在 1～100 之间"))
    if new.award == "top_ten" and new.places not in (None, 10):
        out.append(_bad(Code.INVALID, "places", f"十佳 has 10 places, not {new.places}",
                        f"十佳名额为 10 个，不是 {new.places} 个"))
    if (new.level == "national") != (new.region_code is None):
        out.append(_bad(Code.INVALID, "regionCode", "a national round has no region; every "
                        "other round has one", "全国评选不设地区，其他层级须给出地区"))
    return out


async def open_round(db: Database, caller: Caller, new: NewRound) -> Row:
    """Open a round (status open); :class:`Refused` lists every bad field."""
    code = _region(new.region_code)
    require(caller, Action.RECOGNITION_MANAGE, subject(region_code=code),
            what="open a recognition round for this region")
    errors = _check_round(new)
    if code is not None:
        found = await store.get_region(db, code=code)
        if found is None:
            errors.append(_bad(Code.UNKNOWN_REGION, "regionCode", f"no region {code}",
                               f"没有行政区划 {code}"))
        elif new.level in LEVELS and found["level"] != new.level:
            level_zh = LEVELS[new.level][0]
            errors.append(_bad(Code.INVALID, "regionCode", f"{code} ({found['name']}) is a "
                               f"{found['level']}, not a {new.level}",
                               f"{code}（{found['name']}）不是{level_zh}地区"))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        row = await store.create_round(tx, values={
            "award": new.award, "level": new.level, "region_code": code, "year": new.year,
            "categories": list(new.categories), "places": new.places or 10,
            "opened_by": actor(caller)})
    if row is None:
        raise _bad(Code.CONFLICT, "year", f"a {new.award} round of {new.year} is open for "
                   f"{code or 'the country'} already",
                   f"{code or '全国'} {new.year} 年度的该评选已存在")
    return row


async def caller_org(db: Database, caller: Caller) -> str | None:
    if caller.role is Role.ORG_ADMIN and caller.org is not None:
        return await store.get_org_path(db, org_id=caller.org)
    return None


async def readable(db: Database, caller: Caller, round_id: int, *, lock: bool = False) -> Row:
    row = await store.get_round(db, round_id=round_id, lock=lock)
    if row is None:
        raise _bad(Code.NOT_FOUND, "roundId", f"no recognition round {round_id}",
                   f"没有评选 {round_id}")
    paths: list[str] = []
    if caller.role is Role.ORG_ADMIN and caller.org is not None:
        org = await store.get_many_subjects(db, category="team", ids=[caller.org])
        within = org and (row["region_code"] is None or str(org[0]["region_code"]).startswith(
            subtree_prefix(row["region_code"])))
        paths = list(org[0]["org_paths"]) if within else []
    require(caller, Action.RECOGNITION_READ, subject(region_code=row["region_code"],
                                                     org_paths=paths),
            what="read this recognition round")
    return row


def region_prefix(row: Row) -> str:
    return subtree_prefix(row["region_code"]) if row["region_code"] else ""


def _year(row: Row) -> tuple[date, date]:
    return date(row["year"], 1, 1), date(row["year"] + 1, 1, 1)


async def _ranked(db: Database, row: Row, category: str, *, org_path: str | None = None
                  ) -> tuple[list[Ranked], dict[int, tuple[dict[str, Any], ...]]]:
    """The round's pool of ``category`` ranked (region-wide, so scores and ranks are the same
    whoever asks), and each subject's lower-level awards; ``org_path`` then keeps the
    subjects of that subtree only."""
    start, end = _year(row)
    lower: dict[int, list[dict[str, Any]]] = {}
    pool: list[int] | None = None
    if row["level"] != "county":
        for a in await store.list_lower_awards(db, award=row["award"], year=row["year"],
                                               category=category, region_prefix=region_prefix(row),
                                               levels=_BELOW[row["level"]]):
            lower.setdefault(a["subject_id"], []).append({
                "roundId": a["round_id"], "level": a["level"], "regionCode": a["region_code"],
                "place": a["place"]})
        pool = sorted(lower)
    figures = [Figures(subject_id=f["subject_id"], hours=f["hours"], occasions=f["occasions"],
                       priority_hours=f["priority_hours"], rating_sum=int(f["rating_sum"]),
                       rating_count=f["rating_count"], volunteers=f["volunteers"],
                       record_count=f["record_count"], record_ids=tuple(f["record_ids"]))
               for f in await store.list_figures(db, category=category,
                                                 region_prefix=region_prefix(row), start=start,
                                                 end=end, pool=pool)]
    ranked = rank(figures)
    if org_path is not None:
        mine = {f["subject_id"] for f in await store.list_figures(
            db, category=category, region_prefix=region_prefix(row), start=start, end=end,
            pool=pool, org_path=org_path, record_ids=0)}
        ranked = [r for r in ranked if r.figures.subject_id in mine]
    return ranked, {k: tuple(v) for k, v in lower.items()}


def _shown_name(caller: Caller, category: str, subj: Row | None) -> str | None:
    """A subject's name as ``caller`` may see it: volunteers' through the field policy."""
    if subj is None:
        return None
    if category != "volunteer":
        return str(subj["name"])
    seen = decide(caller, Field.VOLUNTEER_NAME, _policy_subject(subj))
    if seen is Visibility.FULL:
        return str(subj["name"])
    return mask_name(subj["name"]) if seen is Visibility.MASKED else None


def _policy_subject(subj: Row) -> Subject:
    s = subject(region_code=subj["region_code"], org_paths=subj["org_paths"] or (),
                volunteer_id=subj["id"])
    return Subject(volunteer_id=s.volunteer_id, region_code=s.region_code, org_ids=s.org_ids)


async def names(db: Database, caller: Caller, category: str, ids: Sequence[int]
                ) -> dict[int, tuple[str | None, str | None]]:
    """Each subject's (name as the caller may see it, region code)."""
    rows = await store.get_many_subjects(db, category=category, ids=ids)
    return {r["id"]: (_shown_name(caller, category, r), r["region_code"]) for r in rows}


def _category(row: Row, category: str) -> None:
    if category not in row["categories"]:
        raise _bad(Code.INVALID, "category", f"{category!r} is not a category of round "
                   f"{row['id']} ({', '.join(row['categories'])})",
                   f"{category!r} 不是本次评选的类别")


async def candidates(db: Database, caller: Caller, *, round_id: int, category: str,
                     first: int = 20, offset: int = 0) -> Page:
    """The round's candidates of ``category``, best first, a page at a time."""
    if not 1 <= first <= MAX_PAGE or offset < 0:
        raise _bad(Code.INVALID, "first", f"first must be 1..{MAX_PAGE} and offset ≥ 0, got "
                   f"{first} and {offset}", f"每页条数须为 1～{MAX_PAGE}，偏移不得为负")
    row = await readable(db, caller, round_id)
    _category(row, category)
    ranked, lower = await _ranked(db, row, category, org_path=await caller_org(db, caller))
    page = ranked[offset:offset + first]
    shown = await names(db, caller, category, [r.figures.subject_id for r in page])
    nominated = {n["subject_id"]: n["id"] for n in await store.list_nominations(
        db, round_id=round_id, category=category,
        subject_ids=[r.figures.subject_id for r in page])}
    return Page(row, [Candidate(category, r, *shown.get(r.figures.subject_id, (None, None)),
                                lower=lower.get(r.figures.subject_id, ()),
                                nomination_id=nominated.get(r.figures.subject_id))
                      for r in page], len(ranked))


async def nominate(db: Database, caller: Caller, *, round_id: int, category: str,
                   subject_id: int, statement: str = "") -> Row:
    """Nominate a candidate with its evidence (the figures and records its rank rests on)."""
    row = await readable(db, caller, round_id)
    subj = await store.get_many_subjects(db, category=category, ids=[subject_id]) \
        if category in CATEGORIES else []
    require(caller, Action.RECOGNITION_NOMINATE, subject(
        region_code=row["region_code"], org_paths=subj[0]["org_paths"] if subj else ()),
        what="nominate this candidate")
    _category(row, category)
    if row["status"] == "published":
        raise _bad(Code.INVALID_TRANSITION, "roundId", f"round {round_id} is published",
                   "评选已发布，名单不可更改")
    if len(statement) > 2000:
        raise _bad(Code.INVALID, "statement", f"the statement has {len(statement)} characters; "
                   "at most 2000", f"推荐理由 {len(statement)} 字，超过 2000 字")
    if not subj:
        raise _bad(Code.NOT_FOUND, "subjectId", f"no {category} {subject_id}",
                   f"没有该{CATEGORIES[category][0]}（{subject_id}）")
    ranked, lower = await _ranked(db, row, category)
    found = next((r for r in ranked if r.figures.subject_id == subject_id), None)
    if found is None:
        why = ("has no confirmed service in the round's region and year" if row["level"] ==
               "county" else "is on no published list of the rounds below")
        raise _bad(Code.NOT_ELIGIBLE, "subjectId", f"{category} {subject_id} {why}",
                   "该候选没有本地区本年度经确认的服务记录" if row["level"] == "county"
                   else "该候选不在下级已发布的名单上")
    start, end = _year(row)
    evidence = {**found.evidence(), "period": [start.isoformat(), end.isoformat()],
                "regionCode": row["region_code"], "lower": list(lower.get(subject_id, ()))}
    try:
        async with db.transaction() as tx:
            made = await store.create_nomination(tx, values={
                "round_id": round_id, "category": category, "subject_id": subject_id,
                "rank": found.rank, "score": found.score, "evidence": evidence,
                "statement": statement.strip(), "nominated_by": actor(caller)})
    except psycopg.errors.RestrictViolation:
        raise _bad(Code.INVALID_TRANSITION, "roundId", f"round {round_id} was published "
                   "meanwhile", "评选已发布，名单不可更改") from None
    if made is None:
        raise _bad(Code.CONFLICT, "subjectId", f"{category} {subject_id} is nominated already",
                   "该候选已被推荐")
    return made


async def review(db: Database, caller: Caller, *, nomination_id: int, accept: bool,
                 reason: str) -> Row:
    """Accept or reject a nomination, with a reason (the round's places bound acceptances)."""
    reason = reason.strip()
    if not 2 <= len(reason) <= 1000:
        raise _bad(Code.REASON_REQUIRED, "reason", f"give a reason of 2..1000 characters, got "
                   f"{len(reason)}", "须说明理由（2～1000 字）")
    async with db.transaction() as tx:
        found = await store.get_nomination(tx, nomination_id=nomination_id)
        if found is None:
            raise _bad(Code.NOT_FOUND, "nominationId", f"no nomination {nomination_id}",
                       f"没有推荐 {nomination_id}")
        # The round's row lock queues reviews and the publication: places hold under races.
        row = await store.get_round(tx, round_id=found["round_id"], lock=True)
        assert row is not None
        require(caller, Action.RECOGNITION_MANAGE, subject(region_code=row["region_code"]),
                what="review nominations of this round")
        if row["status"] == "published":
            raise _bad(Code.INVALID_TRANSITION, "nominationId", f"round {row['id']} is "
                       "published", "评选已发布，名单不可更改")
        if accept and found["decision"] != "accepted" and await store.count_accepted(
                tx, round_id=row["id"], category=found["category"]) >= row["places"]:
            raise _bad(Code.SLOTS_FULL, "nominationId", f"round {row['id']} has accepted "
                       f"{row['places']} {found['category']} nominations already",
                       f"本类别已确定 {row['places']} 个名额")
        return await store.update_decision(tx, nomination_id=nomination_id,
                                           decision="accepted" if accept else "rejected",
                                           reason=reason, by=actor(caller))


async def publish(db: Database, caller: Caller, *, round_id: int) -> tuple[Row, list[Row]]:
    """Publish the accepted nominations as the round's list, best score first; frozen after."""
    async with db.transaction() as tx:
        row = await store.get_round(tx, round_id=round_id, lock=True)
        if row is None:
            raise _bad(Code.NOT_FOUND, "roundId", f"no recognition round {round_id}",
                       f"没有评选 {round_id}")
        require(caller, Action.RECOGNITION_MANAGE, subject(region_code=row["region_code"]),
                what="publish this round")
        if row["status"] == "published":
            raise _bad(Code.INVALID_TRANSITION, "roundId", f"round {round_id} is published "
                       "already", "评选已发布")
        nominations = await store.list_nominations(tx, round_id=round_id)
        pending = [n for n in nominations if n["decision"] == "pending"]
        if pending:
            raise _bad(Code.INVALID_TRANSITION, "roundId", f"{len(pending)} nominations await "
                       "review", f"尚有 {len(pending)} 个推荐未审核")
        accepted = [n for n in nominations if n["decision"] == "accepted"]
        if not accepted:
            raise _bad(Code.INVALID, "roundId", "no nomination is accepted", "没有通过审核的推荐")
        published = await store.update_round_published(tx, round_id=round_id, by=actor(caller))
        awards: list[dict[str, Any]] = []
        for category in row["categories"]:
            mine = sorted((n for n in accepted if n["category"] == category),
                          key=lambda n: (-n["score"], n["rank"], n["id"]))
            subjects = {s["id"]: s for s in await store.get_many_subjects(
                tx, category=category, ids=[n["subject_id"] for n in mine])}
            for place, n in enumerate(mine, start=1):
                subj = subjects.get(n["subject_id"], {})
                awards.append({"round_id": round_id, "category": category, "place": place,
                               "nomination_id": n["id"], "subject_id": n["subject_id"],
                               "subject_name": "" if category == "volunteer" else
                               subj.get("name", ""), "region_code": subj.get("region_code"),
                               "score": n["score"], "evidence": n["evidence"]})
        await store.create_awards(tx, rows=awards)
        return published, await store.list_awards(tx, round_ids=[round_id])
