"""Why a volunteer may not claim a demand, in English and Chinese (抢单's refusals)."""

from __future__ import annotations

from hub.matching.fit import Fit, Unfit
from hub.services.workflow_errors import Code, WorkflowError, shown_at
from hub.store.base import Row
from hub.vocabulary import vocabulary

SKILLS = vocabulary("category")


def _missing(volunteer: Row, demand: Row) -> list[str]:
    held = set(volunteer["skills"])
    return [s for s in demand["required_skills"] if s not in held]


def ineligible(fit: Fit, volunteer: Row, demand: Row) -> WorkflowError:
    """The refusal for the first of the matcher's rules the pair breaks (``fit.unfit``)."""
    d = demand["id"]
    window = f"{shown_at(demand['starts_at'])}–{shown_at(demand['ends_at'])}"
    if fit.unfit is Unfit.NO_INSURANCE:
        return WorkflowError(Code.NOT_INSURED, "demandId", (
            f"demand {d} requires accident insurance until {shown_at(demand['ends_at'])}"),
            f"需求 {d} 要求意外险覆盖到 {shown_at(demand['ends_at'])}")
    if fit.unfit is Unfit.OUT_OF_REACH:
        radius = float(volunteer["service_radius_m"])
        en = (f"demand {d} is {fit.distance_m:.0f} m from your home, beyond your service "
              f"radius of {radius:.0f} m")
        zh = f"需求 {d} 距您的住址 {fit.distance_m:.0f} 米，超出您的服务半径 {radius:.0f} 米"
    elif fit.unfit is Unfit.NO_SKILL:
        missing = _missing(volunteer, demand)
        en = f"demand {d} requires the skill(s) {', '.join(missing)}, which you lack"
        zh = f"需求 {d} 需要您尚不具备的技能：" + "、".join(
            SKILLS.labels.get(s, s) for s in missing)
    elif fit.unfit is Unfit.NOT_AVAILABLE:
        en = (f"you are not free for the whole of demand {d} ({window}): outside your weekly "
              "availability (China time), or on time off")
        zh = f"您在需求 {d} 的整个时段（{window}）并非全程可服务：超出每周可服务时间或正在请假"
    else:
        cap = volunteer["capacity_per_week"]
        en = (f"you serve at most {cap} time(s) a week (your capacity), and the week of "
              f"demand {d} (China time) is full")
        zh = f"您每周最多服务 {cap} 次，需求 {d} 所在的一周（北京时间）已排满"
    return WorkflowError(Code.NOT_ELIGIBLE, "demandId", en, zh)
