"""Registration values: stored forms of personal numbers, homes, availability, scope.

Pure helpers shared by single registration (:mod:`hub.services.registration`) and collective
imports (:mod:`hub.services.importing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, can, subject
from hub.geo.crs import convert
from hub.pii import PiiCipher, mask_id_number, mask_phone
from hub.registration.availability import weekly_spans

CST = timedelta(hours=8)
WGS84 = "WGS84"
MINUTES_PER_DAY = 1440
# The registration vocabulary's team kinds (naming rules) → the organization.kind column.
ORG_KIND_COLUMN = {"province": "association", "city": "association", "county": "association",
                   "society": "society", "society_committee": "society", "unit": "other",
                   "other": "other"}


def today_cst() -> date:
    """Today in China Standard Time (ages are counted on this day)."""
    return (datetime.now(UTC) + CST).date()


def home_ewkt(lon: float, lat: float, crs: str | None) -> str:
    """A WGS-84 EWKT point from coordinates in any supported CRS."""
    x, y = convert(lon, lat, crs or WGS84, WGS84)
    return point_ewkt(float(x), float(y))


def point_ewkt(lon: float, lat: float) -> str:
    """A WGS-84 point as EWKT, to 1 cm."""
    return f"SRID=4326;POINT({lon:.7f} {lat:.7f})"


def weekly_from_text(text: str | None) -> str | None:
    """可服务时间 words (周末, 工作日晚上, 周三下午 …) as a minutes-of-week multirange
    (:func:`hub.registration.availability.weekly_spans` reads them).

    ``None`` when the text names no known period: the text is kept as written, never guessed.
    """
    spans = weekly_spans(text)
    return multirange(spans) if spans else None


def multirange(spans: Sequence[tuple[int, int, int]]) -> str:
    """(weekday 0=Monday, start minute, end minute) spans as an int4multirange literal."""
    return "{" + ",".join(f"[{d * MINUTES_PER_DAY + s},{d * MINUTES_PER_DAY + e})"
                          for d, s, e in spans) + "}"


def encrypted_phone(cipher: PiiCipher, mobile: str, prefix: str = "phone") -> dict[str, Any]:
    """The three stored forms of a phone number."""
    return {f"{prefix}_enc": cipher.encrypt(mobile, field="phone"),
            f"{prefix}_hash": cipher.blind_index(mobile, field="phone"),
            f"{prefix}_masked": mask_phone(mobile)}


def id_hash(cipher: PiiCipher, id_number: str) -> bytes:
    """The keyed hash that finds a registered ID number."""
    return cipher.blind_index(id_number, field="id_number")


def encrypted_id(cipher: PiiCipher, id_number: str, hashed: bytes | None = None
                 ) -> dict[str, Any]:
    """The three stored forms of an ID number (``hashed``: its :func:`id_hash`, if known)."""
    return {"id_number_enc": cipher.encrypt(id_number, field="id_number"),
            "id_number_hash": hashed or id_hash(cipher, id_number),
            "id_number_masked": mask_id_number(id_number)}


def may_manage_org(caller: Caller, org: dict[str, Any]) -> bool:
    """Whether the action table lets ``caller`` manage this team (``team.manage``)."""
    return can(caller, Action.TEAM_MANAGE,
               subject(region_code=org["region_code"], org_paths=[org["path"]]))
