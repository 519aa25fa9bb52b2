"""Times PostgreSQL writes into JSON (hub/store/local_time.py) are the DateTime scalar's text
(hub/schema/times.py) in every zone, by either path: a zone of one offset in 2000-2100 to the
second (a bound interval), or the zone's rules (daylight saving, fractions, other years)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hub.localization import Locale, using
from hub.schema.times import serialize
from hub.store.local_time import fixed_offset, iso_in_zone, zone_params

ZONES = ["Asia/Shanghai", "UTC", "Asia/Kathmandu", "Asia/Urumqi", "America/New_York",
         "America/St_Johns", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati"]
MOMENTS = ["2026-12-05 05:00:00+00", "2026-07-05 05:00:00.25+00", "2026-03-08 06:59:59+00",
           "2026-03-08 07:00:00+00", "2026-11-01 05:30:00+00", "1988-06-01 12:00:00+00",
           "2100-01-01 00:00:00+00", "2099-12-31 23:59:59.999999+00", "1999-12-31 23:59:59+00"]


def test_which_zones_keep_one_offset():
    assert fixed_offset("Asia/Shanghai") is not None and fixed_offset("UTC") is not None
    assert fixed_offset("America/New_York") is None and fixed_offset("Europe/London") is None
    assert zone_params("America/New_York")["tz_from"] is None


@pytest.mark.parametrize("zone", ZONES)
def test_postgres_writes_what_the_scalar_writes(conn: psycopg.Connection, zone: str):
    sql = f"SELECT m, {iso_in_zone('m')} FROM unnest(%(ms)s::timestamptz[]) AS m"
    rows = conn.execute(sql, {"ms": [*MOMENTS, None], **zone_params(zone)}).fetchall()
    locale = Locale("zh", ZoneInfo(zone), zone)
    with using(locale):
        for moment, written in rows:
            if moment is None:
                assert written is None
                continue
            assert written == serialize(moment), (zone, moment)
            assert datetime.fromisoformat(written) == moment
