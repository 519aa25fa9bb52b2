"""``hub seed``: a deterministic demo data set for Henan and Gansu, loaded with COPY.

The same options (random seed, sizes and start date) give the same data. Everything is
loaded in one transaction: a failed seed leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np
import psycopg
from tqdm import tqdm

from hub.pii import load_or_create_key
from hub.seed import (
    candidate_sites,
    history,
    pairings,
    people,
    places,
    regions,
    review_queue,
    service,
)
from hub.settings import Settings

CHINA = timezone(timedelta(hours=8))
_GENERATED_TABLES = (
    "activity_signup",
    "activity",
    "project",
    "demand",
    "membership",
    "station",
    "volunteer_availability_exception",
    "organization",
    "volunteer",
    "candidate_site",
)
# Append-only tables (sql/0006): their triggers refuse a TRUNCATE once they hold rows, so
# `--replace` turns those triggers off for its own TRUNCATE, in the seed's transaction.
_APPEND_ONLY = ("certificate", "review", "ledger_entry", "ledger_transaction",
                "service_record_confirmation", "service_record", "publication_review",
                "escalation_step")


def china_today() -> date:
    """Today's date in China Standard Time."""
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class SeedOptions:
    """Sizes and randomness of the demo data set."""

    volunteers: int = 20_000
    stations: int = 1_500
    demands: int = 3_000
    random_seed: int = 20231101
    start_date: date = field(default_factory=china_today)
    history_days: int = 365
    """Days of service history before ``start_date`` (records, rewards, reviews); 0: none."""
    replace: bool = False
    progress: bool = True
    review_queue: bool = False
    """Pending items for the console in 郑州市 (hub.seed.review_queue): ``hub demo`` and
    ``hub seed`` ask for them, benchmarks do not."""

    def __post_init__(self) -> None:
        for name in ("volunteers", "stations", "demands", "history_days"):
            value = getattr(self, name)
            if value < 0 or value > 10_000_000:
                raise ValueError(f"seed option {name}={value} is outside 0..10,000,000")


class SeedError(RuntimeError):
    """The seed cannot run as asked."""


def is_seeded(url: str) -> bool:
    """True when the database already holds volunteers or stations."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM volunteer) OR EXISTS (SELECT 1 FROM station)"
        ).fetchone()
        return bool(row and row[0])


def seed(url: str, options: SeedOptions, *, settings: Settings) -> dict[str, float]:
    """Load the demo data set into the (migrated) database at ``url``; return counts."""
    with psycopg.connect(url) as conn:
        counts = seed_connection(conn, options, settings=settings)
        conn.commit()
    return counts


def seed_connection(
    conn: psycopg.Connection, options: SeedOptions, *, settings: Settings
) -> dict[str, float]:
    """Seed inside the caller's transaction (tests roll it back); never commits."""
    started = time.perf_counter()
    cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
    rng = np.random.default_rng(options.random_seed)
    today = options.start_date
    n_regions = regions.load(conn)
    if options.replace:
        _truncate(conn)
    else:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM volunteer) OR EXISTS (SELECT 1 FROM organization)"
        ).fetchone()
        if row and row[0]:
            raise SeedError("the database already holds demo data: use `hub seed --replace`")
    seats = places.seats(conn)
    if not seats:
        raise SeedError("no county seats for Henan (41) or Gansu (62) in the region table")
    city_names: dict[str, str] = dict(
        conn.execute(
            "SELECT code, name FROM region WHERE level = 'city' AND left(code, 2) = ANY(%s)",
            (list(places.PROVINCES),),
        ).fetchall()
    )
    total = options.volunteers + options.stations + options.demands
    bar = tqdm(
        total=total,
        desc="seeding",
        unit="rows",
        disable=not options.progress,
        file=sys.stderr,
        mininterval=0.5,
    )
    def tick(n: int) -> None:
        bar.update(n)

    specs = places.organisation_specs(seats, city_names)
    org_ids = places.insert_organisations(conn, specs)
    n_pairings = pairings.seed_pairings(conn, today=today)
    with _bulk_load(conn, "volunteer", rows=options.volunteers):
        hashes = people.copy_volunteers(conn, count=options.volunteers, seats=seats,
                                        cipher=cipher, rng=rng, today=today, tick=tick)
    with _bulk_load(conn, "membership", rows=options.volunteers):
        memberships = _link_members(conn, specs, org_ids, hashes, seats, rng)
    squad_of_seat = {
        spec.region_code: org_ids[i] for i, spec in enumerate(specs) if spec.kind == "station"
    }
    stations = service.copy_stations(
        conn,
        count=options.stations,
        seats=seats,
        org_of_seat=squad_of_seat,
        city_names=city_names,
        rng=rng,
        tick=tick,
    )
    service.copy_demands(
        conn,
        count=options.demands,
        stations=stations,
        seats=seats,
        rng=rng,
        today=today,
        tick=tick,
    )
    n_projects, n_activities = service.insert_projects_and_activities(
        conn, org_ids=org_ids, rng=rng, today=today
    )
    n_sites = candidate_sites.seed_candidate_sites(
        conn, seats=seats, rng=np.random.default_rng([options.random_seed, 16]))
    past = history.seed_history(conn, stations=stations, today=today, days=options.history_days,
                                rng=np.random.default_rng([options.random_seed, 365]))
    waiting = (review_queue.seed_review_queue(conn, cipher=cipher, today=today)
               if options.review_queue else {})
    bar.close()
    conn.execute("ANALYZE")
    return {
        "regions": n_regions,
        "organizations": len(org_ids),
        "team_pairings": n_pairings,
        "volunteers": options.volunteers,
        "memberships": memberships,
        "stations": len(stations),
        "demands": options.demands,
        "projects": n_projects,
        "activities": n_activities,
        "candidate_sites": n_sites,
        **past,
        **waiting,
        "seconds": round(time.perf_counter() - started, 1),
    }


BULK_ROWS = 20_000


def _truncate(conn: psycopg.Connection) -> None:
    """Empty every table the seed fills, its append-only history too (``--replace``)."""
    for table in _APPEND_ONLY:
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    conn.execute("TRUNCATE " + ", ".join(_GENERATED_TABLES + _APPEND_ONLY)
                 + " RESTART IDENTITY CASCADE")
    for table in _APPEND_ONLY:
        conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


@contextlib.contextmanager
def _bulk_load(conn: psycopg.Connection, table: str, *, rows: int) -> Iterator[None]:
    """For big loads, drop ``table``'s non-unique indexes and build them again afterwards:
    one bulk build is far cheaper than maintaining GiST and GIN indexes row by row. All of it
    happens in the caller's transaction, so a failure leaves the indexes as they were."""
    if rows < BULK_ROWS:
        yield
        return
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = %s AND t.relnamespace = 'public'::regnamespace "
        "AND NOT x.indisunique AND NOT x.indisprimary", (table,)).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        conn.execute(definition)


def _link_members(
    conn: psycopg.Connection,
    specs: list[places.OrgSpec],
    org_ids: list[int],
    hashes: list[bytes],
    seats: list[places.Seat],
    rng: np.random.Generator,
) -> int:
    """Each volunteer joins a squad or team of their county; some join a society or unit too.

    The first member of each county team becomes its captain.
    """
    by_region: dict[str, list[int]] = {}
    provincial: list[int] = []
    for i, spec in enumerate(specs):
        if spec.level in ("detachment", "squad") and spec.kind != "society":
            by_region.setdefault(spec.region_code, []).append(org_ids[i])
        elif spec.level == "team" and spec.kind != "association":
            provincial.append(org_ids[i])
    # The seed loads into an empty table, and COPY draws identities in row order: the new
    # volunteers in id order are the rows in the order they were written.
    rows = conn.execute("SELECT id, region_code FROM volunteer ORDER BY id").fetchall()
    if len(rows) != len(hashes):
        raise SeedError(f"expected {len(hashes)} new volunteers, found {len(rows)}")
    ids_by_hash = {h: int(row[0]) for h, row in zip(hashes, rows, strict=True)}
    region_of: dict[int, str] = {int(r[0]): r[1] for r in rows}
    captains: dict[int, int] = {}
    count = 0
    with conn.cursor().copy(
        "COPY membership (volunteer_id, organization_id, role) FROM STDIN"
    ) as cp:
        for h in hashes:
            vid = ids_by_hash[h]
            teams = by_region.get(region_of[vid], [])
            if teams:
                org = teams[int(rng.integers(0, len(teams)))]
                role = "member"
                if org not in captains:
                    captains[org] = vid
                    role = "captain"
                cp.write_row((vid, org, role))
                count += 1
            if provincial and rng.random() < 0.1:
                cp.write_row((vid, provincial[int(rng.integers(0, len(provincial)))], "member"))
                count += 1
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE organization SET captain_id = %s WHERE id = %s",
            [(vid, org) for org, vid in captains.items()],
        )
    return count
