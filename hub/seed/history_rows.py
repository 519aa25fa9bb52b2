"""The rows of the service history (:mod:`hub.seed.history`), gathered and then COPYed.

Each row is the one the services write for the same event: a past demand at a station (done,
or reviewed once its requester rated it) or a closed activity with its attended sign-ups; a
service record per volunteer and occasion (its title, organiser and division copied from the
source, its date the source's first day in China time, its hours at most the source lasts);
a confirmation and a ``service_reward`` ledger transaction of :func:`rewards` (points and
time-bank minutes, issuance debited) per record; 评单 both ways.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol

import numpy as np
import psycopg

from hub.seed.service import TITLES, SeededStation, seed_point
from hub.services.records import rewards


class Volunteer(Protocol):
    """A volunteer serving (:class:`hub.seed.history.Volunteer`)."""

    id: int
    hours: Decimal
    keys: set[tuple[object, ...]]

CST = timezone(timedelta(hours=8), "CST")
RECORDED_BY = "demo-seed"
"""Who recorded and confirmed the history: the seed, said plainly."""
DUTY_TITLE = "驻站科普服务周"
RATINGS = (5, 4, 3, 2, 1)
RATING_WEIGHTS = (0.64, 0.26, 0.07, 0.02, 0.01)
COMMENTS = {
    5: ("讲解通俗易懂，群众反响很好", "志愿者非常专业，准备充分", "内容实用，希望以后多来"),
    4: ("服务认真，时间安排可以更紧凑", "讲得不错，互动环节稍少", ""),
    3: ("内容偏多，老年人听不太懂", "到场稍晚，整体还可以", ""),
    2: ("与需求不太对口", ""),
    1: ("临时变更时间，未提前告知",),
}
ORGANISER_COMMENTS = ("站点组织有序，场地设施齐全", "对接顺畅，群众到场积极",
                      "场地稍小，其他都好", "")


@dataclass
class Occasion:
    """A past demand (``team`` None) or activity that volunteers served."""

    title: str
    category: str
    station: SeededStation
    begin: datetime
    hours: int                     # how long it lasts (the most a record may hold)
    team: int | None = None
    region_code: str = ""
    served: list[tuple[int, Decimal]] = field(default_factory=list)  # volunteer id, hours

    @property
    def end(self) -> datetime:
        return self.begin + timedelta(hours=self.hours)

    @property
    def window(self) -> str:
        return f"[{self.begin.isoformat()},{self.end.isoformat()})"


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), CST) + timedelta(minutes=minute)


def _text(moment: datetime) -> str:
    return moment.isoformat()


class HistoryWriter:
    """Gathers occasions and who served them, then writes every row (:meth:`write`)."""

    def __init__(self, *, rng: np.random.Generator) -> None:
        self.rng = rng
        self.demands: dict[tuple[object, ...], Occasion] = {}
        self.activities: dict[tuple[object, ...], Occasion] = {}

    def duty(self, station: SeededStation, monday: date, category: str) -> Occasion:
        """The station's duty week: Monday 08:30 to Friday 17:30."""
        key = ("duty", station.id, monday)
        if key not in self.demands:
            self.demands[key] = Occasion(f"{station.name}{DUTY_TITLE}", category, station,
                                         _at(monday, 510), 4 * 24 + 9,
                                         region_code=station.seat.code)
        return self.demands[key]

    def demand(self, station: SeededStation, day: date, minute: int, hours: int,
               category: str, key: tuple[object, ...]) -> Occasion:
        if key not in self.demands:
            titles = TITLES[category]
            title = titles[int(self.rng.integers(0, len(titles)))]
            self.demands[key] = Occasion(f"{station.name}{title}", category, station,
                                         _at(day, minute), hours,
                                         region_code=station.seat.code)
        return self.demands[key]

    def activity(self, team: int, station: SeededStation, day: date, minute: int, hours: int,
                 category: str, key: tuple[object, ...]) -> Occasion:
        if key not in self.activities:
            titles = TITLES[category]
            title = titles[int(self.rng.integers(0, len(titles)))]
            self.activities[key] = Occasion(f"{station.seat.name}{title}", category, station,
                                            _at(day, minute), hours, team=team,
                                            region_code=station.seat.code)
        return self.activities[key]

    def serve(self, volunteer: Volunteer, occasion: Occasion, hours: Decimal,
              key: tuple[object, ...]) -> None:
        """``volunteer`` served ``occasion`` for ``hours`` (once per occasion)."""
        if key in volunteer.keys or len(occasion.served) >= 30:
            return
        volunteer.keys.add(key)
        occasion.served.append((volunteer.id, hours))
        volunteer.hours += hours

    def write(self, conn: psycopg.Connection) -> dict[str, int]:
        """COPY every row; return counts."""
        demands = list(self.demands.values())
        activities = list(self.activities.values())
        reviewed = (self.rng.random(len(demands)) < 0.8).tolist()
        demand_ids = _copy_demands(conn, demands, reviewed)
        activity_ids = _copy_activities(conn, activities)
        records: list[Record] = [(o, did, None, vid, hours)
                                 for o, did in zip(demands, demand_ids, strict=True)
                                 for vid, hours in o.served]
        records += [(o, None, aid, vid, hours)
                    for o, aid in zip(activities, activity_ids, strict=True)
                    for vid, hours in o.served]
        record_ids = _copy_records(conn, records)
        confirmed = _copy_confirmations(conn, records, record_ids)
        _copy_rewards(conn, confirmed)
        reviews = self._copy_reviews(conn, demands, demand_ids, reviewed)
        return {"past_demands": len(demands), "past_activities": len(activities),
                "service_records": len(records), "confirmed_records": len(confirmed),
                "reviews": reviews}

    def _copy_reviews(self, conn: psycopg.Connection, demands: list[Occasion],
                      ids: list[int], reviewed: list[bool]) -> int:
        """The requester's rating of each reviewed demand; a third of its volunteers rate
        the station."""
        count = 0
        with conn.cursor().copy(
            "COPY review (demand_id, direction, volunteer_id, station_id, rating, comment, "
            "reviewed_by, created_at) FROM STDIN"
        ) as copy:
            for occasion, demand_id, rated in zip(demands, ids, reviewed, strict=True):
                at = _text(occasion.end + timedelta(days=1))
                if rated:
                    rating = int(self.rng.choice(RATINGS, p=RATING_WEIGHTS))
                    comments = COMMENTS[rating]
                    copy.write_row((demand_id, "requester_to_service", None, None, rating,
                                    comments[int(self.rng.integers(0, len(comments)))],
                                    f"station:{occasion.station.id}", at))
                    count += 1
                for vid, _ in occasion.served:
                    if self.rng.random() < 0.3:
                        rating = int(self.rng.choice(RATINGS[:3], p=(0.7, 0.25, 0.05)))
                        comment = ORGANISER_COMMENTS[
                            int(self.rng.integers(0, len(ORGANISER_COMMENTS)))]
                        copy.write_row((demand_id, "volunteer_to_organiser", vid,
                                        occasion.station.id, rating, comment,
                                        volunteer_gid(vid), at))
                        count += 1
        return count


def volunteer_gid(volunteer_id: int) -> str:
    """The volunteer's global ID (Relay), as a volunteer's own reviews name them."""
    return base64.b64encode(f"Volunteer:{volunteer_id}".encode()).decode()


def _new_ids(conn: psycopg.Connection, table: str, count: int) -> list[int]:
    """The ids of the last ``count`` rows COPYed into ``table`` (identities in row order)."""
    rows = conn.execute(f"SELECT id FROM {table} ORDER BY id DESC LIMIT %s", (count,)).fetchall()
    return [int(r[0]) for r in reversed(rows)]


def _copy_demands(conn: psycopg.Connection, demands: list[Occasion],
                  reviewed: list[bool]) -> list[int]:
    with conn.cursor().copy(
        "COPY demand (title, description, category, required_skills, needed, time_window, "
        "location_geom, station_id, region_code, raised_by, raised_by_kind, priority, "
        "requires_insurance, status, created_at, updated_at) FROM STDIN"
    ) as copy:
        for o, rated in zip(demands, reviewed, strict=True):
            s = o.station
            copy.write_row((o.title, "", o.category, [o.category], min(len(o.served), 30),
                            o.window, seed_point(s.lon, s.lat), s.id, o.region_code,
                            f"station:{s.id}", "station", s.seat.priority,
                            o.category in {"emergency", "health"},
                            "reviewed" if rated else "done",
                            _text(o.begin - timedelta(days=10)),
                            _text(o.end + timedelta(days=1))))
    return _new_ids(conn, "demand", len(demands))


def _copy_activities(conn: psycopg.Connection, activities: list[Occasion]) -> list[int]:
    with conn.cursor().copy(
        "COPY activity (title, description, organization_id, category, time_window, "
        "location_geom, station_id, region_code, capacity, signed_up, status, created_at) "
        "FROM STDIN"
    ) as copy:
        for o in activities:
            s, n = o.station, len(o.served)
            copy.write_row((o.title, "", o.team, o.category, o.window, seed_point(s.lon, s.lat),
                            s.id, o.region_code, max(n, 30), n, "closed",
                            _text(o.begin - timedelta(days=14))))
    ids = _new_ids(conn, "activity", len(activities))
    with conn.cursor().copy(
        "COPY activity_signup (activity_id, volunteer_id, status, signed_up_at) FROM STDIN"
    ) as copy:
        for o, activity_id in zip(activities, ids, strict=True):
            for vid, _ in o.served:
                copy.write_row((activity_id, vid, "attended",
                                _text(o.begin - timedelta(days=3))))
    return ids


Record = tuple[Occasion, int | None, int | None, int, Decimal]
"""(occasion, demand id, activity id, volunteer id, hours)."""


def _copy_records(conn: psycopg.Connection, records: list[Record]) -> list[int]:
    with conn.cursor().copy(
        "COPY service_record (volunteer_id, demand_id, activity_id, organization_id, "
        "region_code, title, served_on, hours, recorded_by, recorded_at) FROM STDIN"
    ) as copy:
        for o, demand_id, activity_id, vid, hours in records:
            organiser = o.team if o.team is not None else o.station.organization_id
            copy.write_row((vid, demand_id, activity_id, organiser, o.region_code, o.title,
                            o.begin.date(), hours, RECORDED_BY,
                            _text(o.end + timedelta(minutes=30))))
    return _new_ids(conn, "service_record", len(records))


Confirmed = tuple[int, int, Decimal, str, str]
"""(record id, volunteer id, hours, title, confirmed at)."""


def _copy_confirmations(conn: psycopg.Connection, records: list[Record],
                        ids: list[int]) -> list[Confirmed]:
    """Each record confirmed by its organiser the day after."""
    confirmed: list[Confirmed] = []
    with conn.cursor().copy("COPY service_record_confirmation (record_id, confirmed_by, "
                            "confirmed_at) FROM STDIN") as copy:
        for (o, _, _, vid, hours), record_id in zip(records, ids, strict=True):
            at = _text(o.end + timedelta(days=1))
            copy.write_row((record_id, RECORDED_BY, at))
            confirmed.append((record_id, vid, hours, o.title, at))
    return confirmed


def _copy_rewards(conn: psycopg.Connection, confirmed: list[Confirmed]) -> None:
    """Each confirmed record's ``service_reward``: points and minutes to the volunteer, from
    the issuance accounts (the entries :func:`hub.services.records.record_service` posts)."""
    volunteers = sorted({vid for _, vid, _, _, _ in confirmed})
    conn.execute("INSERT INTO ledger_account (unit, system_code) VALUES ('points', 'issuance'), "
                 "('minutes', 'issuance') ON CONFLICT DO NOTHING")
    with conn.cursor().copy("COPY ledger_account (unit, volunteer_id) FROM STDIN") as copy:
        for vid in volunteers:
            copy.write_row(("points", vid))
            copy.write_row(("minutes", vid))
    accounts = {(unit, vid if vid is not None else code): int(aid) for aid, unit, vid, code in
                conn.execute("SELECT id, unit, volunteer_id, system_code FROM ledger_account")}
    with conn.cursor().copy("COPY ledger_transaction (kind, service_record_id, memo, "
                            "created_by, created_at) FROM STDIN") as copy:
        for record_id, _, _, title, at in confirmed:
            copy.write_row(("service_reward", record_id, f"服务奖励 {title}", RECORDED_BY, at))
    ids = _new_ids(conn, "ledger_transaction", len(confirmed))
    # The row triggers lock an account per entry and check each entry's transaction and
    # account at commit; for a bulk load of new accounts the same two rules are checked
    # once, over every entry, below.
    for trigger in _LEDGER_ROW_TRIGGERS:
        conn.execute(f"ALTER TABLE ledger_entry DISABLE TRIGGER {trigger}")
    with conn.cursor().copy(
        "COPY ledger_entry (transaction_id, account_id, amount) FROM STDIN"
    ) as copy:
        for (_, vid, hours, _, _), tx_id in zip(confirmed, ids, strict=True):
            for unit, amount in zip(("points", "minutes"), rewards(hours), strict=True):
                if amount:
                    copy.write_row((tx_id, accounts[(unit, vid)], amount))
                    copy.write_row((tx_id, accounts[(unit, "issuance")], -amount))
    for trigger in _LEDGER_ROW_TRIGGERS:
        conn.execute(f"ALTER TABLE ledger_entry ENABLE TRIGGER {trigger}")
    _check_ledger(conn)


_LEDGER_ROW_TRIGGERS = ("ledger_entry_lock_account", "ledger_entry_balanced")


class LedgerError(RuntimeError):
    """The seeded ledger breaks a rule the database keeps (sql/0006 ledger_check_balanced)."""


def _check_ledger(conn: psycopg.Connection) -> None:
    """Every transaction sums to zero per unit, and no volunteer account is below zero: the
    rules of ``ledger_check_balanced``, over the whole ledger at once."""
    unbalanced = conn.execute(
        "SELECT e.transaction_id, a.unit, sum(e.amount) FROM ledger_entry e "
        "JOIN ledger_account a ON a.id = e.account_id GROUP BY 1, 2 HAVING sum(e.amount) <> 0 "
        "LIMIT 1").fetchone()
    if unbalanced:
        raise LedgerError(f"ledger transaction {unbalanced[0]} does not balance: its "
                          f"{unbalanced[1]} entries sum to {unbalanced[2]}")
    overdrawn = conn.execute(
        "SELECT a.id, sum(e.amount) FROM ledger_account a JOIN ledger_entry e "
        "ON e.account_id = a.id WHERE a.volunteer_id IS NOT NULL GROUP BY a.id "
        "HAVING sum(e.amount) < 0 LIMIT 1").fetchone()
    if overdrawn:
        raise LedgerError(f"ledger account {overdrawn[0]} would be overdrawn ({overdrawn[1]})")
