"""Recording the events of the dispatch lifecycle in the outbox, in the caller's transaction:
one call per change, in the service that makes it (hub.services.workflow, claims, teams,
records, certificates, reviews, demand_review). What a message needs is read here once (the
demand's title, category, window and place; the offer's deadline); who is told is chosen per
kind: the volunteer, the region's dispatchers (a desk), the team (a desk), the resident or
station that raised a demand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.auth.ids import decode_global_id
from hub.services.outbox import EventKind, EventSubject, Recipient, record
from hub.store import outbox as store
from hub.store.base import Database, Row

TO_DISPATCHERS = frozenset({EventKind.OFFER_ACCEPTED, EventKind.OFFER_DECLINED,
                            EventKind.OFFER_EXPIRED, EventKind.DEMAND_UNFILLED})
"""Kinds the demand's region's dispatchers are told of (besides the volunteer, if any)."""
TO_VOLUNTEER = frozenset(EventKind) - {EventKind.OFFER_ACCEPTED, EventKind.OFFER_DECLINED,
                                       EventKind.DEMAND_UNFILLED}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _about(facts: Row) -> dict[str, Any]:
    """A demand's facts for a message (nothing personal)."""
    return {"demandId": str(facts["demand_id"]), "title": facts["title"],
            "category": facts["category"], "startsAt": _iso(facts["starts_at"]),
            "endsAt": _iso(facts["ends_at"]), "place": facts["place"]}


async def dispatches(tx: Database, kind: EventKind, dispatch_ids: Iterable[int], *,
                     extra: Mapping[str, Any] | None = None,
                     once_key: str | None = None) -> None:
    """Record ``kind`` for each dispatch (offer made, accepted, declined, expired, re-offered,
    cancelled, claim approved or rejected, reminders)."""
    ids = list(dispatch_ids)
    if not ids:
        return
    for facts in await store.list_dispatch_facts(tx, dispatch_ids=ids):
        who: list[Recipient] = []
        if kind in TO_VOLUNTEER:
            who.append(Recipient.volunteer(facts["volunteer_id"]))
        if kind in TO_DISPATCHERS:
            who.append(Recipient.region(facts["region_code"]))
        payload = {**_about(facts), "dispatchId": str(facts["id"]),
                   "respondBy": _iso(facts["respond_by"]), **(extra or {})}
        await record(tx, kind=kind, subject=EventSubject("dispatch", facts["id"]),
                     recipients=who, payload=payload, region_code=facts["region_code"],
                     once_key=once_key)


def raiser(raised_by: str) -> list[Recipient]:
    """Who raised a demand, as a recipient: a resident's or station staff's account (a
    partner is told through its webhooks; a dispatcher through the region's desk)."""
    role, _, sub = raised_by.partition(":")
    if role in ("resident", "station_staff"):
        account = decode_global_id(sub, type_name="Account")
        if account is not None:
            return [Recipient.account(account)]
    return []


async def demands(tx: Database, kind: EventKind, demand_ids: Sequence[int], *,
                  extra: Mapping[str, Any] | None = None) -> None:
    """Record ``kind`` for each demand (unfilled, approved, rejected): to the region's
    dispatchers (unfilled) and whoever raised it."""
    for facts in await store.list_demand_facts(tx, demand_ids=list(demand_ids)):
        who = raiser(facts["raised_by"])
        if kind in TO_DISPATCHERS:
            who.append(Recipient.region(facts["region_code"]))
        await record(tx, kind=kind, subject=EventSubject("demand", facts["demand_id"]),
                     recipients=who, payload={**_about(facts), **(extra or {})},
                     region_code=facts["region_code"])


async def volunteer(tx: Database, kind: EventKind, *, volunteer_id: int, subject: EventSubject,
                    payload: Mapping[str, Any], region_code: str | None = None,
                    once_key: str | None = None) -> None:
    """Record ``kind`` for one volunteer (hours confirmed, certificate issued, review
    received, moved up from a waitlist)."""
    await record(tx, kind=kind, subject=subject, recipients=[Recipient.volunteer(volunteer_id)],
                 payload=payload, region_code=region_code, once_key=once_key)


async def signup(tx: Database, kind: EventKind, facts: Row, *, once_key: str) -> None:
    """Record ``kind`` (a reminder) for one activity sign-up, to its volunteer: the
    activity's title, category, window and place (hub.store.outbox.list_due_signup_reminders)."""
    payload = {"activityId": str(facts["activity_id"]), "title": facts["title"],
               "category": facts["category"], "startsAt": _iso(facts["starts_at"]),
               "endsAt": _iso(facts["ends_at"]), "place": facts["place"]}
    await record(tx, kind=kind, subject=EventSubject("activity", facts["activity_id"]),
                 recipients=[Recipient.volunteer(facts["volunteer_id"])], payload=payload,
                 region_code=facts["region_code"], once_key=once_key)


async def review(tx: Database, row: Row, demand: Row) -> None:
    """A review was written (评单): a requester's review reaches the volunteers who served the
    demand; a volunteer's rating of the organiser reaches the station (its staff) and the
    region's dispatchers."""
    if row["direction"] == "requester_to_service":
        who = [Recipient.volunteer(v)
               for v in await store.list_served_volunteers(tx, demand_id=demand["id"])]
    else:
        who = [Recipient.region(demand["region_code"])]
        if demand["station_id"] is not None:
            who.append(Recipient.station(demand["station_id"]))
    await record(tx, kind=EventKind.REVIEW_RECEIVED, subject=EventSubject("review", row["id"]),
                 recipients=who, payload={"demandId": str(demand["id"]),
                                          "title": demand["title"], "rating": row["rating"],
                                          "direction": row["direction"]},
                 region_code=demand["region_code"])


async def team_offer(tx: Database, offer_id: int, demand: Row, team: Row, *, slots: int,
                     respond_by: datetime) -> None:
    """A team was offered slots of a demand: its captains (队长, 副队长: they assign members)
    and its desk (the team's admins) are told."""
    facts = (await store.list_demand_facts(tx, demand_ids=[demand["id"]]))[0]
    await record(tx, kind=EventKind.TEAM_OFFER_RECEIVED, subject=EventSubject("team_offer",
                                                                              offer_id),
                 recipients=[*(Recipient.volunteer(v) for v in team.get("captain_ids") or ()),
                             Recipient.organization(team["id"])],
                 payload={**_about(facts), "teamOfferId": str(offer_id), "slots": slots,
                          "respondBy": _iso(respond_by)},
                 region_code=facts["region_code"])
