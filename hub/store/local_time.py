"""Times that PostgreSQL writes into JSON text, in the caller's time zone.

``json_build_object`` writes a ``timestamptz`` in the session's zone; the JSON that
PostgreSQL writes for the API (``hub/store/maplayer.py``) writes it instead as the DateTime
scalar does (``hub/schema/times.py``): ISO 8601 in the caller's zone, with that zone's offset
at that instant (``2026-12-05T13:00:00+08:00``), the zone a bound parameter.
"""

from __future__ import annotations

ZONE_PARAM = "tz"
DEFAULT_ZONE = "Asia/Shanghai"


def iso_in_zone(moment: str, param: str = ZONE_PARAM) -> str:
    """SQL text of ``moment`` (a ``timestamptz`` expression) as ISO 8601 text in the zone
    named by ``%(param)s``: seconds, microseconds when there are any, the offset ``±HH:MM``."""
    local = f"({moment} AT TIME ZONE %({param})s)"
    offset = f"extract(epoch FROM {local} - ({moment} AT TIME ZONE 'UTC'))::int"
    return (
        f"CASE WHEN {moment} IS NULL THEN NULL ELSE "
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {local})::int, 1000000) = 0 THEN '' "
        f"ELSE to_char({local}, '.US') END || "
        f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || "
        f"to_char(make_interval(secs => abs({offset})), 'HH24:MI') END"
    )
