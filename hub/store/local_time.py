"""Times that PostgreSQL writes into JSON text, in the caller's time zone.

``json_build_object`` writes a ``timestamptz`` in the session's zone; the JSON that
PostgreSQL writes for the API (``hub/store/maplayer.py``) writes it instead as the DateTime
scalar does (``hub/schema/times.py``): ISO 8601 in the caller's zone, with that zone's offset
at that instant (``2026-12-05T13:00:00+08:00``), the zone a bound parameter.

Most callers' zones (Asia/Shanghai, UTC) keep one offset for decades: for them a time in
2000–2100 to the second is written with that offset, a bound interval (about 0.3 µs a time);
any other time, or any time in a zone with daylight saving, by the zone's rules (about 2 µs).
Both give the same text (tests/db/test_db_local_time.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

ZONE_PARAM = "tz"
DEFAULT_ZONE = "Asia/Shanghai"
FIXED_FROM = datetime(2000, 1, 1, tzinfo=UTC)
FIXED_TO = datetime(2100, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=64)
def fixed_offset(zone: str) -> timedelta | None:
    """The offset ``zone`` keeps all through :data:`FIXED_FROM` .. :data:`FIXED_TO` (looked at
    every day), or None when it changes (daylight saving, a change of rules)."""
    rules = ZoneInfo(zone)
    first = FIXED_FROM.astimezone(rules).utcoffset()
    day, moment = timedelta(days=1), FIXED_FROM
    while moment < FIXED_TO:
        if moment.astimezone(rules).utcoffset() != first:
            return None
        moment += day
    return first


def _offset_text(offset: timedelta) -> str:
    sign, minutes = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_params(zone: str) -> dict[str, Any]:
    """The parameters :func:`iso_in_zone`'s SQL needs for ``zone`` (an IANA name)."""
    offset = fixed_offset(zone)
    return {ZONE_PARAM: zone, f"{ZONE_PARAM}_from": FIXED_FROM if offset is not None else None,
            f"{ZONE_PARAM}_to": FIXED_TO if offset is not None else None,
            f"{ZONE_PARAM}_offset": offset,
            f"{ZONE_PARAM}_offset_text": _offset_text(offset) if offset is not None else None}


def iso_in_zone(moment: str, param: str = ZONE_PARAM) -> str:
    """SQL text of ``moment`` (a ``timestamptz`` expression) as ISO 8601 text in the zone of
    :func:`zone_params`: seconds, microseconds when there are any, the offset ``±HH:MM``."""
    local = f"({moment} AT TIME ZONE %({param})s)"
    offset = f"extract(epoch FROM {local} - ({moment} AT TIME ZONE 'UTC'))::int"
    by_rules = (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {local})::int, 1000000) = 0 THEN '' "
        f"ELSE to_char({local}, '.US') END || "
        f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || "
        f"to_char(make_interval(secs => abs({offset})), 'HH24:MI')")
    fixed = (f"replace(({moment} AT TIME ZONE %({param}_offset)s::interval)::text, ' ', 'T') "
             f"|| %({param}_offset_text)s")
    return (f"CASE WHEN {moment} IS NULL THEN NULL "
            f"WHEN {moment} >= %({param}_from)s AND {moment} < %({param}_to)s "
            f"AND date_trunc('second', {moment}) = {moment} THEN {fixed} "
            f"ELSE {by_rules} END")
