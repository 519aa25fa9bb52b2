"""GraphQL types of how a demand came in (public 点单): its review before dispatch (审核) and
the priority rule that raised it (老少边贫, seed 003). The Demand type shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader

from hub.schema.context import Info
from hub.services import priority_rules
from hub.store.base import Row


@strawberry.type(description="A rule that raises a new demand's priority (kept as data, table "
                             "demand_priority_rule): greatest(base × multiplier, floor), at "
                             "most 100, for demands created while it is in force.")
class PriorityRule:
    id: int
    name: str
    flags: list[str] = strawberry.field(description=(
        "Region flags it matches (any of them, on the demand's region or a division above "
        "it): remote | poor | border | ethnic | revolutionary; empty: any region."))
    region_prefix: str | None = strawberry.field(description="Division code prefix, if set.")
    category: str | None = strawberry.field(description="Service category, if set.")
    multiplier: float
    floor: float | None
    active_from: datetime | None = strawberry.field(description="null: always before.")
    active_until: datetime | None = strawberry.field(description="null: no end.")
    in_force: bool

    @classmethod
    def from_row(cls, row: Row) -> PriorityRule:
        return cls(id=row["id"], name=row["name"], flags=list(row["flags"]),
                   region_prefix=row["region_prefix"], category=row["category"],
                   multiplier=row["multiplier"], floor=row["floor"],
                   active_from=row["active_from"], active_until=row["active_until"],
                   in_force=row["in_force"])


def rule_loader(info: Info) -> DataLoader[int, Row | None]:
    """Priority rules by id, batched per request."""
    loaders = info.context.loaders
    if "priority_rule" not in loaders.__dict__:
        db = info.context.db

        async def load(ids: list[int]) -> list[Row | None]:
            rows = {r["id"]: r for r in await priority_rules.get_many(db, ids=ids)}
            return [rows.get(i) for i in ids]

        loaders.__dict__["priority_rule"] = DataLoader(load_fn=load)
    loader: DataLoader[int, Row | None] = loaders.__dict__["priority_rule"]
    return loader


@strawberry.type(description="审核: how a resident's or station's demand was approved or rejected "
                             "before it could be dispatched (seen by its requester and its "
                             "reviewers). Not 评单, the rating after service.")
class DemandApproval:
    status: str = strawberry.field(description="pending_review | approved | rejected")
    decided_by: str | None = strawberry.field(description="role:subject of the reviewer.")
    decided_at: datetime | None
    reason: str | None = strawberry.field(description="Why it was rejected.")

    @classmethod
    def of(cls, caller_may_see: bool, row: Row) -> DemandApproval | None:
        """The review of a demand that needed one, for those who may see it."""
        if not caller_may_see:
            return None
        pending = row["status"] == "pending_review"
        if row["vetted_by"] is None and not pending:
            return None  # raised by a dispatcher or an admin: no review needed
        status = ("pending_review" if pending else "rejected" if row["status"] == "rejected"
                  else "approved")
        return cls(status=status, decided_by=row["vetted_by"], decided_at=row["vetted_at"],
                   reason=row["rejection_reason"])
