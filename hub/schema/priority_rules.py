"""GraphQL for the demand priority rules (老少边贫 first, seed 003): read by anyone, added and
ended by admins (:mod:`hub.services.priority_rules`). A rule changes new demands only."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.schema.context import Info
from hub.schema.demand_intake_types import PriorityRule
from hub.schema.payloads import mutation, payload
from hub.services import priority_rules
from hub.services.workflow import Code


@strawberry.input(description="A rule raising new demands' priority: which (region flags, code "
                              "prefix, category) and by how much (multiplier and/or floor).")
class AddDemandPriorityRuleInput:
    name: str
    flags: list[str] = strawberry.field(default_factory=list, description=(
        f"Any of {', '.join(priority_rules.FLAGS)} on the demand's division or one above it; "
        "empty: any region."))
    region_prefix: str | None = strawberry.field(default=None, description=(
        "Only demands whose division code starts with these 2..12 digits."))
    category: str | None = strawberry.field(default=None, description="Only this category.")
    multiplier: float = strawberry.field(default=1.0, description="1..100.")
    floor: float | None = strawberry.field(default=None, description="(0, 100].")
    active_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    active_until: datetime | None = strawberry.field(default=None, description="Default: none.")


@strawberry.input(description="End a rule now (one that has not begun is removed).")
class EndDemandPriorityRuleInput:
    rule_id: int


@payload(Code.INVALID)
class AddDemandPriorityRulePayload:
    rule: PriorityRule | None = None


@payload(Code.NOT_FOUND, Code.INVALID_TRANSITION)
class EndDemandPriorityRulePayload:
    rule: PriorityRule | None = strawberry.field(default=None, description=(
        "The rule as ended; null when it had not begun and was removed."))


async def _rule(info: Info, rule_id: int) -> PriorityRule | None:
    found = await priority_rules.get_many(info.context.db, ids=[rule_id])
    return PriorityRule.from_row(found[0]) if found else None


@strawberry.type
class PriorityRuleMutation:
    @mutation("Add a demand priority rule (admins): demands raised while it is in force get "
              "greatest(base × multiplier, floor), at most 100, when it is the best match.")
    async def add_demand_priority_rule(self, info: Info, input: AddDemandPriorityRuleInput
                                       ) -> AddDemandPriorityRulePayload:
        rule = priority_rules.NewRule(
            name=input.name, flags=tuple(input.flags), region_prefix=input.region_prefix,
            category=input.category, multiplier=input.multiplier, floor=input.floor,
            active_from=input.active_from, active_until=input.active_until)
        rule_id = await priority_rules.add_rule(info.context.db, info.context.caller, rule)
        return AddDemandPriorityRulePayload(rule=await _rule(info, rule_id))

    @mutation("End a demand priority rule now (admins); demands raised before keep their "
              "priority. A rule that has not begun is removed.")
    async def end_demand_priority_rule(self, info: Info, input: EndDemandPriorityRuleInput
                                       ) -> EndDemandPriorityRulePayload:
        kept = await priority_rules.end_rule(info.context.db, info.context.caller,
                                             rule_id=input.rule_id)
        return EndDemandPriorityRulePayload(rule=await _rule(info, input.rule_id)
                                            if kept else None)


@strawberry.type
class PriorityRuleQuery:
    @strawberry.field(description="The rules that raise a new demand's priority (老少边贫 "
                                  "first, seed 003), oldest first.")
    async def demand_priority_rules(self, info: Info) -> list[PriorityRule]:
        return [PriorityRule.from_row(r)
                for r in await priority_rules.list_rules(info.context.db)]
