"""Equity for 老少边贫 (issue 16.4; seed 003: scarce experts go first to remote, poor, border,
ethnic-minority and old revolutionary base areas): for a region subtree and a period, fill
rate, time to fill, travel distance and expert hours of the demands in priority areas against
the rest, over all categories and per category.

The figures come from ``demand_equity`` (sql/0028), one row per demand kept by triggers in the
transaction of every change, so a province's year is one aggregate over its rows. Who may see
them: ``equity.read`` (an admin anywhere, a dispatcher in their region subtree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.services import office_input
from hub.store import equity as store
from hub.store.base import Database, Row


@dataclass(frozen=True)
class Measures:
    """One side (priority areas, or the rest) of a comparison."""

    demands: int
    slots: int
    filled_slots: int
    fill_rate: float | None  # None: no slots
    mean_hours_to_fill: float | None  # raised → first volunteer secured; None: none filled
    median_hours_to_fill: float | None
    mean_distance_m: float | None  # home → demand, geodesic, per filled slot
    hours: float
    expert_hours: float  # served by volunteers with a skill at level 5 (专家)


@dataclass(frozen=True)
class Comparison:
    """Priority areas against the rest, for one category (or all: ``category`` None)."""

    category: str | None
    label_zh: str
    label_en: str
    priority: Measures
    rest: Measures

    @property
    def fill_rate_gap(self) -> float | None:
        """Priority areas' fill rate minus the rest's (negative: priority areas behind)."""
        if self.priority.fill_rate is None or self.rest.fill_rate is None:
            return None
        return self.priority.fill_rate - self.rest.fill_rate


@dataclass(frozen=True)
class Equity:
    region_code: str
    starts: date
    ends: date
    overall: Comparison
    categories: list[Comparison]


NONE = Measures(0, 0, 0, None, None, None, None, 0.0, 0.0)


def _measures(r: Row | None) -> Measures:
    if r is None:
        return NONE
    slots, filled = int(r["slots"]), int(r["filled"])

    def real(name: str) -> float | None:
        return None if r[name] is None else float(r[name])

    return Measures(int(r["demands"]), slots, filled, filled / slots if slots else None,
                    real("mean_hours_to_fill"), real("median_hours_to_fill"),
                    real("mean_distance_m"), float(r["hours"]), float(r["expert_hours"]))


async def equity(db: Database, caller: Caller, *, region_code: str, starts: date,
                 ends: date) -> Equity:
    """The equity figures of a region subtree for demands starting on days in [starts, ends)."""
    code, prefix = await office_input.region(db, region_code)
    require(caller, Action.EQUITY_READ, subject(region_code=code),
            what=f"see equity figures of {code} (an admin or a dispatcher of it or above may)")
    office_input.period(starts, ends)
    rows = await store.list_(db, region_prefix=prefix, starts=starts, ends=ends)
    by = {(r["category"], bool(r["priority_area"])): r for r in rows}
    labels = {r["code"]: r for r in await store.list_categories(db)}
    seen = sorted({c for c, _ in by if c is not None})

    def compare(category: str | None) -> Comparison:
        zh, en = ("全部类别", "All categories") if category is None else (
            labels[category]["label_zh"], labels[category]["label_en"])
        return Comparison(category, zh, en, _measures(by.get((category, True))),
                          _measures(by.get((category, False))))

    return Equity(code, starts, ends, compare(None), [compare(c) for c in seen])
