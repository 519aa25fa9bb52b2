"""GraphQL for 老少边贫 equity (hub.services.equity): priority areas against the rest."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from hub.schema.context import Info
from hub.schema.office_errors import bad_input
from hub.services import equity as service
from hub.services.office_input import OfficeError


@strawberry.type(description="One side of an equity comparison: the demands of priority areas "
                             "(老少边贫), or of the rest.")
class EquityMeasures:
    demands: int
    slots: int = strawberry.field(description="Σ volunteers needed.")
    filled_slots: int = strawberry.field(description="Slots a volunteer accepted or served.")
    fill_rate: float | None = strawberry.field(description="filledSlots / slots; null: none.")
    mean_hours_to_fill: float | None = strawberry.field(
        description="Hours from the demand being raised to its first volunteer secured.")
    median_hours_to_fill: float | None
    mean_distance_km: float | None = strawberry.field(
        description="Geodesic distance from each filling volunteer's home (road-free).")
    hours: float = strawberry.field(description="Service hours recorded (corrections netted).")
    expert_hours: float = strawberry.field(
        description="Hours served by experts: volunteers with a skill at level 5 (专家).")

    @staticmethod
    def of(m: service.Measures) -> EquityMeasures:
        km = None if m.mean_distance_m is None else m.mean_distance_m / 1000
        return EquityMeasures(demands=m.demands, slots=m.slots, filled_slots=m.filled_slots,
                              fill_rate=m.fill_rate, mean_hours_to_fill=m.mean_hours_to_fill,
                              median_hours_to_fill=m.median_hours_to_fill, mean_distance_km=km,
                              hours=m.hours, expert_hours=m.expert_hours)


@strawberry.type(description="Priority areas against the rest, for a category or for all.")
class EquityComparison:
    category: str | None = strawberry.field(description="Service category code; null: all.")
    label_zh: str
    label_en: str
    priority: EquityMeasures = strawberry.field(description="老少边贫: priority areas.")
    rest: EquityMeasures
    fill_rate_gap: float | None = strawberry.field(
        description="priority.fillRate − rest.fillRate (negative: priority areas behind).")

    @staticmethod
    def of(c: service.Comparison) -> EquityComparison:
        return EquityComparison(category=c.category, label_zh=c.label_zh, label_en=c.label_en,
                                priority=EquityMeasures.of(c.priority),
                                rest=EquityMeasures.of(c.rest), fill_rate_gap=c.fill_rate_gap)


@strawberry.type(description="Equity for 老少边贫 in a region subtree and period.")
class Equity:
    region_code: str
    from_: date = strawberry.field(name="from")
    to: date
    overall: EquityComparison
    categories: list[EquityComparison] = strawberry.field(
        description="Per service category with demands in the period, by code.")


@strawberry.type
class EquityQuery:
    @strawberry.field(description=(
        "老少边贫 equity of a region subtree: the demands whose window starts on a day in "
        "[from, to) (China time), priority areas against the rest, overall and per category "
        "(an admin, or a dispatcher of the region or above; docs/office.md)."))
    async def equity(self, info: Info, region_code: str,
                     from_: Annotated[date, strawberry.argument(name="from")],
                     to: date) -> Equity:
        try:
            e = await service.equity(info.context.db, info.context.caller,
                                     region_code=region_code, starts=from_, ends=to)
        except OfficeError as exc:
            raise bad_input(exc) from None
        return Equity(region_code=e.region_code, from_=e.starts, to=e.ends,
                      overall=EquityComparison.of(e.overall),
                      categories=[EquityComparison.of(c) for c in e.categories])
