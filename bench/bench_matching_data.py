"""Synthetic but realistic matching problems over Henan (河南) for the matching benchmarks.

Volunteers and demands cluster around ~100 county seats; a fifth of the seats are priority
areas (老少边贫) with fewer volunteers and demands of priority 2. Maximum travel 5–30 km,
1–3 skills per volunteer out of ten service categories, half-day availability windows in a
planning period, most volunteers insured.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from hub.matching import Demand, Options, Problem, Volunteer

LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 110.3, 116.6, 31.4, 36.4
SKILLS = (
    "health",
    "youth_science",
    "emergency",
    "agri_tech",
    "anti_rumour",
    "biosafety",
    "industry",
    "innovation",
    "digital",
    "ecology",
)
CST = dt.timezone(dt.timedelta(hours=8))
PERIOD_START_S = int(dt.datetime(2026, 12, 1, tzinfo=CST).timestamp())
HOUR_S = 3600
DAY_S = 86_400
#: (start hour, end hour) of the windows volunteers offer: morning, afternoon, day, evening.
SHIFTS = ((8, 12), (13, 18), (8, 18), (18, 21))


def _scatter(
    rng: np.random.Generator, seats: np.ndarray, seat: np.ndarray, sigma_km: float
) -> tuple[np.ndarray, np.ndarray]:
    lat = seats[seat, 1] + rng.normal(0, sigma_km, seat.size) / 111.32
    lon = seats[seat, 0] + rng.normal(0, sigma_km, seat.size) / (
        111.32 * np.cos(np.radians(seats[seat, 1]))
    )
    return np.clip(lon, LON_MIN, LON_MAX), np.clip(lat, LAT_MIN, LAT_MAX)


def henan_problem(
    n_vol: int,
    n_dem: int,
    *,
    days: int = 7,
    capacity_max: int = 1,
    full_days: bool = False,
    n_seats: int = 100,
    seed: int = 0,
    options: Options | None = None,
    regions: bool = False,
) -> Problem:
    """A problem with ``n_vol`` volunteers and ``n_dem`` demands over ``days`` days.

    ``full_days`` offers whole-day availability (08–18), so demands of a day overlap in a
    volunteer's candidates; ``capacity_max`` > 1 draws capacities uniformly from 1..max;
    ``n_seats`` county seats anchor the clusters (fewer seats: denser problems);
    ``regions`` names each demand's region after its seat (``4101NN``, as a county code).
    """
    rng = np.random.default_rng(seed)
    seats = np.column_stack(
        (
            rng.uniform(LON_MIN + 0.2, LON_MAX - 0.2, n_seats),
            rng.uniform(LAT_MIN + 0.2, LAT_MAX - 0.2, n_seats),
        )
    )
    weight = rng.lognormal(0.0, 0.6, n_seats)
    priority_seat = rng.random(n_seats) < 0.2
    v_weight = np.where(priority_seat, weight * 0.3, weight)
    d_weight = np.where(priority_seat, weight * 1.2, weight)
    popularity = 1.0 / np.arange(1, len(SKILLS) + 1) ** 0.7
    popularity /= popularity.sum()

    v_seat = rng.choice(n_seats, n_vol, p=v_weight / v_weight.sum())
    v_lon, v_lat = _scatter(rng, seats, v_seat, 6.0)
    v_maxd = 5000.0 + 25000.0 * rng.beta(1.5, 4.0, n_vol)
    v_cap = rng.integers(1, capacity_max + 1, n_vol)
    # Up to three distinct skills each, by popularity (Gumbel top-k), with levels 1–5.
    v_nskills = rng.choice((1, 2, 3), n_vol, p=(0.5, 0.35, 0.15))
    keys = np.log(popularity) + rng.gumbel(size=(n_vol, len(SKILLS)))
    v_skills = np.argsort(-keys, axis=1)[:, :3]
    v_levels = rng.integers(1, 6, (n_vol, 3))
    n_win = rng.integers(1, 3 if full_days else 4, n_vol)
    w_day = rng.integers(0, days, (n_vol, 3))
    w_shift = rng.integers(0, len(SHIFTS), (n_vol, 3))
    shift_lo = np.array([8 if full_days else lo for lo, _ in SHIFTS])
    shift_hi = np.array([18 if full_days else hi for _, hi in SHIFTS])
    w_start = PERIOD_START_S + w_day * DAY_S + shift_lo[w_shift] * HOUR_S
    w_end = PERIOD_START_S + w_day * DAY_S + shift_hi[w_shift] * HOUR_S
    insured = rng.random(n_vol)
    until = np.where(
        insured < 0.85, PERIOD_START_S + 210 * DAY_S, PERIOD_START_S + (days // 2) * DAY_S
    )
    names = [[SKILLS[s] for s in row] for row in v_skills.tolist()]
    levels = v_levels.tolist()
    starts, ends = w_start.tolist(), w_end.tolist()
    volunteers = [
        Volunteer(
            id=f"v{i}",
            lon=lon,
            lat=lat,
            skills=dict(zip(names[i][:k], levels[i][:k], strict=True)),
            capacity=cap,
            max_distance_m=maxd,
            availability=tuple(sorted(set(zip(starts[i][:w], ends[i][:w], strict=True)))),
            insured_until_s=ins if r < 0.95 else None,
        )
        for i, (lon, lat, cap, maxd, k, w, ins, r) in enumerate(
            zip(
                v_lon.tolist(),
                v_lat.tolist(),
                v_cap.tolist(),
                v_maxd.tolist(),
                v_nskills.tolist(),
                n_win.tolist(),
                until.tolist(),
                insured.tolist(),
                strict=True,
            )
        )
    ]

    d_seat = rng.choice(n_seats, n_dem, p=d_weight / d_weight.sum())
    d_lon, d_lat = _scatter(rng, seats, d_seat, 10.0)
    d_nskills = rng.choice((1, 2), n_dem, p=(0.75, 0.25))
    d_keys = np.log(popularity) + rng.gumbel(size=(n_dem, len(SKILLS)))
    d_skills = np.argsort(-d_keys, axis=1)[:, :2].tolist()
    d_day = rng.integers(0, days, n_dem)
    d_hour = rng.integers(8, 16, n_dem)
    d_start = PERIOD_START_S + d_day * DAY_S + d_hour * HOUR_S
    d_end = d_start + np.minimum(rng.integers(2, 5, n_dem), 18 - d_hour) * HOUR_S
    d_need = rng.integers(1, 6, n_dem)
    d_prio = np.where(priority_seat[d_seat], 2.0, np.where(rng.random(n_dem) < 0.1, 1.5, 1.0))
    d_ins = rng.random(n_dem) < 0.6
    demands = [
        Demand(
            id=f"d{j}",
            lon=lon,
            lat=lat,
            skills=tuple(SKILLS[s] for s in d_skills[j][:k]),
            needed=need,
            start_s=start,
            end_s=end,
            priority=prio,
            requires_insurance=ins,
            region=f"41{seat:04d}" if regions else "",
        )
        for j, (lon, lat, k, need, start, end, prio, ins, seat) in enumerate(
            zip(
                d_lon.tolist(),
                d_lat.tolist(),
                d_nskills.tolist(),
                d_need.tolist(),
                d_start.tolist(),
                d_end.tolist(),
                d_prio.tolist(),
                d_ins.tolist(),
                d_seat.tolist(),
                strict=True,
            )
        )
    ]
    return Problem(tuple(volunteers), tuple(demands), options or Options())
