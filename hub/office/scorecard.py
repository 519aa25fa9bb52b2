"""A pilot's scorecard (试点考核, seed 001): per quota item the target, the actual, pass or fail,
and every candidate behind the number with why it counts or why not, in Chinese and English.

Pure: the facts of each candidate as of a date come in (hub.store.scorecards reads them), the
verdicts go out. The rules, one per item:

* teams (科技志愿服务队): a team (level 队) of the pilot's region, not dissolved, with at least
  ``min_members`` members on the date;
* projects: approved (planned, active, closed or archived on the date) and begun by the date
  (those whose period misses the pilot's are not candidates);
* activities: approved (published, closed or archived on the date), begun within the pilot
  period and by the date;
* stations: in service (active) on the date; with ``six_standard`` only those with all of 六有.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

ITEMS = ("teams", "projects", "activities", "stations")
LABELS = {
    "teams": ("科技志愿服务队", "volunteer teams"),
    "projects": ("科技志愿服务项目", "projects"),
    "activities": ("科技志愿服务活动", "activities"),
    "stations": ("科技志愿服务站点", "stations"),
}
PROJECT_LIVE = frozenset({"planned", "active", "closed", "archived"})
ACTIVITY_LIVE = frozenset({"published", "closed", "archived"})
SIX = (("has_place", "有场所", "a place"), ("has_team", "有队伍", "a team"),
       ("has_projects", "有项目", "projects"), ("has_facilities", "有设施", "facilities"),
       ("has_rules", "有制度", "rules"), ("has_signage", "有标识", "signage"))


@dataclass(frozen=True)
class Quota:
    """One item of a quota set for a pilot type."""

    item: str
    target: int
    min_members: int | None = None
    six_standard: bool = False


@dataclass(frozen=True)
class Period:
    """A pilot's period [starts_on, ends_on) and the date judged (never past its last day)."""

    starts_on: date
    ends_on: date
    as_of: date

    @property
    def judged_on(self) -> date:
        """The date the figures are taken at: ``as_of``, or the period's last day after it."""
        last = date.fromordinal(self.ends_on.toordinal() - 1)
        return min(self.as_of, last)


class Entry(NamedTuple):
    """A candidate behind a number: whether it counts, its figure (a team's members), and why
    not. (A tuple: a province's card holds some ten thousand of them.)"""

    kind: str
    id: int
    name: str
    counts: bool
    figure: float | None = None
    reason_zh: str | None = None
    reason_en: str | None = None


@dataclass(frozen=True)
class ItemResult:
    """One quota item of a pilot's scorecard."""

    item: str
    label_zh: str
    label_en: str
    target: int
    actual: int
    min_members: int | None
    six_standard: bool
    entries: tuple[Entry, ...] = field(default=())
    candidates: int = 0  # how many entries there are (judged, or counted in SQL)

    @property
    def passed(self) -> bool:
        return self.actual >= self.target


def _no(entry: Entry, zh: str, en: str) -> Entry:
    return entry._replace(counts=False, reason_zh=zh, reason_en=en)


def _status(labels: Mapping[str, str], code: str) -> str:
    return f"“{labels.get(code, code)}”"


def judge_team(row: Mapping[str, Any], quota: Quota) -> Entry:
    """A team counts when it is not dissolved and has at least ``min_members`` members."""
    need = quota.min_members or 0
    members = int(row["members"])
    base = Entry(kind="organization", id=int(row["id"]), name=str(row["name"]), counts=True,
                 figure=float(members))
    if row["status"] == "dissolved":
        return _no(base, "已解散", "dissolved")
    if members < need:
        return _no(base, f"{members} 名成员，需 {need}", f"{members} members, needs {need}")
    return base


def judge_project(row: Mapping[str, Any], period: Period,
                  labels: Mapping[str, str]) -> Entry:
    """A project counts when approved on the date and begun by it."""
    base = Entry(kind="project", id=int(row["id"]), name=str(row["name"]), counts=True)
    state, starts = str(row["state"]), row["starts_on"]
    if state not in PROJECT_LIVE:
        return _no(base, f"未获批准（{_status(labels, state)}）", f"not approved ({state})")
    if starts > period.judged_on:
        return _no(base, f"尚未开始（{starts.isoformat()} 开始）",
                   f"not begun by {period.judged_on.isoformat()} (begins {starts.isoformat()})")
    return base


def judge_activity(row: Mapping[str, Any], period: Period,
                   labels: Mapping[str, str]) -> Entry:
    """An activity counts when approved on the date and held by it (within the period)."""
    base = Entry(kind="activity", id=int(row["id"]), name=str(row["name"]), counts=True)
    state, starts = str(row["state"]), row["starts_on"]
    if state == "cancelled":
        return _no(base, "已取消", "cancelled")
    if state not in ACTIVITY_LIVE:
        return _no(base, f"未获批准（{_status(labels, state)}）", f"not approved ({state})")
    if starts > period.judged_on:
        return _no(base, f"尚未举行（{starts.isoformat()}）",
                   f"not held by {period.judged_on.isoformat()} (on {starts.isoformat()})")
    return base


def judge_station(row: Mapping[str, Any], quota: Quota,
                  labels: Mapping[str, str]) -> Entry:
    """A station counts when in service on the date (and meets 六有 when the quota asks)."""
    base = Entry(kind="station", id=int(row["id"]), name=str(row["name"]), counts=True)
    state = str(row["state"])
    if state != "active":
        return _no(base, f"未在服务（{_status(labels, state)}）", f"not in service ({state})")
    if quota.six_standard:
        missing = [(zh, en) for key, zh, en in SIX if not row[key]]
        if missing:
            return _no(base, "六有不全：缺" + "、".join(zh for zh, _ in missing),
                       "short of the six standards: no " + ", ".join(en for _, en in missing))
    return base


def judge_item(quota: Quota, rows: Sequence[Mapping[str, Any]], period: Period,
               labels: Mapping[str, Mapping[str, str]]) -> ItemResult:
    """The item's result from its candidates' facts; counted entries first, then by name."""
    if quota.item == "teams":
        entries = [judge_team(r, quota) for r in rows]
    elif quota.item == "projects":
        entries = [judge_project(r, period, labels.get("project", {})) for r in rows]
    elif quota.item == "activities":
        entries = [judge_activity(r, period, labels.get("activity", {})) for r in rows]
    elif quota.item == "stations":
        entries = [judge_station(r, quota, labels.get("station", {})) for r in rows]
    else:
        raise ValueError(f"unknown quota item {quota.item!r}; one of {', '.join(ITEMS)}")
    entries.sort(key=lambda e: (not e.counts, e.name, e.id))
    return counted_item(quota, sum(1 for e in entries if e.counts), len(entries),
                        tuple(entries))


def counted_item(quota: Quota, actual: int, candidates: int,
                 entries: tuple[Entry, ...] = ()) -> ItemResult:
    """An item's result from its figures (its entries, when judged here, apart)."""
    zh, en = LABELS[quota.item]
    return ItemResult(item=quota.item, label_zh=zh, label_en=en, target=quota.target,
                      actual=actual, min_members=quota.min_members,
                      six_standard=quota.six_standard, entries=entries, candidates=candidates)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th
