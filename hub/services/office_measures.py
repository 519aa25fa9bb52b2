"""The office's measures by region and by month (issue 16.8): ``region_measure`` gives one
measure over a period for a region and each of its direct children (the choropleth), and
``region_series`` several measures month by month (the trend charts). What each measure counts
is hub.office.measures; the figures come from hub.store.office_measures, one statement per
group of figures asked for, and, for pilots passed, from the scorecards (hub.services.
scorecards.passed_at, as of each month's last day: the verdicts from counts alone).

Who may read: ``scorecard.read`` — an admin anywhere, a dispatcher in their region's subtree —
and the figures count only rows of the region's subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.auth.ids import region_prefix
from hub.office import measures as om
from hub.office.measures import INFOS, MAX_MEASURES, MAX_MONTHS, Measure, MeasureInfo
from hub.services import office_input, regions
from hub.services import scorecards as scorecard_service
from hub.services.office_input import OfficeError
from hub.store import office_measures as store
from hub.store import scorecards as pilot_store
from hub.store.base import Database, Row

_STOCK_GROUPS = ("volunteers", "stations", "stars")
_COLUMNS = {Measure.ACTIVE_VOLUNTEERS: "active_volunteers", Measure.SERVICE_HOURS:
            "service_hours", Measure.SERVICE_RECORDS: "service_records", Measure.DEMANDS:
            "demands", Measure.DEMANDS_FILLED: "demands_filled", Measure.ACTIVITIES:
            "activities"}


@dataclass(frozen=True)
class AreaValue:
    region: Row
    value: float | None


@dataclass(frozen=True)
class RegionMap:
    info: MeasureInfo
    region: Row
    starts: date
    ends: date
    total: float | None
    children: list[AreaValue]


@dataclass(frozen=True)
class Series:
    region: Row
    months: list[date]
    series: list[tuple[MeasureInfo, list[float | None]]]


class _Figures:
    """The figures of one request: value(measure, area or None, bucket or None)."""

    def __init__(self, buckets: int) -> None:
        self.buckets = buckets
        self.flows: dict[str, dict[tuple[str | None, int | None], Row]] = {}
        self.stocks: dict[str, dict[str | None, list[float]]] = {}

    def add_flow(self, group: str, rows: Sequence[Row]) -> None:
        self.flows[group] = {(r["area"], r["b"]): r for r in rows}

    def add_stock(self, group: str, by_area_bucket: dict[tuple[str, int], float],
                  changes: bool) -> None:
        per: dict[str | None, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for (area, b), n in by_area_bucket.items():
            for key in (area, None):
                per[key][b] += n
        self.stocks[group] = {
            k: om.stock(v, self.buckets) if changes
            else [v.get(b, 0.0) for b in range(1, self.buckets + 1)] for k, v in per.items()}

    def value(self, m: Measure, area: str | None, b: int | None) -> float | None:
        info = INFOS[m]
        if info.cumulative:
            run = self.stocks[info.source].get(area)
            return 0.0 if run is None else run[(b or self.buckets) - 1]
        row = self.flows[info.source].get((area, b))
        if m in om.RATES:
            part, whole = om.RATES[m]
            return None if row is None else om.rate(row[part], row[whole])
        return 0.0 if row is None else float(row[_COLUMNS[m]] or 0)


async def _checked(db: Database, caller: Caller, region_code: str, starts: date, ends: date,
                   measures: Sequence[Measure]) -> tuple[Row, str]:
    code, prefix = await office_input.region(db, region_code)
    require(caller, Action.SCORECARD_READ, subject(region_code=code),
            what=f"see the measures of {code} (an admin or a dispatcher of it or above may)")
    if ends <= starts:
        raise OfficeError("INVALID_PERIOD", "to", ends.isoformat(),
                          f"is not after from ({starts.isoformat()})",
                          f"不晚于开始日期（{starts.isoformat()}）")
    if starts < date(2000, 1, 1):
        raise OfficeError("INVALID_PERIOD", "from", starts.isoformat(),
                          "is before 2000-01-01", "早于 2000-01-01")
    if om.month_count(starts, ends) > MAX_MONTHS:
        raise OfficeError("TOO_MANY_MONTHS", "to", ends.isoformat(),
                          f"makes the period longer than {MAX_MONTHS} months",
                          f"使期间超过 {MAX_MONTHS} 个月")
    if not 1 <= len(measures) <= MAX_MEASURES:
        raise OfficeError("TOO_MANY_MEASURES", "measures", len(measures),
                          f"measures asked for; give 1 to {MAX_MEASURES}",
                          f"个指标；应为 1 至 {MAX_MEASURES} 个")
    region = (await regions.get_many(db, codes=[code]))[0]
    return region, prefix


async def _pilots(db: Database, prefix: str, child: int, days: list[date],
                  last_only: bool) -> dict[tuple[str, int], float]:
    """Pilots passed per area at the end of each bucket (of the last only: the period's)."""
    pilots = await pilot_store.list_(db, region_prefix=prefix)
    buckets = range(len(days) - 1 if last_only else 1, len(days))
    cards = [(p, days[b] - timedelta(days=1)) for b in buckets for p in pilots]
    passed = await scorecard_service.passed_at(db, cards)
    out: dict[tuple[str, int], float] = defaultdict(float)
    for k, ((pilot, _), ok) in enumerate(zip(cards, passed, strict=True)):
        out[(pilot["region_code"][:child], buckets[k // len(pilots)])] += ok
    return out


async def _figures(db: Database, measures: Sequence[Measure], prefix: str, child: int,
                   days: list[date], whole: bool) -> _Figures:
    """The figures of ``measures``: over the whole period only (``whole``: regionMeasure reads
    no month but the last), or month by month (regionSeries: no distinct count over it)."""
    figures = _Figures(len(days) - 1)
    for group in sorted({INFOS[m].source for m in measures}):
        if group == "pilots":
            figures.add_stock(group, await _pilots(db, prefix, child, days, last_only=whole),
                              changes=False)
            continue
        rows = await store.list_figures(db, group=group, region_prefix=prefix, child=child,
                                        days=days, months=om.month_edges(days), whole=whole)
        if group in _STOCK_GROUPS:  # stations: a count at each end; the others: changes
            figures.add_stock(group, {(r["area"], r["b"]): float(r["n"]) for r in rows},
                              changes=group != "stations")
        else:
            figures.add_flow(group, rows)
    return figures


async def _children(db: Database, code: str, prefix: str) -> tuple[list[Row], int]:
    children = await regions.list_children(db, parent_codes=[code])
    child = max((len(region_prefix(c["code"])) for c in children), default=len(prefix))
    return sorted(children, key=lambda c: c["code"]), child


async def region_measure(db: Database, caller: Caller, *, region_code: str, measure: Measure,
                         starts: date, ends: date) -> RegionMap:
    """One measure over [starts, ends) for a region and each of its direct children."""
    region, prefix = await _checked(db, caller, region_code, starts, ends, [measure])
    children, child = await _children(db, region["code"], prefix)
    days = om.edges(starts, ends)
    figures = await _figures(db, [measure], prefix, child, days, whole=True)
    return RegionMap(INFOS[measure], region, starts, ends, figures.value(measure, None, None),
                     [AreaValue(c, figures.value(measure, region_prefix(c["code"])[:child],
                                                 None)) for c in children])


async def region_series(db: Database, caller: Caller, *, region_code: str,
                        measures: Sequence[Measure], starts: date, ends: date) -> Series:
    """Measures month by month over [starts, ends) for a region (its whole subtree)."""
    wanted = list(dict.fromkeys(measures))
    region, prefix = await _checked(db, caller, region_code, starts, ends, measures)
    days = om.edges(starts, ends)
    figures = await _figures(db, wanted, prefix, len(prefix), days, whole=False)
    months = [om.first_of_month(d) for d in days[:-1]]
    return Series(region, months, [
        (INFOS[m], [figures.value(m, None, b) for b in range(1, len(days))]) for m in wanted])
