"""The measures the provincial office runs the programme by (issue 16.8): what each one counts,
its labels and unit, whether it is a stock (its value at a moment) or a flow (summed over a
period), and the months of a period. Pure: no I/O.

A period [from, to) is cut at the first day of every month inside it (China Standard Time):
each cut is a *bucket*, the first and last possibly partial, so a flow's monthly values add up
to its value over the whole period. A stock is read at the end of each bucket (the end of the
period for the whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

MAX_MONTHS = 36
MAX_MEASURES = 12


class Measure(Enum):
    VOLUNTEERS = "VOLUNTEERS"
    ACTIVE_VOLUNTEERS = "ACTIVE_VOLUNTEERS"
    SERVICE_HOURS = "SERVICE_HOURS"
    SERVICE_RECORDS = "SERVICE_RECORDS"
    DEMANDS = "DEMANDS"
    DEMANDS_FILLED = "DEMANDS_FILLED"
    FILL_RATE = "FILL_RATE"
    PRIORITY_FILL_RATE = "PRIORITY_FILL_RATE"
    ACTIVITIES = "ACTIVITIES"
    STATIONS = "STATIONS"
    PILOTS_PASSED = "PILOTS_PASSED"
    STAR_VOLUNTEERS = "STAR_VOLUNTEERS"


@dataclass(frozen=True)
class MeasureInfo:
    measure: Measure
    label_zh: str
    label_en: str
    unit: str
    cumulative: bool  # a stock, read at the end of each month (else summed over it)
    source: str  # the group of figures it is computed from (one statement per group)
    description: str


M = Measure
INFOS: dict[Measure, MeasureInfo] = {i.measure: i for i in (
    MeasureInfo(M.VOLUNTEERS, "注册志愿者", "Registered volunteers", "人", True, "volunteers",
                "Volunteers whose home division lies in the region, registered before the "
                "month's end and not exited by then."),
    MeasureInfo(M.ACTIVE_VOLUNTEERS, "服务志愿者", "Volunteers who served", "人", False,
                "active", "Distinct volunteers whose home division lay in the region when "
                "they served, with a confirmed service record (net hours > 0) served in the "
                "month, anywhere. By whole calendar months: a partial first or last month "
                "counts all of its month, the period all the months it touches."),
    MeasureInfo(M.SERVICE_HOURS, "服务时长", "Service hours", "小时", False, "records",
                "Net hours (corrections included) of confirmed records served in the region."),
    MeasureInfo(M.SERVICE_RECORDS, "服务记录", "Service records", "条", False, "records",
                "Confirmed original records with net hours > 0 served in the region."),
    MeasureInfo(M.DEMANDS, "群众需求", "Demands", "个", False, "demands",
                "Demands of the region (not cancelled) whose window starts in the month: "
                "the demands raised for it, dated as the equity figures date them."),
    MeasureInfo(M.DEMANDS_FILLED, "已满足需求", "Demands filled", "个", False, "demands",
                "Of those demands, the ones with every slot filled (a volunteer accepted, "
                "checked in, completed or has a record)."),
    MeasureInfo(M.FILL_RATE, "需求满足率", "Fill rate", "%", False, "demands",
                "Slots filled / slots needed of those demands, in percent; null: none."),
    MeasureInfo(M.PRIORITY_FILL_RATE, "老少边贫需求满足率", "Priority-area fill rate", "%",
                False, "demands", "The fill rate of the demands in 老少边贫 areas (the "
                "division or one above it flagged), in percent; null: none."),
    MeasureInfo(M.ACTIVITIES, "开展活动", "Activities held", "场", False, "activities",
                "Activities (published or closed, not cancelled) of the region that started "
                "in the month, before now."),
    MeasureInfo(M.STATIONS, "服务站点", "Stations", "个", True, "stations",
                "Stations of the region created before the month's end and open (active) "
                "then, by their review log (a closure without a logged step is taken as "
                "made before)."),
    MeasureInfo(M.PILOTS_PASSED, "达标试点", "Pilots passed", "个", True, "pilots",
                "Pilots of the region whose scorecard as of the month's last day passes "
                "every item."),
    MeasureInfo(M.STAR_VOLUNTEERS, "星级志愿者", "Star volunteers", "人", True, "stars",
                "Volunteers whose home division lies in the region and whose confirmed hours "
                "served by the end of the month reach one star (their province's thresholds); "
                "read at the end of the calendar month even when the period ends inside it."),
)}
RATES = {M.FILL_RATE: ("filled", "slots"), M.PRIORITY_FILL_RATE: ("p_filled", "p_slots")}


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def edges(starts: date, ends: date) -> list[date]:
    """The cuts of [starts, ends): starts, the first of each month after it before ends, and
    ends. Bucket i (1-based) is [edges[i-1], edges[i])."""
    out = [starts]
    cut = next_month(starts)
    while cut < ends:
        out.append(cut)
        cut = next_month(cut)
    out.append(ends)
    return out


def month_edges(days: list[date]) -> list[date]:
    """The whole-month cuts of the buckets cut at ``days``: the first of each bucket's month,
    and the first of the month after the last bucket's."""
    last = date.fromordinal(days[-1].toordinal() - 1)
    return [first_of_month(d) for d in days[:-1]] + [next_month(last)]


def month_count(starts: date, ends: date) -> int:
    """How many months (buckets) [starts, ends) touches."""
    last = ends.toordinal() - 1
    end = date.fromordinal(last)
    return (end.year - starts.year) * 12 + end.month - starts.month + 1


def rate(part: float | None, whole: float | None) -> float | None:
    """part / whole in percent; None when whole is nothing."""
    if not whole:
        return None
    return 100.0 * float(part or 0) / float(whole)


def stock(changes: dict[int, float], buckets: int) -> list[float]:
    """A stock at the end of buckets 1..n from its net change per bucket (0: before the
    period)."""
    out, running = [], changes.get(0, 0.0)
    for b in range(1, buckets + 1):
        running += changes.get(b, 0.0)
        out.append(running)
    return out


def year_masks(first: date, end: date) -> dict[int, int]:
    """The months [first, end) (firsts of months) as a bitmask per calendar year: bit m-1 for
    month m."""
    out: dict[int, int] = {}
    month = first
    while month < end:
        out[month.year] = out.get(month.year, 0) | 1 << (month.month - 1)
        month = next_month(month)
    return out
