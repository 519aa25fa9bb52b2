"""SQL for service records (志愿服务记录), recognition (星级) and reviews (评单).

``service_record`` is append-only in the database; a correction is a new row referencing the
original (``corrects_id``). "Net hours" of an original are its hours plus its corrections'.
An original is pending until a row in ``service_record_confirmation`` confirms it; only
confirmed records (and their corrections) count for recognition and certificates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from hub.store.base import Database, Row

RECORD_COLUMNS = (
    "r.id, r.volunteer_id, r.demand_id, r.activity_id, r.dispatch_id, r.organization_id, "
    "r.region_code, r.title, r.served_on, r.hours, r.corrects_id, r.reason, r.recorded_by, "
    "r.recorded_at")
NET = ("r.hours + coalesce((SELECT sum(c.hours) FROM service_record c "
       "WHERE c.corrects_id = r.id), 0)")
# The confirmation of a record's original (k.* is null while the original is pending).
CONFIRMATION = ("LEFT JOIN service_record_confirmation k "
                "ON k.record_id = coalesce(r.corrects_id, r.id)")
CONFIRMED = "JOIN service_record_confirmation k ON k.record_id = coalesce(r.corrects_id, r.id)"
CONFIRMATION_COLUMNS = "k.confirmed_at, k.confirmed_by"


async def create(db: Database, *, volunteer_id: int, demand_id: int | None,
                 activity_id: int | None, dispatch_id: int | None, organization_id: int | None,
                 region_code: str, title: str, served_on: date, hours: Decimal,
                 recorded_by: str) -> Row:
    """Append an original service record."""
    rows = await db.fetch(
        "INSERT INTO service_record AS r (volunteer_id, demand_id, activity_id, dispatch_id, "
        "organization_id, region_code, title, served_on, hours, recorded_by) VALUES (%(v)s, "
        "%(d)s, %(a)s, %(x)s, %(o)s, %(region)s, %(title)s, %(day)s, %(hours)s, %(by)s) "
        f"RETURNING {RECORD_COLUMNS}, r.hours AS net_hours",
        {"v": volunteer_id, "d": demand_id, "a": activity_id, "x": dispatch_id,
         "o": organization_id, "region": region_code, "title": title, "day": served_on,
         "hours": hours, "by": recorded_by})
    return rows[0]


async def create_correction(db: Database, *, original_id: int, hours: Decimal, reason: str,
                            recorded_by: str) -> Row:
    """Append a correction of ``hours`` (signed) to an original record, copying it."""
    rows = await db.fetch(
        "INSERT INTO service_record AS r (volunteer_id, demand_id, activity_id, dispatch_id, "
        "organization_id, region_code, title, served_on, hours, corrects_id, reason, "
        "recorded_by) SELECT o.volunteer_id, o.demand_id, o.activity_id, o.dispatch_id, "
        "o.organization_id, o.region_code, o.title, o.served_on, %(hours)s, o.id, %(reason)s, "
        "%(by)s FROM service_record o WHERE o.id = %(id)s "
        f"RETURNING {RECORD_COLUMNS}, r.hours AS net_hours",
        {"id": original_id, "hours": hours, "reason": reason, "by": recorded_by})
    return rows[0]


async def lock(db: Database, *, record_id: int) -> bool:
    """Lock a record for the transaction (writers of one record queue here); False if none.

    Read the record with :func:`get` in a *later* statement: in READ COMMITTED a statement that
    waited for the lock still reads with the snapshot it started with, and would miss the
    corrections committed while it waited (the lost update of issue 11).
    """
    rows = await db.fetch("SELECT 1 FROM service_record WHERE id = %(id)s FOR UPDATE",
                          {"id": record_id})
    return bool(rows)


async def get(db: Database, *, record_id: int) -> Row | None:
    """A record with its net hours, its confirmation, the most hours its source allows
    (``window_hours``) and its organiser's subtree path."""
    rows = await db.fetch(
        f"SELECT {RECORD_COLUMNS}, {NET} AS net_hours, {CONFIRMATION_COLUMNS}, "
        "hub_record_bound(r.demand_id, r.activity_id) AS window_hours, o.path::text AS org_path "
        f"FROM service_record r {CONFIRMATION} "
        "LEFT JOIN organization o ON o.id = r.organization_id WHERE r.id = %(id)s",
        {"id": record_id})
    return rows[0] if rows else None


async def create_confirmation(db: Database, *, record_id: int, by: str, automatic: bool) -> Row:
    """Confirm an original record (once: the primary key refuses a second confirmation)."""
    rows = await db.fetch(
        "INSERT INTO service_record_confirmation (record_id, confirmed_by, automatic) "
        "VALUES (%(id)s, %(by)s, %(auto)s) RETURNING confirmed_at, confirmed_by",
        {"id": record_id, "by": by, "auto": automatic})
    return rows[0]


async def create_pending(db: Database, *, record_id: int) -> None:
    """Put a new pending record on the queue the auto-confirm sweep reads."""
    await db.fetch("INSERT INTO service_record_pending (record_id) VALUES (%(id)s)",
                   {"id": record_id})


async def list_pending_due(db: Database, *, older_than_s: float, limit: int) -> list[int]:
    """Pending originals recorded at least ``older_than_s`` ago, oldest first."""
    rows = await db.fetch(
        "SELECT record_id FROM service_record_pending WHERE since <= now() - "
        "make_interval(secs => %(s)s) ORDER BY since LIMIT %(n)s",
        {"s": older_than_s, "n": limit})
    return [r["record_id"] for r in rows]


async def list_of_volunteers(db: Database, *, volunteer_ids: Sequence[int], limit: int
                             ) -> list[Row]:
    """The latest ``limit`` records (originals and corrections) of each volunteer."""
    return await db.fetch(
        "SELECT x.* FROM unnest(%(ids)s::bigint[]) AS v(id) CROSS JOIN LATERAL ("
        f" SELECT {RECORD_COLUMNS}, CASE WHEN r.corrects_id IS NULL THEN {NET} END AS net_hours,"
        f" {CONFIRMATION_COLUMNS} FROM service_record r {CONFIRMATION}"
        " WHERE r.volunteer_id = v.id"
        " ORDER BY r.served_on DESC, r.id DESC LIMIT %(limit)s) x",
        {"ids": list(volunteer_ids), "limit": limit})


async def list_net_in_period(db: Database, *, volunteer_id: int, first: date,
                             last: date) -> list[Row]:
    """Confirmed originals served in [first, last] with net hours > 0 and their organiser."""
    return await db.fetch(
        f"SELECT r.id, r.served_on, r.title, coalesce(o.name, '') AS organization, {NET} AS hours "
        f"FROM service_record r {CONFIRMED} "
        "LEFT JOIN organization o ON o.id = r.organization_id "
        "WHERE r.volunteer_id = %(v)s AND r.corrects_id IS NULL "
        "AND r.served_on BETWEEN %(first)s AND %(last)s "
        f"AND {NET} > 0 ORDER BY r.served_on, r.id",
        {"v": volunteer_id, "first": first, "last": last})


async def list_recognition(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Per volunteer: confirmed hours, star level, points and time-bank minutes."""
    return await db.fetch(
        "SELECT v.id, h.hours AS total_hours, hub_star_level(v.region_code, h.hours) AS stars, "
        "coalesce(b.points, 0) AS points, coalesce(b.minutes, 0) AS minutes "
        "FROM volunteer v CROSS JOIN LATERAL (SELECT coalesce(sum(r.hours), 0) AS hours "
        f" FROM service_record r {CONFIRMED} WHERE r.volunteer_id = v.id) h "
        "LEFT JOIN LATERAL (SELECT sum(e.amount) FILTER (WHERE a.unit = 'points') AS points, "
        " sum(e.amount) FILTER (WHERE a.unit = 'minutes') AS minutes FROM ledger_account a "
        " JOIN ledger_entry e ON e.account_id = a.id WHERE a.volunteer_id = v.id) b ON TRUE "
        "WHERE v.id = ANY(%(ids)s)", {"ids": list(volunteer_ids)})


async def get_stars_at(db: Database, *, volunteer_id: int, last: date) -> int:
    """The star level from the confirmed hours served on or before ``last``."""
    rows = await db.fetch(
        "SELECT hub_star_level(v.region_code, coalesce((SELECT sum(r.hours) FROM service_record r"
        f" {CONFIRMED} WHERE r.volunteer_id = v.id AND r.served_on <= %(last)s), 0)) AS stars "
        "FROM volunteer v WHERE v.id = %(v)s", {"v": volunteer_id, "last": last})
    return int(rows[0]["stars"]) if rows else 0


async def list_thresholds(db: Database, *, region_code: str | None) -> list[Row]:
    """The star thresholds that apply in a region (the longest matching scope)."""
    return await db.fetch(
        "SELECT scope, stars, hours FROM star_threshold WHERE scope = (SELECT s.scope FROM "
        "star_threshold s WHERE coalesce(%(region)s, '') LIKE s.scope || '%%' "
        "ORDER BY length(s.scope) DESC LIMIT 1) ORDER BY stars", {"region": region_code})


async def is_served(db: Database, *, demand_id: int, volunteer_id: int | None = None) -> bool:
    """Whether the demand has net service (by this volunteer, if given)."""
    rows = await db.fetch(
        "SELECT EXISTS (SELECT 1 FROM service_record r WHERE r.demand_id = %(d)s "
        "AND r.corrects_id IS NULL AND (%(v)s::bigint IS NULL OR r.volunteer_id = %(v)s) "
        f"AND {NET} > 0) AS served", {"d": demand_id, "v": volunteer_id})
    return bool(rows[0]["served"])


async def create_review(db: Database, *, demand_id: int, direction: str,
                        volunteer_id: int | None, station_id: int | None, rating: int,
                        comment: str, reviewed_by: str) -> Row | None:
    """Add a review; None when this one was already given (``review_once``)."""
    rows = await db.fetch(
        "INSERT INTO review (demand_id, direction, volunteer_id, station_id, rating, comment, "
        "reviewed_by) VALUES (%(d)s, %(dir)s, %(v)s, %(s)s, %(rating)s, %(comment)s, %(by)s) "
        "ON CONFLICT ON CONSTRAINT review_once DO NOTHING RETURNING *",
        {"d": demand_id, "dir": direction, "v": volunteer_id, "s": station_id,
         "rating": rating, "comment": comment, "by": reviewed_by})
    return rows[0] if rows else None


_SERVICE_REVIEWS = ("SELECT r.demand_id, r.rating FROM review r "
                    "WHERE r.direction = 'requester_to_service'")


async def list_volunteer_ratings(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Requesters' ratings of the demands each volunteer served: count and average."""
    return await db.fetch(
        "SELECT s.volunteer_id AS id, count(*) AS n, avg(x.rating) AS average FROM "
        f"(SELECT DISTINCT volunteer_id, demand_id FROM service_record WHERE volunteer_id = "
        f"ANY(%(ids)s) AND demand_id IS NOT NULL) s JOIN ({_SERVICE_REVIEWS}) x "
        "ON x.demand_id = s.demand_id GROUP BY s.volunteer_id", {"ids": list(volunteer_ids)})


async def list_organization_ratings(db: Database, *, organization_ids: Sequence[int]) -> list[Row]:
    """Requesters' ratings of demands served by members of each organisation's subtree."""
    return await db.fetch(
        "SELECT o.id, count(*) AS n, avg(x.rating) AS average FROM organization o "
        "JOIN LATERAL (SELECT DISTINCT r.demand_id FROM service_record r JOIN membership m "
        " ON m.volunteer_id = r.volunteer_id JOIN organization c ON c.id = m.organization_id "
        " WHERE c.path <@ o.path AND r.demand_id IS NOT NULL) s ON TRUE "
        f"JOIN ({_SERVICE_REVIEWS}) x ON x.demand_id = s.demand_id "
        "WHERE o.id = ANY(%(ids)s) GROUP BY o.id", {"ids": list(organization_ids)})


async def list_station_ratings(db: Database, *, station_ids: Sequence[int]) -> list[Row]:
    """Per station: requesters' ratings of service there, volunteers' ratings of it."""
    return await db.fetch(
        "SELECT d.station_id AS id, r.direction, count(*) AS n, avg(r.rating) AS average "
        "FROM review r JOIN demand d ON d.id = r.demand_id WHERE d.station_id = ANY(%(ids)s) "
        "GROUP BY d.station_id, r.direction", {"ids": list(station_ids)})
