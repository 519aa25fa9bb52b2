"""Demo volunteers: spread around county seats (denser in cities), with plausible mixes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import psycopg
from psycopg.copy import QueuedLibpqWriter

from hub.pii import PiiCipher, mask_id_number, mask_phone
from hub.seed.names import make_id_number, make_mobiles, make_names
from hub.seed.places import Seat

EDUCATION = (
    ("high_school", 0.12),
    ("associate", 0.18),
    ("bachelor", 0.45),
    ("master", 0.17),
    ("doctorate", 0.08),
)
COHORTS = (
    ("university_student", 0.22),
    ("retired_scientist", 0.12),
    ("woman_scientist", 0.08),
    ("researcher", 0.12),
    ("enterprise_rnd", 0.10),
    ("museum_guide", 0.05),
    ("youth_tutor", 0.09),
    ("agri_technician", 0.14),
    ("school_principal", 0.03),
    ("hospital_director", 0.02),
    ("agri_station_head", 0.03),
)
SKILLS_BY_COHORT = {
    "university_student": ("youth_science", "anti_pseudoscience", "emergency"),
    "retired_scientist": ("anti_pseudoscience", "health", "agri_tech", "enterprise_innovation"),
    "woman_scientist": ("health", "youth_science", "biosafety"),
    "researcher": ("biosafety", "enterprise_innovation", "anti_pseudoscience", "health"),
    "enterprise_rnd": ("enterprise_innovation", "rural_industry"),
    "museum_guide": ("youth_science", "anti_pseudoscience"),
    "youth_tutor": ("youth_science", "emergency"),
    "agri_technician": ("agri_tech", "rural_industry"),
    "school_principal": ("youth_science", "emergency"),
    "hospital_director": ("health", "emergency", "biosafety"),
    "agri_station_head": ("agri_tech", "rural_industry"),
}
DAY = 1440


def _week(*spans: tuple[int, int, int]) -> str:
    """A weekly availability multirange from (weekday 0=Monday, start minute, end minute)."""
    return "{" + ",".join(f"[{d * DAY + s},{d * DAY + e})" for d, s, e in spans) + "}"


AVAILABILITY = {
    "weekends": _week((5, 480, 1080), (6, 480, 1080)),
    "saturday": _week((5, 480, 1080)),
    "evenings": _week(*((d, 1110, 1260) for d in range(5)), (5, 540, 1020)),
    "weekdays": _week(*((d, 480, 1050) for d in range(5))),
    "student": _week((2, 840, 1080), (5, 480, 1080), (6, 480, 1080)),
    "anytime": _week(*((d, 480, 1200) for d in range(7))),
}
PATTERN_BY_COHORT = {
    "university_student": "student",
    "retired_scientist": "weekdays",
    "agri_technician": "anytime",
    "agri_station_head": "anytime",
}


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    names = [n for n, _ in table]
    weights = np.array([w for _, w in table])
    return rng.choice(names, size=size, p=weights / weights.sum())


def _unique_id(
    cipher: PiiCipher, seen: set[bytes], region6: str, birth: date, index: int, male: bool
) -> tuple[str, bytes]:
    """A valid ID number not yet used in this load (two people can share county and birthday)."""
    bump = 0
    while True:
        id_number = make_id_number(region6, birth, index + 7919 * bump, male=male)
        id_hash = cipher.blind_index(id_number, field="id_number")
        if id_hash not in seen:
            seen.add(id_hash)
            return id_number, id_hash
        bump += 1


def copy_volunteers(
    conn: psycopg.Connection,
    *,
    count: int,
    seats: list[Seat],
    cipher: PiiCipher,
    rng: np.random.Generator,
    today: date,
    tick: Callable[[int], None],
) -> list[bytes]:
    """COPY ``count`` volunteers; return their ID-number hashes in insertion order."""
    weights = np.array([3.0 if s.urban else 1.0 for s in seats])
    seat_idx = rng.choice(len(seats), size=count, p=weights / weights.sum())
    sigma_deg = np.where([seats[i].urban for i in seat_idx], 0.03, 0.08)
    lon = np.array([seats[i].lon for i in seat_idx]) + rng.normal(0, 1, count) * sigma_deg
    lat = np.array([seats[i].lat for i in seat_idx]) + rng.normal(0, 1, count) * sigma_deg * 0.8
    cohort = _pick(rng, COHORTS, count)
    education = _pick(rng, EDUCATION, count)
    male = rng.random(count) < 0.55
    ages = np.where(
        cohort == "university_student",
        rng.integers(18, 24, count),
        np.where(
            cohort == "retired_scientist", rng.integers(58, 80, count), rng.integers(23, 60, count)
        ),
    )
    birth_offsets = rng.integers(0, 365, count)
    radius = rng.choice(
        [5_000, 10_000, 15_000, 20_000, 30_000], size=count, p=[0.2, 0.35, 0.2, 0.15, 0.1]
    )
    capacity = rng.choice([1, 2, 3], size=count, p=[0.5, 0.35, 0.15])
    insurance_roll = rng.random(count)
    status_roll = rng.random(count)
    registered_days = rng.integers(1, 900, count)
    second_cohort = np.where(rng.random(count) < 0.15, _pick(rng, COHORTS, count), "")
    skill_keys = rng.random((count, 4))
    n_skills = rng.integers(1, 4, count)
    levels = rng.integers(1, 6, (count, 4))
    free_pattern = rng.choice(
        ["weekends", "saturday", "evenings", "anytime"], size=count, p=[0.4, 0.2, 0.3, 0.1]
    )
    names = make_names(rng, male)
    phones = make_mobiles(rng, count)
    hashes: list[bytes] = []
    seen: set[bytes] = set()
    columns = (
        "real_name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, "
        "phone_masked, birth_date, "
        "gender, education, cohorts, skills, home_geom, region_code, service_radius_m, "
        "capacity_per_week, weekly_availability, insured_until, status, registered_at, "
        "exited_at"
    )
    cursor = conn.cursor()
    # A queued writer sends on a worker thread, so the server parses and checks rows while
    # this thread builds the next ones.
    with cursor.copy(
        f"COPY volunteer ({columns}) FROM STDIN", writer=QueuedLibpqWriter(cursor)
    ) as copy:
        lines: list[str] = []
        # Plain Python lists and precomputed text: indexing numpy arrays row by row costs
        # more than building the row.
        point = [
            f"SRID=4326;POINT({x:.6f} {y:.6f})"
            for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
        ]
        birth_back = (ages * 365 + birth_offsets + 1).tolist()
        registered = [
            f"{today - timedelta(days=d)} 10:00:00+08" for d in registered_days.tolist()
        ]
        exited_at = f"{today - timedelta(days=1)} 12:00:00+08"
        rows = zip(
            seat_idx.tolist(), birth_back, male.tolist(), cohort.tolist(),
            second_cohort.tolist(), skill_keys.tolist(), n_skills.tolist(), levels.tolist(),
            free_pattern.tolist(), insurance_roll.tolist(), status_roll.tolist(),
            education.tolist(), radius.tolist(), capacity.tolist(), names, phones, point,
            registered, strict=True,
        )
        for i, (
            seat_i, back, is_male, main, second, keys, n_skill, level, free, roll, status_r,
            edu, radius_m, cap, name, phone, where, registered_on,
        ) in enumerate(rows):
            seat = seats[seat_i]
            birth = today - timedelta(days=back)
            id_number, id_hash = _unique_id(cipher, seen, seat.code[:6], birth, i, is_male)
            cohorts = main if second in ("", main) else f"{main},{second}"
            pool = SKILLS_BY_COHORT[main]
            order = sorted(range(len(pool)), key=keys.__getitem__)[: min(len(pool), n_skill)]
            skills = ", ".join(f'"{pool[k]}": {level[k]}' for k in order)  # as json.dumps
            insured = (
                str(today + timedelta(days=int(30 + roll * 400)))
                if roll < 0.7
                else str(today - timedelta(days=int(roll * 200)))
                if roll < 0.85
                else "\\N"
            )
            status = "active" if status_r < 0.95 else "suspended" if status_r < 0.98 else "exited"
            fields = (
                name,
                _bytea(cipher.encrypt(id_number, field="id_number")),
                _bytea(id_hash),
                mask_id_number(id_number),
                _bytea(cipher.encrypt(phone, field="phone")),
                _bytea(cipher.blind_index(phone, field="phone")),
                mask_phone(phone),
                str(birth),
                "male" if is_male else "female",
                edu,
                "{" + cohorts + "}",
                "{" + skills + "}",
                where,
                seat.code,
                str(radius_m),
                str(cap),
                AVAILABILITY[PATTERN_BY_COHORT.get(main) or free],
                insured,
                status,
                registered_on,
                exited_at if status == "exited" else "\\N",
            )
            lines.append("\t".join(fields) + "\n")  # type: ignore[arg-type]
            hashes.append(id_hash)
            if i % 1000 == 999:
                copy.write("".join(lines))
                lines.clear()
                tick(1000)
        copy.write("".join(lines))
    tick(count % 1000)
    return hashes


def _bytea(value: bytes) -> str:
    """bytea in COPY's text format (hex, its backslash escaped)."""
    return "\\\\x" + value.hex()
