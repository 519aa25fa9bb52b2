"""The national rehearsal's data set (issue 17.5), generated inside PostgreSQL.

bench/bench_national.py seeds ``hub_national`` with this module: volunteers spread over every
province by a rough population table, stations, demands, the organisation tree every
province's scorecard reads, projects and a year of activities, and pilots for the biggest
province. The hub's own seeder (hub.seed) writes every row from Python (encrypting each ID
number and phone); at 10,000,000 volunteers that alone takes longer than the 15 minutes the
issue allows on two cores, so here the rows are made by ``INSERT … SELECT`` over
``generate_series`` on the server, in chunks run by two connections at once.

What differs from ``hub seed`` (said in docs/scaling.md too):

* Ciphertexts and blind indexes are opaque bytes of the real lengths (AES-GCM: 12-byte nonce,
  the text, a 16-byte tag; HMAC-SHA-256: 32 bytes), not decryptable: nothing measured here
  decrypts, and the table's size is what matters.
* No service history (records, ledgers, reviews, certificates): none of the measured queries
  reads it, and a year of it for 10 million volunteers would be about 100 million rows.
* Bulk-load practice: the big tables' non-unique indexes and foreign keys are dropped for the
  load and made again afterwards (one sorted build, one validating join instead of a probe per
  row); ``maintenance_work_mem`` is raised and parallel maintenance workers are allowed.
  UNLOGGED is not used: fourteen logged tables reference ``volunteer`` by foreign key, which
  PostgreSQL refuses for an unlogged table, and ``SET LOGGED`` writes the whole table to the
  WAL again anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import psycopg
from national_statements import (
    ACTIVITIES,
    DEMANDS,
    MEMBERSHIPS,
    PILOTS,
    PROJECTS,
    STATION_KINDS,
    STATIONS,
)

from hub.seed.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from hub.seed.people import AVAILABILITY, COHORTS, EDUCATION, PATTERN_BY_COHORT, SKILLS_BY_COHORT
from hub.seed.service import CATEGORY_WEIGHTS, OPENING_HOURS, TITLES

# Resident population by province, millions (2020 census, rounded): the volunteers' spread.
POPULATION = {
    "11": 21.9, "12": 13.9, "13": 74.6, "14": 34.9, "15": 24.0, "21": 42.6, "22": 24.1,
    "23": 31.9, "31": 24.9, "32": 84.7, "33": 64.6, "34": 61.0, "35": 41.5, "36": 45.2,
    "37": 101.5, "41": 99.4, "42": 57.8, "43": 66.4, "44": 126.0, "45": 50.1, "46": 10.1,
    "50": 32.1, "51": 83.7, "52": 38.6, "53": 47.2, "54": 3.6, "61": 39.5, "62": 25.0,
    "63": 5.9, "64": 7.2, "65": 25.9,
}
BIGGEST = max(POPULATION, key=POPULATION.__getitem__)
SLOTS = 1 << 16
PROFILES = 1024
CHUNK = 250_000
WORKERS = 2


@dataclass(frozen=True)
class Sizes:
    volunteers: int
    stations: int
    demands: int


def _log_default(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- helper tables


def _seat_tables(conn: psycopg.Connection) -> int:
    """``seed_seat`` (every county-level division with a point, its province's weight shared
    out, urban districts three times a rural county) and ``seed_slot`` (SLOTS rows, each
    naming a seat, in proportion to the weights): a random slot is a weighted random seat."""
    conn.execute("DROP TABLE IF EXISTS seed_seat, seed_slot, seed_profile")
    conn.execute("CREATE TABLE seed_province (code text PRIMARY KEY, people float8)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO seed_province VALUES (%s, %s)", list(POPULATION.items()))
    conn.execute(
        """
        CREATE TABLE seed_seat AS
        WITH c AS (
          SELECT r.code, r.name, ST_X(r.centroid_geom) AS lon, ST_Y(r.centroid_geom) AS lat,
                 r.name LIKE '%区' AS urban, left(r.code, 2) AS province,
                 coalesce(pc.code, left(r.code, 2) || '0000000000') AS team_region,
                 (r.is_remote::int + r.is_poor::int + r.is_border::int + r.is_ethnic::int
                  + r.is_revolutionary::int) AS flags
            FROM region r LEFT JOIN region pc ON pc.code = r.parent_code AND pc.level = 'city'
           WHERE r.level = 'county' AND r.centroid_geom IS NOT NULL
             AND left(r.code, 2) IN (SELECT code FROM seed_province))
        SELECT (row_number() OVER (ORDER BY c.code))::int AS seat, c.*,
               p.people * (CASE WHEN c.urban THEN 3 ELSE 1 END)
               / sum(CASE WHEN c.urban THEN 3 ELSE 1 END) OVER (PARTITION BY c.province)
               AS weight
          FROM c JOIN seed_province p ON p.code = c.province
        """
    )
    conn.execute("ALTER TABLE seed_seat ADD PRIMARY KEY (seat)")
    conn.execute(
        f"""
        CREATE TABLE seed_slot AS
        SELECT (row_number() OVER () - 1)::int AS slot, s.seat
          FROM seed_seat s,
               generate_series(1, greatest(1, round(s.weight * {SLOTS}
                                 / (SELECT sum(weight) FROM seed_seat))::int))
        """
    )
    conn.execute("ALTER TABLE seed_slot ADD PRIMARY KEY (slot)")
    row = conn.execute("SELECT count(*) FROM seed_slot").fetchone()
    return int(row[0]) if row else 0


def _profile_table(conn: psycopg.Connection, rng: np.random.Generator) -> None:
    """PROFILES mixes of cohort, skills with levels, education and weekly availability (the
    same tables as hub.seed.people); each volunteer takes one at random."""
    names = [c for c, _ in COHORTS]
    weights = np.array([w for _, w in COHORTS])
    edu = [e for e, _ in EDUCATION]
    edu_w = np.array([w for _, w in EDUCATION])
    rows = []
    for i in range(PROFILES):
        main = names[rng.choice(len(names), p=weights / weights.sum())]
        pool = SKILLS_BY_COHORT[main]
        picked = rng.permutation(len(pool))[: int(rng.integers(1, 4))]
        skills = "{" + ", ".join(f'"{pool[k]}": {int(rng.integers(1, 6))}' for k in picked) + "}"
        patterns = ["weekends", "saturday", "evenings", "anytime"]
        free = patterns[int(rng.choice(4, p=[.4, .2, .3, .1]))]
        lo, hi = (18, 24) if main == "university_student" else (
            (58, 80) if main == "retired_scientist" else (23, 60))
        rows.append((i, "{" + main + "}", skills, AVAILABILITY[PATTERN_BY_COHORT.get(main) or free],
                     edu[int(rng.choice(len(edu), p=edu_w / edu_w.sum()))], lo, hi))
    conn.execute("CREATE TABLE seed_profile (profile int PRIMARY KEY, cohorts text, skills jsonb,"
                 " availability int4multirange, education text, age_lo int, age_hi int)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO seed_profile VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


# --------------------------------------------------------------------------- organisations


def _organisations(conn: psycopg.Connection) -> int:
    """总队 per province, 队 per city, 支队 per county and its two 分队 (a civilisation-practice
    squad and a farming one), as hub.seed.places builds them for Henan and Gansu."""
    conn.execute(
        """
        INSERT INTO organization (name, level, region_code, kind)
        SELECT r.name || '科技志愿服务总队', 'corps', r.code, 'association'
          FROM region r WHERE r.level = 'province' AND left(r.code, 2) IN
               (SELECT code FROM seed_province)
        """
    )
    conn.execute(
        """
        INSERT INTO organization (name, level, parent_id, region_code, kind)
        SELECT r.name || '科技志愿服务队', 'team', o.id, r.code, 'association'
          FROM region r JOIN organization o
            ON o.level = 'corps' AND o.region_code = left(r.code, 2) || '0000000000'
         WHERE r.level = 'city' AND r.code IN (SELECT team_region FROM seed_seat)
        """
    )
    conn.execute(
        """
        INSERT INTO organization (name, level, parent_id, region_code, kind)
        SELECT s.name || '科技志愿服务队', 'detachment', o.id, s.code, 'association'
          FROM seed_seat s JOIN organization o ON o.region_code = s.team_region
           AND o.level IN ('team', 'corps')
        """
    )
    conn.execute(
        """
        INSERT INTO organization (name, level, parent_id, region_code, kind)
        SELECT s.name || x.suffix, 'squad', o.id, s.code, x.kind
          FROM seed_seat s JOIN organization o ON o.region_code = s.code AND o.level = 'detachment'
         CROSS JOIN (VALUES ('新时代文明实践中心科技志愿服务分队', 'station'),
                            ('农技科技志愿服务分队', 'association')) AS x(suffix, kind)
        """
    )
    conn.execute("ALTER TABLE seed_seat ADD COLUMN squad bigint, ADD COLUMN farm_squad bigint")
    conn.execute(
        """
        UPDATE seed_seat s SET
          squad = (SELECT id FROM organization o WHERE o.region_code = s.code
                      AND o.level = 'squad' AND o.kind = 'station'),
          farm_squad = (SELECT id FROM organization o WHERE o.region_code = s.code
                           AND o.level = 'squad' AND o.kind = 'association')
        """
    )
    row = conn.execute("SELECT count(*) FROM organization").fetchone()
    return int(row[0]) if row else 0


# --------------------------------------------------------------------------- bulk loading


def _drop_for_load(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes and foreign keys; return the statements that make
    them again (indexes first, then constraints)."""
    rows = conn.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace "
        "AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.oid)", (list(tables),)).fetchall()
    fks = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
        (list(tables),)).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    for table, name, _ in fks:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [d for _, d in rows] + [
        f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in fks]


_VOLUNTEERS = f"""
INSERT INTO volunteer (real_name, id_number_enc, id_number_hash, id_number_masked, phone_enc,
  phone_hash, phone_masked, birth_date, gender, education, cohorts, skills, home_geom,
  region_code, service_radius_m, capacity_per_week, weekly_availability, insured_until, status,
  registered_at, exited_at)
SELECT x.surname || x.given,
       x.h1 || substr(x.h2, 1, 14),
       x.h1,
       left(s.code, 3) || '***********' || lpad((x.g %% 1000)::text, 3, '0')
         || CASE WHEN x.g %% 11 = 0 THEN 'X' ELSE (x.g %% 10)::text END,
       x.h2 || substr(x.h1, 1, 7),
       x.h2,
       '1' || (3 + x.g %% 7)::text || (x.g %% 10)::text || '****'
         || lpad((x.g %% 10000)::text, 4, '0'),
       %(today)s::date - ((p.age_lo + floor(x.r_age * (p.age_hi - p.age_lo))) * 365
                          + floor(x.r_day * 365))::int,
       CASE WHEN x.male THEN 'male' ELSE 'female' END, p.education, p.cohorts::cohort_codes,
       p.skills,
       ST_SetSRID(ST_MakePoint(
         s.lon + x.n_east * CASE WHEN s.urban THEN 0.03 ELSE 0.08 END,
         s.lat + x.n_north * CASE WHEN s.urban THEN 0.024 ELSE 0.064 END), 4326),
       s.code,
       (ARRAY[5000, 10000, 10000, 15000, 20000, 30000])[1 + floor(x.r_radius * 6)::int],
       (ARRAY[1, 1, 2, 3])[1 + floor(x.r_cap * 4)::int],
       p.availability,
       CASE WHEN x.r_ins < 0.7 THEN %(today)s::date + 30 + floor(x.r_ins * 400)::int
            WHEN x.r_ins < 0.85 THEN %(today)s::date - floor(x.r_ins * 200)::int END,
       CASE WHEN x.r_status < 0.95 THEN 'active' WHEN x.r_status < 0.98 THEN 'suspended'
            ELSE 'exited' END,
       %(today)s::date - (1 + floor(x.r_reg * 900)::int) + time '10:00',
       CASE WHEN x.r_status >= 0.98 THEN %(today)s::date - 1 + time '12:00' END
  FROM (SELECT g, sha256(int8send(g)) AS h1, sha256(int8send(-g)) AS h2,
               floor(random() * %(slots)s)::int AS slot,
               floor(random() * {PROFILES})::int AS profile,
               random() < 0.55 AS male, random() AS r_age, random() AS r_day,
               random() AS r_radius, random() AS r_cap, random() AS r_ins, random() AS r_status,
               random() AS r_reg,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_east,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_north,
               (%(surnames)s::text[])[1 + floor(random() * %(n_surnames)s)::int] AS surname,
               (%(given)s::text[])[1 + floor(random() * %(n_given)s)::int]
                 || CASE WHEN random() < 0.6
                    THEN (%(given)s::text[])[1 + floor(random() * %(n_given)s)::int] ELSE '' END
                 AS given
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g OFFSET 0) AS x
  JOIN seed_slot sl ON sl.slot = x.slot
  JOIN seed_seat s ON s.seat = sl.seat
  JOIN seed_profile p ON p.profile = x.profile
"""

# What the trigger office_tally_volunteer_insert (sql/0036) adds, for every volunteer at once.
_TALLY = """
INSERT INTO office_day_tally AS t (region_code, day, registered, exited)
SELECT c.r, (c.at AT TIME ZONE 'Asia/Shanghai')::date, sum(c.reg), sum(c.ex)
  FROM volunteer n CROSS JOIN LATERAL (VALUES (n.region_code, n.registered_at, 1, 0),
                                              (n.region_code, n.exited_at, 0, 1)) c(r, at, reg, ex)
 WHERE c.r IS NOT NULL AND c.at IS NOT NULL
 GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (region_code, day) DO UPDATE
  SET registered = t.registered + excluded.registered, exited = t.exited + excluded.exited
"""


def _chunks(total: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(total, lo + size - 1)) for lo in range(1, total + 1, size)]


def _parallel(url: str, statement: str, params: dict[str, object], total: int,
              log: Callable[[str], None], what: str) -> None:
    """Run ``statement`` for every chunk of 1..total on WORKERS connections at once, each chunk
    its own transaction (setseed per chunk: the same data on every run)."""
    done = [0]
    lock = threading.Lock()
    started = time.perf_counter()

    def run(chunk: tuple[int, int]) -> None:
        with psycopg.connect(url) as conn:
            conn.execute("SET synchronous_commit = off")
            conn.execute("SELECT setseed(%s)", ((chunk[0] % 1_000_003) / 1_000_003,))
            conn.execute(statement, {**params, "lo": chunk[0], "hi": chunk[1]})
            conn.commit()
        with lock:
            done[0] += chunk[1] - chunk[0] + 1
            log(f"  {what}: {done[0]:,}/{total:,} ({time.perf_counter() - started:.0f} s)")

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(run, _chunks(total, CHUNK)))


def _bounds(values: list[float]) -> list[float]:
    """Lower bounds of buckets with these weights (for width_bucket)."""
    total, out, acc = sum(values), [], 0.0
    for v in values:
        out.append(acc / total)
        acc += v
    return out


def _run_all(url: str, statements: list[str], log: Callable[[str], None]) -> None:
    """Run independent DDL statements on WORKERS connections at once."""
    def run(statement: str) -> None:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            conn.execute(statement)
        log(f"  {time.perf_counter() - started:6.1f} s  {statement[:90]}")

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(run, statements))


BIG_TABLES = ("volunteer", "membership", "station", "demand")


def seed_national(url: str, sizes: Sizes, *, today: object, random_seed: int = 17,
                  log: Callable[[str], None] = _log_default) -> dict[str, float]:
    """Seed the (migrated, regions loaded, otherwise empty) database; return seconds per
    phase and row counts."""
    phases: dict[str, float] = {}
    mark = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - mark[0], 1)
        mark[0] = now
        log(f"phase {name}: {phases[name]:.1f} s")

    rng = np.random.default_rng(random_seed)
    with psycopg.connect(url) as conn:
        slots = _seat_tables(conn)
        _profile_table(conn, rng)
        organisations = _organisations(conn)
        rebuild = _drop_for_load(conn, BIG_TABLES)
        for table in BIG_TABLES:  # no autovacuum racing the load for the CPU: VACUUM at the end
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        # Statement triggers that tally what was inserted: the tallies are made once after
        # the load (below) instead of once per chunk from its transition table.
        conn.execute("ALTER TABLE membership DISABLE TRIGGER membership_count_insert")
        conn.execute("ALTER TABLE volunteer DISABLE TRIGGER office_tally_volunteer_insert")
        conn.execute("ALTER TABLE demand DISABLE TRIGGER demand_equity_insert")
        # No priority rule exists yet: the row trigger would set base_priority = priority.
        conn.execute("ALTER TABLE demand DISABLE TRIGGER demand_priority_rule")
        conn.commit()
    phase("prepare")
    given = sorted(set(GIVEN_MALE + GIVEN_FEMALE))
    _parallel(url, _VOLUNTEERS, {"today": today, "slots": slots, "surnames": SURNAMES,
                                 "n_surnames": len(SURNAMES), "given": given,
                                 "n_given": len(given)}, sizes.volunteers, log, "volunteers")
    with psycopg.connect(url) as conn:
        conn.execute(_TALLY)
        conn.execute("ALTER TABLE volunteer ENABLE TRIGGER office_tally_volunteer_insert")
        conn.commit()
    phase("volunteers")
    with psycopg.connect(url) as conn:
        first = conn.execute("SELECT min(id) FROM volunteer").fetchone()[0]  # type: ignore[index]
    _parallel(url, MEMBERSHIPS, {"first": first}, sizes.volunteers, log, "memberships")
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO organization_member_count (organization_id, members) "
                     "SELECT organization_id, count(*) FROM membership GROUP BY 1 "
                     "ON CONFLICT (organization_id) DO UPDATE SET members = excluded.members")
        conn.execute("ALTER TABLE membership ENABLE TRIGGER membership_count_insert")
        conn.commit()
    phase("memberships")
    kinds, labels, upto = zip(*STATION_KINDS, strict=True)
    from_kind = [0.0, *upto[:-1]]
    towns = ["城关镇", "东城街道", "西城街道", "南关镇", "北关镇", "新华街道", "河西镇", "马坊镇",
             "李庄乡", "张集镇", "王店镇", "白沙镇", "青石镇", "柳林乡"]
    _parallel(url, STATIONS, {"slots": slots, "towns": towns, "n_towns": len(towns),
                               "hours": OPENING_HOURS, "kinds": list(kinds),
                               "labels": list(labels), "from": from_kind},
              sizes.stations, log, "stations")
    phase("stations")
    categories = list(CATEGORY_WEIGHTS)
    with psycopg.connect(url) as conn:
        first_station = conn.execute("SELECT min(id) FROM station").fetchone()[0]  # type: ignore[index]
    _parallel(url, DEMANDS, {
        "slots": slots, "first_station": first_station, "n_stations": sizes.stations,
        "today": today, "categories": categories,
        "titles": [TITLES[c][0] for c in categories],
        "from": _bounds(list(CATEGORY_WEIGHTS.values()))}, sizes.demands, log, "demands")
    with psycopg.connect(url) as conn:
        first = conn.execute("SELECT min(id) FROM demand").fetchone()[0]  # type: ignore[index]
    # What demand_equity_insert does per statement (as sql/0028 backfills it), by chunks on
    # both connections.
    _parallel(url, "SELECT hub_demand_equity_refresh(ARRAY(SELECT id FROM demand WHERE id "
              "BETWEEN %(first)s + %(lo)s - 1 AND %(first)s + %(hi)s - 1))", {"first": first},
              sizes.demands, log, "demand equity")
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE demand ENABLE TRIGGER demand_equity_insert")
        conn.execute("ALTER TABLE demand ENABLE TRIGGER demand_priority_rule")
        conn.commit()
    phase("demands")
    with psycopg.connect(url) as conn:
        conn.execute(PROJECTS, {"categories": categories, "today": today})
        conn.execute(ACTIVITIES, {"today": today})
        conn.execute(PILOTS, {"today": today, "province": BIGGEST})
        conn.commit()
    phase("projects, activities, pilots")
    indexes = [s for s in rebuild if s.startswith("CREATE")]
    # The slowest builds (GiST over 10 million points) first, so the two connections end
    # together.
    indexes.sort(key=lambda s: ("public.volunteer " not in s, "gist" not in s))
    _run_all(url, indexes, log)
    phase("indexes")
    _run_all(url, [s for s in rebuild if not s.startswith("CREATE")], log)
    phase("foreign keys")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE seed_slot, seed_seat, seed_profile, seed_province")
        for table in BIG_TABLES:
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
    _run_all(url, ["VACUUM (ANALYZE) volunteer", "VACUUM (ANALYZE) membership",
                   "VACUUM (ANALYZE) station", "VACUUM (ANALYZE) demand", "ANALYZE"], log)
    phase("vacuum, analyze")
    with psycopg.connect(url) as conn:
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                  for t in ("volunteer", "membership", "station", "demand", "organization",
                            "project", "activity", "pilot")}
    phases["total"] = round(sum(v for k, v in phases.items()), 1)
    return {**phases, **{f"rows.{k}": float(v) for k, v in counts.items()},
            "organizations.created": float(organisations)}
