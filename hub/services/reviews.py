"""评单: the requester rates a served demand once; each volunteer who served it may rate the
demand's organiser (its station) once. Ratings are 1–5 with an optional comment."""

from __future__ import annotations

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.services import tell
from hub.services.records import RecordsError, recorded_name
from hub.services.subjects import demand_subject
from hub.store import demands, records
from hub.store import reviews as store
from hub.store.base import Database, Row
from hub.store.reviews import list_organization_ratings as list_organization_ratings
from hub.store.reviews import list_station_ratings as list_station_ratings
from hub.store.reviews import list_volunteer_ratings as list_volunteer_ratings

MAX_COMMENT = 500


def _checked(rating: int, comment: str | None) -> str:
    if not 1 <= rating <= 5:
        raise RecordsError("INVALID_RATING", "rating", f"{rating} is outside 1..5",
                           f"评分 {rating} 须在 1 到 5 之间")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise RecordsError("COMMENT_TOO_LONG", "comment",
                           f"{len(text)} characters; at most {MAX_COMMENT}",
                           f"评语 {len(text)} 个字，最多 {MAX_COMMENT} 个字")
    return text


async def _demand(db: Database, demand_id: int) -> Row:
    demand = await demands.get_source(db, demand_id=demand_id)
    if demand is None:
        raise RecordsError("NOT_FOUND", "demandId", "no such demand", "需求不存在")
    return demand


async def review_demand(db: Database, caller: Caller, *, demand_id: int, rating: int,
                        comment: str | None) -> Row:
    """The requester's one review of the service given on a demand (``demand.review``)."""
    demand = await _demand(db, demand_id)
    require(caller, Action.DEMAND_REVIEW,
            demand_subject(demand["region_code"], requester=demand["raised_by"],
                           station_id=demand["station_id"]),
            what="review this demand: only its requester, its station, an admin or a "
                 "dispatcher of its region may")
    reviewed_by = recorded_name(caller)
    text = _checked(rating, comment)
    async with db.transaction() as tx:
        if not await records.get_served(tx, demand_id=demand["id"]):
            raise RecordsError("NOT_SERVED", "demandId",
                               "the demand has no verified service to review yet",
                               "该需求还没有经过确认的服务，暂不能评价")
        row = await store.create(
            tx, demand_id=demand["id"], direction="requester_to_service", volunteer_id=None,
            station_id=demand["station_id"], rating=rating, comment=text, reviewed_by=reviewed_by)
        if row is None:
            raise RecordsError("ALREADY_REVIEWED", "demandId", "the demand was already reviewed",
                               "该需求已经评价过")
        await demands.update_reviewed(tx, demand_id=demand["id"])
        await tell.review(tx, row, demand)
    return row


async def rate_organiser(db: Database, caller: Caller, *, demand_id: int, rating: int,
                         comment: str | None) -> Row:
    """A volunteer's one rating of the organiser of a demand they served
    (``demand.rate_organiser``, for themself)."""
    demand = await _demand(db, demand_id)
    volunteer_id = caller.volunteer_id
    require(caller, Action.DEMAND_RATE_ORGANISER, subject(volunteer_id=volunteer_id),
            what="rate a demand's organiser: only a volunteer who served it may")
    assert volunteer_id is not None  # the table admits volunteers for themselves only
    reviewed_by = recorded_name(caller)
    text = _checked(rating, comment)
    async with db.transaction() as tx:
        if not await records.get_served(tx, demand_id=demand["id"], volunteer_id=volunteer_id):
            raise RecordsError("NOT_SERVED", "demandId",
                               "only a volunteer who served the demand may rate its organiser",
                               "只有为该需求服务过的志愿者才能评价组织方")
        row = await store.create(
            tx, demand_id=demand["id"], direction="volunteer_to_organiser",
            volunteer_id=volunteer_id, station_id=demand["station_id"], rating=rating,
            comment=text, reviewed_by=reviewed_by)
        if row is None:
            raise RecordsError("ALREADY_REVIEWED", "demandId",
                               "you already rated this demand's organiser",
                               "你已经评价过该需求的组织方")
        await tell.review(tx, row, demand)
    return row
