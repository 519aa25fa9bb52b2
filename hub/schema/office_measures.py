"""GraphQL for the office's measures (issue 16.8; hub.services.office_measures):
``officeMeasures``, ``regionMeasure`` (a measure for a region and its children: the
choropleth) and ``regionSeries`` (measures month by month: the trend charts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from hub.office import measures as om
from hub.schema.context import Info
from hub.schema.messages import chosen
from hub.schema.office_errors import bad_input
from hub.services import office_measures as service
from hub.services.office_input import OfficeError

strawberry.enum(
    om.Measure, name="OfficeMeasure",
    description="A measure the provincial office runs the programme by:\n\n" + "\n\n".join(
        f"* {i.measure.value} ({i.label_zh}, {i.unit}{', stock' if i.cumulative else ''}): "
        f"{i.description}" for i in om.INFOS.values()))


@strawberry.type(description="What a measure is: its labels, unit and kind.")
class OfficeMeasureInfo:
    measure: om.Measure
    label: str = strawberry.field(description="In the caller's language.")
    label_zh: str
    label_en: str
    unit: str = strawberry.field(description="人, 小时, 条, 个, 场 or %.")
    cumulative: bool = strawberry.field(
        description="A stock read at each month's end (the period's end for the whole); "
                    "false: a flow summed over the month (period), or a rate over it.")
    description: str

    @staticmethod
    def of(i: om.MeasureInfo) -> OfficeMeasureInfo:
        return OfficeMeasureInfo(measure=i.measure,
                                 label=chosen(i.label_zh, i.label_en), label_zh=i.label_zh,
                                 label_en=i.label_en, unit=i.unit, cumulative=i.cumulative,
                                 description=i.description)


@strawberry.type(description="A measure's value for one region.")
class RegionMeasureValue:
    region_code: str
    region_name: str
    level: str
    value: float | None = strawberry.field(description="Null: undefined (a rate of nothing).")


@strawberry.type(description="A measure over a period for a region and its direct children.")
class RegionMeasureMap:
    measure: OfficeMeasureInfo
    region_code: str
    region_name: str
    from_: date = strawberry.field(name="from")
    to: date
    total: float | None = strawberry.field(description="The region's own (its whole subtree).")
    children: list[RegionMeasureValue] = strawberry.field(
        description="The direct children (a province's cities, a city's counties, a county's "
                    "streets if any), by code.")


@strawberry.type(description="One measure month by month.")
class MeasureSeries:
    measure: OfficeMeasureInfo
    values: list[float | None] = strawberry.field(description="One per month of `months`.")


@strawberry.type(description="Measures of a region subtree month by month.")
class RegionSeries:
    region_code: str
    region_name: str
    months: list[date] = strawberry.field(
        description="The first day of each month the period touches (China time); the first "
                    "and last month count only their days inside [from, to).")
    series: list[MeasureSeries]


@strawberry.type
class OfficeMeasureQuery:
    @strawberry.field(description="Every measure the console can map or chart.")
    def office_measures(self) -> list[OfficeMeasureInfo]:
        return [OfficeMeasureInfo.of(i) for i in om.INFOS.values()]

    @strawberry.field(description=(
        "A measure over [from, to) for a region's subtree and for each of its direct children "
        f"(the choropleth). At most {om.MAX_MONTHS} months. Admins: any region; dispatchers: "
        "their region's subtree (docs/office.md)."))
    async def region_measure(self, info: Info, region_code: str,
                             measure: om.Measure,
                             from_: Annotated[date, strawberry.argument(name="from")],
                             to: date) -> RegionMeasureMap:
        try:
            m = await service.region_measure(info.context.db, info.context.caller,
                                             region_code=region_code, measure=measure,
                                             starts=from_, ends=to)
        except OfficeError as exc:
            raise bad_input(exc) from None
        return RegionMeasureMap(
            measure=OfficeMeasureInfo.of(m.info), region_code=m.region["code"],
            region_name=m.region["name"], from_=m.starts, to=m.ends, total=m.total,
            children=[RegionMeasureValue(region_code=c.region["code"],
                                         region_name=c.region["name"],
                                         level=c.region["level"], value=c.value)
                      for c in m.children])

    @strawberry.field(description=(
        "Measures of a region's subtree month by month over [from, to) (the trend charts): "
        f"at most {om.MAX_MONTHS} months and {om.MAX_MEASURES} measures. Who may: as "
        "regionMeasure."))
    async def region_series(self, info: Info, region_code: str,
                            measures: list[om.Measure],
                            from_: Annotated[date, strawberry.argument(name="from")],
                            to: date) -> RegionSeries:
        try:
            s = await service.region_series(info.context.db, info.context.caller,
                                            region_code=region_code,
                                            measures=measures,
                                            starts=from_, ends=to)
        except OfficeError as exc:
            raise bad_input(exc) from None
        return RegionSeries(region_code=s.region["code"], region_name=s.region["name"],
                            months=s.months,
                            series=[MeasureSeries(measure=OfficeMeasureInfo.of(i), values=v)
                                    for i, v in s.series])
